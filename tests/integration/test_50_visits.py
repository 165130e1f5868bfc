#!/usr/bin/env python3
"""Visits planned with asystentctl: local times in and out, reminders
planned on the centre's calendar, every bad input of the issue.

The clock is moved (ASYSTENT_FAKE_NOW) to 2026-03-01 so that both DST
days of 2026 are ahead. The family talks by SMS with consent recorded on
paper, so it can be reached without Telegram.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, scenario  # noqa: E402
from harness import ctl_json as j, ctl_run as run  # noqa: E402

suite = Suite("visits")
NOW = 1772362800            # 2026-03-01 12:00 Europe/Warsaw (CET)
ENV = {"ASYSTENT_FAKE_NOW": str(NOW)}


def setup(d, reachable=True):
    s = j(d, "staff", "add", "Anna Nowak", "--kind",
          "family_assistant")["staff"]
    f = j(d, "family", "add", "Rodzina Kowalczuk", "--lang", "uk",
          "--channel", "sms", "--contact", "Olena Kowalczuk", "--phone",
          "+48 601 111 222", "--assistant", s["id"])["family"]
    if reachable:
        j(d, "member", "consent", f["members"][0]["id"], "--date",
          "2026-02-20", "--ref", "Z/1/2026")
    return s, f


@scenario()
def test_plan_list_move_cancel(sc):
    d = sc.daemon(env=ENV)
    s, f = setup(d)
    code = f["code"]
    a = j(d, "visit", "add", code, "--at", "2026-03-30 10:00", "--kind",
          "office", "--place", "pokój 12, ul. Długa 5")
    v = a["visits"][0]
    assert v["local"] == "2026-03-30 10:00", v
    # 10:00 CEST is 08:00 UTC: the first day of summer time.
    assert v["at"] == 1774857600, v
    assert v["family"]["code"] == code and v["answer"] == "none", v
    assert a["warnings"] == [], a
    shown = j(d, "visit", "show", v["id"])["visit"]
    # The day before at 17:00 local (the 29th, the day clocks go
    # forward) and two real hours before.
    assert [r["local"] for r in shown["reminders"]] == \
        ["2026-03-29 17:00", "2026-03-30 08:00"], shown
    assert shown["assistant"]["name"] == "Anna Nowak", shown
    assert shown["place"] == "pokój 12, ul. Długa 5", shown
    # The place is sealed in the database.
    raw = d.sql("SELECT place FROM visits WHERE id = ?", (v["id"],))
    assert "Długa".encode() not in bytes(raw[0][0]), raw

    p = run(d, "visit", "list")
    assert "2026-03-30 10:00" in p.out and code in p.out, p.out
    assert "no answer" in p.out, p.out

    # Quiet hours: a visit at 09:00 is reminded at 08:00, not 07:00.
    v2 = j(d, "visit", "add", code, "--at", "2026-03-31 09:00")["visits"][0]
    rs = j(d, "visit", "show", v2["id"])["visit"]["reminders"]
    assert [r["local"] for r in rs] == \
        ["2026-03-30 17:00", "2026-03-31 08:00"], rs

    # Moving voids the pending reminders and plans new ones.
    m = j(d, "visit", "move", v["id"], "--at", "2026-10-26 12:00")
    rs = m["visit"]["reminders"]
    assert [(r["local"], r["state"]) for r in rs] == [
        ("2026-03-29 17:00", "void"), ("2026-03-30 08:00", "void"),
        ("2026-10-25 17:00", "pending"), ("2026-10-26 10:00", "pending")
    ], rs
    assert m["visit"]["local"] == "2026-10-26 12:00", m
    c = j(d, "visit", "cancel", v["id"], "--reason", "choroba")["visit"]
    assert c["state"] == "cancelled" and c["reason"] == "choroba", c
    assert all(r["state"] == "void" for r in
               j(d, "visit", "show", v["id"])["visit"]["reminders"])
    # Moving or cancelling a cancelled visit: 409, nothing changed.
    p = run(d, "visit", "move", v["id"], "--at", "2026-11-02 12:00", rc=3)
    assert "cancelled" in p.err, p.err
    run(d, "visit", "cancel", v["id"], rc=3)
    assert j(d, "visit", "show", v["id"])["visit"]["local"] == \
        "2026-10-26 12:00"
    # --unconfirmed lists planned visits without an answer.
    ids = [x["id"] for x in j(d, "visit", "list", "--unconfirmed")["visits"]]
    assert ids == [v2["id"]], ids


@scenario()
def test_bad_input_and_warnings(sc):
    d = sc.daemon(env=ENV)
    s, f = setup(d)
    code = f["code"]
    before = d.sql("SELECT COUNT(*) FROM visits")[0][0]
    p = run(d, "visit", "add", code, "--at", "2026-02-27 10:00", rc=1)
    assert "past" in p.err, p.err
    p = run(d, "visit", "add", code, "--at", "2026-03-29 02:30", rc=1)
    assert "does not exist" in p.err, p.err
    p = run(d, "visit", "add", code, "--at", "2026-10-25 02:30", rc=1)
    assert "twice" in p.err, p.err
    p = run(d, "visit", "add", code, "--at", "9.12 10:00", rc=1)
    assert "YYYY-MM-DD HH:MM" in p.err, p.err
    run(d, "visit", "add", "R-9999", "--at", "2026-04-01 10:00", rc=2)
    run(d, "visit", "add", code, "--at", "2026-04-01 10:00", "--kind",
        "party", rc=1)
    run(d, "visit", "move", 999, "--at", "2026-04-01 10:00", rc=2)
    assert d.sql("SELECT COUNT(*) FROM visits")[0][0] == before
    # A holiday (Easter Monday) and a Saturday evening: planned, warned.
    p = run(d, "visit", "add", code, "--at", "2026-04-06 10:00")
    assert "public holiday" in p.err, p.err
    a = j(d, "visit", "add", code, "--at", "2026-04-11 19:00")
    assert len(a["warnings"]) == 1, a
    # A family nobody can be reached in.
    f2 = j(d, "family", "add", "Rodzina Bez", "--lang", "pl", "--channel",
           "sms", "--contact", "Jan Bez")["family"]
    p = run(d, "visit", "add", f2["code"], "--at", "2026-04-01 10:00",
            rc=3)
    assert "reached" in p.err, p.err


@scenario()
def test_series_and_ics(sc):
    d = sc.daemon(env=ENV)
    s, f = setup(d)
    a = j(d, "visit", "add", f["code"], "--at", "2026-03-18 10:00",
          "--every", "2-weeks", "--until", "2026-04-30", "--place",
          "ul. Ogrodowa 1; klatka B, m. 7")
    assert [v["local"] for v in a["visits"]] == [
        "2026-03-18 10:00", "2026-04-01 10:00", "2026-04-15 10:00",
        "2026-04-29 10:00"], a
    first = a["visits"][0]["id"]
    assert all(v["series_id"] == first for v in a["visits"][1:]), a
    run(d, "visit", "add", f["code"], "--at", "2026-03-18 10:00",
        "--every", "2-weeks", rc=1)
    p = run(d, "visit", "list", "--assistant", s["id"], "--ics")
    ics = p.stdout
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n"), ics[:80]
    assert b"TZID:Europe/Warsaw\r\n" in ics and b"BEGIN:VTIMEZONE" in ics
    assert ics.count(b"BEGIN:VEVENT") == 4, ics
    assert b"DTSTART;TZID=Europe/Warsaw:20260401T100000\r\n" in ics, ics
    assert "LOCATION:ul. Ogrodowa 1\\; klatka B\\, m. 7\r\n".encode() \
        in ics, ics
    for line in ics.split(b"\r\n"):
        assert len(line) <= 75, line
    assert b"\n" not in ics.replace(b"\r\n", b""), ics
    rows = j(d, "visit", "list", "--from", "2026-04-01", "--to",
             "2026-04-15")["visits"]
    assert [v["local"] for v in rows] == ["2026-04-01 10:00",
                                          "2026-04-15 10:00"], rows


@scenario()
def test_group_event_reaches_enrolled_families(sc):
    d = sc.daemon(env=ENV)
    s, f1 = setup(d)
    f2 = j(d, "family", "add", "Rodzina Nowak", "--lang", "pl",
           "--channel", "sms", "--contact", "Jan Nowak", "--phone",
           "+48 601 111 333", "--assistant", s["id"])["family"]
    j(d, "member", "consent", f2["members"][0]["id"], "--date",
      "2026-02-20", "--ref", "Z/2/2026")
    f3 = j(d, "family", "add", "Rodzina Bez", "--lang", "pl", "--channel",
           "sms", "--contact", "Ewa Bez")["family"]
    f4 = j(d, "family", "add", "Rodzina Inna", "--lang", "pl", "--channel",
           "sms", "--contact", "Adam Inny", "--phone",
           "+48 601 111 444")["family"]
    j(d, "member", "consent", f4["members"][0]["id"], "--date",
      "2026-02-20", "--ref", "Z/4/2026")
    p = j(d, "programme", "add", "Razem", "--group", "rodziny",
          "--group", "seniorzy")["programme"]
    for f, g in ((f1, "rodziny"), (f2, "rodziny"), (f3, "rodziny"),
                 (f4, "seniorzy")):
        j(d, "programme", "enrol", p["id"], f["code"], "--group", g)
    a = j(d, "event", "add", "--programme", p["id"], "--group", "rodziny",
          "--at", "2026-03-12 16:00", "--place", "świetlica, ul. Polna 3")
    e = a["event"]
    assert a["unreachable"] == [f3["code"]], a
    assert e["counts"] == {"families": 2, "confirmed": 0, "cannot_come": 0,
                           "another_time": 0, "no_answer": 2,
                           "cancelled": 0}, e
    assert sorted(x["code"] for x in e["families"]) == \
        sorted([f1["code"], f2["code"]]), e
    assert e["kind"] == "meeting" and e["group"] == "rodziny", e
    # Each is a visit of its family, with reminders; cancelling one counts.
    vid = e["families"][0]["visit_id"]
    v = j(d, "visit", "show", vid)["visit"]
    assert v["event_id"] == e["id"] and len(v["reminders"]) == 2, v
    j(d, "visit", "cancel", vid)
    e = j(d, "event", "show", e["id"])["event"]
    assert e["counts"]["cancelled"] == 1 and \
        e["counts"]["no_answer"] == 1, e
    out = run(d, "event", "show", e["id"]).out
    assert "2 families: 0 confirmed" in out and f1["code"] in out, out
    run(d, "event", "add", "--programme", p["id"], "--group", "nie-ma",
        "--at", "2026-03-12 16:00", "--place", "x", rc=1)
    run(d, "event", "add", "--programme", 999, "--at", "2026-03-12 16:00",
        "--place", "x", rc=2)


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            suite.test(fn)
    suite.run()
