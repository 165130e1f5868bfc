#!/usr/bin/env python3
"""Self-test of tests/lib/kannel.py: a real Kannel (bearerbox + smsbox) with
the Python fake SMS centre, without asystentd.

A small http.server in a thread plays the get-url / dlr-url side. MT goes in
through sendsms (urllib, as curl would), MO through the fake SMSC line
protocol. Prints one line per test, then "kannel: N passed, M failed".
Without /usr/sbin/bearerbox or /usr/sbin/smsbox it prints a loud SKIP line
and exits 0 (CI installs the packages with `make deps`).
"""
import contextlib
import http.server
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Scenario, Suite  # noqa: E402
from kannel import Kannel  # noqa: E402

suite = Suite("kannel")
PHONE = "48600100200"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12}$")
PL = "Zażółć gęślą jaźń"
UA = "Привіт, як справи? Ґанок, їжак, є"


class Listener:
    """get-url / dlr-url endpoint: records every request; can be told to
    answer 500 to the next N requests on a path."""

    def __init__(self):
        self.requests = []
        self.cv = threading.Condition()
        self.fail = {}
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                raw = {}
                for kv in u.query.split("&") if u.query else []:
                    k, _, v = kv.partition("=")
                    raw[k] = urllib.parse.unquote_to_bytes(
                        v.replace("+", " "))
                q = {k: v.decode("utf-8", "replace") for k, v in raw.items()}
                with outer.cv:
                    n = outer.fail.get(u.path, 0)
                    status = 500 if n else 200
                    if n:
                        outer.fail[u.path] = n - 1
                    outer.requests.append({"path": u.path, "q": q,
                                           "raw": raw, "status": status,
                                           "t": time.monotonic()})
                    outer.cv.notify_all()
                body = b"OK" if status == 200 else b"broken"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait(self, pred, timeout=10.0, since=0, what="request"):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for r in self.requests[since:]:
                    if pred(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        "no %s in %.1fs; got %r" % (what, timeout, [
                            (r["path"], r["q"]) for r in
                            self.requests[since:]][-10:]))
                self.cv.wait(min(left, 0.5))

    def matching(self, pred):
        with self.cv:
            return [r for r in self.requests if pred(r)]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@contextlib.contextmanager
def kannel_env(**kw):
    """A listener and a started Kannel, owned by a scenario: everything
    stopped (by PID) and removed in any case; logs printed on failure."""
    with Scenario(tg=False) as sc:
        lis = sc.own(Listener(), "listener")
        t0 = time.monotonic()
        k = sc.kannel(lis.url("/mo"), dlr_base=lis.url("/dlrdefault"), **kw)
        print("     kannel up in %.2fs (bearerbox %.2fs, smsbox %.2fs, "
              "smsc %.2fs)" % (time.monotonic() - t0,
                               k.timings["bearerbox_up"][0],
                               k.timings["smsbox_up"][0],
                               k.timings["smsc_online"][0]))
        yield k, lis


def accepted(resp):
    status, body = resp
    assert status == 202 and body.startswith("0: Accepted"), resp


def mo_requests(lis, since=0):
    return [r for r in lis.requests[since:] if r["path"] == "/mo"]


@suite.test
def test_mt_gsm_and_ucs2():
    with kannel_env() as (k, lis):
        gsm = "Hello @ £ € {x} [y] ~ | ^ \\ ä ñ ü +48 100% a+b=c&d"
        accepted(k.sendsms(PHONE, gsm))
        m = k.wait_mt(lambda m: m["text"] == gsm, 5)
        assert m["sender"] == "MOPS" and m["receiver"] == PHONE, m
        assert m["coding"] == 0 and m["parts"] == 1, m
        for text in (PL, UA, "Emoji 😀 ok", "Zniżka 100% + 5 zł & więcej"):
            accepted(k.sendsms(PHONE, text, coding=2, charset="UTF-8"))
            m = k.wait_mt(lambda m, t=text: m["text"] == t, 5)
            assert m["coding"] == 2 and m["parts"] == 1, m
        # A newline in a GSM text is written raw by the fake driver (the
        # line protocol breaks); the harness glues the lines back.
        accepted(k.sendsms(PHONE, "line 1\nline 2\nline 3"))
        k.wait_mt(lambda m: m["text"] == "line 1\nline 2\nline 3", 5)
        # Default coding turns Polish letters into "?" (gsm7.md).
        accepted(k.sendsms(PHONE, "Zażółć"))
        k.wait_mt(lambda m: m["text"] == "Za????", 5)


@suite.test
def test_mt_three_parts_reassembled():
    with kannel_env() as (k, lis):
        for ref, parts, extra in (
                (0x41, ["Part one, ", "part two + 50%, ", "part three."], {}),
                (0x42, ["Zażółć ", "gęślą ", "jaźń"],
                 {"coding": 2, "charset": "UTF-8"}),
                (0x43, ["Привіт, ", "як ", "справи?"],
                 {"coding": 2, "charset": "UTF-8"})):
            # parts 3, 1, 2: the harness must not depend on the order
            for seq in (3, 1, 2):
                udh = bytes([5, 0, 3, ref, 3, seq])
                accepted(k.sendsms(PHONE, parts[seq - 1], udh=udh, **extra))
            whole = "".join(parts)
            m = k.wait_mt(lambda m, w=whole: m["text"] == whole, 5)
            assert m["parts"] == 3 and m["ref"] == ref, m
            assert m["coding"] == (2 if extra else 0), m
        assert not k.mt_pending_parts(), k.mt_pending_parts()
        # Kannel's own split: 200 UCS-2 units -> 67 + 67 + 66.
        long_pl = ("Przypominamy o wizycie w ośrodku we wtorek o 10:00. "
                   * 4)[:200]
        accepted(k.sendsms(PHONE, long_pl, coding=2, charset="UTF-8"))
        m = k.wait_mt(lambda m: m["text"] == long_pl, 5)
        assert m["parts"] == 3 and m["coding"] == 2, m
        # and 161 GSM characters -> 2 parts
        accepted(k.sendsms(PHONE, "a" * 161))
        m = k.wait_mt(lambda m: m["text"] == "a" * 161, 5)
        assert m["parts"] == 2, m


@suite.test
def test_dlr():
    with kannel_env() as (k, lis):
        t0 = time.monotonic()
        accepted(k.sendsms(PHONE, "with DLR", dlr_mask=31,
                           dlr_url=k.dlr_url("out42", lis.url("/dlr"))))
        k.wait_mt(lambda m: m["text"] == "with DLR", 5)
        got = {}
        for typ in ("8", "1"):     # either order: wait for both
            r = lis.wait(lambda r, t=typ: r["path"] == "/dlr" and
                         r["q"].get("t") == t, 5, what="DLR %s" % typ)
            assert r["q"]["id"] == "out42", r
            got[typ] = r["q"]
        assert got["8"]["r"] == "ACK/", got
        print("     DLR 8 and 1 within %.2fs of sendsms"
              % (time.monotonic() - t0))
        # No dlr-url in the request: the sendsms-user's default (dlr_base).
        accepted(k.sendsms(PHONE, "default DLR", dlr_mask=1))
        r = lis.wait(lambda r: r["path"] == "/dlrdefault", 5,
                     what="default DLR")
        assert r["q"]["t"] == "1" and r["q"]["phone"] == PHONE, r
        # No dlr-mask: no DLR at all.
        n = len(lis.requests)
        accepted(k.sendsms(PHONE, "no DLR", dlr_url=lis.url("/dlr?id=x")))
        k.wait_mt(lambda m: m["text"] == "no DLR", 5)
        accepted(k.sendsms(PHONE, "barrier", dlr_mask=1,
                           dlr_url=k.dlr_url("barrier", lis.url("/dlr"))))
        lis.wait(lambda r: r["q"].get("id") == "barrier", 5, since=n)
        assert not [r for r in lis.requests[n:]
                    if r["q"].get("id") == "x"], lis.requests[n:]


@suite.test
def test_mo_texts():
    with kannel_env() as (k, lis):
        cases = [("GSM", "Dzien dobry, mam pytanie {test} €5 @ 10:00", 1),
                 ("GSM specials", "a+b=c&d 100% #1 ?x=y", 1),
                 ("Polish", "Dzień dobry, czy mogę przyjść jutro? Żółć", 1),
                 ("Ukrainian", UA, 1),
                 ("newline", "Linia 1\nLinia 2", 1),
                 ("emoji", "Dziękuję 😀", 1),
                 ("GSM 3 parts", "x" * 20 + " long GSM message " + "y" * 20,
                  3),
                 ("Polish 2 parts", "Zażółć gęślą jaźń. " * 5, 2),
                 ("Ukrainian 2 parts", UA * 3, 2)]
        for name, text, parts in cases:
            since = len(lis.requests)
            k.mo(PHONE, "4812345", text, parts=parts)
            r = lis.wait(lambda r: r["path"] == "/mo", 5, since=since,
                         what="MO %s" % name)
            q = r["q"]
            assert q["text"] == text, (name, q["text"], text)
            assert q["from"] == PHONE and q["to"] == "4812345", (name, q)
            assert q["coding"] == "0" and q["charset"] == "UTF-8", (name, q)
            assert UUID.match(q["id"]), q
            assert q["ts"].isdigit() and \
                abs(int(q["ts"]) - time.time()) < 60, q
        assert len(mo_requests(lis)) == len(cases), lis.requests
        # Parts out of order are joined all the same.
        since = len(lis.requests)
        k.mo_parts(PHONE, None, ["one ", "two ", "three"], order=[2, 0, 1])
        r = lis.wait(lambda r: r["path"] == "/mo", 5, since=since)
        assert r["q"]["text"] == "one two three", r


@suite.test
def test_mo_repeated_and_retried():
    with kannel_env() as (k, lis):
        # The same SMS delivered twice by the SMSC gets two different %I:
        # de-duplication on %I only catches smsbox's own retries.
        k.mo(PHONE, None, "Same text")
        k.mo(PHONE, None, "Same text")
        lis.wait(lambda r: len(mo_requests(lis)) >= 2, 5, what="2 MO")
        a, b = mo_requests(lis)
        assert a["q"]["text"] == b["q"]["text"] == "Same text"
        assert a["q"]["id"] != b["q"]["id"], (a, b)
        print("     repeated MO: new %%I each time (%s..., %s...)"
              % (a["q"]["id"][:8], b["q"]["id"][:8]))
        # get-url answering 500: smsbox retries (http-request-retry) with
        # the same %I, http-queue-delay apart.
        lis.fail["/mo"] = 2
        since = len(lis.requests)
        k.mo(PHONE, None, "Retry me")
        ok = lis.wait(lambda r: r["path"] == "/mo" and r["status"] == 200,
                      15, since=since, what="MO after retries")
        tries = mo_requests(lis, since)
        assert [r["status"] for r in tries] == [500, 500, 200], tries
        assert len({r["q"]["id"] for r in tries}) == 1, tries
        assert ok["q"]["text"] == "Retry me"
        print("     MO retried after 500: %d tries over %.1fs, same %%I"
              % (len(tries), tries[-1]["t"] - tries[0]["t"]))


@suite.test
def test_smsc_down_then_up():
    with kannel_env() as (k, lis):
        accepted(k.sendsms(PHONE, "before"))
        k.wait_mt(lambda m: m["text"] == "before", 5)
        k.stop_smsc()
        n = k.mt_count()
        st = k.sendsms(PHONE, "while SMSC down", dlr_mask=31,
                       dlr_url=k.dlr_url("q1", lis.url("/dlr")))
        assert st == (202, "3: Queued for later delivery"), st
        assert k.mt_count() == n
        t0 = time.monotonic()
        k.start_smsc()
        k.wait_mt(lambda m: m["text"] == "while SMSC down", 5, since=n)
        print("     queued MT delivered %.2fs after the SMSC came back"
              % (time.monotonic() - t0))
        lis.wait(lambda r: r["q"].get("id") == "q1" and
                 r["q"].get("t") == "1", 5, what="DLR of queued MT")
        # MO works again too
        k.mo(PHONE, None, "after")
        lis.wait(lambda r: r["q"].get("text") == "after", 5)


@suite.test
def test_kannel_down_then_up():
    with kannel_env() as (k, lis):
        accepted(k.sendsms(PHONE, "before"))
        k.wait_mt(lambda m: m["text"] == "before", 5)
        old = k.pids()
        # A message queued inside Kannel (SMSC away) survives a bearerbox
        # restart through the store file.
        k.stop_smsc()
        assert k.sendsms(PHONE, "stored")[1].startswith("3:")
        t0 = time.monotonic()
        rcs = k.stop_all()
        t_stop = time.monotonic() - t0
        for pid in old:
            assert not os.path.exists("/proc/%d" % pid), pid
        try:
            r = k.sendsms(PHONE, "while down", timeout=5)
        except urllib.error.URLError as e:
            assert isinstance(e.reason, ConnectionRefusedError), e
        else:
            raise AssertionError("sendsms answered while down: %r" % (r,))
        t0 = time.monotonic()
        k.restart_bearerbox()
        k.start_smsc()
        print("     stop_all %.2fs (exit codes %s), restart + SMSC online "
              "%.2fs" % (t_stop, rcs, time.monotonic() - t0))
        k.wait_mt(lambda m: m["text"] == "stored", 10)
        accepted(k.sendsms(PHONE, "after restart"))
        k.wait_mt(lambda m: m["text"] == "after restart", 5)
        k.mo(PHONE, None, "MO after restart")
        lis.wait(lambda r: r["q"].get("text") == "MO after restart", 5)
        # Down with the SMSC client still wanted: it reconnects by itself.
        k.stop_all()
        k.restart_bearerbox()
        accepted(k.sendsms(PHONE, "second restart"))
        k.wait_mt(lambda m: m["text"] == "second restart", 5)
        assert len(k.pids()) == 6, k.pids()
        texts = [m["text"] for m in k.mt_messages()]
        assert texts.count("stored") == 1 and "while down" not in texts, \
            texts


@suite.test
def test_sendsms_errors():
    with kannel_env() as (k, lis):
        url = k.sendsms_url + "?" + urllib.parse.urlencode(
            {"username": k.sendsms_user, "password": "wrong",
             "from": "MOPS", "to": PHONE, "text": "x"})
        try:
            urllib.request.urlopen(url, timeout=5)
            raise AssertionError("wrong password accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 403, e.code
        st, body = k.sendsms(PHONE, "x", coding=7)
        assert st == 400 and "Coding" in body, (st, body)


def main():
    av = Kannel.available()
    if not av:
        bar = "!" * 72
        print(bar)
        print("SKIP: Kannel is not installed (%s)" % av.reason)
        print(bar)
        print("kannel: 0 passed, 0 failed")
        sys.exit(0)
    suite.run()


if __name__ == "__main__":
    main()
