#!/usr/bin/env python3
"""Conversation history: reading it, auditing it, purging old bodies.

A real asystentd with the Bot API emulator. Staff and a family are made with
asystentctl. The history is read empty, then with messages put into the
stopped daemon's database, sealed as the daemon seals them (tests/lib/seal.py;
the relay will write them itself): `asystentctl conversation show` in both
output forms, bad arguments, and an audit row per reading. Then the clock is
moved 400 days ahead at a restart: the daily purge, which runs shortly after
start, removes the old bodies and keeps every row and count. The database
file never holds a message text in plain.
"""
import datetime
import os
import sqlite3
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, scenario, wait_for  # noqa: E402
from harness import ctl_json as j, ctl_run as run  # noqa: E402
import seal  # noqa: E402

DAY = 86400
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
suite = Suite("history")

STAFF = "Anna Nowak"
FAMILY = "Rodzina Kowalenko"
CONTACT = "Olena Kowalenko"
OLD_1 = "Dzień dobry, mam pytanie o zasiłek rodzinny"
OLD_2 = "Proszę przyjść w czwartek o 10:00.\nZabrać PESEL i umowę najmu."
NEW_1 = "Скан довідки з лікарні"
NEW_2 = "Otrzymałam skan, dziękuję\x1b[31m bardzo"
ERROR = "Forbidden: bot was blocked by the user"
TEXTS = [OLD_1, OLD_2, NEW_1, NEW_2, "zasiłek rodzinny", "PESEL i umowę",
         "довідки з лікарні", "Otrzymałam skan"]


def setup_family(d):
    staff = j(d, "staff", "add", STAFF, "--kind", "family_assistant")
    fam = j(d, "family", "add", FAMILY, "--lang", "uk", "--channel",
            "telegram", "--contact", CONTACT, "--assistant",
            staff["staff"]["id"])["family"]
    return staff["staff"]["id"], fam["id"], fam["members"][0]["id"]


def audit_shows(d):
    return d.sql("SELECT uid, object, object_id FROM audit "
                 "WHERE action = 'conversation.show' ORDER BY id")


def warsaw(t):
    return datetime.datetime.fromtimestamp(t, WARSAW).strftime(
        "%Y-%m-%d %H:%M")


def seed(d, staff_id, family_id, member_id, now):
    """Four messages: two 10 days old, two 390 days in the future."""
    with open(d.key, "rb") as f:
        key = seal.field_key(f.read())
    rows = [
        # id, member, staff, direction, kind, at, body, state, error
        (1, member_id, None, 0, "text", now - 10 * DAY, OLD_1, 1, None),
        (2, None, staff_id, 1, "text", now - 10 * DAY + 60, OLD_2, 1, None),
        (3, member_id, None, 0, "photo", now + 390 * DAY, NEW_1, 1, None),
        (4, None, staff_id, 1, "text", now + 390 * DAY + 60, NEW_2, 3,
         ERROR),
    ]
    con = sqlite3.connect(d.db)
    try:
        for (mid, member, staff, direction, kind, at, body, state,
             error) in rows:
            con.execute(
                "INSERT INTO messages (id, family_id, member_id, staff_id, "
                "direction, kind, channel, at, body, state, error) "
                "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                (mid, family_id, member, staff, direction, kind, at,
                 seal.seal(key, "messages", "body", mid, body), state,
                 error))
        con.commit()
    finally:
        con.close()
    return rows


def purge_lines(d):
    return [ln for ln in d.log().splitlines()
            if "event=retention.purged" in ln]


def start(sc, env=None):
    """A (re)start on the same directory, once its first purge has run.

    The log file is shared by every run, so what came before is counted.
    """
    d = sc.daemon(env=env, start=False)
    before = len(purge_lines(d))
    d.start(wait=False)
    wait_for(lambda: len(purge_lines(d)) > before or
             d.proc.poll() is not None, 15, "the purge after start")
    assert d.proc.poll() is None, d.log()[-3000:]
    return d, purge_lines(d)[before]


def file_bytes(d):
    data = b""
    for path in (d.db, d.db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                data += f.read()
    return data


def finish(d):
    rc = d.stop()
    assert rc == 0, "asystentd exited %s: %s" % (rc, d.log()[-3000:])


@scenario()
def test_empty_history_answers_and_is_audited(sc):
    d = sc.daemon()
    _, fid, _ = setup_family(d)
    a = j(d, "conversation", "show", "R-0001")
    assert a["family"] == {"id": fid, "code": "R-0001", "name": FAMILY,
                           "language": "uk", "channel": "telegram"}, a
    assert a["counts"] == {"from_family": 0, "to_family": 0, "total": 0,
                           "purged": 0}, a
    assert a["messages"] == [], a
    out = run(d, "conversation", "show", str(fid)).out.splitlines()
    assert out[0] == ("R-0001 · %s · uk · telegram · 0 messages: 0 from "
                      "the family, 0 to the family, 0 purged" % FAMILY), out
    assert out[1:] == ["(no messages)"], out
    # One audit row per reading, with the caller's uid and ids only.
    assert audit_shows(d) == [(os.getuid(), "family", fid)] * 2
    # Bad input: nothing shown, nothing audited.
    p = run(d, "conversation", "show", "R-0999", rc=2)
    assert "family not found" in p.err, p.err
    for bad in ("0", "1001", "abc", "-5", ""):
        p = run(d, "conversation", "show", "R-0001", "--last", bad, rc=1)
        assert p.out == "", p.out
    p = run(d, "conversation", "show", "R-0001", "--last", "1001", rc=1)
    assert "last: 1 to 1000" in p.err, p.err
    run(d, "conversation", "show", rc=1)
    run(d, "conversation", "show", "R-0001", "R-0002", rc=1)
    assert len(audit_shows(d)) == 2
    assert "asystentctl conversation show FAMILY [--last N]" in \
        run(d, "conversation", "show", "--help").out
    assert "conversation show" in run(d, "help").out
    finish(d)


def check_human(d, rows):
    out = run(d, "conversation", "show", "R-0001").out
    lines = out.splitlines()
    assert lines[0] == ("R-0001 · %s · uk · telegram · 4 messages: 2 from "
                        "the family, 2 to the family, 0 purged" % FAMILY), \
        lines[0]
    assert "\x1b" not in out, out
    first = lines[1]
    assert first.startswith(warsaw(rows[0][5]) + " ← "), first
    assert "Olena" in first and "Kowalenko" not in first, first
    assert first.endswith(OLD_1) and "  text  " in first, first
    assert "  sent  " in first, first
    second = lines[2]
    assert second.startswith(warsaw(rows[1][5]) + " → "), second
    assert STAFF in second and second.endswith(OLD_2.split("\n")[0]), second
    # The second line of a text starts under the first.
    col = second.index(OLD_2[:10])
    assert lines[3] == " " * col + OLD_2.split("\n")[1], lines[3]
    assert lines[4].endswith(NEW_1) and "photo" in lines[4], lines[4]
    assert "blocked" in lines[5], lines[5]
    assert lines[5].endswith("Otrzymałam skan, dziękuję?[31m bardzo"), \
        lines[5]
    assert lines[6] == " " * col + "error: " + ERROR, lines[6]
    assert len(lines) == 7, lines


@scenario()
def test_history_shown_then_purged_after_the_retention(sc):
    d = sc.daemon()
    staff_id, fid, member_id = setup_family(d)
    finish(d)
    now = int(time.time())
    rows = seed(d, staff_id, fid, member_id, now)

    # At the real time nothing is old enough to purge.
    d, line = start(sc)
    assert "messages=0 " in line, line
    a = j(d, "conversation", "show", "R-0001")
    assert a["counts"] == {"from_family": 2, "to_family": 2, "total": 4,
                           "purged": 0}, a
    m = a["messages"]
    assert [x["id"] for x in m] == [1, 2, 3, 4], m
    assert m[0] == {"id": 1, "at": rows[0][5], "direction": "from_family",
                    "kind": "text", "channel": "telegram", "state": "sent",
                    "error": None,
                    "member": {"id": member_id, "name": "Olena"},
                    "staff": None, "text": OLD_1, "purged": False}, m[0]
    assert m[1]["staff"] == {"id": staff_id, "name": STAFF}, m[1]
    assert m[1]["member"] is None and m[1]["text"] == OLD_2, m[1]
    assert m[3]["state"] == "blocked" and m[3]["error"] == ERROR, m[3]
    last = j(d, "conversation", "show", "R-0001", "--last", "2")
    assert [x["id"] for x in last["messages"]] == [3, 4], last
    assert last["counts"]["total"] == 4, last
    check_human(d, rows)
    assert len(audit_shows(d)) == 3
    finish(d)

    # 400 days on, the daily purge takes the bodies of the first two.
    moved = now + 400 * DAY
    d, line = start(sc, env={"ASYSTENT_FAKE_NOW": str(moved)})
    assert "messages=2 " in line, line
    a = j(d, "conversation", "show", "R-0001")
    assert a["counts"] == {"from_family": 2, "to_family": 2, "total": 4,
                           "purged": 2}, a
    m = a["messages"]
    assert len(m) == 4, m
    for x in m[:2]:
        assert x["purged"] is True and x["text"] is None, x
    assert m[0]["member"] == {"id": member_id, "name": "Olena"}, m[0]
    assert m[2]["text"] == NEW_1 and m[2]["purged"] is False, m[2]
    assert m[3]["text"] == NEW_2, m[3]
    out = run(d, "conversation", "show", "R-0001").out.splitlines()
    assert "2 purged" in out[0], out[0]
    assert out[1].endswith("[purged]") and out[2].endswith("[purged]"), out
    assert d.sql("SELECT COUNT(*) FROM messages WHERE body IS NULL AND "
                 "purged_at IS NOT NULL") == [(2,)]
    # What the run purged, per kind, with its time in the centre's zone.
    st = j(d, "status")["retention"]
    assert st["messages"] == {"days": 365, "purged": 2}, st
    assert st["audit"] == {"days": 730, "purged": 0}, st
    assert st["failed_recipients"] == {"days": 90, "purged": 0}, st
    assert not st["failed"] and moved <= st["last_run_at"] < moved + 60, st
    when = datetime.datetime.fromtimestamp(
        st["last_run_at"], zoneinfo.ZoneInfo("Europe/Warsaw"))
    line = [x for x in run(d, "status").out.splitlines()
            if x.startswith("retention")]
    assert line and when.strftime("%Y-%m-%d %H:%M") in line[0], line
    assert "messages 2 (365 days), audit 0 (730 days), " \
        "failed_recipients 0 (90 days)" in line[0], line
    shows = audit_shows(d)
    assert len(shows) == 5 and all(s == (os.getuid(), "family", fid)
                                   for s in shows), shows
    finish(d)

    data = file_bytes(d)
    assert len(data) > 0
    for t in TEXTS + [STAFF, CONTACT, FAMILY]:
        assert t.encode("utf-8") not in data, "%r in the file in plain" % t
    log = d.log()
    for t in TEXTS + [CONTACT]:
        assert t not in log, "%r in the log" % t


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            suite.test(fn)
    suite.run()
