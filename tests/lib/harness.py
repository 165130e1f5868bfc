"""Integration test harness: runs the real asystentd against the emulator.

Each scenario gets its own temporary directory with a fresh master key,
database and configuration. Conditions are waited for with deadlines, never
with bare sleeps. On failure the daemon's log is printed.
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from tgemu import TgEmu  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("ASYSTENT_BUILD", "build"))
TOKEN = "123456:TEST-token-for-tests"


def wait_for(pred, timeout=10.0, what="condition", interval=0.02):
    """Polls pred() until it returns a true value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


class Daemon:
    """One asystentd process with its own state directory."""

    def __init__(self, emu, workdir, conf=None, env=None):
        self.emu = emu
        self.dir = workdir
        self.db = os.path.join(workdir, "asystent.db")
        self.key = os.path.join(workdir, "master.key")
        self.sock = os.path.join(workdir, "admin.sock")
        self.conf = os.path.join(workdir, "asystent.conf")
        self.logfile = os.path.join(workdir, "asystentd.log")
        self.token_file = os.path.join(workdir, "token")
        self.proc = None
        self.env = dict(os.environ)
        self.env.pop("ASYSTENT_TELEGRAM_TOKEN", None)
        self.env.pop("ASYSTENT_TELEGRAM_API_ROOT", None)
        if env:
            self.env.update(env)
        if not os.path.exists(self.key):
            subprocess.run([os.path.join(BUILD, "asystentd"),
                            "--generate-key", self.key], check=True)
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        sections = {
            "daemon": {
                "database": self.db,
                "key_file": self.key,
                "admin_socket": self.sock,
                "log_level": "info",
                "centre_name": "MOPS Sopot",
                "catalog_dir": os.path.join(BUILD, "messages"),
            },
            "privacy": {
                "dpo_contact": "iod@mops.sopot.example",
            },
            "telegram": {
                "token_file": self.token_file,
                "api_root": emu.api_root if emu else "http://127.0.0.1:9",
                "poll_timeout": "2",
                "request_timeout": "5",
            },
            "limits": {
                "global_per_second": "0",
                "per_chat_per_second": "0",
                "per_group_per_minute": "0",
            },
            "outbox": {
                "backoff_initial_ms": "200",
                "backoff_max_s": "2",
            },
        }
        for key, value in (conf or {}).items():
            sec, name = key.split(".", 1)
            sections.setdefault(sec, {})[name] = str(value)
        with open(self.conf, "w") as f:
            for sec, kv in sections.items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s = %s\n" % (k, v))
                f.write("\n")

    def start(self, wait=True):
        # A restart appends to the same log: wait for this run's line.
        mark = len(self.log())
        self.log_fh = open(self.logfile, "ab")
        cmd = [os.path.join(BUILD, "asystentd"), "-c", self.conf]
        # ASYSTENT_VALGRIND=1: the daemon under valgrind; an error or a
        # definite leak makes it exit 9, which stop() reports.
        grind = os.environ.get("ASYSTENT_VALGRIND") == "1"
        if grind:
            cmd = ["valgrind", "-q", "--leak-check=full",
                   "--errors-for-leak-kinds=definite",
                   "--error-exitcode=9"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=self.log_fh,
                                     stderr=subprocess.STDOUT, env=self.env)
        if wait:
            wait_for(lambda: "event=started" in self.log()[mark:] or
                     self.proc.poll() is not None, 60 if grind else 10,
                     "daemon start")
            if self.proc.poll() is not None:
                raise AssertionError("asystentd exited with %d"
                                     % self.proc.returncode)
        return self

    def log(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("asystentd did not stop in %ds"
                                     % timeout)
        rc = self.proc.returncode
        self.proc = None
        self.log_fh.close()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def sql(self, query, args=()):
        """Reads the database (WAL readers do not disturb the daemon)."""
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True,
                              timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()


class Scenario:
    """A temp dir, an emulator and daemons, torn down in any case."""

    def __init__(self, limits=False, emu_args=None):
        self.dir = tempfile.mkdtemp(prefix="asystent-test-")
        self.emu = TgEmu()
        self.emu.start(BUILD, limits=limits, token=TOKEN,
                       extra_args=emu_args or [])
        self.daemons = []

    def daemon(self, conf=None, env=None, start=True):
        d = Daemon(self.emu, self.dir, conf, env)
        self.daemons.append(d)
        return d.start() if start else d

    def close(self, failed):
        for d in self.daemons:
            try:
                d.stop(timeout=5)
            except Exception:
                pass
            if failed:
                sys.stdout.write("---- asystentd log (last 60 lines)\n")
                sys.stdout.write("\n".join(d.log().splitlines()[-60:]))
                sys.stdout.write("\n----\n")
        self.emu.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Suite:
    """Runs test functions, prints one line each and a closing summary."""

    def __init__(self, name):
        self.name = name
        self.tests = []

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def run(self):
        only = os.environ.get("ASYSTENT_ONLY")
        passed = failed = 0
        for fn in self.tests:
            if only and only not in fn.__name__:
                continue
            t0 = time.monotonic()
            try:
                fn()
            except Exception:
                failed += 1
                print("FAIL %s (%.1fs)" % (fn.__name__,
                                           time.monotonic() - t0))
                traceback.print_exc(file=sys.stdout)
            else:
                passed += 1
                print("ok   %s (%.1fs)" % (fn.__name__,
                                           time.monotonic() - t0))
            sys.stdout.flush()
        print("%s: %d passed, %d failed" % (self.name, passed, failed))
        sys.exit(1 if failed else 0)


def scenario(limits=False, emu_args=None):
    """Decorator: the test function receives a fresh Scenario."""
    def wrap(fn):
        def run():
            sc = Scenario(limits=limits, emu_args=emu_args)
            failed = True
            try:
                fn(sc)
                failed = False
            finally:
                sc.close(failed)
        run.__name__ = fn.__name__
        return run
    return wrap
