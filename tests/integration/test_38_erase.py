#!/usr/bin/env python3
"""asystentctl family erase: a family's personal data destroyed for good
(GDPR art. 17), in the database, its WAL, the logs and the backups taken
before (its key is gone from the keystore), while counts keep it; the
refusals; the daily erasure of families closed long ago."""
import os
import sqlite3
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import (BUILD, Daemon, Suite, _stop_daemon,  # noqa: E402
                     copy_keystore, open_to_others, scenario, wait_for)
from world import Centre  # noqa: E402
import seal  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("erase")

FAMILY_A = "Rodzina Zażółćkiewiczów"
CONTACT_A = "Wasylyna Kwitkowśka"
PHONE_A = "+48601987123"
TEXT_A = "Fioletowy żyrafokot 8841 prosi o pomoc"
PLACE_A = "Ulica Niezwykła 17, mieszkanie 4"
NOTE_A = "Klucz u sąsiadki Bożenny"
VALUES_A = [FAMILY_A, CONTACT_A, PHONE_A, TEXT_A, PLACE_A, NOTE_A]

FAMILY_B = "Rodzina Pozostałych"
CONTACT_B = "Halina Zostajewska"
PHONE_B = "+48601555444"
TEXT_B = "Zielony hipopotam 5512 dziękuje"

FAMILY_MAGIC = b"\xf1\x4b"


def ctl(d, *args, rc=0, uid=0):
    argv = [CTL, "-s", d.sock] + [str(a) for a in args]
    if uid != 0:
        argv = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid,
                "--clear-groups"] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return p


def raw(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def family_blobs(db, family_id):
    """(table, column) of every blob sealed under the family's key."""
    tag = FAMILY_MAGIC + struct.pack("<q", family_id)
    con = sqlite3.connect(db)
    found = []
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % t)]
            for c in cols:
                for (v,) in con.execute("SELECT %s FROM %s" % (c, t)):
                    if isinstance(v, bytes) and v.startswith(tag):
                        found.append((t, c))
    finally:
        con.close()
    return found


def build(sc, d):
    c = Centre(sc, d)
    api = c.api
    anna = c.staff("Anna Nowak", "family_assistant", ["pl", "uk"], tg=7001)
    fa = c.family(FAMILY_A, "uk", anna, contact=CONTACT_A, tg=5001)
    fb = c.family(FAMILY_B, "pl", anna, contact=CONTACT_B, tg=5002)
    for f, phone in ((fa, PHONE_A), (fb, PHONE_B)):
        api.ok("PATCH", "/v1/members/%d" % f["members"][0]["id"],
               {"phone": phone})
    sc.emu.message(5001, TEXT_A)
    sc.emu.message(5002, TEXT_B)
    c.idle()
    got = [m.get("text", "") for m in sc.emu.sent(chat_id=7001)]
    assert any(TEXT_A in t for t in got) and any(TEXT_B in t for t in got)
    for f, place in ((fa, PLACE_A), (fb, "Świetlica")):
        api.ok("POST", "/v1/visits", {"family": f["code"],
                                      "at": "2030-05-06 10:00",
                                      "place": place, "note": NOTE_A
                                      if f is fa else "-"}, status=201)
    prog = api.ok("POST", "/v1/programmes", {"name": "FERS",
                                             "groups": []})["programme"]
    for f in (fa, fb):
        api.ok("POST", "/v1/programmes/%d/enrol" % prog["id"],
               {"family": f["code"]})
    # An invitation not used yet: it goes with the family.
    api.ok("POST", "/v1/families/%s/invite" % fa["code"], {})
    return c, anna, fa, fb, prog


@suite.test
@scenario()
def test_erase_leaves_nothing_readable_even_in_old_backups(sc):
    d = sc.daemon()
    c, anna, fa, fb, prog = build(sc, d)
    api = c.api
    backup = os.path.join(sc.subdir("backups"), "before.db")
    ctl(d, "backup", backup)

    # Refusals first: nothing is erased by them.
    p = ctl(d, "family", "erase", fa["code"], rc=1)
    assert "confirm" in p.stderr and len(p.stderr.splitlines()) == 1
    p = ctl(d, "family", "erase", "R-9999", "--confirm", rc=2)
    assert "not found" in p.stderr, p.stderr
    p = ctl(d, "family", "erase", fa["code"], "--confirm", rc=3)
    assert "visit" in p.stderr and "force" in p.stderr, p.stderr
    if os.geteuid() == 0:
        api.ok("PATCH", "/v1/staff/%d" % anna["id"], {"unix_user": "daemon"})
        open_to_others(d)
        p = ctl(d, "family", "erase", fa["code"], "--confirm", "--force",
                rc=77, uid=1)
    assert api.ok("GET", "/v1/families/" + fa["code"])["family"][
        "name"] == FAMILY_A

    p = ctl(d, "family", "erase", fa["code"], "--confirm", "--force")
    assert "erased family: %d\n" % fa["id"] in p.stdout, p.stdout
    p = ctl(d, "family", "erase", fa["code"], "--confirm", "--force", rc=3)
    assert "erased already" in p.stderr, p.stderr

    # Shown as erased, with the date; counts keep it.
    p = ctl(d, "family", "show", fa["code"])
    assert "erased 20" in p.stdout, p.stdout
    one = api.ok("GET", "/v1/families/" + fa["code"])["family"]
    assert one["status"] == "erased" and one["erased_at"] > 0, one
    assert one["name"] == "" and one["members"][0]["name"] is None or \
        one["members"][0]["name"] == "", one
    fams = api.ok("GET", "/v1/families")["families"]
    assert {f["code"] for f in fams} == {fa["code"], fb["code"]}
    st = api.ok("GET", "/v1/status")["families"]
    assert st["erased"] == 1 and st["open"] == 1, st
    assert "erased 1" in ctl(d, "status").stdout
    pr = api.ok("GET", "/v1/programmes/%d" % prog["id"])["programme"]
    assert pr["enrolled"] == 2, pr
    conv = api.ok("GET", "/v1/families/%s/conversation" % fa["code"])
    assert conv["counts"]["from_family"] >= 1, conv["counts"]
    assert all(m["text"] is None for m in conv["messages"]), conv
    p = ctl(d, "family", "export", fa["code"])
    assert "\n  erased: 20" in p.stdout, p.stdout
    for v in VALUES_A:
        assert v not in p.stdout, v
    # Nothing personal is written about it again.
    mid = fa["members"][0]["id"]
    api.err("PATCH", "/v1/members/%d" % mid, {"name": CONTACT_A}, 409,
            "conflict")
    api.err("PATCH", "/v1/families/" + fa["code"], {"name": FAMILY_A}, 409,
            "conflict")
    api.err("POST", "/v1/families/%s/members" % fa["code"],
            {"name": CONTACT_A}, 409, "conflict")
    api.err("POST", "/v1/families/%s/invite" % fa["code"], {}, 409,
            "conflict")
    api.err("POST", "/v1/members/%d/consent" % mid,
            {"date": "2026-10-01", "ref": "X/1"}, 409, "conflict")
    # The other family is as it was.
    two = api.ok("GET", "/v1/families/" + fb["code"])["family"]
    assert two["name"] == FAMILY_B and \
        two["members"][0]["phone"] == PHONE_B, two
    # The family's member writing again is a stranger now.
    n = d.sql("SELECT COUNT(*) FROM messages")[0][0]
    sc.emu.message(5001, "znowu ja")
    c.idle()
    assert d.sql("SELECT COUNT(*) FROM messages")[0][0] == n

    # The rows: nothing personal left, nothing sealed under its key.
    fid = fa["id"]
    assert d.sql("SELECT COUNT(*) FROM members WHERE family_id = ? AND "
                 "(name IS NOT NULL OR phone IS NOT NULL OR phone_idx IS "
                 "NOT NULL OR tg_user_id IS NOT NULL OR tg_idx IS NOT NULL "
                 "OR tg_chat_id IS NOT NULL)", (fid,))[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM messages WHERE family_id = ? AND "
                 "body IS NOT NULL", (fid,))[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM visits WHERE family_id = ? AND "
                 "(place IS NOT NULL OR note IS NOT NULL)", (fid,))[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM visits WHERE family_id = ? AND "
                 "state = 0", (fid,))[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM reminders WHERE state = 0 AND "
                 "visit_id IN (SELECT id FROM visits WHERE family_id = ?)",
                 (fid,))[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM invitations WHERE member_id IN "
                 "(SELECT id FROM members WHERE family_id = ?)",
                 (fid,))[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM outbox WHERE family_id = ? AND "
                 "(state = 0 OR payload IS NOT NULL)", (fid,))[0][0] == 0
    assert family_blobs(d.db, fid) == []
    audit = d.sql("SELECT action FROM audit WHERE object_id = ? AND "
                  "object = 'family'", (fid,))
    assert ("family.erase_forced",) in audit, audit
    ks = sqlite3.connect(d.db + ".keys")
    keyed = [r[0] for r in ks.execute("SELECT family_id FROM family_keys")]
    ks.close()
    assert fid not in keyed and fb["id"] in keyed, keyed

    # No value in the bytes of the database, its WAL or the log.
    for path in (d.db, d.db + "-wal", d.db + ".keys", d.db + ".keys-wal"):
        data = raw(path)
        for v in VALUES_A:
            assert v.encode() not in data, (path, v)
    assert d.stop() == 0
    for path in (d.db, d.db + "-wal", d.logfile):
        data = raw(path)
        for v in VALUES_A:
            assert v.encode() not in data, (path, v)

    # The backup from before, restored with the key and today's keystore:
    # the other family opens, the erased one does not.
    fresh = sc.subdir("restored")
    with open(d.key, "rb") as f, \
            open(os.path.join(fresh, "master.key"), "wb") as g:
        g.write(f.read())
    os.chmod(os.path.join(fresh, "master.key"), 0o600)
    with open(backup, "rb") as f, \
            open(os.path.join(fresh, "asystent.db"), "wb") as g:
        g.write(f.read())
    copy_keystore(d.db + ".keys", os.path.join(fresh, "asystent.db.keys"))
    assert family_blobs(os.path.join(fresh, "asystent.db"), fid) != []
    d2 = Daemon(sc.emu, fresh)
    sc.own(d2, "asystentd restored", lambda: _stop_daemon(d2),
           lambda: d2.log()[-3000:])
    d2.start()
    api2 = Api(d2)
    two = api2.ok("GET", "/v1/families/" + fb["code"])["family"]
    assert two["name"] == FAMILY_B and \
        two["members"][0]["phone"] == PHONE_B, two
    conv = api2.ok("GET", "/v1/families/%s/conversation" % fb["code"])
    assert any(m["text"] == TEXT_B for m in conv["messages"]), conv
    # Its values read as none there, as they do where it was erased.
    for path in ("/v1/families/" + fa["code"],
                 "/v1/families/%s/conversation" % fa["code"],
                 "/v1/families/%s/export" % fa["code"],
                 "/v1/families", "/v1/visits"):
        text = str(api2.ok("GET", path))
        for v in VALUES_A:
            assert v not in text, (path, v)
    assert "event=store.key_gone" in d2.log()
    assert "event=store.unreadable" not in d2.log()
    for v in VALUES_A:
        assert v not in d2.log(), v


@suite.test
@scenario()
def test_families_closed_long_ago_are_erased_daily(sc):
    d = sc.daemon(conf={"retention.closed_family_years": 2})
    api = Api(d)
    fams = []
    for n in ("Stara", "Nowa", "Otwarta"):
        fams.append(api.ok("POST", "/v1/families", {
            "name": "Rodzina %s" % n, "language": "pl", "channel": "sms",
            "contact": {"name": "Kontakt %s" % n}})["family"])
    p = ctl(d, "family", "close", fams[0]["code"])
    assert "closed" in p.stdout, p.stdout
    ctl(d, "family", "close", fams[1]["code"])
    ctl(d, "family", "close", fams[1]["code"], "--reopen")
    ctl(d, "family", "close", fams[1]["code"])
    assert d.stop() == 0
    # Three years on: the family closed then is erased; the one closed
    # "today" (moved back two years and a half) is not.
    now = int(time.time())
    con = sqlite3.connect(d.db)
    con.execute("UPDATE families SET closed_at = ? WHERE id = ?",
                (now - int(2.5 * 365 * 86400), fams[0]["id"]))
    con.execute("UPDATE families SET closed_at = ? WHERE id = ?",
                (now - int(1.5 * 365 * 86400), fams[1]["id"]))
    con.commit()
    con.close()
    d.start()
    wait_for(lambda: "event=retention.family_erased" in d.log(), 15,
             "the retention run")
    st = api.ok("GET", "/v1/status")["families"]
    assert st == {"open": 1, "closed": 1, "erased": 1,
                  "erased_by_retention": 1}, st
    one = api.ok("GET", "/v1/families/" + fams[0]["code"])["family"]
    assert one["status"] == "erased", one
    two = api.ok("GET", "/v1/families/" + fams[1]["code"])["family"]
    assert two["status"] == "closed" and two["name"] == "Rodzina Nowa"
    assert "erased by retention 1" in ctl(d, "status").stdout
    # Closed families of a centre with closed_family_years = 0 stay.



def make_v13(d, rows):
    """The stopped daemon's database as migration 13 left it: no family
    keys, every value of `rows` [(table, column, id, plain)] sealed under
    the master key, no keystore."""
    with open(d.key, "rb") as f:
        key = seal.field_key(f.read())
    con = sqlite3.connect(d.db)
    try:
        for table, column, rid, plain in rows:
            con.execute("UPDATE %s SET %s = ? WHERE id = ?" % (table, column),
                        (seal.seal(key, table, column, rid, plain), rid))
        con.executescript(
            # 20 to 15 undone first: the tables and indexes 13 had.
            "DROP INDEX inbound_new;"
            "CREATE INDEX inbound_new ON inbound (state, id);"
            "DROP INDEX visits_time_waiting;"
            "ALTER TABLE invitations DROP COLUMN code;"
            "DROP TABLE notice_sms;"
            "DROP INDEX outbox_live;"
            "DROP INDEX outbox_chat_ext;"
            "CREATE INDEX outbox_due ON outbox (state, priority, id);"
            "CREATE INDEX outbox_chat ON outbox (chat_key, state, id);"
            "CREATE INDEX outbox_ext ON outbox (chat_key, ext_message_id)"
            "  WHERE ext_message_id IS NOT NULL;"
            "DROP TABLE notice_sent;"
            "DROP TABLE removed_members;"
            "ALTER TABLE broadcasts DROP COLUMN recipients_purged_at;"
            "DROP INDEX outbox_family;"
            "ALTER TABLE outbox DROP COLUMN family_id;"
            "ALTER TABLE families DROP COLUMN erased_at;"
            "ALTER TABLE families DROP COLUMN closed_at;"
            "DELETE FROM meta WHERE key LIKE 'reseal.%';"
            "PRAGMA user_version = 13;")
        con.commit()
    finally:
        con.close()
    for suffix in (".keys", ".keys-wal", ".keys-shm"):
        if os.path.exists(d.db + suffix):
            os.unlink(d.db + suffix)


@suite.test
@scenario()
def test_a_database_from_before_family_keys_migrates(sc):
    d = sc.daemon()
    api = Api(d)
    fams = []
    for i in range(3):
        fams.append(api.ok("POST", "/v1/families", {
            "name": "%s %d" % (FAMILY_B, i), "language": "pl",
            "channel": "sms", "notes": NOTE_A,
            "contact": {"name": "%s %d" % (CONTACT_B, i),
                        "phone": "+4860155500%d" % i}})["family"])
    staff = api.ok("POST", "/v1/staff", {"name": "Anna Nowak",
                                         "kind": "coordinator"})["staff"]
    assert d.stop() == 0
    rows = [("staff", "name", staff["id"], "Anna Nowak")]
    for i, f in enumerate(fams):
        m = f["members"][0]["id"]
        rows += [("families", "name", f["id"], "%s %d" % (FAMILY_B, i)),
                 ("families", "notes", f["id"], NOTE_A),
                 ("members", "name", m, "%s %d" % (CONTACT_B, i)),
                 ("members", "phone", m, "+4860155500%d" % i)]
    make_v13(d, rows)
    assert family_blobs(d.db, fams[0]["id"]) == []
    d.start()
    log = d.log()
    assert "event=store.migrated from=13 to=20" in log, log[-2000:]
    assert "event=reseal.done rows=%d" % (len(rows) - 1) in log
    for i, f in enumerate(fams):
        one = api.ok("GET", "/v1/families/" + f["code"])["family"]
        assert one["name"] == "%s %d" % (FAMILY_B, i), one
        assert one["notes"] == NOTE_A and one["status"] == "open", one
        assert one["members"][0]["name"] == "%s %d" % (CONTACT_B, i)
        assert one["members"][0]["phone"] == "+4860155500%d" % i
        assert sorted(family_blobs(d.db, f["id"])) == [
            ("families", "name"), ("families", "notes"),
            ("members", "name"), ("members", "phone")]
    assert api.ok("GET", "/v1/staff/%d" % staff["id"])["staff"][
        "name"] == "Anna Nowak"
    # The phones' indexes are as they were: a taken number is refused.
    api.err("POST", "/v1/families", {
        "name": "X", "language": "pl", "channel": "sms",
        "contact": {"name": "Y", "phone": "+48601555001"}}, 409, "conflict")
    # Once: the next start has nothing to do; erasing now holds.
    done = d.log().count("event=reseal.done")
    assert d.stop() == 0
    d.start()
    assert d.log().count("event=reseal.done") == done
    ctl(d, "family", "erase", fams[1]["code"], "--confirm")
    assert family_blobs(d.db, fams[1]["id"]) == []
    assert api.ok("GET", "/v1/families/" + fams[2]["code"])["family"][
        "name"] == "%s 2" % FAMILY_B


if __name__ == "__main__":
    suite.run()
