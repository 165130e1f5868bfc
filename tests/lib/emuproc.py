"""What the emulator clients (tgemu.py, smsapiemu.py) share: running the
binary and the JSON requests of its control API.

A subclass names its binary and its error, then starts it with its own
arguments:

    class FooEmu(EmuProc):
        NAME = "fooemu"
        ERROR = FooEmuError

        def start(self, build_dir="build", timeout=10.0, log_path=None):
            return self._spawn(os.path.join(build_dir, "fooemu"), [],
                               timeout, log_path)

_spawn adds `-p 0 -P portfile`, waits for the port file with a deadline
and sets self.url; stop() sends SIGTERM, then SIGKILL past its deadline.
The port file and log go to `workdir` when given (the caller owns it, as
harness.Scenario does), else to a temp dir of our own that cleanup()
removes.
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

SETPRIV = shutil.which("setpriv")


def die_with_parent(cmd):
    """cmd run through `setpriv --pdeathsig TERM` when available (exec'd
    in place, same PID): the process gets SIGTERM when the thread that
    started it ends, so a test killed with SIGKILL leaves none behind."""
    if SETPRIV:
        return [SETPRIV, "--pdeathsig", "TERM"] + list(cmd)
    return list(cmd)


class EmuProc:
    NAME = None     # the binary: temp dir, log and error messages
    ERROR = None    # raised with (status, body) on a non-2xx control answer

    def __init__(self, url=None):
        """Give url to talk to an emulator someone else started."""
        self.url = url
        self.proc = None
        self.tmpdir = None
        self.log_path = None
        self._log = None

    # -- process ---------------------------------------------------------

    def _spawn(self, binary, extra_args, timeout, log_path, workdir=None):
        """Runs binary -p 0 -P portfile extra_args; returns self once the
        port file names the port, RuntimeError when it exits or the
        deadline passes first."""
        name = self.NAME
        if workdir is None:
            self.tmpdir = tempfile.mkdtemp(prefix=name + ".")
            workdir = self.tmpdir
        else:
            os.makedirs(workdir, exist_ok=True)
        portfile = os.path.join(workdir, "port")
        self.log_path = log_path or os.path.join(workdir, name + ".log")
        self._log = open(self.log_path, "ab")
        args = [binary, "-p", "0", "-P", portfile] + list(extra_args)
        self.proc = subprocess.Popen(die_with_parent(args),
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + timeout
        port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                rc = self.stop()
                raise RuntimeError("%s exited with %s; log: %s" %
                                   (name, rc, self.log()))
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
            raise RuntimeError("%s did not start in %.0f s" % (name, timeout))
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
        """Removes our own temp dir (with the log), not a workdir given to
        _spawn; call after stop()."""
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

    # -- control API -----------------------------------------------------

    def _req(self, method, path, body=None, raw=None, query=None,
             timeout=30.0):
        """The parsed JSON answer; raw (bytes or str) is sent as it is,
        else body as JSON; query values that are None are left out."""
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(
                {k: v for k, v in query.items() if v is not None})
        data = None
        headers = {}
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
            headers["Content-Type"] = "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise self.ERROR(e.code, e.read().decode("utf-8", "replace"))
