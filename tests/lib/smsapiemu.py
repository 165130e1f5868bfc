"""Client for smsapiemu, the SMSAPI.pl emulator (tests/smsapiemu).

    emu = SmsapiEmu()
    emu.start("build")
    try:
        st, body = emu.send(to="600100200", message="Dzień dobry",
                            details=1, idx="out42")
        emu.wait_sent(lambda m: m["dlr"] == "ok" and m["idx"] == "out42")
    finally:
        emu.stop()

Control calls raise SmsapiEmuError on a non-2xx answer. Entries from
sent() are dicts: seq, id, idx, to, submitted_number, from, message,
parts, length, encoding ("gsm" or "ucs2"), time, time_ms, points,
notify_url, status (QUEUE until the report time, then e.g. DELIVERED),
status_code (409, 404, ...), dlr ("none", "waiting", "calling", "ok",
"gave_up") and dlr_attempts.
"""

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from emuproc import EmuProc

DEFAULT_TOKEN = "smsapi-test-token"


class SmsapiEmuError(Exception):
    def __init__(self, status, body):
        super().__init__("smsapiemu answered %s: %s" % (status, body))
        self.status = status
        self.body = body


class SmsapiEmu(EmuProc):
    NAME = "smsapiemu"
    ERROR = SmsapiEmuError

    def __init__(self, url=None, token=DEFAULT_TOKEN):
        """Give url to talk to an emulator someone else started."""
        super().__init__(url)
        self.token = token

    # -- process ---------------------------------------------------------

    def start(self, build_dir="build", token=DEFAULT_TOKEN, points=None,
              verbose=True, extra_args=(), timeout=10.0, log_path=None,
              workdir=None):
        """Spawns build_dir/smsapiemu on a free port; returns self. Its
        port file and log go to workdir when given, else to a temp dir."""
        binary = os.path.join(build_dir, "smsapiemu")
        if not os.access(binary, os.X_OK):
            raise RuntimeError("smsapiemu not built: %s is missing (make)"
                               % binary)
        self.token = token
        args = ["-t", token]
        if points is not None:
            args += ["-c", str(points)]
        if verbose:
            args.append("-v")
        return self._spawn(binary, args + list(extra_args), timeout,
                           log_path, workdir)

    def daemon_conf(self, where, secret, port, url=None):
        """The [sms] keys of a daemon sending through this emulator: the
        callback path's secret and the token in files made in `where`,
        the listener on `port`, the gateway at `url` (this one's
        sms.do when None)."""
        secret_file = os.path.join(where, "sms.secret")
        with open(secret_file, "w") as f:
            f.write(secret + "\n")
        token_file = os.path.join(where, "smsapi.token")
        with open(token_file, "w") as f:
            f.write(self.token + "\n")
        return {
            "sms.driver": "smsapi",
            "sms.listen": "127.0.0.1:%d" % port,
            "sms.callback_url": "http://127.0.0.1:%d" % port,
            "sms.secret_file": secret_file,
            "sms.smsapi_url": url or self.url + "/sms.do",
            "sms.smsapi_token_file": token_file,
        }

    # -- the API as the daemon sees it -------------------------------------

    def send(self, token=None, as_json=False, path="/sms.do", timeout=10.0,
             **params):
        """POSTs params to /sms.do with the bearer token (token="" sends
        none). Returns (HTTP status, parsed JSON or the raw text)."""
        token = self.token if token is None else token
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if as_json:
            data = json.dumps(params).encode()
            headers["Content-Type"] = "application/json"
        else:
            data = urllib.parse.urlencode(params).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.url + path, data=data,
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    # -- control API -----------------------------------------------------

    def sent(self, number=None, since=0):
        """Every accepted message (one entry per number), oldest first."""
        return self._req("GET", "/ctl/sent",
                         query={"number": number,
                                "since": since or None})["messages"]

    def stats(self):
        return self._req("GET", "/ctl/stats")

    def fail(self, code=None, http=None, count=1, drop=False):
        """The next `count` sends fail: SMSAPI error `code` (HTTP `http`,
        default 200), or a bare HTTP `http` status, or a closed
        connection (drop)."""
        body = {"count": count}
        if code is not None:
            body["code"] = code
        if http is not None:
            body["http"] = http
        if drop:
            body["drop"] = True
        return self._req("POST", "/ctl/fail", body)

    def status(self, number, status):
        """The report status future messages to number get."""
        return self._req("POST", "/ctl/status",
                         {"number": number, "status": status})

    def credit(self, points):
        return self._req("POST", "/ctl/credit", {"points": points})

    def down(self, seconds):
        """503 for every send during `seconds` (0 ends it)."""
        return self._req("POST", "/ctl/down", {"seconds": seconds})

    def dlr(self, delay_ms=None, batch=None, retries=None, backoff_ms=None):
        """Delivery-report settings; returns the ones in force."""
        body = {k: v for k, v in (("delay_ms", delay_ms), ("batch", batch),
                                  ("retries", retries),
                                  ("backoff_ms", backoff_ms))
                if v is not None}
        return self._req("POST", "/ctl/dlr", body)

    def mo(self, from_, to, text, url, method="POST", msg_id=None,
           date=None):
        """An incoming SMS: the emulator calls url and returns
        {"msg_id", "http" (0: no answer), "body"}."""
        body = {"from": from_, "to": to, "text": text, "url": url,
                "method": method}
        if msg_id is not None:
            body["msg_id"] = msg_id
        if date is not None:
            body["date"] = date
        return self._req("POST", "/ctl/mo", body)

    def reset(self):
        return self._req("POST", "/ctl/reset", {})

    def wait_sent(self, predicate, timeout=10.0, number=None):
        """The first sent entry satisfying predicate; AssertionError with
        what was seen when the deadline passes."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.sent(number=number)
            for m in seen:
                if predicate(m):
                    return m
            if time.monotonic() >= deadline:
                raise AssertionError(
                    "no sent message matched in %.1f s; saw %d: %s" %
                    (timeout, len(seen), json.dumps(
                        [(m["to"], m["idx"], m["status"], m["dlr"])
                         for m in seen[-20:]], ensure_ascii=False)))
            time.sleep(0.02)

    def wait_stats(self, predicate, timeout=10.0):
        """stats() once predicate holds on it; AssertionError past the
        deadline."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            if predicate(s):
                return s
            if time.monotonic() >= deadline:
                raise AssertionError("stats did not match in %.1f s: %s" %
                                     (timeout, s))
            time.sleep(0.02)
