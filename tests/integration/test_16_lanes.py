#!/usr/bin/env python3
"""Outbox lanes (issue 11): receipts never hold up a message, one bad
method never stalls the bot, a server that does not hold the long poll is
not hammered.

A real asystentd runs against the Bot API emulator. Olena's family writes
to Anna; each answer of Anna's that reaches the family queues a receipt (a
👌 on Anna's answer), which is best effort and in the lowest lane.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

suite = Suite("lanes")

ANNA = 7001
OLENA = 5001
OK_HAND = "\U0001f44c"
FOREVER = 1000000

OPEN = {"hours." + d: "00:00-23:59" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}


def centre(sc, conf=None):
    d = sc.daemon(conf=dict(OPEN, **(conf or {})))
    c = Centre(sc, d)
    c.anna = c.staff("Anna Nowak", "family_assistant", ["pl", "uk"],
                     tg=ANNA)
    c.fam = c.family("Rodzina Kowalskich", "uk", c.anna,
                     contact="Olena Kowalska", tg=OLENA)
    return c


def seq(c):
    s = c.emu.sent()
    return s[-1]["seq"] + 1 if s else 0


def wait_text(c, chat, pred, since=0, timeout=10):
    return c.emu.wait_sent(lambda m: m["chat_id"] == chat and
                           m["text"] is not None and pred(m["text"]),
                           timeout=timeout, since=since)


def relayed(c, text):
    """Olena writes; the copy Anna gets."""
    s = seq(c)
    c.emu.message(OLENA, text, first_name="Olena")
    return wait_text(c, ANNA, lambda t: t.endswith("\n" + text), s)


def answer(c, m, text):
    """Anna answers the relayed `m`; returns her message's id once the
    family has the answer."""
    s = seq(c)
    a = c.emu.message(ANNA, text, reply_to_message_id=m["message_id"])
    wait_text(c, OLENA, lambda t: t == text, s)
    return a["message_id"]


def requests(c, method):
    return c.emu.stats()["requests"].get(method, 0)


def receipts(c, state):
    """The 👌 rows (removing used buttons is a receipt too)."""
    return c.d.sql("SELECT COUNT(*) FROM outbox WHERE priority = 3 AND "
                   "method = 'setMessageReaction' AND state = ?",
                   (state,))[0][0]


def finish(c):
    rc = c.d.stop()
    assert rc == 0, "asystentd exited %s: %s" % (rc, c.d.log()[-3000:])


@suite.test
@scenario()
def test_receipts_trail_behind_family_messages(sc):
    """A burst of answers queues a burst of receipts; a family message
    written after it reaches the assistant before they are all out."""
    c = centre(sc, {"limits.global_per_second": "4"})
    m = relayed(c, "Перше питання")
    for i in range(16):
        c.emu.message(ANNA, "Odpowiedź %d" % i,
                      reply_to_message_id=m["message_id"])
    wait_for(lambda: receipts(c, 0) >= 8, 20, "receipts queued")
    s = seq(c)
    c.emu.message(OLENA, "Термінове питання", first_name="Olena")
    wait_text(c, ANNA, lambda t: "Термінове" in t, s, timeout=20)
    # The family's message did not wait for the receipts queued before it.
    assert receipts(c, 0) > 0, c.d.sql("SELECT state, COUNT(*) FROM outbox "
                                       "WHERE priority = 3 GROUP BY state")
    # They trail, and all get there.
    wait_for(lambda: len([x for x in c.emu.sent(chat_id=ANNA)
                          if x["method"] == "setMessageReaction"]) == 16,
             30, "every 👌")
    st = c.api.ok("GET", "/v1/status")
    assert st["lanes"]["receipt"] == {"queued": 0, "sending": 0,
                                      "failed": 0}, st
    finish(c)


@suite.test
@scenario()
def test_a_receipt_failing_forever_holds_nothing(sc):
    c = centre(sc)
    c.emu.fail("setMessageReaction", code=500, count=FOREVER)
    m = relayed(c, "Добрий день")
    answer(c, m, "Dzień dobry.")
    # The family's next message and Anna's next answer go at once.
    m2 = relayed(c, "Друге питання")
    answer(c, m2, "Druga odpowiedź.")
    # The receipts gave up after a few attempts, the reason kept.
    wait_for(lambda: receipts(c, 3) == 2, 20, "receipts given up")
    rows = c.d.sql("SELECT attempts, error_code FROM outbox WHERE "
                   "method = 'setMessageReaction'")
    assert rows == [(3, 500), (3, 500)], rows
    assert requests(c, "setMessageReaction") == 6
    assert "event=outbox.failed" in c.d.log()
    rows = c.api.ok("GET", "/v1/outbox?state=failed")["outbox"]
    assert [(r["lane"], r["method"]) for r in rows] == \
        [("receipt", "setMessageReaction")] * 2, rows
    finish(c)


@suite.test
@scenario()
def test_404_on_reactions_disables_reactions_only(sc):
    c = centre(sc)
    c.emu.fail("setMessageReaction", code=404,
               description="Not Found: method not found", count=FOREVER)
    m = relayed(c, "Добрий день")
    answer(c, m, "Dzień dobry.")
    wait_for(lambda: receipts(c, 3) == 1, 10, "the receipt failed")
    # Nothing paused: the next ones go at once, and no more reactions
    # are asked of the server.
    m2 = relayed(c, "Друге")
    answer(c, m2, "Druga.")
    wait_for(lambda: receipts(c, 3) == 2, 10, "the second receipt failed")
    assert requests(c, "setMessageReaction") == 1
    log = c.d.log()
    assert log.count("event=tg.method_unavailable "
                     "method=setMessageReaction") == 1, log
    st = c.api.ok("GET", "/v1/status")
    assert st["channels"]["telegram"]["auth_paused"] is False, st
    assert st["telegram"]["state"] == "connected", st
    finish(c)


@suite.test
@scenario()
def test_401_everywhere_pauses_and_resumes_when_the_token_works(sc):
    c = centre(sc, {"outbox.auth_pause_s": "1"})
    relayed(c, "Перше")
    c.emu.fail("*", code=401, description="Unauthorized", count=FOREVER)
    s = seq(c)
    c.emu.message(OLENA, "Друге", first_name="Olena")
    wait_for(lambda: c.api.ok("GET", "/v1/status")["channels"]["telegram"]
             ["auth_paused"], 10, "the auth pause")
    assert "event=tg.unauthorized" in c.d.log()
    # Waiting, not failed.
    assert c.d.sql("SELECT COUNT(*) FROM outbox WHERE state = 3")[0][0] == 0
    c.emu.unfail()
    wait_text(c, ANNA, lambda t: t.endswith("\nДруге"), s, timeout=20)
    assert c.d.sql("SELECT COUNT(*) FROM outbox WHERE state = 3")[0][0] == 0
    finish(c)


@suite.test
@scenario()
def test_instant_get_updates_costs_one_poll_a_second(sc):
    c = centre(sc)
    relayed(c, "Перше")
    c.emu.polls(True)
    p0 = c.emu.stats()["polls"]
    t0 = time.monotonic()
    wait_for(lambda: c.emu.stats()["polls"] >= p0 + 4, 20, "four polls")
    # Without a floor these would take milliseconds.
    assert time.monotonic() - t0 >= 2.5, time.monotonic() - t0
    # Messages still come in.
    relayed(c, "Друге")
    finish(c)


@suite.test
@scenario()
def test_kill9_during_mixed_load_loses_nothing(sc):
    c = centre(sc, {"limits.global_per_second": "20"})
    m = relayed(c, "Початок")
    for i in range(10):
        c.emu.message(ANNA, "Odp %d" % i,
                      reply_to_message_id=m["message_id"])
        c.emu.message(OLENA, "Питання %d" % i, first_name="Olena")
    wait_for(lambda: c.d.sql("SELECT COUNT(*) FROM outbox WHERE "
                             "priority = 3")[0][0] >= 1, 20,
             "receipts queued")
    c.d.kill9()
    c.d.start()
    wait_for(lambda: all(any(x["text"] == "Odp %d" % i
                             for x in c.emu.sent(chat_id=OLENA))
                         for i in range(10)), 30, "every answer")
    wait_for(lambda: all(any((x["text"] or "").endswith("\nПитання %d" % i)
                             for x in c.emu.sent(chat_id=ANNA))
                         for i in range(10)), 30, "every question")
    wait_for(lambda: len({x["message_id"] for x in c.emu.sent(chat_id=ANNA)
                          if x["method"] == "setMessageReaction"}) == 10,
             30, "every 👌")
    c.idle()
    assert c.d.sql("SELECT COUNT(*) FROM outbox WHERE state = 3")[0][0] == 0
    finish(c)


if __name__ == "__main__":
    sys.exit(suite.run())
