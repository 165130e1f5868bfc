#!/usr/bin/env python3
"""asystentctl family export: everything held about a family, as JSON
and as readable text, audited (GDPR art. 15)."""
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
import seal  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("export")

STAFF = "Agnieszka Wiśniewska"
FAMILY = "Rodzina Łukaszewiczów"
CONTACT = "Łucja Żółtowska"
PHONE = "+48601234567"
OTHER = "Тарас Шевченко"
NOTES = "Notatka: rampa przy wejściu"
REF = "DOC/15/2026"
MSG_IN = "Dzień dobry, czy zasiłek już przyszedł?\nPozdrawiam"
MSG_OUT = "Tak, przelew wyszedł wczoraj."
PLACE = "Świetlica przy ul. Lipowej 5"
VISIT_NOTE = "Zabrać wniosek o dodatek"
VALUES = [STAFF, FAMILY, CONTACT, PHONE, OTHER, NOTES, REF, MSG_OUT,
          "Dzień dobry, czy zasiłek już przyszedł?", "Pozdrawiam", "FERS",
          PLACE, VISIT_NOTE]


def ctl(d, *args, rc=0, cwd=None):
    p = subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=120, cwd=cwd)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p


def seed(d, family_id, member_id, staff_id):
    with open(d.key, "rb") as f:
        key = seal.field_key(f.read())
    con = sqlite3.connect(d.db)
    try:
        for mid, member, staff, direction, at, body in (
                (1, member_id, staff_id, 0, 1790000000, MSG_IN),
                (2, None, staff_id, 1, 1790000600, MSG_OUT)):
            con.execute(
                "INSERT INTO messages (id, family_id, member_id, staff_id, "
                "direction, kind, channel, at, body, state, error) "
                "VALUES (?, ?, ?, ?, ?, 'text', 1, ?, ?, 1, NULL)",
                (mid, family_id, member, staff, direction, at,
                 seal.seal(key, "messages", "body", mid, body)))
        con.commit()
    finally:
        con.close()


@suite.test
@scenario()
def test_export_holds_every_value_and_is_audited(sc):
    d = sc.daemon()
    api = Api(d)
    s = api.ok("POST", "/v1/staff", {"name": STAFF,
                                     "kind": "family_assistant"})["staff"]
    fam = api.ok("POST", "/v1/families", {
        "name": FAMILY, "language": "pl", "channel": "sms",
        "assistant_id": s["id"], "notes": NOTES,
        "contact": {"name": CONTACT, "phone": PHONE}})["family"]
    other = api.ok("POST", "/v1/families/%s/members" % fam["code"],
                   {"name": OTHER})["member"]
    api.ok("POST", "/v1/members/%d/consent" % fam["members"][0]["id"],
           {"date": "2026-10-01", "ref": REF}, status=200)
    prog = api.ok("POST", "/v1/programmes", {"name": "FERS",
                                             "groups": []})["programme"]
    api.ok("POST", "/v1/programmes/%d/enrol" % prog["id"],
           {"family": fam["code"]})
    api.ok("POST", "/v1/visits", {"family": fam["code"],
                                  "at": "2030-05-06 10:00", "place": PLACE,
                                  "note": VISIT_NOTE}, status=201)
    # A notice it was sent; a member added, then removed.
    api.ok("POST", "/v1/notices/report-change/send", {
        "families": [fam["code"]], "params": {"place": "MOPS"}})
    b = api.ok("POST", "/v1/broadcasts", {
        "notice": "report-change", "params": {"place": "MOPS"},
        "target": {"programme": prog["id"]}}, status=201)["broadcast"]
    api.ok("POST", "/v1/broadcasts/%d/send" % b["id"], {}, status=200)
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM broadcast_recipients "
                           "WHERE state = 0")[0][0] == 0, 10,
             "the broadcast queued")
    gone = api.ok("POST", "/v1/families/%s/members" % fam["code"],
                  {"name": "Ktoś Odszedł"})["member"]
    api.ok("DELETE", "/v1/members/%d" % gone["id"])
    # Another family's values must stay out of this export.
    api.ok("POST", "/v1/families", {
        "name": "Rodzina Obca", "language": "pl", "channel": "sms",
        "contact": {"name": "Obcy Człowiek", "phone": "+48609999999"}})
    assert d.stop() == 0
    seed(d, fam["id"], fam["members"][0]["id"], s["id"])
    d.start()
    where = sc.subdir("out")
    out = os.path.join(where, "R.json")
    p = ctl(d, "family", "export", fam["code"], "--out", out)
    assert "R.json.txt" in p.stdout, p.stdout
    with open(out, encoding="utf-8") as f:
        x = json.load(f)
    with open(out + ".txt", encoding="utf-8") as f:
        text = f.read()
    assert os.stat(out).st_mode & 0o077 == 0
    blob = json.dumps(x, ensure_ascii=False)
    for v in VALUES:
        assert v in blob, v
        assert v in text, (v, text)
    for v in ("Rodzina Obca", "Obcy Człowiek", "+48609999999"):
        assert v not in blob and v not in text, v
    msgs = x["messages"]
    assert [m["direction"] for m in msgs] == ["from_family", "to_family"]
    assert [m["text"] for m in msgs] == [MSG_IN, MSG_OUT]
    assert x["staff"] == [{"id": s["id"], "name": STAFF}]
    assert {m["id"] for m in x["family"]["members"]} == \
        {fam["members"][0]["id"], other["id"]}
    acts = [a["action"] for a in x["audit"]]
    for a in ("family.add", "member.add", "member.consent",
              "programme.enrol", "family.export", "notice.send"):
        assert a in acts, (a, acts)
    # The removed member's rows are the family's too.
    about_gone = [a["action"] for a in x["audit"]
                  if a["object"] == "member" and a["object_id"] == gone["id"]]
    assert sorted(about_gone) == ["member.add", "member.remove"], x["audit"]
    p = ctl(d, "--json", "audit", "list", "--family", fam["code"])
    listed = json.loads(p.stdout)["audit"]
    assert {(a["action"], a["object_id"]) for a in listed} >= {
        ("member.add", gone["id"]), ("member.remove", gone["id"])}, listed
    assert "Ktoś Odszedł" not in blob
    # The notice: template, language, channel, time, what became of it.
    n, nb = x["notices"]
    assert n["broadcast"] is None, n
    assert nb["broadcast"] == b["id"] and nb["notice"] == "report-change", nb
    assert nb["channel"] == "sms" and nb["outbox_id"] > 0, nb
    assert n["notice"] == "report-change" and n["version"] == 1, n
    assert n["language"] == "pl" and n["channel"] == "sms", n
    assert n["member_id"] == fam["members"][0]["id"], n
    assert n["state"] in ("queued", "sending", "sent", "failed"), n
    assert n["at"] > 0 and n["outbox_id"] > 0, n
    assert "Notices sent (2)\n" in text, text
    assert "  broadcast %d: report-change v1, pl, by sms: " % b["id"] in \
        text, text
    assert "  report-change v1, pl, by sms: %s" % n["state"] in text, text
    # Readable: the times in the centre's zone, the directions in words.
    assert "2026-09-21 16:13  from " + CONTACT in text, text
    assert "2026-09-21 16:23  to the family, written by " + STAFF in text, text
    assert "    Pozdrawiam\n" in text
    assert "version paper, paper form " + REF in text, text
    # Printed on stdout too; each export is one audit row.
    p = ctl(d, "family", "export", fam["code"])
    assert MSG_OUT in p.stdout
    n = d.sql("SELECT COUNT(*) FROM audit WHERE action = 'family.export' "
              "AND object_id = ?", (fam["id"],))[0][0]
    assert n == 2, n


@suite.test
@scenario()
def test_export_refusals(sc):
    d = sc.daemon()
    api = Api(d)
    fam = api.ok("POST", "/v1/families", {
        "name": FAMILY, "language": "pl", "channel": "sms",
        "contact": {"name": CONTACT}})["family"]
    p = ctl(d, "family", "export", "R-9999", rc=2)
    assert len(p.stderr.splitlines()) == 1 and "not found" in p.stderr
    where = sc.subdir("out")
    out = os.path.join(where, "x.json")
    with open(out + ".txt", "w") as f:
        f.write("keep\n")
    p = ctl(d, "family", "export", fam["code"], "--out", out, rc=73)
    assert "exists" in p.stderr, p.stderr
    assert sorted(os.listdir(where)) == ["x.json.txt"]
    assert d.sql("SELECT COUNT(*) FROM audit WHERE action = "
                 "'family.export'")[0][0] == 1


if __name__ == "__main__":
    suite.run()
