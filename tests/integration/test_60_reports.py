#!/usr/bin/env python3
"""asystentctl report programme: a programme's figures per month, checked
against a scenario counted by hand. The daemon's clock is moved
(ASYSTENT_FAKE_NOW) to plan visits and send a notice in March 2026, then
to late June for the leavings, the broadcast and the report; messages of
other months are written into the database while the daemon is down.
Counts only: no name or phone in any output."""
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("reports")
WAW = zoneinfo.ZoneInfo("Europe/Warsaw")
MONTHS = ["2026-0%d" % m for m in range(1, 7)]
NAMES = ["Rodzina Pierwsza", "Rodzina Druga", "Rodzina Trzecia",
         "Rodzina Czwarta", "Rodzina Obca", "Anna Pierwsza",
         "Olek Pierwszy", "Olena Druga", "Iwan Trzeci", "John Czwarty",
         "Obcy Człowiek"]
PHONES = ["+48601000001", "+48601000002", "+48601000003", "+48601000005"]


def local(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%d %H:%M").replace(
        tzinfo=WAW).timestamp())


CLOCK1 = local("2026-03-10 12:00")
CLOCK2 = local("2026-06-25 12:00")


def ctl(d, *args, rc=0):
    p = subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return p


def family(api, name, lang, channel, contact, phone=None, extra=None):
    body = {"name": name, "language": lang, "channel": channel,
            "contact": {"name": contact}}
    if phone is not None:
        body["contact"]["phone"] = phone
    f = api.ok("POST", "/v1/families", body)["family"]
    if phone is not None:
        api.ok("POST", "/v1/members/%d/consent" % f["members"][0]["id"],
               {"date": "2026-03-01", "ref": "DOC/1"}, status=200)
    if extra is not None:
        api.ok("POST", "/v1/families/%s/members" % f["code"],
               {"name": extra})
    return f


def seed_messages(d, fams):
    """(family, local time, direction); bodies already purged."""
    rows = [
        ("f1", "2026-01-10 09:00", 0),     # before F1 enrolled: out
        ("f1", "2026-01-20 09:00", 0),
        ("f1", "2026-01-21 09:00", 1),
        ("f1", "2026-03-05 09:00", 0),
        ("f1", "2026-06-10 09:00", 1),
        ("f2", "2026-02-14 09:00", 0),
        ("f2", "2026-04-30 12:00", 1),     # its last day: in
        ("f2", "2026-05-05 09:00", 0),     # after it left: out
        ("f3", "2026-03-15 09:00", 0),
        ("f4", "2026-05-02 09:00", 1),
        ("f5", "2026-03-15 09:00", 0),     # another programme's
        ("f1", "2026-07-02 09:00", 0),     # after the range
    ]
    con = sqlite3.connect(d.db)
    try:
        for i, (f, at, direction) in enumerate(rows):
            con.execute(
                "INSERT INTO messages (id, family_id, direction, kind, "
                "channel, at, state, purged_at) VALUES (?, ?, ?, 'text', "
                "2, ?, 1, ?)", (9000 + i, fams[f]["id"], direction,
                                local(at), local(at)))
        con.commit()
    finally:
        con.close()


def sql_write(d, query, args=()):
    con = sqlite3.connect(d.db)
    try:
        con.execute(query, args)
        con.commit()
    finally:
        con.close()


def build(sc):
    d = sc.daemon(env={"ASYSTENT_FAKE_NOW": str(CLOCK1)})
    api = Api(d)
    prog = api.ok("POST", "/v1/programmes", {
        "name": "FERS", "groups": ["A", "B"]}, status=201)["programme"]
    other = api.ok("POST", "/v1/programmes", {
        "name": "Inny", "groups": []}, status=201)["programme"]
    fams = {
        "f1": family(api, NAMES[0], "pl", "sms", NAMES[5], PHONES[0],
                     extra=NAMES[6]),
        "f2": family(api, NAMES[1], "uk", "sms", NAMES[7], PHONES[1]),
        "f3": family(api, NAMES[2], "ru", "sms", NAMES[8], PHONES[2]),
        "f4": family(api, NAMES[3], "en", "telegram", NAMES[9]),
        "f5": family(api, NAMES[4], "pl", "sms", NAMES[10], PHONES[3]),
    }
    for f, group, frm in (("f1", "A", "2026-01-15"), ("f2", "A", "2026-02-01"),
                          ("f3", "B", "2026-03-10"),
                          ("f4", "B", "2026-05-01")):
        # A date ahead of today is refused: F4 enrols once it has come.
        if frm > "2026-03-10":
            continue
        api.ok("POST", "/v1/programmes/%d/enrol" % prog["id"],
               {"family": fams[f]["code"], "group": group, "from": frm})
    api.ok("POST", "/v1/programmes/%d/enrol" % other["id"],
           {"family": fams["f5"]["code"], "from": "2026-01-01"})
    visits = {}
    for name, f, at in (("v1", "f1", "2026-03-20 10:00"),
                        ("v2", "f1", "2026-04-15 10:00"),
                        ("v3", "f2", "2026-04-10 10:00"),
                        ("v4", "f2", "2026-05-12 10:00"),
                        ("v5", "f1", "2026-06-20 10:00"),
                        ("v6", "f1", "2026-06-29 10:00"),
                        ("v7", "f3", "2026-03-18 10:00"),
                        ("v8", "f5", "2026-03-18 10:00")):
        visits[name] = api.ok("POST", "/v1/visits", {
            "family": fams[f]["code"], "at": at}, status=201)["visits"][0]
    api.ok("POST", "/v1/visits/%d/cancel" % visits["v2"]["id"], {},
           status=200)
    sent = api.ok("POST", "/v1/notices/report-change/send", {
        "families": [fams["f1"]["code"], fams["f2"]["code"]],
        "params": {"place": "MOPS"}})
    rows = {r["code"]: r["outbox_id"] for r in sent["recipients"]} \
        if "recipients" in sent else None
    assert d.stop() == 0
    # What the months brought: answers, delivery reports, messages.
    sql_write(d, "UPDATE visits SET answer = 2 WHERE id = ?",
              (visits["v3"]["id"],))
    notice_rows = [r[0] for r in d.sql(
        "SELECT outbox_id FROM notice_sent ORDER BY family_id")]
    assert len(notice_rows) == 2, (notice_rows, rows)
    sql_write(d, "UPDATE outbox SET state = 2, sent_at = created_at "
              "WHERE id IN (?, ?)", tuple(notice_rows))
    sql_write(d, "UPDATE outbox SET delivery = 2 WHERE id = ?",
              (notice_rows[0],))
    seed_messages(d, fams)
    d.env["ASYSTENT_FAKE_NOW"] = str(CLOCK2)
    d.start()
    api.ok("POST", "/v1/programmes/%d/enrol" % prog["id"],
           {"family": fams["f4"]["code"], "group": "B",
            "from": "2026-05-01"})
    api.ok("POST", "/v1/programmes/%d/leave" % prog["id"],
           {"family": fams["f3"]["code"], "on": "2026-03-20"})
    api.ok("POST", "/v1/programmes/%d/leave" % prog["id"],
           {"family": fams["f2"]["code"], "on": "2026-04-30"})
    b = api.ok("POST", "/v1/broadcasts", {
        "notice": "report-change", "params": {"place": "MOPS"},
        "target": {"programme": prog["id"]}}, status=201)["broadcast"]
    api.ok("POST", "/v1/broadcasts/%d/send" % b["id"], {}, status=200)
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM broadcast_recipients "
                           "WHERE state = 0")[0][0] == 0, 10,
             "the broadcast queued")
    bc_rows = d.sql("SELECT outbox_id FROM broadcast_recipients WHERE "
                    "state = 1")
    assert len(bc_rows) == 1, bc_rows      # F1; F4 cannot be reached
    assert d.stop() == 0
    sql_write(d, "UPDATE outbox SET state = 2, sent_at = created_at, "
              "delivery = NULL WHERE id = ?", (bc_rows[0][0],))
    d.start()
    return d, api, prog, other, fams


# The hand count, month by month (January to June 2026).
WANT = {
    "enrolled":          [1, 2, 2, 1, 2, 2],
    "joined":            [1, 1, 1, 0, 1, 0],
    "left":              [0, 0, 1, 1, 0, 0],
    "participants":      [2, 3, 3, 2, 3, 3],
    "messages_from":     [1, 1, 2, 0, 0, 0],
    "messages_to":       [1, 0, 0, 1, 1, 1],
    "visits_planned":    [0, 0, 2, 2, 0, 2],
    "visits_held":       [0, 0, 2, 0, 0, 1],
    "visits_cancelled":  [0, 0, 0, 1, 0, 0],
    "visits_missed":     [0, 0, 0, 1, 0, 0],
    "notices_sent":      [0, 0, 2, 0, 0, 0],
    "notices_delivered": [0, 0, 1, 0, 0, 0],
    "broadcasts_sent":   [0, 0, 0, 0, 0, 1],
    "broadcasts_delivered": [0, 0, 0, 0, 0, 0],
}
STOCKS = ("enrolled", "participants")


def no_personal(text):
    for v in NAMES + PHONES:
        assert v not in text, v


@suite.test
@scenario()
def test_programme_report_matches_the_hand_count(sc):
    d, api, prog, other, fams = build(sc)
    p = ctl(d, "--json", "report", "programme", prog["id"], "--from",
            "2026-01", "--to", "2026-06")
    no_personal(p.stdout)
    rep = json.loads(p.stdout)["report"]
    assert [m["month"] for m in rep["months"]] == MONTHS
    assert rep["timezone"] == "Europe/Warsaw", rep
    for k, want in WANT.items():
        got = [m[k] for m in rep["months"]]
        assert got == want, (k, got, want)
        if k not in STOCKS:
            assert rep["totals"][k] == sum(got), (k, rep["totals"])
    assert rep["totals"]["enrolled"] == 4
    assert rep["totals"]["participants"] == 5
    # By language and channel: each split adds up to the whole.
    for m in rep["months"] + [rep["totals"]]:
        for k in WANT:
            assert sum(x[k] for x in m["by_language"].values()) == m[k]
            assert sum(x[k] for x in m["by_channel"].values()) == m[k]
    t = rep["totals"]
    assert t["by_language"]["pl"]["messages_from"] == 2
    assert t["by_language"]["uk"]["messages_from"] == 1
    assert t["by_language"]["ru"]["messages_from"] == 1
    assert t["by_language"]["en"]["messages_to"] == 1
    assert t["by_channel"]["telegram"]["enrolled"] == 1
    assert t["by_channel"]["sms"]["enrolled"] == 3
    assert "other" not in t["by_language"]
    # A group: A holds F1 and F2.
    a = json.loads(ctl(d, "--json", "report", "programme", prog["id"],
                       "--from", "2026-01", "--to", "2026-06", "--group",
                       "A").stdout)["report"]
    assert [m["enrolled"] for m in a["months"]] == [1, 2, 2, 1, 1, 1]
    assert a["totals"]["messages_from"] == 3
    assert a["totals"]["visits_planned"] == 5
    assert a["group"] == "A"
    # The table: a line a month and the totals.
    p = ctl(d, "report", "programme", prog["id"], "--from", "2026-01",
            "--to", "2026-06")
    no_personal(p.stdout)
    lines = p.stdout.splitlines()
    assert lines[0].startswith("Programme FERS, 2026-01 to 2026-06")
    jan = next(x for x in lines if x.startswith("2026-01"))
    assert jan.split()[1:] == ["1", "1", "0", "2", "1", "1", "0", "0",
                               "0", "0", "0", "0", "0", "0"], jan
    total = next(x for x in lines if x.startswith("TOTAL")).split()
    assert total[1] == "4" and total[5] == "4" and total[6] == "4", total
    assert "By language" in p.stdout and "By channel" in p.stdout
    # CSV: a record per month and breakdown, and the totals.
    p = ctl(d, "report", "programme", prog["id"], "--from", "2026-01",
            "--to", "2026-06", "--csv")
    no_personal(p.stdout)
    recs = [r.split(",") for r in p.stdout.splitlines()]
    head = recs[0]
    assert head[:3] == ["month", "breakdown", "value"]
    assert head[3:] == list(WANT), head
    alls = {r[0]: r for r in recs[1:] if r[1] == "all"}
    assert sorted(alls) == MONTHS + ["total"]
    col = head.index("visits_held")
    assert [int(alls[m][col]) for m in MONTHS] == WANT["visits_held"]
    assert ["2026-03", "language", "ru"] in [r[:3] for r in recs]
    # Each reading is audited.
    n = d.sql("SELECT COUNT(*) FROM audit WHERE action = "
              "'programme.report' AND object_id = ?", (prog["id"],))[0][0]
    assert n == 4, n


@suite.test
@scenario()
def test_report_refusals(sc):
    d = sc.daemon()
    api = Api(d)
    prog = api.ok("POST", "/v1/programmes", {
        "name": "FERS", "groups": ["A"]}, status=201)["programme"]
    base = "/v1/programmes/%d/report" % prog["id"]
    api.err("GET", "/v1/programmes/999/report?from=2026-01&to=2026-02",
            None, 404, "not_found")
    api.err("GET", base + "?from=2026-01&to=2026-02&group=Z", None, 404,
            "not_found")
    for q in ("from=2026-1&to=2026-02", "from=2026-13&to=2027-01",
              "from=2026-03&to=2026-02", "from=2020-01&to=2025-01",
              "to=2026-02", "from=2026-01", "from=x&to=y",
              "from=2026-01&to=2026-02&limit=3"):
        api.err("GET", base + "?" + q, None, 400, "bad_request")
    ok = api.ok("GET", base + "?from=2021-02&to=2026-01")["report"]
    assert len(ok["months"]) == 60
    p = ctl(d, "report", "programme", prog["id"], "--from", "2026-03",
            "--to", "2026-01", rc=1)
    assert "before" in p.stderr, p.stderr
    ctl(d, "report", "programme", prog["id"], "--to", "2026-01", rc=1)
    ctl(d, "report", "programme", 999, "--from", "2026-01", "--to",
        "2026-01", rc=2)


@suite.test
@scenario()
def test_a_coordinator_of_another_programme_is_refused(sc):
    if os.geteuid() != 0:
        print("skipped: other uids need root")
        return
    d = sc.daemon()
    api = Api(d)
    prog = api.ok("POST", "/v1/programmes", {"name": "FERS", "groups": []},
                  status=201)["programme"]
    other = api.ok("POST", "/v1/programmes", {"name": "Inny",
                                              "groups": []},
                   status=201)["programme"]
    s = api.ok("POST", "/v1/staff", {"name": "Koordynatorka",
                                     "kind": "coordinator"})["staff"]
    api.ok("PATCH", "/v1/staff/%d" % s["id"],
           {"unix_user": "bin", "programmes": [other["id"]]})
    path = os.path.dirname(d.sock)
    while path != "/" and not os.stat(path).st_mode & 0o001:
        os.chmod(path, 0o711)
        path = os.path.dirname(path)
    os.chmod(d.sock, 0o666)

    def as_bin(*args):
        return subprocess.run(
            ["setpriv", "--reuid=2", "--regid=2", "--clear-groups", CTL,
             "-s", d.sock] + [str(a) for a in args], capture_output=True,
            text=True, timeout=60)
    p = as_bin("report", "programme", prog["id"], "--from", "2026-01",
               "--to", "2026-02")
    assert p.returncode == 77, (p.returncode, p.stderr)
    assert "not one of yours" in p.stderr, p.stderr
    p = as_bin("report", "programme", other["id"], "--from", "2026-01",
               "--to", "2026-02")
    assert p.returncode == 0, p.stderr


if __name__ == "__main__":
    suite.run()
