#!/usr/bin/env python3
"""Foundation scenarios: the real asystentd against the Bot API emulator."""
import os
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
import po  # noqa: E402

suite = Suite("foundation")
CENTRE = "MOPS Sopot"
INTRO = ("This is the bot of %s. To write to your assistant, ask them for an "
         "invitation link and open it, or send /start followed by the "
         "invitation code.")
HELP = ("I pass messages between families and their assistants at %s.\n\n"
        "Commands:\n/start CODE — link your account with an invitation "
        "code\n/help — this help\n\nIn an emergency, call 112.")


def intro(lang):
    return po.expand(po.tr(lang, INTRO), CENTRE)


def texts_to(emu, chat_id):
    return [m["text"] for m in emu.sent(chat_id=chat_id)
            if m["method"] == "sendMessage"]


@suite.test
@scenario()
def test_unknown_start_answered_in_each_language(sc):
    sc.daemon()
    cases = [(101, "pl", "pl"), (102, "uk", "uk"), (103, "ru-RU", "ru"),
             (104, "en-GB", "en"), (105, "de", "pl"), (106, None, "pl")]
    for uid, code, _ in cases:
        kw = {"language_code": code} if code else {}
        sc.emu.message(uid, "/start", first_name="Test", **kw)
    for uid, _, lang in cases:
        m = sc.emu.wait_sent(lambda m: True, chat_id=uid, timeout=10)
        assert m["text"] == intro(lang), (uid, lang, m["text"])
    # /help and plain text from an unknown user
    sc.emu.message(107, "/help", language_code="uk")
    m = sc.emu.wait_sent(lambda m: True, chat_id=107)
    assert m["text"] == po.expand(po.tr("uk", HELP), CENTRE)
    sc.emu.message(108, "Добрий день, мені потрібна допомога",
                   language_code="uk")
    m = sc.emu.wait_sent(lambda m: True, chat_id=108)
    assert m["text"] == intro("uk")


@suite.test
@scenario()
def test_bot_commands_set_per_language(sc):
    sc.daemon()
    for lang in ("pl", "uk", "ru", "en"):
        def have(lang=lang):
            code, r = sc.emu.bot("getMyCommands", language_code=lang)
            return r.get("result") if code == 200 else None
        cmds = wait_for(have, 10, "setMyCommands " + lang)
        assert [c["command"] for c in cmds] == ["start", "help", "language",
                                                 "assistant", "stop"]
        assert cmds[1]["description"] == po.tr(lang, "Help and commands")


@suite.test
@scenario(limits=True)
def test_300_messages_to_100_chats_within_limits(sc):
    sc.daemon(conf={"limits.global_per_second": 30,
                    "limits.per_chat_per_second": 1,
                    "limits.per_group_per_minute": 20})
    users = list(range(2001, 2101))
    for round_ in ("/start", "/help", "/start"):
        for uid in users:
            sc.emu.message(uid, round_, language_code="en")
    t0 = time.monotonic()
    wait_for(lambda: sc.emu.stats()["delivered"] >= 300, 40,
             "300 deliveries")
    elapsed = time.monotonic() - t0
    st = sc.emu.stats()
    assert st["violations"] == 0, st
    assert st["refused_429"] == 0, st
    # 300 messages at 30/s cannot take less than about 10 s.
    assert elapsed > 8, elapsed
    for uid in users:
        assert texts_to(sc.emu, uid) == [intro("en"),
                                         po.expand(po.tr("en", HELP), CENTRE),
                                         intro("en")], uid


@suite.test
@scenario()
def test_429_pauses_every_send_for_retry_after(sc):
    sc.daemon()
    sc.emu.fail(method="sendMessage", code=429, retry_after=3, count=1)
    t_first = time.time() * 1000
    sc.emu.message(3001, "/start", language_code="pl")
    wait_for(lambda: sc.emu.stats()["injected_failures"] == 1, 10, "the 429")
    # Sent after the 429 was answered: every one must wait for it too.
    for uid in range(3002, 3011):
        sc.emu.message(uid, "/start", language_code="pl")
    wait_for(lambda: sc.emu.stats()["delivered"] >= 10, 15, "10 deliveries")
    sent = [m for m in sc.emu.sent() if m["method"] == "sendMessage"]
    assert len(sent) == 10
    first = min(m["t_ms"] for m in sent)
    # The 429 came after t_first; nothing may go out for 3 s after it.
    assert first - t_first >= 2900, first - t_first
    assert sc.emu.stats()["injected_failures"] == 1


@suite.test
@scenario()
def test_server_errors_are_retried_until_sent(sc):
    d = sc.daemon()
    sc.emu.fail(method="sendMessage", code=500, count=2)
    sc.emu.fail(method="sendMessage", code=502, count=1)
    sc.emu.message(4001, "/start", language_code="ru")
    m = sc.emu.wait_sent(lambda m: True, chat_id=4001, timeout=15)
    assert m["text"] == intro("ru")
    rows = d.sql("SELECT state, attempts FROM outbox")
    assert rows == [(2, 4)], rows


@suite.test
@scenario()
def test_bad_request_fails_at_once_and_403_fails_for_good(sc):
    d = sc.daemon()
    sc.emu.fail(method="sendMessage", code=400, count=1,
                description="Bad Request: chat not found")
    sc.emu.message(4101, "/start")
    wait_for(lambda: d.sql("SELECT state FROM outbox") == [(3,)], 10,
             "row failed")
    row = d.sql("SELECT attempts, error_code, last_error FROM outbox")[0]
    assert row == (1, 400, "Bad Request: chat not found"), row
    sc.emu.block(4102)
    sc.emu.message(4102, "/start")
    wait_for(lambda: d.sql("SELECT state, error_code, attempts FROM outbox "
                           "WHERE id = 2") == [(3, 403, 1)], 10,
             "failed at once, not retried")


@suite.test
@scenario()
def test_kill9_during_1000_sends_loses_nothing(sc):
    conf = {"outbox.max_in_flight": 16}
    d = sc.daemon(conf=conf)
    # Slow answers keep sends in flight when the daemon dies.
    sc.emu.fail(method="sendMessage", delay_ms=20, count=100000)
    users = list(range(50001, 51001))
    for uid in users:
        sc.emu.message(uid, "/start", language_code="uk")
    wait_for(lambda: sc.emu.stats()["delivered"] >= 150, 30,
             "some deliveries")
    d.kill9()
    before = sc.emu.stats()["delivered"]
    assert before < 1000, "all sent before the kill: test proves nothing"
    d.start()
    wait_for(lambda: len({m["chat_id"] for m in sc.emu.sent()
                          if m["method"] == "sendMessage"}) >= 1000,
             90, "1000 chats answered")
    sent = [m for m in sc.emu.sent() if m["method"] == "sendMessage"]
    per_chat = {}
    for m in sent:
        per_chat[m["chat_id"]] = per_chat.get(m["chat_id"], 0) + 1
    assert set(per_chat) == set(users)
    dups = len(sent) - 1000
    print("     delivered before kill: %d, duplicates: %d (window %d)"
          % (before, dups, conf["outbox.max_in_flight"]))
    assert dups <= conf["outbox.max_in_flight"], dups
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM outbox WHERE state != 2")
             == [(0,)], 10, "every row sent")
    assert d.sql("SELECT COUNT(*) FROM inbound WHERE state = 1") == [(1000,)]


@suite.test
@scenario()
def test_malformed_updates_skipped_and_later_ones_answered(sc):
    d = sc.daemon()
    u = sc.emu.message(6001, "/start")["update_id"]
    sc.emu.wait_sent(lambda m: True, chat_id=6001)
    bad = [
        b'{"update_id":%d,"message":"not an object"}',
        b'{"update_id":%d,"message":{"message_id":"x","chat":{"id":1}}}',
        b'{"update_id":%d,"message":{"message_id":1,"date":1,'
        b'"chat":{"id":6002,"type":"private"},"from":{"id":6002},'
        b'"text":"\xff\xfe bad utf-8"}}',
        b'{"update_id":%d,"poll":{"id":"1"}}',
        b'{"update_id":%d,"message":{"message_id":2,"date":1,'
        b'"chat":{"id":6003,"type":"private"},"from":{"id":6003},'
        b'"text":"' + b"a" * (10 << 20) + b'"}}',
        b'{"update_id":%d, this is not JSON',
        b'[1,2,3]',
    ]
    for i, raw in enumerate(bad):
        uid = u + 1 + i
        data = raw % uid if b"%d" in raw else raw
        sc.emu.raw_update(data, update_id=uid)
    sc.emu.message(6004, "/start", language_code="en")
    m = sc.emu.wait_sent(lambda m: True, chat_id=6004, timeout=20)
    assert m["text"] == intro("en")
    log = d.log()
    # Stored as they came, each parsed once by the router and set aside
    # there; only the oversized and what has no update_id never get in.
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM inbound WHERE state = 2")
             == [(4,)], 10, "malformed rows set aside")
    log = d.log()
    assert log.count("event=inbound.unusable") == 4, log
    assert log.count("event=update.skipped") >= 2, log
    for cid in (6002, 6003):
        assert texts_to(sc.emu, cid) == []
    assert d.proc.poll() is None
    # The offset moved past every bad update.
    off = d.sql("SELECT value FROM meta WHERE key = 'tg_offset'")[0][0]
    assert off > u + len(bad), (off, u)


@suite.test
@scenario()
def test_systemd_is_told_ready_status_watchdog_and_stopping(sc):
    """Type=notify: READY=1 once work is taken, STATUS= with the outbox,
    WATCHDOG=1 at half the interval from the event loop, STOPPING=1."""
    path = os.path.join(sc.dir, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.2)
    got = []

    def drain():
        while True:
            try:
                got.append(s.recv(4096).decode())
            except socket.timeout:
                return
    try:
        d = sc.daemon(env={"NOTIFY_SOCKET": path,
                           "WATCHDOG_USEC": "1000000"})
        sc.emu.message(6201, "/start")
        sc.emu.wait_sent(lambda m: True, chat_id=6201)
        wait_for(lambda: drain() or
                 sum("WATCHDOG=1" in g for g in got) >= 3, 10,
                 "three watchdog pings")
        assert got[0].startswith("READY=1\nSTATUS=telegram "), got
        assert any("outbox 0 queued, 0 failed; sms off" in g
                   for g in got), got
        d.stop()
        drain()
        assert "STOPPING=1" in got, got
    finally:
        s.close()


def fill(path):
    """Writes zeros to path until the filesystem is full."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass


@suite.test
@scenario()
def test_full_disk_while_sending_recovers_without_restart(sc):
    """The database's filesystem fills while replies go out: what cannot
    be written waits, nothing is stuck once space is back, no restart."""
    if os.geteuid() != 0:
        print("SKIP: not root: the full-disk test needs a tmpfs mount; "
              "full disk NOT tested")
        return
    small = os.path.join(sc.dir, "small")
    os.mkdir(small)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
                    small], check=True)
    try:
        d = sc.daemon(conf={"daemon.database":
                            os.path.join(small, "asystent.db")})
        users = list(range(6300, 6400))
        # Slow answers: a reply is on its way in every chat when it fills,
        # with more queued behind it in the same chat.
        sc.emu.fail(method="sendMessage", delay_ms=200, count=100000)
        for _ in range(4):
            for u in users:
                sc.emu.message(u, "/start", language_code="en")
        wait_for(lambda: "event=outbox.sent" in d.log(), 20, "sending")
        filler = os.path.join(small, "filler")
        fill(filler)
        # The log reuses the room its file already has: commits fail only
        # once it must grow. More messages until one does.
        rounds = 4
        for _ in range(8):
            for u in users:
                sc.emu.message(u, "/start", language_code="en")
            rounds += 1
            try:
                wait_for(lambda: "event=outbox.record_failed" in d.log(), 5,
                         "outcomes held for want of space")
                break
            except AssertionError:
                pass
        else:
            raise AssertionError("the full disk never held an outcome")
        os.unlink(filler)
        # Every /start is answered, in every chat, by the same process.
        wait_for(lambda: all(len(texts_to(sc.emu, u)) >= rounds
                             for u in users), 60,
                 "every chat answered after the disk had room again")
        log = d.log()
        print("  full disk: outcomes held %d time(s), updates unstored %d "
              "time(s) (stored again alone %d), %d round(s) of messages "
              "after the fill"
              % (log.count("event=outbox.record_failed"),
                 log.count("event=tg.store_failed"),
                 log.count("event=tg.store_again"), rounds - 4))
        assert log.count("event=started") == 1, log[-3000:]
        # Nothing is left `sending` for a restart to send again.
        wait_for(lambda: "event=outbox.sent" in d.log() and
                 d.log().count("event=outbox.sent") >= len(users) * rounds,
                 20, "every reply recorded as sent")
        log = d.log()
        assert d.stop() == 0
        con = sqlite3.connect(os.path.join(small, "asystent.db"))
        left = con.execute("SELECT COUNT(*) FROM outbox WHERE state IN "
                           "(0, 1)").fetchall()
        con.close()
        assert left == [(0,)], left
        assert "event=outbox.record_recovered" in log, log[-3000:]
        assert "event=store.checkpoint_failed" not in log
    finally:
        subprocess.run(["umount", "-l", small])


def start_fails(d):
    """Starts d expecting it to refuse: its exit status."""
    d.start(wait=False)
    wait_for(lambda: d.proc.poll() is not None, 10, "the daemon to refuse")
    return d.proc.returncode


@suite.test
@scenario()
def test_another_master_key_is_refused_at_start(sc):
    """A database opened with a key it was not written with: refused with
    what to do (exit 78), before anything is handled or sealed."""
    d = sc.daemon()
    sc.emu.message(6401, "/start")
    sc.emu.wait_sent(lambda m: True, chat_id=6401)
    assert d.stop() == 0
    right = d.key + ".right"
    os.rename(d.key, right)
    subprocess.run([os.path.join(BUILD, "asystentd"), "--generate-key",
                    d.key], check=True)
    mark = len(d.log())
    assert start_fails(d) == 78
    log = d.log()[mark:]
    assert "event=key.refused" in log and "another key" in log, log
    assert "event=started" not in log, log
    # The right key again: it starts and answers.
    os.replace(right, d.key)
    d.start()
    sc.emu.message(6402, "/start", language_code="en")
    assert sc.emu.wait_sent(lambda m: True, chat_id=6402)["text"] == \
        intro("en")
    assert d.stop() == 0
    # A database made before the check: a sealed value it holds decides.
    con = sqlite3.connect(d.db)
    con.execute("DELETE FROM key_check")
    con.commit()
    con.close()
    os.rename(d.key, right)
    subprocess.run([os.path.join(BUILD, "asystentd"), "--generate-key",
                    d.key], check=True)
    assert start_fails(d) == 78
    os.replace(right, d.key)
    mark = len(d.log())
    d.start()
    assert "event=key.check_written" in d.log()[mark:]
    assert d.stop() == 0


@suite.test
@scenario()
def test_empty_or_damaged_database_is_refused_with_what_to_do(sc):
    """An existing empty file is not a new install; a damaged page is
    found at start (quick_check), not by families getting errors."""
    d = sc.daemon(start=False)
    open(d.db, "wb").close()
    assert start_fails(d) == 78
    assert "is empty (0 bytes)" in d.log() and "Restore the backup" in \
        d.log(), d.log()
    os.unlink(d.db)
    d.start()
    for u in range(6501, 6521):
        sc.emu.message(u, "/start", language_code="en")
    sc.emu.wait_sent(lambda m: True, chat_id=6520)
    assert d.stop() == 0
    backup = d.db + ".backup"
    con = sqlite3.connect(d.db)
    con.execute("VACUUM INTO ?", (backup,))
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    assert pages > 3, pages
    with open(d.db, "r+b") as f:
        f.seek(4096 * (pages - 1))
        f.write(b"\xa5" * 4096)
    mark = len(d.log())
    assert start_fails(d) == 78
    log = d.log()[mark:]
    assert "damaged" in log and "restore the backup" in log, log
    # The backup back in place: it starts.
    os.replace(backup, d.db)
    d.start()
    assert d.stop() == 0


@suite.test
@scenario()
def test_update_without_id_is_skipped_not_polled_forever(sc):
    """An answer whose only update has no update_id would come back at
    once, forever: the offset moves past it and later ones are read."""
    d = sc.daemon()
    u = sc.emu.message(6101, "/start")["update_id"]
    sc.emu.wait_sent(lambda m: True, chat_id=6101)
    polls = sc.emu.stats()["polls"]
    sc.emu.raw_update(b'{"message":{"message_id":5,"date":1,"chat":'
                      b'{"id":6102,"type":"private"},"text":"x"}}',
                      update_id=u + 1)
    wait_for(lambda: "reason=\"no update_id\" next_offset" in d.log(), 10,
             "skipped")
    sc.emu.message(6103, "/start", language_code="en")
    m = sc.emu.wait_sent(lambda m: True, chat_id=6103, timeout=10)
    assert m["text"] == intro("en")
    # A handful of polls, not thousands a second.
    assert sc.emu.stats()["polls"] - polls < 20, sc.emu.stats()
    assert texts_to(sc.emu, 6102) == []


@suite.test
@scenario()
def test_database_and_logs_hold_no_text_or_user_id(sc):
    d = sc.daemon()
    secret_text = "Moja córka Zuzanna choruje na cukrzycę"
    uid = 7770001234
    sc.emu.message(uid, secret_text, first_name="Zuzanna",
                   language_code="pl")
    sc.emu.message(uid, "/start " + "kodzik-tajny-42", language_code="pl")
    wait_for(lambda: len(texts_to(sc.emu, uid)) >= 2, 10, "answers")
    d.stop()
    blobs = b""
    for suffix in ("", "-wal", "-shm"):
        p = d.db + suffix
        if os.path.exists(p):
            with open(p, "rb") as f:
                blobs += f.read()
    blobs += d.log().encode()
    for needle in (secret_text, "Zuzanna", str(uid), "kodzik-tajny-42",
                   "TEST-token-for-tests", intro("pl")[:30]):
        assert needle.encode() not in blobs, needle


@suite.test
@scenario()
def test_sigterm_stops_cleanly_and_restart_resumes(sc):
    d = sc.daemon()
    sc.emu.message(8001, "/start")
    sc.emu.wait_sent(lambda m: True, chat_id=8001)
    assert d.stop() == 0
    assert "event=stopped" in d.log()
    sc.emu.message(8002, "/start")       # arrives while we are down
    d.start()
    sc.emu.wait_sent(lambda m: True, chat_id=8002, timeout=10)
    assert len(texts_to(sc.emu, 8001)) == 1


if __name__ == "__main__":
    suite.run()
