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
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_TOKEN = "smsapi-test-token"


class SmsapiEmuError(Exception):
    def __init__(self, status, body):
        super().__init__("smsapiemu answered %s: %s" % (status, body))
        self.status = status
        self.body = body


class SmsapiEmu:
    def __init__(self, url=None, token=DEFAULT_TOKEN):
        """Give url to talk to an emulator someone else started."""
        self.url = url
        self.token = token
        self.proc = None
        self.tmpdir = None
        self.log_path = None
        self._log = None

    # -- process ---------------------------------------------------------

    def start(self, build_dir="build", token=DEFAULT_TOKEN, points=None,
              verbose=True, extra_args=(), timeout=10.0, log_path=None):
        """Spawns build_dir/smsapiemu on a free port; returns self."""
        binary = os.path.join(build_dir, "smsapiemu")
        if not os.access(binary, os.X_OK):
            raise RuntimeError("smsapiemu not built: %s is missing (make)"
                               % binary)
        self.token = token
        self.tmpdir = tempfile.mkdtemp(prefix="smsapiemu.")
        portfile = os.path.join(self.tmpdir, "port")
        self.log_path = log_path or os.path.join(self.tmpdir,
                                                 "smsapiemu.log")
        self._log = open(self.log_path, "ab")
        args = [binary, "-p", "0", "-P", portfile, "-t", token]
        if points is not None:
            args += ["-c", str(points)]
        if verbose:
            args.append("-v")
        args += list(extra_args)
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + timeout
        port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("smsapiemu exited with %s; log: %s" %
                                   (self.proc.returncode, self.log()))
            try:
                with open(portfile) as f:
                    text = f.read().strip()
                if text:
                    port = int(text)
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        if port is None:
            self.stop()
            raise RuntimeError("smsapiemu did not start in %.0f s" % timeout)
        self.url = "http://127.0.0.1:%d" % port
        return self

    def stop(self, timeout=5.0):
        """SIGTERM, wait, SIGKILL past the deadline; returns the exit code."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            rc = self.proc.returncode
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return rc

    def cleanup(self):
        """Removes the temp dir (with the log); call after stop()."""
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def log(self):
        if self.log_path is None:
            return ""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

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

    def _req(self, method, path, body=None, query=None, timeout=30.0):
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(
                {k: v for k, v in query.items() if v is not None})
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise SmsapiEmuError(e.code, e.read().decode("utf-8", "replace"))

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
