#!/usr/bin/env python3
"""make soak: mixed load for SOAK_SECONDS (default 3600) while things
break, then a count of what was lost (must be 0) and sent twice.

The real asystentd runs against the Telegram emulator and the SMSAPI
emulator. Families write all the time: Telegram families to the bot, an
SMS family through the gateway's MO callback (retried by this script as
a gateway would, until it is answered 200); each message carries a
token, and its copy must reach the family's assistant. The assistant
answers some SMS copies; each answer must reach the family's phone.

A daemon has one SMS driver, so a second asystentd, in a scenario of
its own (its own Telegram emulator and database), runs alongside with
`[sms] driver = kannel` against a real Kannel (bearerbox and smsbox,
the SMS centre played by tests/lib/kannel.py's fake SMSC): its SMS
families write through the SMS centre, their copies must reach the
assistant, and the assistant's answers must reach the phones as MT lines
at the SMS centre. Without the Kannel binaries that leg is SKIPPED and
said so. Meanwhile, at random:

  - asystentd is killed with SIGKILL and started again (either one);
  - Kannel is down (smsbox and bearerbox stopped, then started again on
    the same ports) for 15 to 45 s; the phones write nothing while it is
    down or going down, so that what Kannel itself holds is not counted
    against the daemon;
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
import queue
import random
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
from harness import Scenario, free_port, wait_for  # noqa: E402
from kannel import Kannel, KannelError  # noqa: E402
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
KANNEL_PHONES = ["+486002%05d" % i for i in range(4)]
KANNEL_RATE = 2         # Kannel MO a second, besides RATE
CENTRE_NO = "48500600700"
TOKEN_RE = re.compile(r"\b(k\d+)\b")


class Soak:
    def __init__(self, sc):
        self.sc = sc
        self.rng = random.Random(SEED)
        self.kills = 0
        self.events = []
        self.sent_tokens = {}           # token -> "tg" | "mo" | "answer"
        self.answers_made = {}          # token -> (emulator, wall ms)
        self.staff_pages = {}           # emulator -> its sent to staff
        self.next_token = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.disk = None
        self.requests = queue.Queue()   # run on the main thread
        self.klock = threading.Lock()   # held: the phones wait
        self.k = None
        self.kannel_kills = 0
        self.kannel_downs = 0
        self.setup()
        self.setup_kannel()

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
        conf = dict(OPEN)
        conf.update(self.sms.daemon_conf(sc.dir, self.secret, self.port))
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

    def setup_kannel(self):
        av = Kannel.available()
        if not av:
            print("soak: the Kannel leg is SKIPPED: %s" % av.reason)
            return
        self.sc2 = Scenario(limits=False, name="soak-kannel")
        sc = self.sc2
        port = free_port()
        secret = "soakk_" + "k" * 20
        base = "http://127.0.0.1:%d" % port
        # smsbox fetches its get-url again for 30 s: longer than the
        # daemon is away at a kill -9.
        self.k = sc.kannel("%s/kannel/mo/%s" % (base, secret),
                           http_retry=30)
        sfile = os.path.join(sc.dir, "sms.secret")
        with open(sfile, "w") as f:
            f.write(secret + "\n")
        cred = os.path.join(sc.dir, "kannel.cred")
        with open(cred, "w") as f:
            f.write("%s:%s\n" % (self.k.sendsms_user,
                                 self.k.sendsms_password))
        conf = dict(OPEN)
        conf.update({
            "daemon.log_level": "notice",
            "relay.flood_per_minute": 10000,
            "outbox.backoff_initial_ms": 1000,
            "outbox.backoff_max_s": 30,
            "outbox.max_attempts": 1000,
            "sms.driver": "kannel",
            "sms.listen": "127.0.0.1:%d" % port,
            "sms.callback_url": base,
            "sms.secret_file": sfile,
            "sms.sender": "MOPS",
            "sms.kannel_url": self.k.sendsms_url,
            "sms.kannel_credentials_file": cred,
            "sms.per_second": 0,
        })
        self.d2 = sc.daemon(conf=conf)
        self.c2 = Centre(sc, self.d2)
        staff = self.c2.staff("Asystent Dorota", "family_assistant",
                              ["pl"], tg=STAFF_TG)
        for i, phone in enumerate(KANNEL_PHONES):
            f = self.c2.api.ok("POST", "/v1/families", {
                "name": "Rodzina Kannel %s" % name(i), "language": "pl",
                "channel": "sms",
                "contact": {"name": "Ewa %s" % name(i), "phone": phone},
                "assistant_id": staff["id"]})["family"]
            st, body = self.c2.api.call("POST", "/v1/members/%d/consent"
                                        % f["members"][0]["id"],
                                        {"date": "2026-01-02",
                                         "ref": "K/%d" % i})
            assert st in (200, 201), (st, body)
        self.c2.idle(60)

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

    def kannel_load(self):
        """Phones write through Kannel's SMS centre, unless it is down."""
        i = 0
        t0 = time.monotonic()
        while not self.stop.is_set():
            due = t0 + i / KANNEL_RATE
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            i += 1
            with self.klock:
                t = self.token("kannel")
                phone = self.rng.choice(KANNEL_PHONES).lstrip("+")
                while True:
                    try:
                        self.k.mo(phone, text="%s wiadomość" % t)
                        break
                    except KannelError:
                        pass    # the SMS centre reconnects: again

    def answers(self, emu, kind):
        """The assistant answers every SMS copy it gets, once."""
        since = 0
        answered = set()
        while not self.stop.is_set():
            time.sleep(0.5)
            try:
                page = emu.sent(chat_id=STAFF_TG, since=since)
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
                t = self.token(kind)
                self.answers_made[t] = (emu, time.time() * 1000)
                emu.message(STAFF_TG, "%s odpowiedź" % t,
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

    def kill_kannel_daemon(self):
        self.d2.kill9()
        self.kannel_kills += 1
        self.note("kill -9 (the Kannel daemon)")
        time.sleep(self.rng.uniform(0.5, 3))
        self.d2.start()

    def kannel_down(self):
        # Kannel's boxes die with the thread that started them.
        self.requests.put(self.kannel_down_now)

    def kannel_down_now(self):
        """On the main thread: the phones stop, what they wrote reaches
        the daemon, then Kannel is down for a while."""
        with self.klock:
            with self.lock:
                owed = {t for t, k in self.sent_tokens.items()
                        if k == "kannel"}
            try:
                wait_for(lambda: not owed - set(self.arrived()), 60,
                         "Kannel MO delivered before Kannel goes down",
                         interval=1)
            except AssertionError:
                self.note("Kannel MO still owed at the stop: %d"
                          % len(owed - set(self.arrived())))
            secs = self.rng.uniform(15, 45)
            self.k.stop_all()
            self.kannel_downs += 1
            self.note("kannel down for %.0f s" % secs)
            time.sleep(secs)
            self.k.restart_bearerbox()
            self.note("kannel up")

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
                if self.k is not None:
                    bag += [self.kill_kannel_daemon, self.kannel_down]
                self.rng.shuffle(bag)
            bag.pop()()
        self.sms.down(0)

    # -- the count ------------------------------------------------------

    def kannel_saw(self, token):
        """For a Kannel MO: whether bearerbox logged receiving it from
        the SMS centre, so that a loss before Kannel (the fake SMS centre's
        connection) is told from one after it."""
        if self.k is None or self.sent_tokens.get(token) != "kannel":
            return ""
        hexed = (token + " ").encode("utf-16-be").hex().upper()
        try:
            with open(os.path.join(self.k.workdir, "access.log"),
                      errors="replace") as f:
                seen = any("Receive SMS" in line and hexed in line
                           for line in f)
        except OSError:
            return ", Kannel's log unreadable"
        return (", bearerbox received it" if seen else
                ", never reached bearerbox")

    def bot_said(self, token):
        """For an assistant's answer: what the bot told the assistant in
        the 15 s after it (an error, "not from a family"), since a lost
        answer is most often one the daemon could not place."""
        if token not in self.answers_made:
            return ""
        emu, at = self.answers_made[token]
        if emu not in self.staff_pages:
            self.staff_pages[emu] = emu.sent(chat_id=STAFF_TG)
        said = [m["text"][:60] for m in self.staff_pages[emu]
                if m["method"] == "sendMessage" and m["text"] and
                at <= m["t_ms"] <= at + 15000 and
                not TOKEN_RE.search(m["text"])]
        return ", the bot then said: %s" % (" | ".join(said) or "nothing")

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
        if self.k is None:
            return got
        for m in self.sc2.emu.sent():
            if m["method"] != "sendMessage" or m["chat_id"] != STAFF_TG:
                continue
            for tk in set(TOKEN_RE.findall(m["text"] or "")):
                got[tk] = got.get(tk, 0) + 1
        for m in self.k.mt_messages():
            for tk in set(TOKEN_RE.findall(m.get("text") or "")):
                got[tk] = got.get(tk, 0) + 1
        return got

    def run(self):
        self.t0 = time.monotonic()
        jobs = [(self.load, ()), (self.answers, (self.sc.emu, "answer")),
                (self.faults, ())]
        if self.k is not None:
            jobs += [(self.kannel_load, ()),
                     (self.answers, (self.sc2.emu, "kannel answer"))]
        threads = [threading.Thread(target=f, args=a, daemon=True)
                   for f, a in jobs]
        for t in threads:
            t.start()
        end = self.t0 + SECONDS
        while time.monotonic() < end:
            try:
                job = self.requests.get(
                    timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                continue
            job()
        self.stop.set()
        for t in threads:
            t.join(DOWN_SECONDS + 60)
        for d in [self.d] + ([self.d2] if self.k is not None else []):
            if d.proc is None or d.proc.poll() is not None:
                d.start()
        if self.k is not None and not self.k.running():
            self.k.restart_bearerbox()
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
        # Not lost but late: a row still waiting (backing off, held).
        for who, d in [("", self.d)] + (
                [("Kannel daemon's ", self.d2)] if self.k is not None
                else []):
            left = d.sql("SELECT channel, priority, COUNT(*), "
                         "MAX(attempts) FROM outbox WHERE state = 0 "
                         "GROUP BY channel, priority")
            if left:
                print("soak: %soutbox rows still queued (channel, lane, "
                      "rows, most attempts): %s" % (who, left))
        dups = {t: n for t, n in got.items() if t in owed and n > 1}
        window = max(1, self.kills + self.kannel_kills) * IN_FLIGHT
        by = {}
        for t in owed.values():
            by[t] = by.get(t, 0) + 1
        if self.k is not None:
            failed = self.d2.sql("SELECT COUNT(*) FROM outbox "
                                 "WHERE state = 3")
            print("soak: Kannel daemon's outbox rows failed for good: %d"
                  % failed[0][0])
        print("soak: %d s, seed %d: sent %d (%s); kills %d (+%d of the "
              "Kannel daemon); Kannel stopped %d; lost %d; "
              "duplicates %d (window %d)" % (
                  SECONDS, SEED, len(owed),
                  ", ".join("%s %d" % kv for kv in sorted(by.items())),
                  self.kills, self.kannel_kills, self.kannel_downs,
                  len(lost), len(dups), window))
        if lost:
            print("soak: LOST: %s" % " ".join(
                "%s (%s%s%s)" % (t, owed[t], self.kannel_saw(t),
                                 self.bot_said(t))
                for t in lost[:50]))
        if dups:
            print("soak: DUPLICATES: %s" % " ".join(
                "%s (%s, %d times)" % (t, owed[t], dups[t])
                for t in sorted(dups)[:50]))
        bad = bool(lost) or len(dups) > window
        for d in [self.d] + ([self.d2] if self.k is not None else []):
            rc = d.stop()
            if rc not in (0, None):
                print("soak: asystentd exited %s at the end" % rc)
                bad = True
        return 1 if bad else 0


def name(i):
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i % 26].upper() + letters[(i // 26) % 26] + "ski"


def main():
    print("soak: %d s, seed %d" % (SECONDS, SEED), flush=True)
    sc = Scenario(limits=False, name="soak")
    soak = None
    failed = True
    try:
        soak = Soak(sc)
        rc = soak.run()
        failed = rc != 0
        return rc
    finally:
        if soak is not None and soak.k is not None:
            soak.sc2.close(failed)
        sc.close(failed)


if __name__ == "__main__":
    sys.exit(main())
