#!/usr/bin/env python3
"""asystentctl backup: an online copy while the daemon serves, restored
into a fresh install with the key (doc/operations.md)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import BUILD, Daemon, Suite, _stop_daemon, scenario  # noqa
from harness import copy_keystore  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("backup")

NAMES = ["Beata Zielińska", "Rodzina Wójcików", "Ганна Войцех"]


def ctl(d, *args):
    return subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120)


def fill(api, n):
    anna = api.ok("POST", "/v1/staff", {"name": NAMES[0],
                                        "kind": "family_assistant"})
    codes = []
    for i in range(n):
        f = api.ok("POST", "/v1/families", {
            "name": "%s %d" % (NAMES[1], i), "language": "uk",
            "channel": "sms", "assistant_id": anna["staff"]["id"],
            "contact": {"name": NAMES[2], "phone": "+4860%07d" % i}})
        codes.append(f["family"]["code"])
    return codes


@suite.test
@scenario()
def test_backup_restores_into_a_fresh_install(sc):
    d = sc.daemon()
    api = Api(d)
    codes = fill(api, 300)
    out = os.path.join(sc.subdir("backups"), "copy.db")
    p = ctl(d, "backup", out)
    assert p.returncode == 0, p.stderr
    assert os.path.exists(out) and not os.path.exists(out + ".partial")
    assert os.stat(out).st_mode & 0o077 == 0
    # Still sealed: no name in the copy.
    with open(out, "rb") as f:
        raw = f.read()
    for n in NAMES:
        assert n.encode() not in raw, n
    b = api.ok("GET", "/v1/backup")["backup"]
    assert b["state"] == "done" and b["path"] == out and b["pages"] > 0, b
    actions = [r["action"] for r in api.ok("GET", "/v1/audit")["audit"]]
    assert "backup.start" in actions and "backup.done" in actions, actions
    # The daemon kept serving, and goes on changing its own file.
    api.ok("POST", "/v1/staff", {"name": "Po kopii", "kind": "coordinator"})
    # The keystore is not in the copy: it is backed up on its own.
    assert not os.path.exists(out + ".keys")
    # Without it the restored database is refused, not shown empty.
    bare = sc.subdir("bare")
    shutil.copy(d.key, os.path.join(bare, "master.key"))
    shutil.copy(out, os.path.join(bare, "asystent.db"))
    d1 = Daemon(sc.emu, bare)
    d1.start(wait=False)
    assert d1.proc.wait(timeout=30) == 78
    assert "keystore" in d1.log()
    # A fresh install with the key and the keystore: everything is there.
    fresh = sc.subdir("restored")
    shutil.copy(d.key, os.path.join(fresh, "master.key"))
    copy_keystore(d.db + ".keys", os.path.join(fresh, "asystent.db.keys"))
    shutil.copy(out, os.path.join(fresh, "asystent.db"))
    d2 = Daemon(sc.emu, fresh)
    sc.own(d2, "asystentd restored", lambda: _stop_daemon(d2),
           lambda: d2.log()[-3000:])
    d2.start()
    api2 = Api(d2)
    fams = api2.ok("GET", "/v1/families")["families"]
    assert sorted(f["code"] for f in fams) == sorted(codes)
    one = api2.ok("GET", "/v1/families/" + codes[7])["family"]
    assert one["name"] == "%s 7" % NAMES[1]
    assert one["members"][0]["name"] == NAMES[2]
    assert one["members"][0]["phone"] == "+4860%07d" % 7
    staff = [s["name"] for s in api2.ok("GET", "/v1/staff")["staff"]]
    assert staff == [NAMES[0]], staff      # the later change is not in it
    p = ctl(d2, "check")
    assert p.returncode == 0, p.stderr


@suite.test
@scenario()
def test_bad_targets_are_refused(sc):
    d = sc.daemon()
    api = Api(d)
    fill(api, 2)
    where = sc.subdir("backups")
    exists = os.path.join(where, "there.db")
    with open(exists, "w") as f:
        f.write("keep me\n")
    p = ctl(d, "backup", exists)
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert "exists" in p.stderr and len(p.stderr.splitlines()) == 1
    with open(exists) as f:
        assert f.read() == "keep me\n"
    p = ctl(d, "backup", os.path.join(where, "no", "such", "dir.db"))
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "not writable" in p.stderr, p.stderr
    api.err("POST", "/v1/backup", {"path": "relative.db"}, 422, "invalid")
    api.err("POST", "/v1/backup", {}, 400, "bad_request")
    assert os.listdir(where) == ["there.db"], os.listdir(where)
    # A relative name is the caller's current directory.
    p = subprocess.run([CTL, "-s", d.sock, "backup", "rel.db"], cwd=where,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(where)) == ["rel.db", "there.db"]


if __name__ == "__main__":
    suite.run()
