#!/usr/bin/env python3
"""Self-test of tgemu, the Telegram Bot API emulator the other scenarios use.

Starts $ASYSTENT_BUILD/tgemu (default build/) and talks to it as the bot
would (http.client, keep-alive) and as a test would (tests/lib/tgemu.py).
Prints one line per check, then "tgemu: N passed, M failed".
"""

import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Scenario, emulator_checks  # noqa: E402
from tgemu import buttons  # noqa: E402


class Bot:
    """The bot's side: one keep-alive connection per instance."""

    def __init__(self, emu, timeout=60):
        host, port = emu.url[len("http://"):].split(":")
        self.conn = http.client.HTTPConnection(host, int(port),
                                               timeout=timeout)
        self.token = emu.token

    def call(self, method, **params):
        body = json.dumps(params).encode()
        self.conn.request("POST", "/bot%s/%s" % (self.token, method), body,
                          {"Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = json.loads(r.read())
        assert r.getheader("Content-Type") == "application/json", \
            r.getheader("Content-Type")
        assert r.status == (200 if data["ok"] else data["error_code"])
        self.last_headers = dict(r.getheaders())
        return r.status, data

    def close(self):
        self.conn.close()


def expect_error(resp, code, prefix):
    status, data = resp
    assert status == code and not data["ok"], resp
    assert data["description"].startswith(prefix), data["description"]


def t_long_poll(emu):
    bot = Bot(emu)
    t0 = time.monotonic()
    st, d = bot.call("getUpdates", timeout=1, offset=10**9)
    held = time.monotonic() - t0
    assert st == 200 and d["result"] == [], d
    assert 0.9 <= held < 3, "held %.2f s" % held
    # An update injected while the poll is held ends it at once.
    box = {}

    def poll():
        box["t0"] = time.monotonic()
        box["r"] = bot.call("getUpdates", timeout=10)
        box["t1"] = time.monotonic()
    th = threading.Thread(target=poll)
    th.start()
    deadline = time.monotonic() + 5
    while emu.stats()["polls"] < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    u = emu.message(1001, "/start abc", first_name="Olena",
                    language_code="uk")
    th.join(10)
    st, d = box["r"]
    assert st == 200 and len(d["result"]) == 1, d
    upd = d["result"][0]
    assert upd["update_id"] == u["update_id"], upd
    m = upd["message"]
    assert m["text"] == "/start abc" and m["from"]["language_code"] == "uk"
    assert m["chat"] == {"id": 1001, "first_name": "Olena",
                         "type": "private"}, m["chat"]
    assert m["entities"] == [{"offset": 0, "length": 6,
                              "type": "bot_command"}], m
    assert box["t1"] - box["t0"] < 5
    bot.close()


def t_offset_confirms(emu):
    bot = Bot(emu)
    u2 = emu.message(1001, "druga")["update_id"]
    st, d = bot.call("getUpdates", timeout=0)
    ids = [u["update_id"] for u in d["result"]]
    assert ids[-1] == u2 and ids == sorted(ids), ids
    st, d = bot.call("getUpdates", offset=u2 + 1, timeout=0)
    assert d["result"] == [], d
    assert emu.stats()["pending_updates"] == 0
    # Confirmed updates never come back, even with the old offset.
    st, d = bot.call("getUpdates", offset=ids[0], timeout=0)
    assert d["result"] == [], d
    bot.close()


def t_conflict(emu):
    a, b = Bot(emu), Bot(emu)
    box = {}
    th = threading.Thread(
        target=lambda: box.setdefault("r", a.call("getUpdates", timeout=10)))
    th.start()
    deadline = time.monotonic() + 5
    while not emu.stats()["polling"] and time.monotonic() < deadline:
        time.sleep(0.01)
    before = emu.stats()["conflicts"]
    st, d = b.call("getUpdates", timeout=1)
    th.join(5)
    expect_error(box["r"], 409, "Conflict: terminated by other getUpdates")
    assert st == 200 and d["result"] == []
    assert emu.stats()["conflicts"] == before + 1
    a.close()
    b.close()


def t_unknown_chat(emu):
    bot = Bot(emu)
    expect_error(bot.call("sendMessage", chat_id=777, text="x"), 400,
                 "Bad Request: chat not found")
    expect_error(bot.call("sendMessage", text="x"), 400,
                 "Bad Request: chat_id is empty")
    expect_error(bot.call("nosuchMethod"), 404,
                 "Not Found: method not found")
    bot.token = "1:WRONG"
    expect_error(bot.call("getMe"), 401, "Unauthorized")
    bot.close()


def t_text_checks(emu):
    bot = Bot(emu)
    emu.limits(on=False)
    expect_error(bot.call("sendMessage", chat_id=1001, text="x" * 4097), 400,
                 "Bad Request: message is too long")
    # 4096 UTF-16 units fit; an emoji counts twice.
    st, d = bot.call("sendMessage", chat_id=1001, text="x" * 4094 + "😀")
    assert st == 200, d
    expect_error(bot.call("sendMessage", chat_id=1001, text="x" * 4095 +
                          "😀"), 400, "Bad Request: message is too long")
    expect_error(bot.call("sendMessage", chat_id=1001, text=""), 400,
                 "Bad Request: message text is empty")
    expect_error(bot.call("sendMessage", chat_id=1001, text="a < b",
                          parse_mode="HTML"), 400,
                 "Bad Request: can't parse entities")
    expect_error(bot.call("sendMessage", chat_id=1001, text="<b>x</i>",
                          parse_mode="HTML"), 400,
                 "Bad Request: can't parse entities")
    expect_error(bot.call("sendMessage", chat_id=1001, text="x",
                          reply_markup={"inline_keyboard": [[
                              {"text": "a", "callback_data": "d" * 65}]]}),
                 400, "Bad Request: BUTTON_DATA_INVALID")
    st, d = bot.call("sendMessage", chat_id=1001, parse_mode="HTML",
                     text="<b>Dzień</b> &lt;dobry&gt;",
                     reply_markup=json.dumps({"inline_keyboard": [[
                         {"text": "Tak", "callback_data": "v:1:yes"}]]}))
    assert st == 200 and d["result"]["text"] == "Dzień <dobry>", d
    m = emu.wait_sent(lambda m: m["message_id"] == d["result"]["message_id"],
                      chat_id=1001)
    assert buttons(m) == [("Tak", "v:1:yes")], m
    assert m["params"]["text"] == "<b>Dzień</b> &lt;dobry&gt;", m
    bot.close()


def t_rate_limit(emu):
    bot = Bot(emu)
    emu.limits(on=True)
    emu.reset()
    emu.message(2002, "hej")
    r = [bot.call("sendMessage", chat_id=2002, text="n%d" % i)
         for i in range(3)]
    assert r[0][0] == 200, r[0]
    expect_error(r[1], 429, "Too Many Requests: retry after ")
    assert r[1][1]["parameters"]["retry_after"] >= 1, r[1]
    s = emu.stats()
    assert s["violations"] == 2 and s["refused_429"] == 2, s
    assert [m["text"] for m in emu.sent(chat_id=2002)] == ["n0"]
    # Limits off: delivered, but still counted.
    emu.limits(on=False)
    assert bot.call("sendMessage", chat_id=2002, text="n3")[0] == 200
    assert emu.stats()["violations"] == 3
    bot.close()


def t_fail_injection(emu):
    bot = Bot(emu)
    emu.limits(on=False)
    emu.reset()
    emu.fail("sendMessage", code=500, count=2)
    emu.fail("sendMessage", code=429, retry_after=7)
    expect_error(bot.call("sendMessage", chat_id=1001, text="a"), 500,
                 "Internal Server Error")
    expect_error(bot.call("sendMessage", chat_id=1001, text="a"), 500, "")
    st, d = bot.call("sendMessage", chat_id=1001, text="a")
    expect_error((st, d), 429, "Too Many Requests: retry after 7")
    assert d["parameters"]["retry_after"] == 7
    assert bot.last_headers.get("Retry-After") == "7", bot.last_headers
    assert bot.call("sendMessage", chat_id=1001, text="b")[0] == 200
    assert [m["text"] for m in emu.sent(chat_id=1001)] == ["b"]
    assert emu.stats()["injected_failures"] == 3
    # A dropped call closes the connection without an answer.
    emu.fail("getMe", drop=True)
    try:
        bot.call("getMe")
        raise AssertionError("dropped call got an answer")
    except (http.client.HTTPException, ConnectionError):
        pass
    bot.close()


def t_block(emu):
    bot = Bot(emu)
    emu.block(1001)
    expect_error(bot.call("sendMessage", chat_id=1001, text="x"), 403,
                 "Forbidden: bot was blocked by the user")
    emu.block(1001, blocked=False)
    assert bot.call("sendMessage", chat_id=1001, text="x")[0] == 200
    bot.close()


def t_callbacks_copy_edit(emu):
    bot = Bot(emu)
    st, d = bot.call("sendMessage", chat_id=1001, text="Głosuj",
                     reply_markup={"inline_keyboard": [[
                         {"text": "Tak", "callback_data": "y"}]]})
    mid = d["result"]["message_id"]
    cb = emu.callback(1001, "y", mid)
    st, d = bot.call("getUpdates", timeout=0)
    q = d["result"][-1]["callback_query"]
    assert q["data"] == "y" and q["message"]["message_id"] == mid, q
    assert bot.call("answerCallbackQuery",
                    callback_query_id=cb["callback_query_id"])[0] == 200
    expect_error(bot.call("answerCallbackQuery",
                          callback_query_id=cb["callback_query_id"]), 400,
                 "Bad Request: query is too old")
    expect_error(bot.call("editMessageReplyMarkup", chat_id=1001,
                          message_id=mid, reply_markup={"inline_keyboard": [
                              [{"text": "Tak", "callback_data": "y"}]]}),
                 400, "Bad Request: message is not modified")
    assert bot.call("editMessageReplyMarkup", chat_id=1001,
                    message_id=mid)[0] == 200
    u = emu.message(1001, None, photo=True, caption="skan")
    emu.message(3003, "hi")
    st, d = bot.call("copyMessage", chat_id=3003, from_chat_id=1001,
                     message_id=u["message_id"])
    assert st == 200 and list(d["result"]) == ["message_id"], d
    expect_error(bot.call("copyMessage", chat_id=3003, from_chat_id=1001,
                          message_id=99999), 400,
                 "Bad Request: message to copy not found")
    m = emu.wait_sent(lambda m: m["method"] == "copyMessage", chat_id=3003)
    assert m["text"] == "skan", m
    bot.close()


def t_bad_input(emu):
    bot = Bot(emu)
    for bad in (b"{not json", b"\xff\xfe", b'{"update_id": "x"}'):
        emu.raw_update(bad)
    u = emu.raw_update(b'{"update_id": 5, "message": 1}', update_id=5)
    assert u["update_id"] == 5
    bot.conn.request("POST", "/bot%s/getUpdates" % emu.token, b"{",
                     {"Content-Type": "application/json"})
    r = bot.conn.getresponse()
    assert r.status == 400, r.status
    r.read()
    bot.conn.request("GET", "/bot%s/getUpdates?timeout=0" % emu.token)
    r = bot.conn.getresponse()
    body = r.read()
    assert r.status == 200 and b"{not json" in body and b"\xff\xfe" in body
    for path, body in (("/ctl/message", b"[]"), ("/ctl/message", b"{"),
                       ("/ctl/callback", b'{"user_id":1}'),
                       ("/ctl/fail", b'{"method":"x","code":500}'),
                       ("/ctl/limits", b'{"global":-1}'),
                       ("/ctl/nope", b"{}")):
        bot.conn.request("POST", path, body)
        r = bot.conn.getresponse()
        r.read()
        assert r.status == 400, (path, r.status)
    assert emu.stats()["pending_updates"] >= 4
    bot.close()


CHECKS = [
    ("long poll holds, then returns an injected update", t_long_poll),
    ("offset confirms updates", t_offset_confirms),
    ("second poller ends the first with 409", t_conflict),
    ("unknown chat, method and token are refused", t_unknown_chat),
    ("text, HTML and button checks", t_text_checks),
    ("per-chat limit answers 429 and counts violations", t_rate_limit),
    ("injected 500, 429 and drop", t_fail_injection),
    ("blocked chat answers 403", t_block),
    ("callbacks, edits and copies", t_callbacks_copy_edit),
    ("malformed input is survived", t_bad_input),
]


def main():
    # The scenario stops the emulator in any case, prints its log and keeps
    # it when a check failed, and removes its directory.
    with Scenario(tg=False, name="tgemu") as sc:
        emu = sc.tgemu(limits=True)
        passed, failed = emulator_checks(emu, CHECKS)
        sc.failed = failed > 0
    print("tgemu: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
