#!/usr/bin/env python3
"""SMS through a real Kannel (issue 6): bearerbox + smsbox from the Debian
packages, the SMS centre played by tests/lib/kannel.py's fake SMSC.

A real asystentd runs with `[sms] driver = kannel` against tgemu (the
assistant is a Telegram user there) and Kannel started on free loopback
ports, its sms-service get-url pointing at the daemon's callback listener.
A family member's phone writes through the fake SMSC; the assistant gets
the copy on Telegram, replies, and the phone receives the reply (the MT
lines the fake SMSC reads from bearerbox). Kannel's processes are stopped
by PID in every case. Without the Kannel binaries the whole script prints
a loud SKIP and passes.
"""
import calendar
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from lossyproxy import LossyProxy  # noqa: E402
from harness import BUILD, Suite, free_port, scenario, wait_for  # noqa: E402
from kannel import Kannel  # noqa: E402
from po import expand, tr  # noqa: E402
from world import Centre  # noqa: E402

suite = Suite("sms_kannel")

ANNA = 7001
PHONES = ["48600100200", "48600100201", "48600100202"]
NAMES = ["Jan Nowak", "Ewa Wiśniewska", "Piotr Zieliński"]
CONSENT_DATE = "2026-11-20"
NOW = calendar.timegm((2026, 11, 24, 9, 0, 0))   # Tue 10:00 in Warsaw
OPEN = {"hours." + d: "00:00-23:59" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}
PL = lambda msgid: tr("pl", msgid)  # noqa: E731


def hdr(i):
    return "R-%04d \u00b7 %s \u00b7 pl \u00b7 SMS" % (i + 1,
                                                    NAMES[i].split()[0])


def digits(number):
    return number.lstrip("+")


class ForwardingProxy(LossyProxy):
    """GET forwarder between Kannel's get-url and the daemon; the answers
    to the first `lose` requests are thrown away (connection closed), so
    Kannel counts the fetch as failed and fetches again."""

    def __init__(self, target_base, lose=1):
        self.target = target_base
        super().__init__(lose)

    def forward(self, path, hdrs, body):
        try:
            with urllib.request.urlopen(self.target + path,
                                        timeout=10) as r:
                return r.status, "text/plain", r.read()
        except urllib.error.HTTPError as e:
            return e.code, "text/plain", e.read()


class World:
    def __init__(self, sc, nfam=1, conf=None, proxy_lose=None):
        self.sc = sc
        self.proxy = None
        self.port = free_port()
        self.secret = "k_" + secrets.token_urlsafe(24)
        self.base = "http://127.0.0.1:%d" % self.port
        mo_url = "%s/kannel/mo/%s" % (self.base, self.secret)
        if proxy_lose is not None:
            self.proxy = sc.own(ForwardingProxy(self.base, proxy_lose),
                                "proxy")
            mo_url = "http://127.0.0.1:%d/kannel/mo/%s" % (self.proxy.port,
                                                          self.secret)
        self.k = sc.kannel(mo_url)
        secret_file = os.path.join(sc.dir, "sms.secret")
        with open(secret_file, "w") as f:
            f.write(self.secret + "\n")
        cred = os.path.join(sc.dir, "kannel.cred")
        with open(cred, "w") as f:
            f.write("%s:%s\n" % (self.k.sendsms_user,
                                 self.k.sendsms_password))
        cf = dict(OPEN)
        cf.update({
            "sms.driver": "kannel",
            "sms.listen": "127.0.0.1:%d" % self.port,
            "sms.callback_url": self.base,
            "sms.secret_file": secret_file,
            "sms.sender": "MOPS",
            "sms.kannel_url": self.k.sendsms_url,
            "sms.kannel_credentials_file": cred,
        })
        cf.update(conf or {})
        self.d = sc.daemon(conf=cf, env={"ASYSTENT_FAKE_NOW": str(NOW)})
        self.c = Centre(sc, self.d)
        self.emu = sc.emu
        self.anna = self.c.staff("Anna Nowak", "family_assistant", ["pl"],
                                 tg=ANNA)
        self.members = []
        for i in range(nfam):
            fam = self.c.api.ok("POST", "/v1/families", {
                "name": "Rodzina %d" % i, "language": "pl",
                "channel": "sms",
                "contact": {"name": NAMES[i], "phone": "+" + PHONES[i]},
                "assistant_id": self.anna["id"]})["family"]
            mid = fam["members"][0]["id"]
            self.members.append(mid)
            self.consent(mid)

    def consent(self, member_id):
        self.c.consent(member_id, CONSENT_DATE, "F/1")

    def seq(self):
        return self.c.seq()

    def to_anna(self, pred, since=0, timeout=10):
        return self.c.wait_text(ANNA, pred, since, timeout)

    def anna_texts(self, since=0):
        return self.c.texts(ANNA, since)

    def write(self, i, text, since):
        """Family i's phone writes; returns the assistant's copy."""
        self.k.mo(PHONES[i], self.k.number, text)
        return self.to_anna(lambda t: t == hdr(i) + "\n" + text, since)

    def mt_to(self, i, pred=None, since=0, timeout=10):
        return self.k.wait_mt(lambda m: digits(m["receiver"]) == PHONES[i]
                              and (pred is None or pred(m)),
                              timeout=timeout, since=since)

    def rows(self, where="1", args=()):
        return self.d.sql("SELECT id, state, attempts, delivery, "
                          "delivery_code, last_error FROM outbox WHERE "
                          "channel = 2 AND " + where + " ORDER BY id", args)

    def call(self, path):
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def finish(self):
        rc = self.d.stop()
        assert rc == 0, "asystentd exited %s: %s" % (rc, self.d.log()[-3000:])


def kannel_scenario(fn):
    """scenario() and a factory of the World in it; the scenario owns
    Kannel and the proxy: stopped by PID, waited for, in any case."""
    @scenario()
    def run(sc):
        fn(sc, lambda **kw: World(sc, **kw))
    run.__name__ = fn.__name__
    return run


# 200 characters with Polish letters: UCS-2, 3 parts (67 + 67 + 66).
LONG_PL = ("Proszę przynieść zaświadczenie o dochodach, dowód osobisty i "
           "decyzję z urzędu pracy. Spotkanie odbędzie się w pokoju "
           "dwunastym na pierwszym piętrze, wejście od ulicy Kościuszki. "
           "Do zobaczenia! Pozdrawiam.")[:200]


@suite.test
@kannel_scenario
def test_round_trip_polish_three_parts_and_dlr(sc, world):
    w = world()
    s0 = w.seq()
    copy = w.write(0, "Dzień dobry, czy mogę przyjść jutro? Żółć!", s0)
    # A GSM-only answer: coding 0, one part.
    n0 = w.k.mt_count()
    w.emu.message(ANNA, "Zapraszam jutro o 10:00.",
                  reply_to_message_id=copy["message_id"])
    m = w.mt_to(0, since=n0)
    assert m["text"] == "Zapraszam jutro o 10:00.", m
    assert m["coding"] == 0 and m["parts"] == 1, m
    assert m["sender"] == "MOPS", m
    # Polish letters: UCS-2, intact.
    n1 = w.k.mt_count()
    w.emu.message(ANNA, "Proszę zabrać zaświadczenie, będę w pokoju 12.",
                  reply_to_message_id=copy["message_id"])
    m = w.mt_to(0, since=n1)
    assert m["text"] == "Proszę zabrać zaświadczenie, będę w pokoju 12.", m
    assert m["coding"] == 2 and m["parts"] == 1, m
    # Three parts, reassembled in order at the phone; Anna told the count.
    assert len(LONG_PL) == 200, len(LONG_PL)
    n2 = w.k.mt_count()
    s1 = w.seq()
    w.emu.message(ANNA, LONG_PL, reply_to_message_id=copy["message_id"])
    w.to_anna(lambda t: t == expand(PL("Sent to %s by SMS in %s parts."),
                                    "R-0001", "3"), s1)
    m = w.mt_to(0, since=n2)
    assert m["parts"] == 3 and m["coding"] == 2, m
    assert m["text"] == LONG_PL, (m["text"], LONG_PL)
    lines = [e for e in w.k.mt_lines() if e["udh"] and
             e["udh"][3] == m["ref"]]
    assert [e["udh"][5] for e in lines] == [1, 2, 3], lines
    assert not w.k.mt_pending_parts(), w.k.mt_pending_parts()
    # Every part whole: no UCS-2 unit split, nothing beyond the three.
    assert w.k.mt_count() == n2 + 1, w.k.mt_messages()[n2:]
    # Delivery reports: every answer row becomes delivered.
    wait_for(lambda: len(w.rows("cause = 'answer'")) == 3 and
             all(r[1] == 2 and r[3] == 2 for r in w.rows("cause = 'answer'")),
             15, "three rows sent and delivered")
    for r in w.rows("cause = 'answer'"):
        assert r[4] is not None and r[4].split()[0] in ("1", "8"), r
    # Nothing the family or Anna wrote is in the database in plain.
    w.finish()
    for suffix in ("", "-wal"):
        try:
            with open(w.d.db + suffix, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        for t in ("Żółć", "zaświadczenie", "Zapraszam"):
            assert t.encode() not in data, (t, suffix)


@suite.test
@kannel_scenario
def test_kannel_down_then_up_nothing_lost(sc, world):
    w = world(nfam=3, conf={"outbox.max_attempts": 1000,
                            "outbox.backoff_initial_ms": 200,
                            "outbox.backoff_max_s": 1})
    s0 = w.seq()
    copies = [w.write(i, "Pytanie od rodziny %d, proszę o odpowiedź." % i,
                      s0) for i in range(3)]
    w.c.idle()
    pids_before = w.k.pids()
    w.k.stop_all()
    assert not w.k.running()
    # Anna answers all three families, three times each, while Kannel is
    # away: every row is tried, refused, backed off, tried again.
    texts = {}
    for r in range(3):
        for i in range(3):
            t = "Odpowiedź %d dla rodziny %d: zapraszam we wtorek." % (r, i)
            texts.setdefault(i, []).append(t)
            w.emu.message(ANNA, t, reply_to_message_id=copies[i]
                          ["message_id"])
    wait_for(lambda: len(w.rows("cause = 'answer'")) == 9, 10,
             "nine answers queued")
    try:
        wait_for(lambda: w.rows("cause = 'answer'")[0][2] >= 4, 20,
                 "retries")
    except AssertionError:
        raise AssertionError(
            "the first answer was not retried 4 times in 20 s while Kannel "
            "was down (backoff 200 ms .. 1 s): rows (id, state, attempts, "
            "not_before, next_attempt_at) now %r" % (w.d.sql(
                "SELECT id, state, attempts, not_before, next_attempt_at "
                "FROM outbox WHERE channel = 2 ORDER BY id"),))
    assert all(r[1] in (0, 1) for r in w.rows("cause = 'answer'")), \
        w.rows("cause = 'answer'")
    n0 = w.k.mt_count()
    w.k.restart_bearerbox()
    assert set(w.k.pids()) > set(pids_before)
    # All nine arrive, each once, each family's in the order written.
    wait_for(lambda: w.k.mt_count() >= n0 + 9, 30,
             "nine replies at the phones (%d so far)"
             % (w.k.mt_count() - n0))
    wait_for(lambda: all(r[1] == 2 for r in w.rows("cause = 'answer'")), 10,
             "nine rows sent")
    got = w.k.mt_messages()[n0:]
    for i in range(3):
        mine = [m["text"] for m in got if digits(m["receiver"]) == PHONES[i]]
        assert mine == texts[i], (i, mine, texts[i])
    assert len(got) == 9, [m["text"] for m in got]
    # Delivery reports of what went after the restart arrive too.
    wait_for(lambda: all(r[3] == 2 for r in w.rows("cause = 'answer'")), 15,
             "nine rows delivered")
    # No "not delivered" note for Anna.
    prefix = expand(PL("Not delivered to %s: %s"), "R-0001", "")[:12]
    assert not [t for t in w.anna_texts(s0) if t.startswith(prefix)]
    w.finish()


@suite.test
@kannel_scenario
def test_mo_fetched_again_by_kannel_relayed_once(sc, world):
    # The daemon commits the MO and answers, but the answer is lost on the
    # way back (a proxy closes the connection): smsbox's
    # http-request-retry fetches the same message (same %I) again.
    w = world(proxy_lose=1)
    s0 = w.seq()
    w.k.mo(PHONES[0], w.k.number, "Czy dostanę odpowiedź raz?")
    w.to_anna(lambda t: t.endswith("Czy dostanę odpowiedź raz?"), s0)
    wait_for(lambda: len(w.proxy.seen) >= 2, 15,
             "Kannel fetching the get-url again")
    ids = [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query)["id"][0]
           for p, _ in w.proxy.seen]
    assert len(set(ids)) == 1, ids
    wait_for(lambda: "event=sms.mo_duplicate" in w.d.log(), 10,
             "the second fetch recognised")
    w.c.idle()
    copies = [t for t in w.anna_texts(s0) if "odpowiedź raz" in t]
    assert copies == [hdr(0) + "\nCzy dostanę odpowiedź raz?"], copies
    assert w.d.sql("SELECT COUNT(*) FROM messages")[0][0] == 1
    w.finish()


@suite.test
@kannel_scenario
def test_malformed_kannel_callbacks(sc, world):
    w = world()
    s0 = w.seq()
    mo = "/kannel/mo/%s?" % w.secret
    dlr = "/kannel/dlr/%s?" % w.secret
    wrong = []

    def expect(what, got, want):
        if got[0] not in want:
            wrong.append("%s: got %r, want %r" % (what, got, want))

    base = {"from": PHONES[0], "to": "4812345", "coding": "0",
            "charset": "UTF-8", "ts": "1764000000"}
    q = urllib.parse.urlencode
    expect("MO without id", w.call(mo + q(dict(base, text="a"))), (400,))
    expect("MO without from", w.call(mo + q({"text": "b", "id": "K1"})),
           (400,))
    expect("MO charset UTF-16BE",
           w.call(mo + q(dict(base, text="c", id="K2",
                              charset="UTF-16BE"))), (400,))
    expect("MO invalid UTF-8",
           w.call(mo + "from=%s&id=K3&text=%%C3%%28" % PHONES[0]), (400,))
    expect("MO NUL in text",
           w.call(mo + "from=%s&id=K4&text=ab%%00cd" % PHONES[0]), (400,))
    expect("DLR without oid", w.call(dlr + "type=1"), (400,))
    expect("DLR bad type", w.call(dlr + "oid=1&type=99"), (400,))
    expect("DLR unknown row", w.call(dlr + "oid=999999&type=1&code=x"),
           (200,))
    expect("wrong secret", w.call("/kannel/mo/nope?" + q(dict(base, text="d",
                                                           id="K5"))),
           (403,))
    assert w.d.proc.poll() is None
    w.write(0, "Poprawna wiadomość po błędnych.", s0)
    w.c.idle()
    relayed = [t for t in w.anna_texts(s0) if t.startswith(hdr(0))]
    if len(relayed) != 1:
        wrong.append("relayed to the assistant: %r" % relayed)
    assert not wrong, "\n".join(wrong)
    w.finish()


if __name__ == "__main__":
    av = Kannel.available()
    if not av:
        print("*" * 72)
        print("SKIP: SMS through Kannel NOT TESTED: %s" % av.reason)
        print("*" * 72)
        print("sms_kannel: 0 passed, 0 failed")
        sys.exit(0)
    suite.run()
