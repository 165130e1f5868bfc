#!/usr/bin/env python3
"""A getUpdates answer over the daemon's size cap (64 MB): the daemon
asks for fewer updates at a time and goes on; nothing is skipped.

The emulator sends updates as they are queued, so each one here carries
4 MB of blank space after it in the array (valid JSON, gone once the
update is parsed): 20 of them make an 80 MB answer, while 12 fit. The
updates wait in the emulator before the daemon starts, so its first poll
meets all of them at once.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, scenario, wait_for  # noqa: E402

suite = Suite("tg_big_answer")

N = 20
PAD = 4 << 20
FIRST_USER = 6100


@suite.test
@scenario()
def test_over_size_answer_lowers_the_limit_and_goes_on(sc):
    d = sc.daemon(start=False)
    for i in range(N):
        uid = 1000 + i
        user = FIRST_USER + i
        raw = (b'{"update_id":%d,"message":{"message_id":%d,"date":1,'
               b'"chat":{"id":%d,"type":"private"},"from":{"id":%d,'
               b'"is_bot":false,"first_name":"Olena","language_code":'
               b'"uk"},"text":"/start"}}' % (uid, i + 1, user, user))
        sc.emu.raw_update(raw + b" " * PAD, update_id=uid)
    d.start()
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM inbound") == [(N,)], 90,
             "every update stored")
    # Handled by the router, each once (the emulator knows none of these
    # chats, so what is sent to them is refused there).
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM inbound WHERE state = 1")
             == [(N,)], 30, "every update handled")
    log = d.log()
    assert "event=tg.poll_too_large" in log, log[-3000:]
    assert "event=update.skipped" not in log, log[-3000:]
    off = d.sql("SELECT value FROM meta WHERE key = 'tg_offset'")[0][0]
    assert off == 1000 + N, off


if __name__ == "__main__":
    suite.run()
