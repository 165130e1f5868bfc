#!/usr/bin/env python3
"""Runs every tests/integration/test_*.py scenario script, then totals.

The scripts run with TMPDIR and ASYSTENT_TMP naming one directory made for
this run, so every temporary directory a scenario makes lands there. A
script that leaves anything behind fails: what it left is listed, then
removed, so the next script is judged on its own. The run's directory is
removed at the end, also after Ctrl-C or SIGTERM (a script still running
is given time to clean up first).
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
scripts = sorted(glob.glob(os.path.join(here, "test_*.py")))
only = sys.argv[1:]
child = None


def on_sigterm(signum, frame):
    # Ctrl-C reaches the script from the terminal; SIGTERM only us.
    if child is not None and child.poll() is None:
        child.send_signal(signal.SIGTERM)
    raise KeyboardInterrupt


def run(script, env):
    global child
    child = subprocess.Popen([sys.executable, script], env=env)
    try:
        return child.wait()
    except KeyboardInterrupt:
        try:
            child.wait(60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        raise


def sweep(tmp):
    """Lists what is left in tmp and removes it."""
    left = sorted(os.listdir(tmp))
    for name in left:
        path = os.path.join(tmp, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    return left


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    tmp = tempfile.mkdtemp(prefix="asystent-run-")
    env = dict(os.environ, TMPDIR=tmp, ASYSTENT_TMP=tmp)
    passed = failed = 0
    try:
        for s in scripts:
            name = os.path.basename(s)
            if only and not any(o in name for o in only):
                continue
            print("== %s" % name, flush=True)
            t0 = time.monotonic()
            rc = run(s, env)
            left = sweep(tmp)
            if left:
                print("== %s left temporary files behind: %s"
                      % (name, " ".join(left)), flush=True)
                rc = rc or 1
            print("== %s: %s (%.1fs)" % (name, "ok" if rc == 0 else "FAILED",
                                       time.monotonic() - t0), flush=True)
            if rc == 0:
                passed += 1
            else:
                failed += 1
    except KeyboardInterrupt:
        left = sweep(tmp)
        print("integration: interrupted%s" % (
            "; left behind: " + " ".join(left) if left else ""))
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
