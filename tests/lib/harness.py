"""Integration test harness: runs the real asystentd against the emulators.

A Scenario owns everything one scenario starts. Its temporary directory
holds every file: the daemon's key, database, configuration and log, and
a directory for each emulator and for Kannel. The processes (tgemu,
smsapiemu, Kannel, asystentd) and helpers (proxies, listeners) it starts or
is given with own() are closed newest first, each waited for with a
deadline, and the directory is removed, in any case: when the scenario
passes, fails, is interrupted with Ctrl-C or gets SIGTERM (scenario() and
the with statement run close() from a finally; an atexit hook catches a
Scenario nobody closed). When it failed, the tail of every log is printed
and the logs are kept under $ASYSTENT_BUILD/test-logs/<script>/<test>/.

Temporary directories are made under $ASYSTENT_TMP when it is set (run.py
sets it for each script and fails a script that leaves anything there),
else under the system's. Conditions are waited for with deadlines, never
with bare sleeps.
"""
import atexit
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from emuproc import die_with_parent  # noqa: E402
from kannel import Kannel  # noqa: E402
from smsapiemu import SmsapiEmu  # noqa: E402
from tgemu import TgEmu  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("ASYSTENT_BUILD", "build"))
TOKEN = "123456:TEST-token-for-tests"
TMP = os.environ.get("ASYSTENT_TMP") or None
LOG_DIR = os.path.join(BUILD, "test-logs")
SCRIPT = os.path.splitext(os.path.basename(sys.argv[0] or "python"))[0]
# Files of a failed scenario worth keeping (not the key, database, CSVs).
KEEP = (".log", ".out", ".conf")


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


def ctl_run(d, *args, rc=0, sock=None, json_out=False, user=None):
    """Runs asystentctl against d (or the socket `sock`), as `user` when
    given; asserts the exit status; returns the process, its output
    decoded as p.out and p.err."""
    cmd = [os.path.join(BUILD, "asystentctl"), "-s", sock or d.sock]
    if json_out:
        cmd.append("--json")
    cmd += [str(a) for a in args]
    if user is not None:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
               "--clear-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    p.out = p.stdout.decode("utf-8")
    p.err = p.stderr.decode("utf-8")
    assert p.returncode == rc, "%s: exit %d, wanted %d\nstdout: %s\n" \
        "stderr: %s" % (args, p.returncode, rc, p.out[-2000:], p.err)
    return p


def ctl_json(d, *args, rc=0):
    """Runs asystentctl with --json; returns the parsed answer."""
    return json.loads(ctl_run(d, *args, rc=rc, json_out=True).out)


def open_to_others(d):
    """Lets other uids reach d's socket: the temporary directories above
    it, up to the first others may enter, are made enterable (they are
    the run's own)."""
    path = os.path.dirname(d.sock)
    while path != "/" and not os.stat(path).st_mode & 0o001:
        os.chmod(path, 0o711)
        path = os.path.dirname(path)
    os.chmod(d.sock, 0o666)


def copy_keystore(src, dst):
    """The keystore copied as doc/operations.md says, while the daemon
    runs: SQLite's backup, which reads its WAL too; the copy 0600."""
    a = sqlite3.connect(src)
    b = sqlite3.connect(dst)
    with b:
        a.backup(b)
    a.close()
    b.close()
    os.chmod(dst, 0o600)


def free_port():
    """A loopback TCP port nothing listens on now (a listener of the
    daemon's, or an address to find refused)."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Daemon:
    """One asystentd process with its own state directory."""

    # RLIMIT_NOFILE of the process when set (running out of descriptors).
    nofile = None

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
        # definite leak makes it exit 9, which stop() reports. No gdb
        # server: its pipes in $TMPDIR would outlive a kill -9.
        grind = os.environ.get("ASYSTENT_VALGRIND") == "1"
        if grind:
            cmd = ["valgrind", "-q", "--vgdb=no", "--leak-check=full",
                   "--errors-for-leak-kinds=definite",
                   "--error-exitcode=9"] + cmd
        # ASYSTENT_CALLGRIND=DIR: the daemon's instructions counted
        # (bench.py ir), one DIR/callgrind.PID per start.
        counts = os.environ.get("ASYSTENT_CALLGRIND")
        if counts:
            grind = True
            cmd = ["valgrind", "-q", "--tool=callgrind", "--vgdb=no",
                   "--callgrind-out-file=%s/callgrind.%%p" % counts] + cmd
        nofile = self.nofile

        def limits():
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(die_with_parent(cmd),
                                     stdout=self.log_fh,
                                     stderr=subprocess.STDOUT, env=self.env,
                                     preexec_fn=limits)
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
    """Owns one scenario's temp dir, processes and helpers; see the top of
    this file. Use it as `with Scenario(...) as sc:`, through scenario(),
    or call close() from a finally. With tg (the default) it starts the
    Telegram emulator the daemons talk to as self.emu."""

    def __init__(self, limits=False, emu_args=None, tg=True, name=None):
        self.name = name or Suite.current or "scenario"   # for its logs
        self.dir = tempfile.mkdtemp(prefix="asystent-test-", dir=TMP)
        self.failed = False         # set by a caller failing without raising
        self.daemons = []
        self.emu = None
        self._closers = []          # (what, close), closed newest first
        self._logs = []             # (what, function giving its log tail)
        _open.append(self)
        _sigterm_exits()
        if tg:
            try:
                self.emu = self.tgemu(limits=limits, token=TOKEN,
                                      extra_args=emu_args or [])
            except BaseException:
                self.close(True)
                raise

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        self.close(self.failed or typ is not None)
        return False

    # -- what the scenario owns -------------------------------------------

    def own(self, obj, what, close=None, log=None):
        """obj is closed with the scenario (close(), by default obj.close);
        log() returns the text printed when the scenario fails. Returns
        obj."""
        self._closers.append((what, close or obj.close))
        if log is not None:
            self._logs.append((what, log))
        return obj

    def subdir(self, name):
        """A new directory inside the scenario's, for one process."""
        path = os.path.join(self.dir, name)
        n = 1
        while os.path.exists(path):
            n += 1
            path = os.path.join(self.dir, "%s-%d" % (name, n))
        os.makedirs(path)
        return path

    def tgemu(self, **kw):
        """A started Telegram emulator (TgEmu.start arguments)."""
        emu = TgEmu()
        self.own(emu, "tgemu", emu.stop, lambda: _tail(emu.log(), 30))
        return emu.start(BUILD, workdir=self.subdir("tgemu"), **kw)

    def smsapiemu(self, **kw):
        """A started SMSAPI emulator (SmsapiEmu.start arguments)."""
        emu = SmsapiEmu()
        self.own(emu, "smsapiemu", emu.stop, lambda: _tail(emu.log(), 30))
        return emu.start(BUILD, workdir=self.subdir("smsapiemu"), **kw)

    def kannel(self, mo_url, **kw):
        """A started Kannel (Kannel.start arguments but the directories)."""
        k = Kannel()
        self.own(k, "kannel", lambda: _close_kannel(k), k.log_tail)
        workdir = self.subdir("kannel")
        return k.start(workdir, mo_url, confdir=os.path.join(workdir, "conf"),
                       **kw)

    def daemon(self, conf=None, env=None, start=True):
        d = Daemon(self.emu, self.dir, conf, env)
        self.daemons.append(d)
        self.own(d, "asystentd", lambda: _stop_daemon(d),
                 lambda: _tail(d.log(), 60))
        return d.start() if start else d

    # -- the end ------------------------------------------------------------

    def close(self, failed=False):
        """Closes what the scenario owns, newest first; with failed, prints
        the logs and keeps them; then removes the temp dir. Raises when the
        scenario passed but could not be cleaned up. Safe to call again
        (after a second Ctrl-C it carries on where it stopped)."""
        errors = []
        while self._closers:
            what, close = self._closers.pop()
            try:
                close()
            except Exception as e:
                errors.append("%s: %s" % (what, e))
        if self not in _open:
            return
        if failed or errors:
            self._report(errors)
        else:       # logs of an earlier failure would mislead
            shutil.rmtree(self._log_dest(), ignore_errors=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        if os.path.exists(self.dir):
            errors.append("%s could not be removed" % self.dir)
        _open.remove(self)
        if errors and not failed:
            raise AssertionError("cleanup failed: " + "; ".join(errors))

    def _log_dest(self):
        return os.path.join(LOG_DIR, SCRIPT, self.name)

    def _report(self, errors):
        shown = set()
        for what, log in self._logs:
            try:
                text = log()
            except Exception as e:
                text = "(no log: %s)" % e
            if (what, text) in shown:   # daemons of a scenario share one
                continue
            shown.add((what, text))
            sys.stdout.write("---- %s log\n%s\n----\n" % (what, text))
        for e in errors:
            sys.stdout.write("cleanup: %s\n" % e)
        dest = self._log_dest()
        shutil.rmtree(dest, ignore_errors=True)
        for top, _dirs, files in os.walk(self.dir):
            for f in files:
                src = os.path.join(top, f)
                if not f.endswith(KEEP) or not os.path.isfile(src):
                    continue
                dst = os.path.join(dest, os.path.relpath(src, self.dir))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
        if os.path.isdir(dest):
            sys.stdout.write("---- logs kept in %s\n" % dest)
        sys.stdout.flush()


_open = []      # scenarios not closed yet


def _tail(text, n):
    return "\n".join(text.splitlines()[-n:])


def _stop_daemon(d):
    # Scenarios that care how the daemon ends stop it themselves and check
    # the status; here one that will not stop is killed and reported.
    try:
        d.stop(timeout=5)
    except AssertionError as e:
        sys.stdout.write("     %s\n" % e)


def _pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _close_kannel(k):
    pids = k.pids()
    k.close()
    wait_for(lambda: not any(_pid_alive(p) for p in pids), 15,
             "Kannel processes %r gone" % pids)


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _sigterm_exits():
    """SIGTERM (the runner or make being stopped) unwinds like Ctrl-C, so
    every finally and close() runs."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


@atexit.register
def _close_leftovers():
    for sc in list(_open):
        sc.close(True)


def emulator_checks(emu, checks, *args):
    """Runs each (name, fn) of checks as fn(emu, *args), then stops the
    emulator, which must exit 0 on SIGTERM; one line each. Returns how
    many passed and how many failed."""
    passed = failed = 0
    for name, fn in checks:
        try:
            fn(emu, *args)
            passed += 1
            print("ok   %s" % name)
        except Exception:
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc()
        sys.stdout.flush()
    rc = emu.stop()
    name = "exits 0 on SIGTERM"
    if rc == 0:
        passed += 1
        print("ok   %s" % name)
    else:
        failed += 1
        print("FAIL %s (exit %s)" % (name, rc))
    return passed, failed


class Suite:
    """Runs test functions, prints one line each and a closing summary."""

    current = None      # the test function running

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
            Suite.current = fn.__name__
            try:
                fn()
            except KeyboardInterrupt:
                print("INTERRUPTED %s" % fn.__name__)
                sys.exit(130)
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
    """Decorator: the test function receives a fresh Scenario, closed
    whatever happens."""
    def wrap(fn):
        def run():
            with Scenario(limits=limits, emu_args=emu_args) as sc:
                fn(sc)
        run.__name__ = fn.__name__
        return run
    return wrap
