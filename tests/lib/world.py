"""Builds "a centre" for integration tests: staff and families created
through the admin API, their Telegram accounts linked by redeeming the
invitations from emulated users, and family members taken through the
first contact (language, consent) the way a family does it: by pressing
the buttons the bot sends ("lang:uk", then "consent:yes").

    c = Centre(sc, d)
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=7001)
    fam = c.family("Rodzina Kowalskich", "uk", anna, contact="Olena K",
                   tg=5001)
    c.idle()
"""
import time

from adminapi import Api
from harness import wait_for


def limits_on(d, emu):
    """Telegram's limits (30 a second for the bot, 1 a chat, 20 a minute a
    group) in the emulator and in the daemon alike; the daemon is stopped
    and started by the caller. A daemon without its own limits against an
    emulator with them would only measure 429 pauses."""
    with open(d.conf) as f:
        conf = f.read()
    for k, v in (("global_per_second", "30"), ("per_chat_per_second", "1"),
                 ("per_group_per_minute", "20")):
        conf = conf.replace("%s = 0" % k, "%s = %s" % (k, v))
    with open(d.conf, "w") as f:
        f.write(conf)
    emu.limits(on=True)


class Centre:
    def __init__(self, sc, daemon):
        self.sc = sc
        self.d = daemon
        self.emu = sc.emu
        self.api = Api(daemon)

    # -- waiting --------------------------------------------------------

    def idle(self, timeout=10.0):
        """Every update taken and handled, nothing due left in the outbox."""
        def quiet():
            # Telegram forgets an update once the daemon confirmed it,
            # which it does after committing it.
            if self.emu.stats()["pending_updates"] > 0:
                return False
            now = int(time.time() * 1000)
            pending = self.d.sql("SELECT COUNT(*) FROM inbound WHERE "
                                 "state = 0")[0][0]
            due = self.d.sql("SELECT COUNT(*) FROM outbox WHERE state IN "
                             "(0, 1) AND not_before <= ?", (now,))[0][0]
            return pending == 0 and due == 0
        wait_for(quiet, timeout, "the daemon to be idle")

    def seq(self):
        """The emulator's number for the next message the bot sends."""
        s = self.emu.sent()
        return s[-1]["seq"] + 1 if s else 0

    def wait_text(self, chat_id, pred, since=0, timeout=10):
        """The first text the bot sends chat_id from `since` on that
        pred(text) accepts; fails past the timeout."""
        return self.emu.wait_sent(lambda m: m["chat_id"] == chat_id and
                                  m["text"] is not None and pred(m["text"]),
                                  timeout=timeout, since=since)

    def texts(self, chat_id, since=0):
        """The texts the bot sent chat_id from `since` on."""
        return [m["text"] for m in self.emu.sent(chat_id=chat_id, since=since)
                if m["text"] is not None]

    def buttons(self, chat_id, prefix):
        """Callback data and message id of the newest button with prefix."""
        for m in reversed(self.emu.sent(chat_id=chat_id)):
            rm = m.get("reply_markup") or {}
            for row in rm.get("inline_keyboard", []):
                for b in row:
                    if (b.get("callback_data") or "").startswith(prefix):
                        return m["message_id"], [
                            x.get("callback_data") for r in
                            rm["inline_keyboard"] for x in r]
        return None, []

    # -- people ---------------------------------------------------------

    def link(self, invite_path, tg, lang_code="pl", first_name="Test"):
        inv = self.api.ok("POST", invite_path, {})["invitation"]
        self.emu.message(tg, "/start " + inv["code"],
                         language_code=lang_code, first_name=first_name)
        self.idle()

    def staff(self, name, kind, languages, tg=None):
        s = self.api.ok("POST", "/v1/staff", {
            "name": name, "kind": kind, "languages": languages})["staff"]
        if tg is not None:
            self.link("/v1/staff/%d/invite" % s["id"], tg,
                      first_name=name.split()[0])
        s["tg"] = tg
        return s

    def family(self, name, language, assistant=None, substitute=None,
               contact="Olena Kowalska", tg=None, channel="telegram"):
        body = {"name": name, "language": language, "channel": channel,
                "contact": {"name": contact}}
        if assistant is not None:
            body["assistant_id"] = assistant["id"]
        if substitute is not None:
            body["substitute_id"] = substitute["id"]
        f = self.api.ok("POST", "/v1/families", body)["family"]
        f["tg"] = tg
        if tg is not None:
            self.link("/v1/families/%s/invite" % f["code"], tg,
                      lang_code=language, first_name=contact.split()[0])
            self.onboard(tg, language)
        return f

    def consent(self, member_id, date, ref):
        """Staff record a member's paper form of consent, dated `date`."""
        return self.api.ok("POST", "/v1/members/%d/consent" % member_id,
                           {"date": date, "ref": ref}, status=200)["member"]

    def onboard(self, tg, language):
        """Language and consent through the buttons, when the bot asks."""
        mid, data = self.buttons(tg, "lang:")
        if mid is not None:
            want = "lang:" + language
            self.emu.callback(tg, want if want in data else data[0], mid)
            self.idle()
        mid, data = self.buttons(tg, "consent:")
        if mid is not None:
            self.emu.callback(tg, "consent:yes", mid)
            self.idle()

    def families(self, n, tg_base, assistants=(), name="Rodzina %d",
                 contact="Olena %d", lang=lambda i: "uk" if i % 2 else "pl",
                 timeout=120.0):
        """n families, each with a member on Telegram (user tg_base + i),
        linked and through language and consent, in bulk: every request
        of a step sent before the answers of any is awaited, so 1,000
        take seconds rather than the minute of family() one by one. The
        daemon's and the emulator's limits must be off meanwhile."""
        fams = []
        for i in range(n):
            body = {"name": name % i, "language": lang(i),
                    "channel": "telegram",
                    "contact": {"name": contact % i}}
            if assistants:
                body["assistant_id"] = assistants[i % len(assistants)]["id"]
            f = self.api.ok("POST", "/v1/families", body)["family"]
            f["tg"] = tg_base + i
            fams.append(f)
        since = self.emu.sent()[-1]["seq"] + 1 if self.emu.sent() else 0
        for i, f in enumerate(fams):
            inv = self.api.ok("POST", "/v1/families/%s/invite" % f["code"],
                              {})["invitation"]
            self.emu.message(f["tg"], "/start " + inv["code"],
                             language_code=lang(i),
                             first_name=(contact % i).split()[0])
        # Each chat is asked its language, then its consent: press the
        # button each was sent, all chats at once, until none is asked.
        chats = {f["tg"]: lang(i) for i, f in enumerate(fams)}
        pressed = set()
        asked = {}
        deadline = time.monotonic() + timeout
        while True:
            new = self.emu.sent(since=since)
            if new:
                since = new[-1]["seq"] + 1
            for m in new:
                if m["chat_id"] not in chats:
                    continue
                rm = m.get("reply_markup") or {}
                data = [b.get("callback_data") or "" for row in
                        rm.get("inline_keyboard", []) for b in row]
                if any(x.startswith(("lang:", "consent:")) for x in data):
                    asked[m["chat_id"], m["message_id"]] = data
            todo = [(k, v) for k, v in asked.items() if k not in pressed]
            for (chat, mid), data in todo:
                want = "lang:" + chats[chat]
                if any(x.startswith("consent:") for x in data):
                    want = "consent:yes"
                elif want not in data:
                    want = data[0]
                self.emu.callback(chat, want, mid)
                pressed.add((chat, mid))
            consented = {chat for (chat, mid), data in asked.items()
                         if (chat, mid) in pressed and
                         any(x.startswith("consent:") for x in data)}
            if len(consented) == len(chats):
                break
            assert time.monotonic() < deadline, \
                "%d of %d families through onboarding" % (len(consented),
                                                          len(chats))
            time.sleep(0.2)
        self.idle(timeout)
        return fams

    def disable(self, staff):
        self.api.ok("POST", "/v1/staff/%d/disable" % staff["id"])

    def enable(self, staff):
        self.api.ok("PATCH", "/v1/staff/%d" % staff["id"], {"active": True})
