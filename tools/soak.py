#!/usr/bin/env python3
"""make soak: mixed load for SOAK_SECONDS (default 3600) while things
break, then a count of what was lost (must be 0) and sent twice.

The real asystentd runs against the Telegram emulator and the SMSAPI
emulator. Families write all the time: Telegram families to the bot, an
SMS family through the gateway's MO callback (retried by this script as
a gateway would, until it is answered 200); each message carries a
token, and its copy must reach the family's assistant. The assistant
answers some SMS copies; each answer must reach the family's phone.
Meanwhile, at random:

  - asystentd is killed with SIGKILL and started again;
  - the Telegram emulator answers sendMessage with 500s, or drops the
    connection without an answer;
  - the SMS gateway is down (503 to every send) for SOAK_DOWN_SECONDS
    (default 120);
  - the database's filesystem (a small tmpfs) is full for a few seconds:
    root only, else skipped and said so.

At the end the faults stop and everything sent must arrive. Lost: a
token that never reached its reader. Duplicates: a token that arrived
more than once, reported with the window they must stay in (the
messages in flight at a kill: outbox.max_in_flight for each kill).
Exit 1 when anything is lost or the duplicates exceed that window.
"""
import os
import random
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
from harness import Scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "3600"))
DOWN_SECONDS = int(os.environ.get("SOAK_DOWN_SECONDS", "120"))
SEED = int(os.environ.get("SOAK_SEED", str(int(time.time()))))
IN_FLIGHT = 64          # outbox.max_in_flight, the default
RATE = 20               # family messages a second, all channels

OPEN = {"hours." + d: "00:00-24:00" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}
STAFF_TG = 710000
FAMILY_TG = 510000
NFAM = 20
SMS_PHONES = ["+486001%05d" % i for i in range(4)]
CENTRE_NO = "48500600700"
TOKEN_RE = re.compile(r"\b(k\d+)\b")


class Soak:
    def __init__(self, sc):
        self.sc = sc
        self.rng = random.Random(SEED)
        self.kills = 0
        self.events = []
        self.sent_tokens = {}           # token -> "tg" | "mo" | "answer"
        self.next_token = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.disk = None
        self.setup()

    def token(self, kind):
        with self.lock:
            self.next_token += 1
            t = "k%d" % self.next_token
            self.sent_tokens[t] = kind
        return t

    # -- the world ------------------------------------------------------

    def setup(self):
        sc = self.sc
        self.sms = sc.smsapiemu()
        db_dir = sc.dir
        if os.geteuid() == 0:
            self.disk = os.path.join(sc.dir, "small")
            os.mkdir(self.disk)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m",
                            "tmpfs", self.disk], check=True)
            sc.own(self, "tmpfs", self.umount)
            db_dir = self.disk
        else:
            print("soak: NOT root: the full-disk fault is SKIPPED")
        self.port = free_port()
        self.secret = "soak_" + "s" * 20
        sfile = os.path.join(sc.dir, "sms.secret")
        with open(sfile, "w") as f:
            f.write(self.secret + "\n")
        tfile = os.path.join(sc.dir, "smsapi.token")
        with open(tfile, "w") as f:
            f.write(self.sms.token + "\n")
        conf = dict(OPEN)
        conf.update({
            "daemon.log_level": "notice",
            "daemon.database": os.path.join(db_dir, "asystent.db"),
            "relay.flood_per_minute": 10000,
            # The harness retries fast to keep tests short; here retries
            # must outlast a gateway down for minutes, as they do with
            # the defaults (12 attempts, up to 600 s apart), yet end soon
            # enough for the final count. Messages to one chat go one at
            # a time, so every injected failure lands on the few chats'
            # heads: over an hour they would run out of attempts, which
            # is the retry policy, not a loss.
            "outbox.backoff_initial_ms": 1000,
            "outbox.backoff_max_s": 30,
            "outbox.max_attempts": 1000,
            "sms.driver": "smsapi",
            "sms.listen": "127.0.0.1:%d" % self.port,
            "sms.callback_url": "http://127.0.0.1:%d" % self.port,
            "sms.secret_file": sfile,
            "sms.smsapi_url": self.sms.url + "/sms.do",
            "sms.smsapi_token_file": tfile,
            "sms.per_second": 0,
        })
        self.d = sc.daemon(conf=conf)
        self.d.db = conf["daemon.database"]     # for sql()
        self.c = Centre(sc, self.d)
        self.staff = [self.c.staff("Asystent %s" % n, "family_assistant",
                                   ["pl"], tg=STAFF_TG + i)
                      for i, n in enumerate(("Anna", "Beata", "Celina"))]
        self.tg_users = []
        for i in range(NFAM):
            self.c.family("Rodzina %s" % name(i), "uk",
                          self.staff[i % len(self.staff)],
                          contact="Olena %s" % name(i), tg=FAMILY_TG + i)
            self.tg_users.append(FAMILY_TG + i)
        for i, phone in enumerate(SMS_PHONES):
            f = self.c.api.ok("POST", "/v1/families", {
                "name": "Rodzina SMS %s" % name(i), "language": "pl",
                "channel": "sms",
                "contact": {"name": "Jan %s" % name(i), "phone": phone},
                "assistant_id": self.staff[0]["id"]})["family"]
            st, body = self.c.api.call("POST", "/v1/members/%d/consent"
                                       % f["members"][0]["id"],
                                       {"date": "2026-01-02",
                                        "ref": "F/%d" % i})
            assert st in (200, 201), (st, body)
        self.c.idle(60)

    def umount(self):
        subprocess.run(["umount", "-l", self.disk], check=False)

    # -- load -----------------------------------------------------------

    def mo(self, phone, text):
        """As a gateway: again until the daemon answers 200."""
        msg_id = "soak%s" % text.split()[0]
        url = "http://127.0.0.1:%d/smsapi/mo/%s" % (self.port, self.secret)
        while True:
            try:
                r = self.sms.mo(phone.lstrip("+"), CENTRE_NO, text, url,
                                msg_id=msg_id)
                if r["http"] == 200:
                    return
            except Exception:
                pass
            time.sleep(0.5)

    def load(self):
        i = 0
        t0 = time.monotonic()
        while not self.stop.is_set():
            due = t0 + i / RATE
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            i += 1
            if self.rng.random() < 0.2:
                t = self.token("mo")
                self.mo(self.rng.choice(SMS_PHONES), "%s wiadomość" % t)
            else:
                t = self.token("tg")
                self.sc.emu.message(self.rng.choice(self.tg_users),
                                    "%s повідомлення" % t)

    def answers(self):
        """The assistant answers every SMS copy it gets, once."""
        since = 0
        answered = set()
        while not self.stop.is_set():
            time.sleep(0.5)
            try:
                page = self.sc.emu.sent(chat_id=STAFF_TG, since=since)
            except Exception:
                continue
            for m in page:
                since = max(since, m["seq"] + 1)
                text = m["text"] or ""
                tk = TOKEN_RE.search(text)
                if (m["method"] != "sendMessage" or "· SMS" not in text
                        or tk is None or tk.group(1) in answered):
                    continue
                answered.add(tk.group(1))
                t = self.token("answer")
                self.sc.emu.message(STAFF_TG, "%s odpowiedź" % t,
                                    reply_to_message_id=m["message_id"])

    # -- faults ---------------------------------------------------------

    def note(self, what):
        self.events.append((time.monotonic(), what))
        print("soak: %5.0fs %s" % (time.monotonic() - self.t0, what),
              flush=True)

    def kill(self):
        self.d.kill9()
        self.kills += 1
        self.note("kill -9")
        time.sleep(self.rng.uniform(0.5, 3))
        self.d.start()

    def tg_500s(self):
        n = self.rng.randint(3, 20)
        self.sc.emu.fail(method="sendMessage", code=500, count=n)
        self.note("telegram: %d sendMessage answered 500" % n)

    def tg_drops(self):
        n = self.rng.randint(3, 20)
        self.sc.emu.fail(method="sendMessage", drop=True, count=n)
        self.note("telegram: %d sendMessage connections dropped" % n)

    def gateway_down(self):
        self.sms.down(DOWN_SECONDS)
        self.note("sms gateway down for %d s" % DOWN_SECONDS)

    def disk_full(self):
        if self.disk is None:
            return
        filler = os.path.join(self.disk, "filler")
        try:
            with open(filler, "wb") as f:
                while True:
                    f.write(b"\0" * (1 << 20))
        except OSError:
            pass
        secs = self.rng.uniform(2, 8)
        self.note("disk full for %.0f s" % secs)
        time.sleep(secs)
        os.unlink(filler)

    def faults(self):
        """Every kind once in each round, in a random order."""
        bag = []
        next_down = time.monotonic() + self.rng.uniform(30, 120)
        while not self.stop.wait(self.rng.uniform(5, 25)):
            if time.monotonic() >= next_down:
                self.gateway_down()
                next_down = time.monotonic() + DOWN_SECONDS + \
                    self.rng.uniform(120, 600)
                continue
            if not bag:
                bag = [self.kill, self.kill, self.tg_500s, self.tg_drops,
                       self.disk_full]
                self.rng.shuffle(bag)
            bag.pop()()
        self.sms.down(0)

    # -- the count ------------------------------------------------------

    def arrived(self):
        got = {}
        for m in self.sc.emu.sent():
            if m["method"] != "sendMessage" or m["chat_id"] is None:
                continue
            if m["chat_id"] >= STAFF_TG and m["chat_id"] < STAFF_TG + 10:
                for tk in set(TOKEN_RE.findall(m["text"] or "")):
                    got[tk] = got.get(tk, 0) + 1
        for m in self.sms.sent():
            for tk in set(TOKEN_RE.findall(m.get("message") or "")):
                got[tk] = got.get(tk, 0) + 1
        return got

    def run(self):
        self.t0 = time.monotonic()
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (self.load, self.answers, self.faults)]
        for t in threads:
            t.start()
        self.stop.wait(SECONDS)
        self.stop.set()
        for t in threads:
            t.join(DOWN_SECONDS + 60)
        if self.d.proc is None or self.d.proc.poll() is not None:
            self.d.start()
        self.note("faults over; waiting for what is owed")
        with self.lock:
            owed = dict(self.sent_tokens)
        try:
            wait_for(lambda: not set(owed) - set(self.arrived()), 600,
                     "everything delivered", interval=2)
        except AssertionError:
            pass
        got = self.arrived()
        lost = sorted(t for t in owed if t not in got)
        failed = self.d.sql("SELECT COUNT(*) FROM outbox WHERE state = 3")
        print("soak: outbox rows failed for good: %d" % failed[0][0])
        dups = {t: n for t, n in got.items() if t in owed and n > 1}
        window = max(1, self.kills) * IN_FLIGHT
        by = {}
        for t in owed.values():
            by[t] = by.get(t, 0) + 1
        print("soak: %d s, seed %d: sent %d (%s); kills %d; lost %d; "
              "duplicates %d (window %d)" % (
                  SECONDS, SEED, len(owed),
                  ", ".join("%s %d" % kv for kv in sorted(by.items())),
                  self.kills, len(lost), len(dups), window))
        if lost:
            print("soak: LOST: %s" % " ".join(lost[:50]))
        bad = bool(lost) or len(dups) > window
        rc = self.d.stop()
        if rc not in (0, None):
            print("soak: asystentd exited %s at the end" % rc)
            bad = True
        return 1 if bad else 0


def name(i):
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i % 26].upper() + letters[(i // 26) % 26] + "ski"


def free_port():
    import socket
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def main():
    print("soak: %d s, seed %d" % (SECONDS, SEED), flush=True)
    sc = Scenario(limits=False, name="soak")
    failed = True
    try:
        rc = Soak(sc).run()
        failed = rc != 0
        return rc
    finally:
        sc.close(failed)


if __name__ == "__main__":
    sys.exit(main())
