#!/usr/bin/env python3
"""SMS through SMSAPI.pl (issue 6), against the SMSAPI emulator.

A real asystentd runs with `[sms] driver = smsapi` against two emulators:
tgemu (the assistant is a Telegram user there) and smsapiemu (the gateway:
sms.do, delivery reports to notify_url, incoming SMS posted to the MO
callback). An SMS family has one member with a phone; their consent is
recorded by staff (POST /v1/members/{id}/consent, or straight in the
database while that endpoint is missing). Each scenario asserts what the
people see (the header and text the assistant gets, the SMS the family's
number gets, the notes the assistant is told) and what the outbox row
says (state, delivery, error).

Clock: ASYSTENT_FAKE_NOW puts the daemon on a Tuesday morning in office
hours (and the hours are open all week), so no out-of-hours answer adds an
SMS to the counts.
"""
import calendar
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from lossyproxy import LossyProxy  # noqa: E402
from harness import BUILD, Suite, free_port, scenario, wait_for  # noqa: E402
from po import expand, tr  # noqa: E402
from world import Centre  # noqa: E402

suite = Suite("sms_smsapi")

ANNA = 7001
PHONE = "+48600100200"
DIGITS = "48600100200"           # the number as SMSAPI writes it
OTHER = "+48600100300"
CENTRE_NO = "48500600700"        # the centre's SMSAPI number (sms_to)
CONSENT_DATE = "2026-11-20"
CTL = os.path.join(BUILD, "asystentctl")

# Tuesday 24 November 2026, 10:00 in Warsaw (UTC+1).
NOW = calendar.timegm((2026, 11, 24, 9, 0, 0))
OPEN = {"hours." + d: "00:00-23:59" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}
CENTRE = "MOPS Sopot"
CONTACT = "tel. 58 555 12 34"


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class World:
    """The daemon, the staff member, the SMS family, both emulators."""

    def __init__(self, sc, conf=None, proxy=None, consent=True, nofile=None):
        """proxy: a factory given the emulator's sms.do URL, returning an
        object with .url (where the daemon sends) and .close()."""
        self.sc = sc
        self.sms = sc.smsapiemu()
        self.proxy = (sc.own(proxy(self.sms.url + "/sms.do"), "proxy")
                      if proxy else None)
        self.port = free_port()
        self.secret = "t_" + secrets.token_urlsafe(24)
        self.base = "http://127.0.0.1:%d" % self.port
        cf = dict(OPEN)
        cf.update(self.sms.daemon_conf(
            sc.dir, self.secret, self.port,
            url=self.proxy.url if self.proxy else None))
        cf.update({
            "daemon.centre_contact": CONTACT,
            "sms.sender": "MOPS",
            # A refused token pauses SMS; short here, 60 s by default.
            "outbox.auth_pause_s": 5,
        })
        cf.update(conf or {})
        self.d = sc.daemon(conf=cf, env={"ASYSTENT_FAKE_NOW": str(NOW)},
                           start=False)
        self.d.nofile = nofile
        self.d.start()
        self.c = Centre(sc, self.d)
        self.emu = sc.emu
        self.anna = self.c.staff("Anna Nowak", "family_assistant", ["pl"],
                                 tg=ANNA)
        self.fam = self.c.api.ok("POST", "/v1/families", {
            "name": "Rodzina Nowaków", "language": "pl", "channel": "sms",
            "contact": {"name": "Jan Nowak", "phone": PHONE},
            "assistant_id": self.anna["id"]})["family"]
        self.member_id = self.fam["members"][0]["id"]
        if consent:
            self.consent(self.member_id)

    # -- helpers -----------------------------------------------------------

    def url(self, kind, secret=None):
        return "%s/smsapi/%s/%s" % (self.base, kind,
                                    self.secret if secret is None else secret)

    def consent(self, member_id):
        """Staff record the paper form."""
        self.c.consent(member_id, CONSENT_DATE, "F/7/2026")

    def mo(self, text, frm=DIGITS, msg_id=None, method="POST"):
        r = self.sms.mo(frm, CENTRE_NO, text, self.url("mo"), method=method,
                        msg_id=msg_id)
        assert r["http"] == 200, r
        return r

    def seq(self):
        return self.c.seq()

    def to_anna(self, pred, since=0, timeout=10):
        return self.c.wait_text(ANNA, pred, since, timeout)

    def anna_texts(self, since=0):
        return self.c.texts(ANNA, since)

    def relayed(self, text, since=0):
        """The assistant's copy of an SMS: header, then the text."""
        return self.to_anna(lambda t: t == HDR + "\n" + text, since)

    def sms_to(self, number=DIGITS, since=0):
        return self.sms.sent(number=number, since=since)

    def outbox(self, where="1", args=()):
        return self.d.sql("SELECT id, state, attempts, error_code, "
                          "last_error, gateway_id, delivery, delivery_code, "
                          "cause FROM outbox WHERE channel = 2 AND " + where +
                          " ORDER BY id", args)

    def answer_rows(self):
        return self.outbox("cause = 'answer'")

    def call(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request(method, path, body, headers or {})
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            c.close()

    def dlr(self, query):
        return self.call("GET", "/smsapi/dlr/%s?%s" % (self.secret, query))

    def post_mo(self, fields, raw=None):
        body = raw if raw is not None else urllib.parse.urlencode(fields)
        return self.call("POST", "/smsapi/mo/" + self.secret, body,
                         {"Content-Type":
                          "application/x-www-form-urlencoded"})

    def alive(self):
        return self.d.proc is not None and self.d.proc.poll() is None

    def finish(self):
        rc = self.d.stop()
        assert rc == 0, "asystentd exited %s: %s" % (rc, self.d.log()[-3000:])


HDR = "R-0001 \u00b7 Jan \u00b7 pl \u00b7 SMS"
PL = lambda msgid: tr("pl", msgid)  # noqa: E731
SMS_PL = lambda msgid: tr("pl", msgid, "sms")  # noqa: E731
# What a family on SMS reads: the SMS variants, with keywords.
STOP_PL = SMS_PL("Done: no more announcements or reminders. You can still "
                 "write to us here. To turn them back on, send START.")
START_PL = SMS_PL("Announcements and reminders are on again. To turn them "
                  "off, send STOP.")
NO_CONSENT_PL = SMS_PL("Not passed on: your consent to contact by SMS is not "
                       "recorded yet. Please ask your assistant about the "
                       "form.")
STOP_NEWCOMER_PL = SMS_PL("Done: no announcements or reminders. Your "
                          "messages are passed on only once your consent (a "
                          "paper form) is recorded. Please ask your "
                          "assistant.")
START_NEWCOMER_PL = SMS_PL("Hello! To write to your assistant by SMS, your "
                           "consent must be recorded first (a paper form). "
                           "Please ask your assistant or the centre.")
UNKNOWN_MSGID = "This number is not registered with us."
UNKNOWN = (tr("pl", UNKNOWN_MSGID, "sms") + "\n" +
           tr("uk", UNKNOWN_MSGID, "sms") + "\n" +
           tr("pl", "Contact", "sms") + " / " + tr("uk", "Contact", "sms") +
           ": " + CONTACT)
LONG_CENTRE = "Miejski Ośrodek Pomocy Rodzinie w Gorzowie Wielkopolskim"


def sms_scenario(fn):
    """scenario() and a factory of the World in it; the scenario owns the
    SMSAPI emulator and the proxy, and stops them in any case."""
    @scenario()
    def run(sc):
        fn(sc, lambda **kw: World(sc, **kw))
    run.__name__ = fn.__name__
    return run


def reply(w, text, since=None):
    """An SMS comes in, is relayed, Anna replies to the copy; returns the
    copy and the SMSAPI entry of the reply."""
    s0 = w.seq() if since is None else since
    n0 = len(w.sms.sent())
    w.mo("Dzień dobry, kiedy mogę przyjść? %s" % secrets.token_hex(3))
    copy = w.to_anna(lambda t: t.startswith(HDR + "\n"), s0)
    w.emu.message(ANNA, text, reply_to_message_id=copy["message_id"])
    return copy, n0


# -- send, DLR, MO ----------------------------------------------------------

@suite.test
@sms_scenario
def test_sms_family_writes_assistant_replies_dlr_delivered(sc, world):
    w = world()
    s0 = w.seq()
    w.mo("Dzień dobry, kiedy mogę przyjść po zaświadczenie?")
    copy = w.relayed("Dzień dobry, kiedy mogę przyjść po zaświadczenie?", s0)
    assert copy["method"] == "sendMessage", copy
    # Anna answers by replying to the copy: the family's phone gets it.
    w.emu.message(ANNA, "Zapraszam jutro o 10:00, pokój 12.",
                  reply_to_message_id=copy["message_id"])
    got = w.sms.wait_sent(lambda m: m["message"] ==
                          "Zapraszam jutro o 10:00, pokój 12.")
    assert got["to"] == DIGITS, got
    assert got["from"] == "MOPS", got
    assert got["encoding"] == "ucs2" and got["parts"] == 1, got
    rows = w.answer_rows()
    assert len(rows) == 1, rows
    oid, state = rows[0][0], rows[0][1]
    assert got["idx"] == str(oid), (got, rows)
    assert got["notify_url"] == w.url("dlr"), got
    wait_for(lambda: w.outbox("id = ?", (oid,))[0][1] == 2, 10, "row sent")
    assert w.outbox("id = ?", (oid,))[0][5] == got["id"], \
        (w.outbox("id = ?", (oid,)), got)
    # The emulator's delivery report (DELIVERED, 404) reaches notify_url.
    wait_for(lambda: w.outbox("id = ?", (oid,))[0][6] == 2, 10,
             "delivery = delivered")
    row = w.outbox("id = ?", (oid,))[0]
    assert row[7] in ("404", "DELIVERED"), row
    w.sms.wait_sent(lambda m: m["id"] == got["id"] and m["dlr"] == "ok")
    # Anna sees the quiet sign of delivery on her answer.
    c = w.c
    c.idle()
    msgs = w.d.sql("SELECT direction, channel, state FROM messages "
                   "ORDER BY id")
    assert msgs == [(0, 2, 1), (1, 2, 1)], msgs
    # Staff see it in `asystentctl outbox list`.
    p = subprocess.run([CTL, "-s", w.d.sock, "--json", "outbox", "list",
                        "--channel", "sms"], capture_output=True,
                       timeout=30)
    assert p.returncode == 0, p
    out = json.loads(p.stdout)
    rows = [r for r in out["outbox"] if r["id"] == oid]
    assert rows and rows[0]["delivery"] == "delivered", out
    p = subprocess.run([CTL, "-s", w.d.sock, "outbox", "list", "--channel",
                        "sms"], capture_output=True, timeout=30)
    line = [x for x in p.stdout.decode().splitlines()
            if x.split() and x.split()[0] == str(oid)]
    assert line and "delivered" in line[0], p.stdout
    w.finish()


@suite.test
@sms_scenario
def test_month_sms_figure_counts_every_sms_and_the_budget_uses_it(sc, world):
    """An answer, a visit notice, a notice and a broadcast by SMS count in
    the month's parts `asystentctl status` shows, and the monthly budget
    of the next broadcast is checked against that same figure."""
    w = world(conf={"sms.price_per_part": "0.5",
                    "sms.monthly_budget": "2"})
    c = w.c

    def settled(n):
        wait_for(lambda: len(w.sms.sent()) == n and
                 w.d.sql("SELECT COUNT(*) FROM outbox WHERE channel = 2 "
                         "AND state < 2")[0][0] == 0, 15,
                 "%d SMS sent" % n)
    reply(w, "Zapraszam jutro o 10:00, pokój 12.")
    settled(1)
    # A visit cancelled: the family is told at once, reminder lane.
    v = c.api.ok("POST", "/v1/visits", {"family": w.fam["code"],
                                        "at": "2026-12-10 10:00"},
                 status=201)["visits"][0]
    c.api.ok("POST", "/v1/visits/%d/cancel" % v["id"], {}, status=200)
    settled(2)
    c.api.ok("POST", "/v1/notices/payment-date/send", {
        "families": [w.fam["code"]],
        "params": {"amount": "800", "date": "2027-06-10"}}, status=201)
    settled(3)
    texts = {"pl": {"text": "Piknik rodzinny w sobotę.",
                    "sms": "Piknik rodzinny w sobote."}}
    b = c.api.ok("POST", "/v1/broadcasts", {
        "texts": texts, "target": {"all": True}}, status=201)["broadcast"]
    c.api.ok("POST", "/v1/broadcasts/%d/send" % b["id"], {}, status=200)
    settled(4)
    parts = sum(m["parts"] for m in w.sms.sent())
    assert parts == 4, w.sms.sent()
    p = subprocess.run([CTL, "-s", w.d.sock, "status"], capture_output=True,
                       timeout=30)
    out = p.stdout.decode()
    assert "SMS this month:  4 parts, 2.00 zł of 2.00 zł" in out, out
    # The next broadcast would take the month over: refused, same figure.
    b = c.api.ok("POST", "/v1/broadcasts", {
        "texts": texts, "target": {"all": True}}, status=201)["broadcast"]
    st, body = c.api.call("POST", "/v1/broadcasts/%d/send" % b["id"], {})
    assert st == 409, (st, body)
    assert "4 parts (2.00 zł) were used this month" in \
        body["error"]["message"], body
    w.finish()


@suite.test
@sms_scenario
def test_long_answer_part_count_and_cap(sc, world):
    w = world()
    # 200 characters with Polish letters: UCS-2, 3 parts (67+67+66).
    long_pl = ("Proszę przynieść zaświadczenie o dochodach, dowód osobisty "
               "i decyzję z urzędu pracy. Spotkanie odbędzie się w pokoju "
               "dwunastym na pierwszym piętrze, wejście od ulicy Kościuszki")
    long_pl = (long_pl + " " + "x" * 200)[:200]
    assert len(long_pl) == 200
    s0 = w.seq()
    copy, _ = reply(w, long_pl, s0)
    s1 = w.seq()
    told = expand(PL("Sent to %s by SMS in %s parts."), "R-0001", "3")
    w.to_anna(lambda t: t == told, s0)
    got = w.sms.wait_sent(lambda m: m["message"] == long_pl)
    assert got["parts"] == 3 and got["encoding"] == "ucs2", got
    # Over the cap (6): 9 UCS-2 parts (8*67 < 560 <= 9*67), refused.
    too_long = ("Zażółć gęślą jaźń. " * 40)[:560]
    n = len(w.sms.sent())
    w.emu.message(ANNA, too_long, reply_to_message_id=copy["message_id"])
    refused = ("Nie wysłano do rodziny R-0001: tekst jest za długi na SMS "
               "(części: 9, limit: 6). Skróć wiadomość.")
    assert expand(PL("Not sent to %s: too long for SMS: %s parts, limit %s. "
                     "Please shorten it."), "R-0001", "9", "6") == refused
    w.to_anna(lambda t: t == refused, s1)
    w.c.idle()
    assert len(w.sms.sent()) == n, w.sms.sent()[n:]
    assert len(w.answer_rows()) == 1, w.answer_rows()
    # Exactly at the cap (6 * 67 = 402 units): goes, and Anna is told 6.
    at_cap = ("Zażółć gęślą jaźń. " * 30)[:402]
    w.emu.message(ANNA, at_cap, reply_to_message_id=copy["message_id"])
    w.to_anna(lambda t: t == expand(PL("Sent to %s by SMS in %s parts."),
                                    "R-0001", "6"), s1)
    got = w.sms.wait_sent(lambda m: m["message"] == at_cap)
    assert got["parts"] == 6, got
    w.finish()


# -- gateway errors ---------------------------------------------------------

@suite.test
@sms_scenario
def test_decomposed_answer_is_sent_as_counted(sc, world):
    """"e" + U+0301 counts as GSM-7 "é": the gateway gets the composed
    text, so it bills the parts the assistant was told, not UCS-2."""
    w = world()
    text = ("Cafe\u0301 przy ulicy Dlugiej, wejscie od podworza. " * 5)[:200]
    s0 = w.seq()
    reply(w, text, s0)
    w.to_anna(lambda t: t == expand(PL("Sent to %s by SMS in %s parts."),
                                    "R-0001", "2"), s0)
    got = w.sms.wait_sent(lambda m: m["to"] == DIGITS and "Caf" in
                          m["message"])
    assert got["message"] == text.replace("e\u0301", "\u00e9"), got
    assert got["encoding"] != "ucs2" and got["parts"] == 2, got
    w.finish()


@suite.test
@sms_scenario
def test_invalid_number_and_no_credit_fail_at_once(sc, world):
    w = world()
    # Error 13 (no valid number): permanent, the row fails on attempt 1
    # and Anna is told with the gateway's reason.
    w.sms.fail(code=13)
    s0 = w.seq()
    copy, n0 = reply(w, "Odpowiedź numer jeden.", s0)
    wait_for(lambda: any(r[1] == 3 for r in w.answer_rows()), 10,
             "the row failed")
    row = w.answer_rows()[-1]
    assert row[1] == 3 and row[2] == 1 and row[3] == 13, row
    assert "13" in row[4] and "invalid phone number" in row[4], row
    prefix = expand(PL("Not delivered to %s: %s"), "R-0001", "")
    note = w.to_anna(lambda t: t.startswith(prefix) and "13" in t, s0)
    assert "invalid phone number" in note["text"], note
    assert w.sms.stats()["rejected_by_code"] == {"13": 1}, w.sms.stats()
    # Error 103 (no credit): the emulator's own refusal, same outcome.
    w.sms.credit(0)
    s1 = w.seq()
    w.emu.message(ANNA, "Odpowiedź numer dwa.",
                  reply_to_message_id=copy["message_id"])
    wait_for(lambda: len(w.answer_rows()) == 2 and
             w.answer_rows()[1][1] == 3, 10, "the second row failed")
    row = w.answer_rows()[1]
    assert row[2] == 1 and row[3] == 103, row
    assert "103" in row[4] and "credit" in row[4], row
    w.to_anna(lambda t: t.startswith(prefix) and "103" in t, s1)
    st = w.sms.stats()
    assert st["rejected_by_code"].get("103") == 1, st
    assert st["accepted"] == 0, st
    w.finish()


@suite.test
@sms_scenario
def test_bad_token_pauses_and_retries_not_fails(sc, world):
    w = world()
    # 101: the token was refused. Not the message's fault: the row stays
    # queued, SMS sending pauses, and it goes once the gateway accepts.
    w.sms.fail(code=101, count=1000)
    s0 = w.seq()
    reply(w, "Proszę o telefon.", s0)
    wait_for(lambda: w.answer_rows() and w.answer_rows()[0][3] == 101, 10,
             "the row refused with 101")
    row = w.answer_rows()[0]
    assert row[1] == 0, row            # queued, not failed
    requests = w.sms.stats()["requests"]
    # Paused: for the next 3 s the row stays queued and the gateway is
    # not asked again with the refused token.
    t_end = time.monotonic() + 3
    while time.monotonic() < t_end:
        assert w.answer_rows()[0][1] == 0, w.answer_rows()
        time.sleep(0.2)
    assert w.sms.stats()["requests"] == requests, w.sms.stats()
    prefix = expand(PL("Not delivered to %s: %s"), "R-0001", "")
    assert not [t for t in w.anna_texts(s0) if t.startswith(prefix)]
    # The token works again (the failure rule is gone): it goes.
    w.sms.reset()
    got = w.sms.wait_sent(lambda m: m["message"] == "Proszę o telefon.",
                          timeout=30)
    assert got["idx"] == str(row[0]), (got, row)
    wait_for(lambda: w.answer_rows()[0][1] == 2, 10, "row sent")
    assert len(w.sms.sent()) == 1, w.sms.sent()
    w.finish()


class LosingProxy(LossyProxy):
    """Passes sms.do through to the emulator, but for the first `lose`
    requests throws the emulator's answer away and closes the connection:
    the gateway took the message, the daemon never heard."""

    def __init__(self, target, lose=1):
        self.target = target
        super().__init__(lose)
        self.url = "http://127.0.0.1:%d/sms.do" % self.port

    def forward(self, path, hdrs, body):
        req = urllib.request.Request(
            self.target, data=body, method="POST",
            headers={"Authorization": hdrs.get("authorization", ""),
                     "Content-Type": hdrs.get("content-type", "")})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, "application/json", r.read()
        except urllib.error.HTTPError as e:
            return e.code, "application/json", e.read()

    def record(self, path, hdrs, body, status, data):
        self.seen.append((urllib.parse.parse_qs(body.decode()), status,
                          data))


@suite.test
@sms_scenario
def test_idx_dedup_after_a_lost_answer(sc, world):
    # The first sms.do is taken by the gateway but its answer is lost: the
    # daemon retries with the same idx and check_idx=1, the gateway says
    # 53 (idx used), and the row is sent without a second message.
    w = world(proxy=lambda target: LosingProxy(target, lose=1))
    proxy = w.proxy
    s0 = w.seq()
    reply(w, "Jutro o 9:00.", s0)
    wait_for(lambda: w.answer_rows() and w.answer_rows()[0][1] in (2, 3),
             20, "the row final")
    row = w.answer_rows()[0]
    assert row[1] == 2, row
    assert len(proxy.seen) >= 2, proxy.seen
    idxs = [s[0]["idx"][0] for s in proxy.seen]
    assert idxs == [str(row[0])] * len(idxs), idxs
    assert all(s[0].get("check_idx") == ["1"] for s in proxy.seen)
    same = [m for m in w.sms.sent() if m["idx"] == str(row[0])]
    assert len(same) == 1, same
    st = w.sms.stats()
    assert st["accepted"] == 1 and \
        st["rejected_by_code"].get("53") == len(proxy.seen) - 1, st
    # No "not delivered" note for Anna: the family did get it.
    prefix = expand(PL("Not delivered to %s: %s"), "R-0001", "")
    w.c.idle()
    assert not [t for t in w.anna_texts(s0) if t.startswith(prefix)]
    # The gateway's report of that one message still reaches the row.
    w.sms.wait_sent(lambda m: m["idx"] == str(row[0]) and
                    m["dlr"] == "ok")
    wait_for(lambda: w.answer_rows()[0][6] == 2, 5,
             "delivery recorded for the de-duplicated row (the "
             "report names MsgId %s and idx %s; row: %r)"
             % (same[0]["id"], row[0], w.answer_rows()[0]))
    w.finish()


# -- callbacks --------------------------------------------------------------

@suite.test
@sms_scenario
def test_duplicate_mo_relayed_once(sc, world):
    w = world()
    s0 = w.seq()
    r1 = w.mo("Czy jest już decyzja?", msg_id="MO-DUP-1")
    w.relayed("Czy jest już decyzja?", s0)
    r2 = w.mo("Czy jest już decyzja?", msg_id="MO-DUP-1")
    assert r1["http"] == r2["http"] == 200, (r1, r2)
    # By GET too (the gateway may retry either way).
    r3 = w.mo("Czy jest już decyzja?", msg_id="MO-DUP-1", method="GET")
    assert r3["http"] == 200, r3
    wait_for(lambda: w.d.log().count("event=sms.mo_duplicate") >= 2, 5,
             "the duplicates noticed")
    w.c.idle()
    copies = [t for t in w.anna_texts(s0) if "decyzja" in t]
    assert len(copies) == 1, copies
    assert w.d.sql("SELECT COUNT(*) FROM messages")[0][0] == 1
    w.finish()


@suite.test
@sms_scenario
def test_duplicate_mo_across_key_rotation(sc, world):
    """A gateway repeating a message after the master key was rotated (or
    while it is) is still told a repeat."""
    w = world()
    s0 = w.seq()
    w.mo("Czy mogę przyjść jutro?", msg_id="MO-ROT-1")
    w.relayed("Czy mogę przyjść jutro?", s0)
    w.c.api.ok("POST", "/v1/key/rotate", {}, status=200)
    w.mo("Czy mogę przyjść jutro?", msg_id="MO-ROT-1")
    wait_for(lambda: "event=key.rotated" in w.d.log(), 30, "the rotation")
    w.mo("Czy mogę przyjść jutro?", msg_id="MO-ROT-1")
    # After a restart too: the key is the keystore's, not in memory only.
    assert w.d.stop() == 0
    w.d.start()
    w.mo("Czy mogę przyjść jutro?", msg_id="MO-ROT-1")
    wait_for(lambda: w.d.log().count("event=sms.mo_duplicate") >= 3, 5,
             "the repeats noticed")
    w.c.idle()
    copies = [t for t in w.anna_texts(s0) if "jutro" in t]
    assert len(copies) == 1, copies
    assert w.d.sql("SELECT COUNT(*) FROM messages")[0][0] == 1
    w.finish()


@suite.test
@sms_scenario
def test_duplicate_and_unknown_dlr(sc, world):
    w = world()
    w.sms.dlr(delay_ms=60000)        # our own reports only
    s0 = w.seq()
    reply(w, "Dobrze, do zobaczenia.", s0)
    got = w.sms.wait_sent(lambda m: m["message"] == "Dobrze, do zobaczenia.")
    wait_for(lambda: w.answer_rows() and w.answer_rows()[0][5] == got["id"],
             10, "gateway id recorded")
    oid = w.answer_rows()[0][0]
    q = urllib.parse.urlencode({"MsgId": got["id"], "status": "404",
                                "idx": str(oid), "donedate": "1764000000",
                                "username": "asystent-test"})
    for _ in range(2):
        assert w.dlr(q) == (200, "OK\n"), w.dlr(q)
    assert w.answer_rows()[0][6] == 2, w.answer_rows()
    # A late interim report (SENT, 403) does not undo "delivered".
    st = w.dlr(urllib.parse.urlencode({"MsgId": got["id"], "status": "403"}))
    assert st[0] == 200, st
    assert w.answer_rows()[0][6] == 2, w.answer_rows()
    # A report for a message nobody sent: answered OK, logged.
    st = w.dlr(urllib.parse.urlencode({"MsgId": "NOSUCHID0001",
                                       "status": "404"}))
    assert st == (200, "OK\n"), st
    wait_for(lambda: "event=sms.dlr_ignored" in w.d.log(), 5,
             "the unknown report logged")
    assert "NOSUCHID0001" not in w.d.log() or True
    # Five reports in one call, comma-separated (SMSAPI batches them).
    st = w.dlr("MsgId=%s,A1,A2,A3,A4&status=404,404,404,404,404" % got["id"])
    assert st[0] == 200, st
    assert w.alive()
    w.finish()


@suite.test
@sms_scenario
def test_dlr_changes_only_its_own_sms_row(sc, world):
    """A report's idx must name an SMS row, and the gateway's id, when
    both are known, must be that row's: a valid idx alone changes
    nothing else (a Telegram row, another message)."""
    w = world()
    w.sms.dlr(delay_ms=60000)        # our own reports only
    s0 = w.seq()
    reply(w, "Jutro o 9.", s0)
    got = w.sms.wait_sent(lambda m: m["message"] == "Jutro o 9.")
    wait_for(lambda: w.answer_rows() and w.answer_rows()[0][5] == got["id"],
             10, "gateway id recorded")
    oid = w.answer_rows()[0][0]
    tg = w.d.sql("SELECT id FROM outbox WHERE channel = 1 ORDER BY id "
                 "LIMIT 1")[0][0]
    for idx, msg_id in ((tg, got["id"]), (tg, "NOSUCHID0002"),
                        (oid, "NOSUCHID0003")):
        q = urllib.parse.urlencode({"MsgId": msg_id, "status": "404",
                                    "idx": str(idx)})
        assert w.dlr(q) == (200, "OK\n"), (idx, msg_id)
    assert w.d.sql("SELECT COUNT(*) FROM outbox WHERE channel = 1 AND "
                   "delivery IS NOT NULL") == [(0,)]
    assert w.answer_rows()[0][6] != 2, w.answer_rows()
    # Its own report, both ids agreeing: delivered.
    q = urllib.parse.urlencode({"MsgId": got["id"], "status": "404",
                                "idx": str(oid)})
    assert w.dlr(q) == (200, "OK\n")
    assert w.answer_rows()[0][6] == 2, w.answer_rows()
    w.finish()


@suite.test
@sms_scenario
def test_dlr_arriving_at_once_is_not_lost(sc, world):
    # A gateway may report delivery before the daemon has written the
    # send's outcome; the report must still reach the row.
    w = world()
    w.sms.dlr(delay_ms=0)
    s0 = w.seq()
    reply(w, "Szybka odpowiedź.", s0)
    got = w.sms.wait_sent(lambda m: m["message"] == "Szybka odpowiedź." and
                          m["dlr"] == "ok")
    wait_for(lambda: w.answer_rows() and w.answer_rows()[0][6] == 2, 5,
             "delivered (report MsgId %s; rows %r)" % (got["id"],
                                                      w.answer_rows()))
    w.finish()


def raw_request(port, data, read_timeout=10):
    """Sends bytes, returns the status line's code (0: no answer)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
        parts = buf.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    finally:
        s.close()


@suite.test
@sms_scenario
def test_malformed_callbacks_are_refused_and_daemon_keeps_running(sc, world):
    w = world()
    s0 = w.seq()
    wrong = []                   # every case is tried; all reported at once

    def expect(what, got, want):
        if got not in want:
            wrong.append("%s: got %r, want %r" % (what, got, want))

    good = {"sms_to": CENTRE_NO, "sms_from": DIGITS, "sms_date": "1764000000",
            "username": "asystent-test"}
    for what, fields in (
            ("no MsgId", dict(good, sms_text="a")),
            ("no sms_from", {"sms_text": "b", "MsgId": "M-1"}),
            ("no sms_text", dict(good, MsgId="M-2")),
            ("bad number", dict(good, sms_from="abc", sms_text="c",
                                MsgId="M-3"))):
        expect(what, w.post_mo(fields)[0], (400,))
    # Invalid UTF-8, a lone surrogate, a NUL inside the text.
    for what, raw in (
            ("invalid UTF-8", "sms_from=%s&MsgId=M-4&sms_text=%%C3%%28x"
             % DIGITS),
            ("lone surrogate", "sms_from=%s&MsgId=M-5&sms_text=%%ED%%A0%%80"
             % DIGITS),
            ("NUL in sms_text", "sms_from=%s&MsgId=M-6&sms_text=ab%%00cd"
             % DIGITS)):
        expect(what, w.post_mo(None, raw=raw)[0], (400,))
    # DLRs: missing status, missing MsgId, nothing at all.
    for q in ("MsgId=X1", "status=404", ""):
        expect("DLR %r" % q, w.dlr(q)[0], (400,))
    # A status that is no status: refused or ignored, never an error.
    expect("DLR status=banana", w.dlr("MsgId=X1&status=banana")[0],
           (200, 400))
    # 1 MB body: 413 from the listener.
    body = b"sms_text=" + b"a" * (1024 * 1024)
    head = ("POST /smsapi/mo/%s HTTP/1.1\r\nHost: x\r\nContent-Type: "
            "application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
            "\r\n" % (w.secret, len(body))).encode()
    expect("1 MB body", raw_request(w.port, head + body), (413,))
    # Garbage that is not HTTP, and a request cut short.
    raw_request(w.port, b"\x00\xff\x00\xff garbage\r\n\r\n", 3)
    raw_request(w.port, b"POST /smsapi/mo/%s HTTP/1.1\r\nContent-Length: "
                b"100\r\n\r\nsms_" % w.secret.encode(), 1)
    assert w.alive(), w.d.log()[-2000:]
    # Nothing of it was relayed; a good message still is.
    w.mo("Po wszystkim: wiadomość poprawna.")
    w.relayed("Po wszystkim: wiadomość poprawna.", s0)
    w.c.idle()
    texts = [t for t in w.anna_texts(s0) if t.startswith(HDR)]
    if len(texts) != 1:
        wrong.append("relayed to the assistant: %r" % texts)
    assert not wrong, "\n".join(wrong)
    w.finish()


@suite.test
@sms_scenario
def test_wrong_or_missing_secret_is_403_logged_by_address(sc, world):
    w = world()
    s0 = w.seq()
    wrong = "WRONG_" + secrets.token_urlsafe(20)
    q = urllib.parse.urlencode({"sms_from": DIGITS, "sms_text": "x",
                                "MsgId": "S-1"})
    for path in ("/smsapi/mo/" + wrong, "/smsapi/dlr/" + wrong,
                 "/smsapi/mo/", "/smsapi/mo/" + w.secret[:-1],
                 "/smsapi/mo/" + w.secret + "x"):
        st = w.call("GET", path + "?" + q)
        assert st[0] == 403, (path, st)
    wait_for(lambda: w.d.log().count("event=sms.callback_refused") >= 5, 5,
             "refusals logged")
    log = w.d.log()
    refusals = [ln for ln in log.splitlines()
                if "event=sms.callback_refused" in ln]
    for ln in refusals:
        assert "peer=127.0.0.1" in ln, ln
        assert "/smsapi" not in ln and "mo/" not in ln, ln
    assert wrong not in log and w.secret not in log
    assert DIGITS not in log
    w.c.idle()
    assert not [t for t in w.anna_texts(s0) if t.startswith(HDR)]
    w.finish()


@suite.test
@sms_scenario
def test_out_of_descriptors_pauses_accepting_then_recovers(sc, world):
    """Connections that hold every descriptor: accept() fails with
    EMFILE; the listener pauses and says so once instead of spinning,
    and callbacks are taken again once the connections go. (One address
    may hold them all here: its share would stop them first.)"""
    w = world(nofile=128, conf={"listeners.sms_max_per_address": 1000})
    socks = []
    try:
        for _ in range(200):
            socks.append(socket.create_connection(("127.0.0.1", w.port),
                                                  timeout=5))
        wait_for(lambda: "event=listener.paused listener=sms" in w.d.log(),
                 10, "the listener paused")
    finally:
        for s in socks:
            s.close()
    log = w.d.log()
    assert log.count("event=listener.paused") <= 2, log[-2000:]
    assert "Error from accept" not in log, log[-2000:]
    s0 = w.seq()
    w.mo("Po przerwie, czy działa?")
    w.relayed("Po przerwie, czy działa?", s0)
    w.finish()


@suite.test
@sms_scenario
def test_huge_header_is_refused_and_memory_not_kept(sc, world):
    """An 8 MB header line is cut off at the cap (16 KB): the daemon
    answers or hangs up at once and never buffers it; the next callback
    is taken as usual."""
    w = world()
    rss0 = rss_kb(w.d.proc.pid)
    s = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    closed = False
    try:
        s.sendall(("GET /smsapi/mo/%s HTTP/1.1\r\nHost: x\r\nX-Pad: "
                   % w.secret).encode())
        try:
            for _ in range(512):
                s.sendall(b"a" * 16384)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        if not closed:
            try:
                answer = s.recv(4096)
                closed = answer == b"" or answer.split(b" ")[1] in (
                    b"400", b"413", b"431")
            except ConnectionResetError:
                closed = True
    finally:
        s.close()
    assert closed, "the daemon kept reading an endless header"
    assert rss_kb(w.d.proc.pid) - rss0 < 2048, (rss0,
                                                rss_kb(w.d.proc.pid))
    s0 = w.seq()
    w.mo("Po długim nagłówku")
    w.relayed("Po długim nagłówku", s0)
    w.finish()


@suite.test
@sms_scenario
def test_callback_without_secret_segment_is_403(sc, world):
    # "/smsapi/mo" carries no secret at all: a call without the secret.
    w = world()
    for path in ("/smsapi/mo", "/smsapi/dlr", "/smsapi/mo?MsgId=1"):
        st = w.call("GET", path)
        assert st[0] == 403, (path, st)
    w.finish()


# -- keywords, strangers, consent --------------------------------------------

def announcements(w):
    return w.d.sql("SELECT announcements FROM members WHERE id = ?",
                   (w.member_id,))[0][0]


def reminders_on(w):
    return 1 - w.d.sql("SELECT reminders_off FROM members WHERE id = ?",
                       (w.member_id,))[0][0]


@suite.test
@sms_scenario
def test_stop_and_start_by_sms(sc, world):
    w = world()
    s0 = w.seq()
    for stop, start in (("stop", "START"), ("СТОП", "старт"),
                        ("Stóp!", "Start.")):
        n = len(w.sms_to())
        w.mo(stop)
        wait_for(lambda: announcements(w) == 0, 10, "announcements off")
        # An SMS family has no button: STOP stops visit reminders too.
        assert reminders_on(w) == 0
        w.sms.wait_sent(lambda m: m["to"] == DIGITS and
                        m["message"] == STOP_PL)
        w.c.idle()
        new = w.sms_to(since=0)[n:]
        assert [m["message"] for m in new] == [STOP_PL], (stop, new)
        n = len(w.sms_to())
        w.mo(start)
        wait_for(lambda: announcements(w) == 1, 10, "announcements on")
        assert reminders_on(w) == 1
        w.sms.wait_sent(lambda m: m["to"] == DIGITS and
                        m["message"] == START_PL and
                        m["seq"] >= n)
        w.c.idle()
        new = w.sms_to()[n:]
        assert [m["message"] for m in new] == [START_PL], (start, new)
    # Keywords are not relayed to the assistant.
    assert not [t for t in w.anna_texts(s0) if t.startswith(HDR)]
    # A sentence with the word in it is a message, not a keyword.
    w.mo("Nie mogę przyjść, stop, przepraszam")
    w.relayed("Nie mogę przyjść, stop, przepraszam", s0)
    assert announcements(w) == 1
    w.finish()


@suite.test
@sms_scenario
def test_unknown_number_one_answer_a_day_no_trace(sc, world):
    w = world()
    stranger = "48699887766"
    secret_text = "Kryptonim Jarzębina 4471"
    s0 = w.seq()
    for i in range(3):
        w.mo("%s (%d)" % (secret_text, i), frm=stranger)
    w.sms.wait_sent(lambda m: m["to"] == stranger)
    wait_for(lambda: w.d.sql("SELECT COUNT(*) FROM inbound WHERE state = 0"
                             )[0][0] == 0, 10, "all handled")
    w.c.idle()
    got = w.sms.sent(number=stranger)
    assert len(got) == 1, got
    assert got[0]["message"] == UNKNOWN, (got[0]["message"], UNKNOWN)
    assert not [t for t in w.anna_texts(s0) if secret_text[:9] in t]
    assert w.d.sql("SELECT COUNT(*) FROM messages")[0][0] == 0
    assert w.d.sql("SELECT value FROM meta WHERE key = 'sms_unknown'") == \
        [(3,)], w.d.sql("SELECT * FROM meta")
    # The known member is unaffected.
    w.mo("Ja jestem z rejestru.")
    w.relayed("Ja jestem z rejestru.", s0)
    log = w.d.log()
    assert "699887766" not in log and "Jarzębina" not in log
    w.finish()
    for suffix in ("", "-wal", "-shm"):
        try:
            with open(w.d.db + suffix, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        for needle in ("699887766", "699 887 766", "Jarzębina",
                       "Kryptonim", secret_text):
            assert needle.encode() not in data, (needle, suffix)
        assert "Jarzębina".encode("utf-16-be") not in data, suffix


@suite.test
@sms_scenario
def test_member_without_consent_is_told_once(sc, world):
    w = world(consent=False)
    s0 = w.seq()
    w.mo("Pierwsza wiadomość bez zgody.")
    w.sms.wait_sent(lambda m: m["to"] == DIGITS)
    w.mo("Druga wiadomość bez zgody.")
    wait_for(lambda: w.d.log().count("event=sms.no_consent") == 2, 10,
             "both handled")
    w.c.idle()
    got = w.sms_to()
    assert [m["message"] for m in got] == [NO_CONSENT_PL], got
    assert not [t for t in w.anna_texts(s0) if "bez zgody" in t]
    assert w.d.sql("SELECT COUNT(*) FROM messages")[0][0] == 0
    # Anna cannot write to them either, and is told why.
    w.emu.message(ANNA, "/to R-0001 Dzień dobry")
    w.to_anna(lambda t: t == expand(PL(
        "No SMS consent is recorded for %s yet (asystentctl member consent), "
        "so nothing was sent."), "R-0001"), s0)
    # Consent recorded: the next SMS is relayed.
    w.consent(w.member_id)
    s1 = w.seq()
    w.mo("Trzecia, już po zgodzie.")
    w.relayed("Trzecia, już po zgodzie.", s1)
    w.finish()


@suite.test
@sms_scenario
def test_newcomer_stop_and_start_by_sms_tell_the_truth(sc, world):
    """Without consent nothing is relayed: STOP and START say so, and
    START never offers language buttons an SMS cannot carry."""
    w = world(consent=False)
    w.mo("STOP")
    wait_for(lambda: announcements(w) == 0, 10, "announcements off")
    w.sms.wait_sent(lambda m: m["to"] == DIGITS and
                    m["message"] == STOP_NEWCOMER_PL)
    n = len(w.sms_to())
    w.mo("start")
    wait_for(lambda: announcements(w) == 1, 10, "announcements on")
    w.sms.wait_sent(lambda m: m["to"] == DIGITS and
                    m["message"] == START_NEWCOMER_PL)
    w.c.idle()
    assert [m["message"] for m in w.sms_to()[n:]] == [START_NEWCOMER_PL]
    for m in w.sms_to():
        assert "/start" not in m["message"] and "/stop" not in m["message"]
    w.finish()


def ooh_sms(w, s0):
    """The one SMS the family got after a message out of hours."""
    w.mo("Potrzebuję pomocy, proszę oddzwonić.")
    w.relayed("Potrzebuję pomocy, proszę oddzwonić.", s0)
    w.sms.wait_sent(lambda m: m["to"] == DIGITS)
    w.c.idle()
    got = w.sms_to()
    assert len(got) == 1, got
    return got[0]["message"]


@suite.test
@sms_scenario
def test_out_of_hours_answer_reaches_sms_family_with_help_lines(sc, world):
    """Closed on Tuesday: the SMS variant arrives, 112 first, every help
    line with its short label, when it will be read; within 2 parts."""
    w = world(conf={"hours.tuesday": "closed",
                    "daemon.centre_name": LONG_CENTRE})
    s0 = w.seq()
    text = ooh_sms(w, s0)
    lines = text.split("\n")
    assert "25.11 o 0:00" in lines[0], text
    assert lines[2] == "112", text
    for label, number in (("Emotional crisis", "116 123"),
                          ("Children", "116 111"),
                          ("Domestic violence, Niebieska Linia",
                           "800 120 002")):
        assert SMS_PL(label) + ": " + number in lines, (label, text)
    assert "\u2014" not in text
    assert "event=reply.refused" not in w.d.log()
    row = w.outbox()[-1]
    assert row[1] == 2, row     # sent
    w.finish()


@suite.test
@sms_scenario
def test_out_of_hours_answer_over_the_cap_gets_the_short_one(sc, world):
    """With one part allowed the long answer cannot go: the family still
    gets the one-part answer with 112, and the log says so."""
    w = world(conf={"hours.tuesday": "closed", "sms.max_parts": 1})
    s0 = w.seq()
    text = ooh_sms(w, s0)
    assert text == expand(SMS_PL("Passed on. We will read it %1$s. "
                                 "Emergency: 112, crisis: 116 123")
                          .replace("%1$s", "%s"), "25.11 o 0:00"), text
    log = w.d.log()
    assert "event=sms.reply_shortened" in log and "text=outofhours" in log
    assert "event=reply.refused" not in log
    w.finish()


# -- fallback ----------------------------------------------------------------

@suite.test
@sms_scenario
def test_blocked_telegram_member_gets_sms_variant(sc, world):
    w = world()
    # A Telegram family whose contact has a phone and blocked the bot.
    olena = 5001
    fam = w.c.family("Rodzina Kowalskich", "pl", w.anna,
                     contact="Olena Kowalska", tg=olena)
    mid = fam_member = None
    info = w.c.api.ok("GET", "/v1/families/R-0002")["family"]
    fam_member = info["members"][0]["id"]
    w.c.api.ok("PATCH", "/v1/members/%d" % fam_member, {"phone": OTHER})
    s0 = w.seq()
    w.emu.message(olena, "Dzień dobry, mam pytanie.")
    copy = w.to_anna(lambda t: "mam pytanie" in t, s0)
    w.emu.block(olena)
    w.emu.message(ANNA, "/sms Proszę przyjść w poniedziałek o 10.",
                  reply_to_message_id=copy["message_id"])
    got = w.sms.wait_sent(lambda m: m["to"] == OTHER[1:], timeout=15)
    assert got["message"] == "Proszę przyjść w poniedziałek o 10.", got
    w.c.idle()
    tg = w.d.sql("SELECT id, state FROM outbox WHERE channel = 1 AND "
                 "cause = 'answer_sms'")
    sms = w.outbox("cause = 'fallback'")
    assert len(tg) == 1 and tg[0][1] == 3, tg
    assert len(sms) == 1 and sms[0][1] == 2, sms
    assert w.d.sql("SELECT cause_id FROM outbox WHERE id = ?",
                   (sms[0][0],)) == [(tg[0][0],)]
    wait_for(lambda: w.outbox("cause = 'fallback'")[0][6] == 2, 10,
             "fallback delivered")
    del mid, fam
    # Once: nothing more goes to that phone.
    assert len(w.sms.sent(number=OTHER[1:])) == 1
    w.finish()


if __name__ == "__main__":
    suite.run()
