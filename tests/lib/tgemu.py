"""Client for tgemu, the Telegram Bot API emulator (tests/tgemu).

    emu = TgEmu()
    emu.start("build", limits=False)
    try:
        emu.message(42, "/start")            # a user writes to the bot
        emu.wait_sent(lambda m: "Witaj" in (m["text"] or ""), chat_id=42)
    finally:
        emu.stop()

Every control call raises TgEmuError on a non-2xx answer. Entries from
sent() are dicts: seq, t_ms, method, chat_id, message_id, text (what the
user sees: HTML tags stripped, entities decoded; None for answers without
text), params (the request as the bot sent it) and reply_markup (parsed,
or None).
"""

import json
import os
import time
import urllib.error
import urllib.request

from emuproc import EmuProc

DEFAULT_TOKEN = "123456:TEST"


class TgEmuError(Exception):
    def __init__(self, status, body):
        super().__init__("tgemu answered %s: %s" % (status, body))
        self.status = status
        self.body = body


class TgEmu(EmuProc):
    NAME = "tgemu"
    ERROR = TgEmuError

    def __init__(self, url=None, token=DEFAULT_TOKEN):
        """Give url to talk to an emulator someone else started."""
        super().__init__(url)
        self.api_root = url
        self.token = token

    # -- process ---------------------------------------------------------

    def start(self, build_dir="build", limits=True, token=DEFAULT_TOKEN,
              extra_args=(), timeout=10.0, log_path=None, workdir=None):
        """Spawns build_dir/tgemu on a free port; returns self. Its port
        file and log go to workdir when given, else to a temp dir."""
        self.token = token
        args = ["-t", token, "-l", "on" if limits else "off"]
        self._spawn(os.path.join(build_dir, "tgemu"),
                    args + list(extra_args), timeout, log_path, workdir)
        self.api_root = self.url
        return self

    # -- HTTP ------------------------------------------------------------

    def bot(self, method, timeout=60.0, **params):
        """Calls the Bot API as the bot would; returns (status, body)."""
        url = "%s/bot%s/%s" % (self.url, self.token, method)
        req = urllib.request.Request(
            url, data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    # -- control API -----------------------------------------------------

    def message(self, user_id, text=None, **kw):
        """A user message; kw: first_name, last_name, username,
        language_code, chat_id, reply_to_message_id, photo, caption,
        edit_of. Returns {"update_id", "message_id"}."""
        body = dict(kw, user_id=user_id)
        if text is not None:
            body["text"] = text
        return self._req("POST", "/ctl/message", body)

    def callback(self, user_id, data, message_id, **kw):
        """A button press; returns {"update_id", "callback_query_id"}."""
        body = dict(kw, user_id=user_id, data=data, message_id=message_id)
        return self._req("POST", "/ctl/callback", body)

    def raw_update(self, data, update_id=None):
        """Bytes (or str) spliced verbatim into the getUpdates array."""
        return self._req("POST", "/ctl/update", raw=data,
                         query={"update_id": update_id})

    def sent(self, chat_id=None, since=0):
        """Everything sent since seq `since` (all pages)."""
        out = []
        while True:
            r = self._req("GET", "/ctl/sent",
                          query={"chat_id": chat_id, "since": since})
            out += r["messages"]
            if not r["messages"] or r["next"] <= since:
                return out
            since = r["next"]
            if len(r["messages"]) < 5000:
                return out

    def sent_page(self, chat_id=None, since=0):
        """One raw /ctl/sent answer: {"messages", "next"}."""
        return self._req("GET", "/ctl/sent",
                         query={"chat_id": chat_id, "since": since})

    def stats(self):
        return self._req("GET", "/ctl/stats")

    def fail(self, method="sendMessage", code=None, count=1, retry_after=None,
             description=None, chat_id=None, drop=False, delay_ms=None):
        body = {"method": method, "count": count}
        for k, v in (("code", code), ("retry_after", retry_after),
                     ("description", description), ("chat_id", chat_id),
                     ("delay_ms", delay_ms)):
            if v is not None:
                body[k] = v
        if drop:
            body["drop"] = True
        return self._req("POST", "/ctl/fail", body)

    def block(self, chat_id, blocked=True, notify=False):
        return self._req("POST", "/ctl/block",
                         {"chat_id": chat_id, "blocked": blocked,
                          "notify": notify})

    def limits(self, on=None, global_per_s=None, chat_per_s=None,
               group_per_min=None):
        body = {}
        for k, v in (("on", on), ("global", global_per_s),
                     ("chat", chat_per_s), ("group_per_min", group_per_min)):
            if v is not None:
                body[k] = v
        return self._req("POST", "/ctl/limits", body)

    def reset(self):
        return self._req("POST", "/ctl/reset", {})

    def polls(self, instant):
        """instant: getUpdates answers at once, not holding the poll."""
        return self._req("POST", "/ctl/polls", {"instant": instant})

    def unfail(self):
        """Every failure rule goes."""
        return self._req("POST", "/ctl/unfail", {})

    def wait_sent(self, predicate, timeout=10.0, chat_id=None, since=0):
        """The first sent entry satisfying predicate; AssertionError with
        what was seen when the deadline passes."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            batch = self.sent(chat_id=chat_id, since=since)
            for m in batch:
                seen.append(m)
                if predicate(m):
                    return m
            if batch:
                since = batch[-1]["seq"] + 1
            if time.monotonic() >= deadline:
                raise AssertionError(
                    "no sent message matched in %.1f s; saw %d: %s" %
                    (timeout, len(seen), json.dumps(
                        [(m["method"], m["chat_id"], m["text"])
                         for m in seen[-20:]], ensure_ascii=False)))
            time.sleep(0.05)


def buttons(entry):
    """[(label, callback_data)] of a sent entry's inline keyboard."""
    rm = entry.get("reply_markup") or {}
    return [(b.get("text"), b.get("callback_data"))
            for row in rm.get("inline_keyboard", []) for b in row]
