#!/usr/bin/env python3
"""asystentctl key rotate: a new master key while the daemon serves, the
values sealed again and the indexes rebuilt in slices, kill -9 at random
slices resumed at the next start, the old key retired at the end and not
needed any more; a second rotation while one runs is refused."""
import glob
import os
import random
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("key_rotate")


def ctl(d, *args, rc=0):
    p = subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return p


def relayed(sc, text):
    return any(text in (m.get("text") or "")
               for m in sc.emu.sent(chat_id=7001))


@suite.test
@scenario()
def test_rotation_survives_kill9_and_retires_the_old_key(sc):
    rnd = random.Random(int(os.environ.get("ASYSTENT_SEED", "0")) or None)
    d = sc.daemon(conf={"daemon.rotate_slice": 1})
    c = Centre(sc, d)
    api = c.api
    anna = c.staff("Anna Nowak", "family_assistant", ["pl", "uk"], tg=7001)
    fams = []
    for i in range(3):
        f = c.family("Rodzina Telegram %d" % i, "uk", anna,
                     contact="Olena K%d" % i, tg=5001 + i)
        api.ok("PATCH", "/v1/members/%d" % f["members"][0]["id"],
               {"phone": "+4860100100%d" % i})
        fams.append(f)
    # Many rows, one a slice: the rotation takes many turns to kill in.
    for i in range(250):
        fams.append(api.ok("POST", "/v1/families", {
            "name": "Rodzina SMS %d" % i, "language": "pl",
            "channel": "sms", "assistant_id": anna["id"],
            "contact": {"name": "Kontakt %d" % i,
                        "phone": "+4860200%04d" % i}})["family"])
    for i in range(3):
        sc.emu.message(5001 + i, "przed rotacją %d" % i)
    c.idle()
    with open(d.key, "rb") as f:
        old_key = f.read()

    p = ctl(d, "key", "rotate")
    assert "key rotation" in p.stdout, p.stdout
    assert os.path.exists(d.key + ".new")
    assert os.stat(d.key + ".new").st_mode & 0o077 == 0
    p = ctl(d, "key", "rotate", rc=3)
    assert "running" in p.stderr, p.stderr
    # Served meanwhile: a message during the rotation is relayed.
    sc.emu.message(5001, "w trakcie rotacji")
    wait_for(lambda: relayed(sc, "w trakcie rotacji"), 10, "the relay")

    kills = 0
    while "event=key.rotated" not in d.log() and kills < 6:
        time.sleep(rnd.uniform(0.0, 0.08))
        d.kill9()
        kills += 1
        if "event=key.rotated" in d.log():
            break
        assert os.path.exists(d.key + ".new") or \
            glob.glob(d.key + ".retired-*"), os.listdir(d.dir)
        d.start()
        assert "event=key.rotation_resumed" in d.log() or \
            "event=key.rotation_renamed" in d.log()
        sc.emu.message(5002, "po zabiciu %d" % kills)
    if d.proc is None or d.proc.poll() is not None:
        d.start()       # killed after the end: nothing left to resume
    if "event=key.rotated" not in d.log():
        wait_for(lambda: "event=key.rotated" in d.log(), 60,
                 "the rotation's end")
    assert kills > 0
    assert "event=key.rotation_resumed" in d.log()
    wait_for(lambda: not os.path.exists(d.key + ".new"), 10, "the rename")
    retired = glob.glob(d.key + ".retired-*")
    assert len(retired) == 1, retired
    with open(retired[0], "rb") as f:
        assert f.read() == old_key
    with open(d.key, "rb") as f:
        new_key = f.read()
    assert new_key != old_key and len(new_key) == 32
    assert os.stat(d.key).st_mode & 0o077 == 0
    st = api.ok("GET", "/v1/status")
    assert st["key_rotation"] is None, st
    assert "key rotation" in ctl(d, "status").stdout

    # The old key is not needed any more: started with the new one only.
    assert d.stop() == 0
    os.rename(retired[0], os.path.join(sc.subdir("away"), "old.key"))
    d.start()
    assert "event=store.unreadable" not in d.log()
    for f in fams:
        one = api.ok("GET", "/v1/families/" + f["code"])["family"]
        assert one["name"] == f["name"], (one, f)
    conv = api.ok("GET", "/v1/families/%s/conversation" % fams[0]["code"])
    assert any(m["text"] == "przed rotacją 0" for m in conv["messages"])
    # Every family is found by its Telegram id and by its phone.
    for i in range(3):
        sc.emu.message(5001 + i, "po rotacji %d" % i)
    c.idle()
    for i in range(3):
        assert relayed(sc, "po rotacji %d" % i), i
    for i in range(0, 250, 7):
        api.err("POST", "/v1/families", {
            "name": "Duplikat", "language": "pl", "channel": "sms",
            "contact": {"name": "X", "phone": "+4860200%04d" % i}},
            409, "conflict")
    api.err("POST", "/v1/families", {
        "name": "Duplikat", "language": "pl", "channel": "sms",
        "contact": {"name": "X", "phone": "+48601001000"}}, 409, "conflict")
    # A staff member's answer still finds its family (the chat keys).
    sent = [m for m in sc.emu.sent(chat_id=7001)
            if "przed rotacją 1" in (m.get("text") or "")]
    assert sent, "no relay copy"
    sc.emu.message(7001, "odpowiedź po rotacji",
                   reply_to_message_id=sent[-1]["message_id"])
    c.idle()
    assert any("odpowiedź po rotacji" in (m.get("text") or "")
               for m in sc.emu.sent(chat_id=5002))
    # And a second rotation is possible afterwards.
    ctl(d, "key", "rotate")
    wait_for(lambda: d.log().count("event=key.rotated") >= 2, 60,
             "the second rotation")

    # Killed between the two renames that end it: the new key file is
    # alone; the next start gives it the key file's name.
    assert d.stop() == 0
    for r in glob.glob(d.key + ".retired-*"):
        os.unlink(r)
    os.rename(d.key, d.key + ".new")
    d.start()
    assert "event=key.rotation_renamed" in d.log()
    assert os.path.exists(d.key) and not os.path.exists(d.key + ".new")
    one = api.ok("GET", "/v1/families/" + fams[5]["code"])["family"]
    assert one["name"] == fams[5]["name"]


def answer(sc, c, family_tg, staff_tg, text):
    """The staff member answers the family's newest relayed message."""
    copy = [m for m in sc.emu.sent(chat_id=staff_tg)
            if "od rodziny" in (m.get("text") or "")][-1]
    sc.emu.message(staff_tg, text, reply_to_message_id=copy["message_id"])


def texts_to(sc, chat_id, prefix):
    return [m["text"] for m in sc.emu.sent(chat_id=chat_id)
            if (m.get("text") or "").startswith(prefix)]


@suite.test
@scenario()
def test_queued_answers_and_unused_codes_outlive_a_rotation(sc):
    d = sc.daemon(conf={"daemon.rotate_slice": 1})
    c = Centre(sc, d)
    api = c.api
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=7001)
    fam = c.family("Rodzina Kowalskich", "pl", anna, tg=5001)
    other = c.family("Rodzina Nowaków", "pl", anna)
    code = api.ok("POST", "/v1/families/%s/invite" % other["code"],
                  {})["invitation"]["code"]
    staff = api.ok("POST", "/v1/staff", {
        "name": "Ewa Lis", "kind": "family_assistant",
        "languages": ["pl"]})["staff"]
    staff_code = api.ok("POST", "/v1/staff/%d/invite" % staff["id"],
                        {})["invitation"]["code"]
    # Made before invitations kept their code: void at the rotation.
    old = api.ok("POST", "/v1/staff/%d/invite" % staff["id"],
                 {})["invitation"]["code"]
    assert d.stop() == 0
    con = sqlite3.connect(d.db, timeout=10)
    con.execute("UPDATE invitations SET code = NULL WHERE id = "
                "(SELECT MAX(id) FROM invitations)")
    con.commit()
    con.close()
    d.start()
    sc.emu.message(5001, "od rodziny: pytanie")
    c.idle()

    # The first answer hangs in Telegram for a while; the next ones
    # queue behind it, then the key is rotated, then more are queued.
    sc.emu.fail("sendMessage", chat_id=5001, delay_ms=3000, count=1)
    for i in range(3):
        answer(sc, c, 5001, 7001, "odp %d" % i)
        wait_for(lambda: d.sql("SELECT COUNT(*) FROM outbox WHERE "
                               "cause = 'answer'")[0][0] > i, 10,
                 "answer %d queued" % i)
    assert texts_to(sc, 5001, "odp") == []
    api.ok("POST", "/v1/key/rotate", {}, status=200)
    for i in range(3, 6):
        answer(sc, c, 5001, 7001, "odp %d" % i)
    wait_for(lambda: len(texts_to(sc, 5001, "odp")) == 6, 30,
             "the six answers")
    assert texts_to(sc, 5001, "odp") == ["odp %d" % i for i in range(6)]
    wait_for(lambda: "event=key.rotated" in d.log(), 60, "the rotation")

    # The codes given out before the rotation still work after it.
    c.emu.message(5101, "/start " + code, language_code="pl")
    c.idle()
    c.onboard(5101, "pl")
    one = api.ok("GET", "/v1/families/" + other["code"])["family"]
    assert any(m["telegram_linked"] for m in one["members"]), one
    c.emu.message(7101, "/start " + staff_code, language_code="pl")
    c.idle()
    assert api.ok("GET", "/v1/staff/%d" % staff["id"])["staff"][
        "telegram_linked"], "staff code refused after the rotation"
    # A used code's copy is gone; the code from before is void.
    assert d.sql("SELECT COUNT(*) FROM invitations WHERE used_at IS NOT "
                 "NULL AND code IS NOT NULL")[0][0] == 0
    c.emu.message(7102, "/start " + old, language_code="pl")
    c.idle()
    assert d.sql("SELECT COUNT(*) FROM invitations WHERE used_at IS "
                 "NULL")[0][0] == 0


@suite.test
@scenario()
def test_a_credential_key_works_but_is_not_rotated(sc):
    """An install whose unit still passes the key as a systemd credential
    keeps working; a rotation is refused with what to change."""
    creds = sc.subdir("credentials")
    d = sc.daemon(env={"CREDENTIALS_DIRECTORY": creds}, start=False)
    os.rename(d.key, os.path.join(creds, "master.key"))
    d.start()
    c = Centre(sc, d)
    fam = c.family("Rodzina Kowalskich", "pl")
    assert c.api.ok("GET", "/v1/families/" + fam["code"])["family"][
        "name"] == "Rodzina Kowalskich"
    p = ctl(d, "key", "rotate", rc=3)
    assert "LoadCredential" in p.stderr and "key_file" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(creds, "master.key.new"))
    assert not os.path.exists(d.key + ".new")
    # Moved to key_file, no credential: rotated.
    assert d.stop() == 0
    os.rename(os.path.join(creds, "master.key"), d.key)
    d.env.pop("CREDENTIALS_DIRECTORY")
    d.start()
    ctl(d, "key", "rotate")
    wait_for(lambda: "event=key.rotated" in d.log(), 30, "the rotation")
    assert c.api.ok("GET", "/v1/families/" + fam["code"])["family"][
        "name"] == "Rodzina Kowalskich"


@suite.test
@scenario()
def test_a_rotation_killed_after_its_renames_is_noted_at_start(sc):
    """Killed after the key files were renamed and before the rotation
    noted its end: only the new key is left and every row is done, so at
    the next start the rotation is over, the log says so, and another can
    start."""
    d = sc.daemon(conf={"daemon.rotate_slice": 50})
    assert d.stop() == 0
    con = sqlite3.connect(d.db, timeout=10)
    con.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES "
                    "(?, ?)", [("rotate.step", 4), ("rotate.after", 0),
                               ("rotate.rows", 12),
                               ("rotate.started", int(time.time()) - 5)])
    con.commit()
    con.close()
    d.start()
    assert "event=key.rotated rows=12" in d.log(), d.log()
    assert "event=key.rotation_resumed" not in d.log()
    api = Centre(sc, d).api
    assert api.ok("GET", "/v1/status")["key_rotation"] is None
    ctl(d, "key", "rotate")
    wait_for(lambda: d.log().count("event=key.rotated") == 2, 30,
             "the next rotation's end")
    assert not os.path.exists(d.key + ".new")


if __name__ == "__main__":
    suite.run()
