#!/usr/bin/env python3
"""Runs every tests/integration/test_*.py scenario script, then totals."""
import glob
import os
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
scripts = sorted(glob.glob(os.path.join(here, "test_*.py")))
only = sys.argv[1:]
passed = failed = 0
for s in scripts:
    name = os.path.basename(s)
    if only and not any(o in name for o in only):
        continue
    print("== %s" % name, flush=True)
    t0 = time.monotonic()
    rc = subprocess.call([sys.executable, s])
    print("== %s: %s (%.1fs)" % (name, "ok" if rc == 0 else "FAILED",
                               time.monotonic() - t0), flush=True)
    if rc == 0:
        passed += 1
    else:
        failed += 1
print("integration: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
