#!/usr/bin/env python3
"""Self-test of smsapiemu, the SMSAPI.pl emulator the SMS scenarios use.

Starts $ASYSTENT_BUILD/smsapiemu (default build/) and talks to it as the
daemon would (POST /sms.do) and as a test would (tests/lib/smsapiemu.py);
delivery reports and incoming SMS land on a small http.server here.
Prints one line per check, then "smsapiemu: N passed, M failed".
"""

import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Scenario, emulator_checks  # noqa: E402
from smsapiemu import SmsapiEmuError  # noqa: E402

SECRET = "s3cr3t-callback-path-token"


class Callbacks:
    """What the daemon's callback listener would be: records every call;
    answers from a per-path queue of (status, body), else 200 "OK"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.answers = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self):
                u = urllib.parse.urlsplit(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode() if n else ""
                call = {"method": self.command, "path": u.path,
                        "query": dict(urllib.parse.parse_qsl(
                            u.query, keep_blank_values=True)),
                        "form": dict(urllib.parse.parse_qsl(
                            raw, keep_blank_values=True)),
                        "t": time.monotonic()}
                with owner.lock:
                    owner.calls.append(call)
                    q = owner.answers.get(u.path) or []
                    status, body = q.pop(0) if q else (200, "OK")
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s?secret=%s" % (self.port, path, SECRET)

    def answer(self, path, *answers):
        with self.lock:
            self.answers.setdefault(path, []).extend(answers)

    def wait(self, pred, timeout=10.0, count=1):
        """The first `count` recorded calls satisfying pred."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                got = [c for c in self.calls if pred(c)]
            if len(got) >= count:
                return got[:count]
            if time.monotonic() >= deadline:
                with self.lock:
                    seen = self.calls[-10:]
                raise AssertionError("callback not seen in %.1f s; saw %s" %
                                     (timeout, seen))
            time.sleep(0.02)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def ok_send(emu, **params):
    st, d = emu.send(**params)
    assert st == 200 and isinstance(d, dict) and "error" not in d, (st, d)
    return d


def expect_error(emu, code, token=None, **params):
    st, d = emu.send(token=token, **params)
    assert st == 200, (st, d)
    assert isinstance(d, dict) and d.get("error") == code, d
    assert isinstance(d.get("message"), str) and d["message"], d
    return d


def t_send_details(emu, cb):
    emu.reset()
    polish = ("Przypominamy o wizycie w środę o 10:00 w ośrodku. "
              "Prosimy zabrać dowód osobisty i zaświadczenie.")
    d = ok_send(emu, to="600100200", message=polish, details=1,
                idx="out-1", format="json", **{"from": "Asystent"})
    assert d["count"] == 1 and len(d["list"]) == 1, d
    it = d["list"][0]
    n = len(polish)
    assert 70 < n <= 134, n
    assert it["number"] == "48600100200", it
    assert it["submitted_number"] == "600100200", it
    assert it["status"] == "QUEUE" and it["idx"] == "out-1", it
    assert it["length"] == n and it["parts"] == 2, it
    assert it["message"] == polish and abs(it["points"] - 0.33) < 1e-9, it
    assert isinstance(it["id"], str) and it["id"], it
    assert abs(it["date_sent"] - time.time()) < 60, it
    # 161 GSM characters: 153 + 8; JSON body, "+48" form.
    st, d = emu.send(as_json=True, to="+48600100201", message="a" * 161,
                     details=1)
    assert st == 200 and d["list"][0]["parts"] == 2, d
    assert d["list"][0]["length"] == 161, d
    assert d["list"][0]["number"] == "48600100201", d
    assert d["list"][0]["idx"] is None, d
    cases = [("a" * 160, 160, 1), ("a" * 158 + "{", 160, 1),
             ("a" * 159 + "{", 161, 2), ("Cena 10€", 9, 1),
             ("„Wizyta”", 8, 1), ("б" * 70, 70, 1), ("б" * 71, 71, 2),
             ("б" * 134, 134, 2), ("б" * 135, 135, 3),
             ("a" * 66 + "😀" + "b" * 10, 78, 2),
             ("a" * 153 * 2, 306, 2), ("a" * 154 * 2, 308, 3)]
    for text, length, parts in cases:
        it = ok_send(emu, to="48600100202", message=text,
                     details=1)["list"][0]
        assert (it["length"], it["parts"]) == (length, parts), \
            (text[:20], it["length"], it["parts"], length, parts)
    sent = emu.sent()
    assert sent[0]["encoding"] == "ucs2" and sent[1]["encoding"] == "gsm"
    assert sent[0]["from"] == "Asystent" and sent[0]["to"] == "48600100200"
    pts = 1000 - 0.165 * sum(m["parts"] for m in sent)
    assert abs(emu.stats()["points"] - pts) < 1e-6, emu.stats()


def t_bad_token(emu, cb):
    expect_error(emu, 101, token="wrong", to="600100200", message="x")
    expect_error(emu, 101, token="", to="600100200", message="x")
    s = emu.stats()
    assert s["rejected_by_code"]["101"] == 2, s


def t_invalid_number(emu, cb):
    d = expect_error(emu, 13, to="48100200300", message="x")
    assert d["message"] == "No correct phone numbers", d
    assert d["invalid_numbers"][0]["submitted_number"] == "48100200300", d
    assert d["invalid_numbers"][0]["message"] == "Invalid phone number", d
    for bad in ("12345", "abc", "+4860010020", "0600100200", ""):
        expect_error(emu, 13, to=bad, message="x")
    # One good number among bad ones is sent; the bad are listed.
    d = ok_send(emu, to="600100200,xyz", message="x")
    assert d["count"] == 1 and d["invalid_numbers"][0]["number"] == "xyz", d


def t_no_credit(emu, cb):
    emu.reset()
    emu.credit(0.3)
    expect_error(emu, 103, to="600100200", message="a" * 200)  # 2 parts
    ok_send(emu, to="600100200", message="a")
    assert abs(emu.stats()["points"] - 0.135) < 1e-9, emu.stats()
    expect_error(emu, 103, to="600100200", message="a")
    emu.credit(100)
    ok_send(emu, to="600100200", message="a")


def t_check_idx(emu, cb):
    emu.reset()
    first = ok_send(emu, to="600100200", message="x", idx="outbox-7",
                    check_idx=1)["list"][0]["id"]
    expect_error(emu, 53, to="600100200", message="x", idx="outbox-7",
                 check_idx=1)
    second = ok_send(emu, to="600100200", message="x",
                     idx="outbox-7")["list"][0]["id"]
    assert second != first
    assert len(emu.sent()) == 2
    # Several numbers: idx values joined with "|".
    d = ok_send(emu, to="600100200,600100201", message="x", idx="a|b")
    assert [i["idx"] for i in d["list"]] == ["a", "b"], d
    expect_error(emu, 27, to="600100200", message="x", idx="i" * 256)


def t_max_parts(emu, cb):
    expect_error(emu, 12, to="600100200", message="a" * 161, max_parts=1)
    ok_send(emu, to="600100200", message="a" * 161, max_parts=2)
    expect_error(emu, 12, to="600100200", message="a" * 1600)  # 11 parts
    expect_error(emu, 12, to="600100200", message="x", max_parts=11)
    expect_error(emu, 11, to="600100200", message="")
    expect_error(emu, 14, to="600100200", message="x",
                 **{"from": "TwelveChars!"})


def t_dlr(emu, cb):
    emu.reset()
    emu.status("600100209", "UNDELIVERED")
    d = ok_send(emu, to="600100200", message="x", idx="out-42",
                notify_url=cb.url("/dlr"))
    mid = d["list"][0]["id"]
    d2 = ok_send(emu, to="600100209", message="y", idx="out-43",
                 notify_url=cb.url("/dlr"))
    mid2 = d2["list"][0]["id"]
    c = cb.wait(lambda c: c["query"].get("MsgId") == mid)[0]
    q = c["query"]
    assert c["method"] == "GET" and c["path"] == "/dlr", c
    assert q["secret"] == SECRET and q["status"] == "404", q
    assert q["idx"] == "out-42" and q["username"], q
    assert abs(int(q["donedate"]) - time.time()) < 60, q
    c2 = cb.wait(lambda c: c["query"].get("MsgId") == mid2)[0]
    assert c2["query"]["status"] == "405", c2
    m = emu.wait_sent(lambda m: m["id"] == mid and m["dlr"] == "ok")
    assert m["status"] == "DELIVERED" and m["dlr_attempts"] == 1, m
    m = emu.wait_sent(lambda m: m["id"] == mid2 and m["dlr"] == "ok")
    assert m["status"] == "UNDELIVERED" and m["status_code"] == 405, m


def t_dlr_retry(emu, cb):
    emu.reset()
    emu.dlr(backoff_ms=100)
    cb.answer("/dlr-retry", (500, "oops"), (200, "not ok"))
    d = ok_send(emu, to="600100200", message="x",
                notify_url=cb.url("/dlr-retry"))
    mid = d["list"][0]["id"]
    calls = cb.wait(lambda c: c["query"].get("MsgId") == mid, count=3)
    assert calls[1]["t"] - calls[0]["t"] >= 0.08, calls
    m = emu.wait_sent(lambda m: m["id"] == mid and m["dlr"] == "ok")
    assert m["dlr_attempts"] == 3, m
    s = emu.stats()
    assert s["dlr_failed"] == 2 and s["dlr_calls"] == 3, s
    # A callback that never answers OK: given up after the retries.
    emu.dlr(retries=1, backoff_ms=50)
    cb.answer("/dlr-dead", (503, ""), (503, ""))
    mid = ok_send(emu, to="600100200", message="x",
                  notify_url=cb.url("/dlr-dead"))["list"][0]["id"]
    m = emu.wait_sent(lambda m: m["id"] == mid and m["dlr"] == "gave_up")
    assert m["dlr_attempts"] == 2, m
    # Nobody listening: refused, retried, given up; the emulator lives.
    mid = ok_send(emu, to="600100200", message="x",
                  notify_url="http://127.0.0.1:1/nowhere")["list"][0]["id"]
    emu.wait_sent(lambda m: m["id"] == mid and m["dlr"] == "gave_up")


def t_dlr_batch(emu, cb):
    emu.reset()
    emu.dlr(batch=True, delay_ms=300)
    ids = [ok_send(emu, to="60010020%d" % i, message="x", idx="b%d" % i,
                   notify_url=cb.url("/dlr-batch"))["list"][0]["id"]
           for i in range(3)]
    c = cb.wait(lambda c: c["path"] == "/dlr-batch")[0]
    q = c["query"]
    assert q["MsgId"].split(",") == ids, q
    assert q["idx"].split(",") == ["b0", "b1", "b2"], q
    assert q["status"] == "404,404,404", q
    assert len(q["donedate"].split(",")) == 3, q
    emu.wait_sent(lambda m: m["id"] == ids[2] and m["dlr"] == "ok")
    assert emu.stats()["dlr_calls"] == 1


def t_mo(emu, cb):
    emu.reset()
    r = emu.mo("48600100200", "4812345", "Dzień dobry, czy jutro?",
               cb.url("/mo"), msg_id="mo-1")
    assert r["http"] == 200 and r["body"] == "OK" and r["msg_id"] == "mo-1", r
    c = cb.wait(lambda c: c["path"] == "/mo")[0]
    f = c["form"]
    assert c["method"] == "POST" and c["query"]["secret"] == SECRET, c
    assert f["sms_from"] == "48600100200" and f["sms_to"] == "4812345", f
    assert f["sms_text"] == "Dzień dobry, czy jutro?", f
    assert f["MsgId"] == "mo-1" and f["username"], f
    assert abs(int(f["sms_date"]) - time.time()) < 60, f
    # The gateway retries with the same MsgId; the test can too.
    r = emu.mo("48600100200", "4812345", "Dzień dobry, czy jutro?",
               cb.url("/mo"), msg_id="mo-1")
    cb.wait(lambda c: c["path"] == "/mo" and
            c["form"].get("MsgId") == "mo-1", count=2)
    # GET puts the fields in the query; a generated MsgId; a 500 shown.
    cb.answer("/mo-get", (500, "db down"))
    r = emu.mo("48600100201", "4812345", "СТОП", cb.url("/mo-get"),
               method="GET")
    assert r["http"] == 500 and r["body"] == "db down" and r["msg_id"], r
    c = cb.wait(lambda c: c["path"] == "/mo-get")[0]
    assert c["query"]["sms_text"] == "СТОП", c
    assert c["query"]["MsgId"] == r["msg_id"], c
    r = emu.mo("48600100201", "4812345", "x", "http://127.0.0.1:1/x")
    assert r["http"] == 0, r
    s = emu.stats()
    assert s["mo_calls"] == 4 and s["mo_failed"] == 2, s


def t_down(emu, cb):
    emu.reset()
    emu.down(0.5)
    st, d = emu.send(to="600100200", message="x")
    assert st == 503, (st, d)
    emu.wait_stats(lambda s: not s["down"], timeout=5)
    ok_send(emu, to="600100200", message="x")
    emu.down(30)
    st, _ = emu.send(to="600100200", message="x")
    assert st == 503
    emu.down(0)
    ok_send(emu, to="600100200", message="x")
    assert emu.stats()["http_errors"]["503"] == 2


def t_injected(emu, cb):
    emu.reset()
    emu.fail(code=201)
    emu.fail(http=500, count=2)
    emu.fail(code=101, http=401)
    emu.fail(drop=True)
    expect_error(emu, 201, to="600100200", message="x")
    for _ in range(2):
        st, d = emu.send(to="600100200", message="x")
        assert st == 500, (st, d)
    st, d = emu.send(to="600100200", message="x")
    assert st == 401 and d["error"] == 101, (st, d)
    host, port = emu.url[len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("POST", "/sms.do", "to=600100200&message=x",
                 {"Authorization": "Bearer " + emu.token,
                  "Content-Type": "application/x-www-form-urlencoded"})
    try:
        conn.getresponse().read()
        raise AssertionError("dropped connection answered")
    except (http.client.RemoteDisconnected, ConnectionResetError,
            http.client.BadStatusLine):
        pass
    conn.close()
    ok_send(emu, to="600100200", message="x")
    s = emu.stats()
    assert s["dropped"] == 1 and s["accepted"] == 1, s


def t_bad_input(emu, cb):
    host, port = emu.url[len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for path, body in (("/ctl/fail", b"{"), ("/ctl/fail", b"[]"),
                       ("/ctl/fail", b'{"count":1}'),
                       ("/ctl/fail", b'{"code":"x"}'),
                       ("/ctl/status", b'{"number":"1","status":"DELIVERED"}'),
                       ("/ctl/status", b'{"number":"600100200","status":"X"}'),
                       ("/ctl/credit", b'{"points":-1}'),
                       ("/ctl/down", b'{}'),
                       ("/ctl/dlr", b'{"batch":1}'),
                       ("/ctl/mo", b'{"from":"1","to":"2","url":"ftp://x"}'),
                       ("/ctl/mo", b'{"from":"1","to":"2"}'),
                       ("/ctl/nope", b"{}")):
        conn.request("POST", path, body)
        r = conn.getresponse()
        r.read()
        assert r.status == 400, (path, body, r.status)
    auth = {"Authorization": "Bearer " + emu.token}
    for body, ctype, code in (
            (b'{"to":', "application/json", 8),
            (b'{"to":["600100200"],"message":"x"}', "application/json", 8),
            (b"to=600100200&message=%C3%28", "application/x-www-form-"
             "urlencoded", 8),
            (b"to=600100200&message=x&encoding=latin2",
             "application/x-www-form-urlencoded", 8),
            (b"to=600100200&message=x&notify_url=gopher://x",
             "application/x-www-form-urlencoded", 70),
            (b"\x00\xff\xfe", "application/x-www-form-urlencoded", 8)):
        conn.request("POST", "/sms.do", body, dict(auth, **{
            "Content-Type": ctype}))
        r = conn.getresponse()
        d = json.loads(r.read())
        assert r.status == 200 and d["error"] == code, (body, d)
    conn.close()
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("POST", "/sms.do", b"m" * (1024 * 1024 + 10), auth)
        r = conn.getresponse()
        r.read()
        assert r.status == 413, r.status
    except (ConnectionResetError, BrokenPipeError):
        pass  # refused while we were still sending: also fine
    conn.close()
    try:
        emu.fail()
        raise AssertionError("empty fail accepted")
    except SmsapiEmuError as e:
        assert e.status == 400
    ok_send(emu, to="600100200", message="still alive")


CHECKS = [
    ("send with details: parts and length", t_send_details),
    ("bad or missing token: 101", t_bad_token),
    ("invalid numbers: 13 with invalid_numbers", t_invalid_number),
    ("not enough points: 103", t_no_credit),
    ("check_idx duplicate: 53; without check_idx a new message",
     t_check_idx),
    ("max_parts exceeded: 12; empty 11; long sender 14", t_max_parts),
    ("delivery report reaches notify_url", t_dlr),
    ("delivery report retried until OK, then given up", t_dlr_retry),
    ("delivery reports batched as aligned lists", t_dlr_batch),
    ("incoming SMS callback, repeated MsgId, GET, failures", t_mo),
    ("503 while down", t_down),
    ("injected errors, HTTP statuses and a dropped connection",
     t_injected),
    ("malformed input is survived", t_bad_input),
]


def main():
    binary = os.path.join(BUILD, "smsapiemu")
    if not os.access(binary, os.X_OK):
        print("FAIL smsapiemu not built: %s is missing (run make)" % binary)
        print("smsapiemu: 0 passed, 1 failed")
        return 1
    # The scenario stops the emulator and the listener in any case, prints
    # the log and keeps it when a check failed, and removes the directory.
    with Scenario(tg=False, name="smsapiemu") as sc:
        emu = sc.smsapiemu()
        cb = sc.own(Callbacks(), "callbacks")
        passed, failed = emulator_checks(emu, CHECKS, cb)
        sc.failed = failed > 0
    print("smsapiemu: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
