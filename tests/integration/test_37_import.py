#!/usr/bin/env python3
"""A large family import (issue 10): sent in chunks, written in slices.

asystentctl sends the file to an import session in chunks and the daemon
writes it a slice per turn of its loop, so families keep writing to their
assistant meanwhile; the imported families appear all at once, never in
part. A kill -9 in the middle of the commit leaves none of them after the
restart, and the same file imports again; an error on the very last row
creates nothing.
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("import")

ANNA, OLENA = 7101, 5101
OPEN = {"hours." + d: "00:00-23:59" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}


def ctl(d, *args, rc=0):
    p = subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                       capture_output=True, timeout=300)
    p.out = p.stdout.decode("utf-8")
    p.err = p.stderr.decode("utf-8")
    assert p.returncode == rc, "%s: exit %d, wanted %d\nstdout: %s\n" \
        "stderr: %s" % (args, p.returncode, rc, p.out[-2000:], p.err[-2000:])
    return p


def rows(n, assistant, start=0):
    return [["Rodzina %d" % i, "Osoba %d" % i, "+48 7%08d" % i,
             ("pl", "uk", "ru", "en")[i % 4],
             ("telegram", "sms")[i % 2], str(assistant)]
            for i in range(start, start + n)]


def write_csv(path, rs):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("rodzina;osoba;telefon;język;kanał;asystent\r\n")
        for r in rs:
            f.write(";".join(r) + "\r\n")
    return path


def families(d):
    return d.sql("SELECT COUNT(*) FROM families")[0][0]


@suite.test
@scenario()
def test_a_large_import_while_a_family_writes(sc):
    d = sc.daemon(conf=OPEN)
    c = Centre(sc, d)
    anna = c.staff("Anna Nowak", "family_assistant", ["pl", "uk"], tg=ANNA)
    c.family("Rodzina Kowalskich", "uk", anna, contact="Olena Kowalska",
             tg=OLENA)
    petro = c.api.ok("POST", "/v1/staff", {
        "name": "Petro Bondarenko", "kind": "integration_assistant",
        "languages": ["uk"]})["staff"]
    csv = write_csv(os.path.join(sc.dir, "big.csv"), rows(5000, petro["id"]))
    seen, texts, done = set(), [], threading.Event()

    def watch():
        # What staff see of the import: none of it, or all of it.
        while not done.is_set():
            seen.add(c.api.ok("GET", "/v1/staff/%d" % petro["id"])[
                "staff"]["families"])
            time.sleep(0.01)

    def write():
        # A few: the assistant's chat gets about one message a second.
        for i in range(8):
            if done.is_set():
                break
            texts.append("wiadomość %d" % i)
            c.emu.message(OLENA, texts[-1])
            done.wait(0.05)
    threads = [threading.Thread(target=watch), threading.Thread(target=write)]
    for t in threads:
        t.start()
    try:
        p = ctl(d, "family", "import", csv)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert p.out.strip() == "created 5000 families (0 already existed)", p.out
    assert seen <= {0, 5000}, sorted(seen)
    assert c.api.ok("GET", "/v1/staff/%d" % petro["id"])["staff"][
        "families"] == 5000
    assert len(texts) > 0

    def relayed():
        got = [m["text"] for m in c.emu.sent(chat_id=ANNA)
               if m["method"] == "sendMessage" and m["text"]]
        return all(any(g.endswith("\n" + t) for g in got) for t in texts)
    wait_for(relayed, 60, "every message relayed to the assistant")
    # The same file again creates nothing.
    p = ctl(d, "family", "import", csv)
    assert p.out.strip() == "created 0 families (5000 already existed)", \
        p.out
    assert d.stop() == 0


@suite.test
@scenario()
def test_a_kill_during_the_commit_leaves_nothing(sc):
    d = sc.daemon()
    api = Api(d)
    sid = api.ok("POST", "/v1/staff", {
        "name": "Anna Nowak", "kind": "family_assistant",
        "languages": ["pl"]})["staff"]["id"]
    n = 20000
    body = [{"line": i + 2, "family": r[0], "contact": r[1], "phone": r[2],
             "language": r[3], "channel": r[4], "assistant": sid}
            for i, r in enumerate(rows(n, sid))]
    iid = api.ok("POST", "/v1/imports")["import"]["id"]
    for i in range(0, n, 2000):
        api.ok("POST", "/v1/imports/%d/rows" % iid,
               {"rows": body[i:i + 2000]}, status=200)
    api.ok("POST", "/v1/imports/%d/commit" % iid, {}, status=202)
    wait_for(lambda: api.ok("GET", "/v1/imports/%d" % iid)["import"][
        "written"] > 0, 30, "a first slice written", interval=0.001)
    d.kill9()
    written = families(d)
    assert 0 < written < n, written
    d.start()
    assert families(d) == 0
    assert d.sql("SELECT COUNT(*) FROM members")[0][0] == 0
    assert d.sql("SELECT COUNT(*) FROM import_pending")[0][0] == 0
    # The file imports again, whole.
    csv = write_csv(os.path.join(sc.dir, "again.csv"), rows(5000, sid))
    p = ctl(d, "family", "import", csv)
    assert p.out.strip() == "created 5000 families (0 already existed)", p.out
    assert len(api.ok("GET", "/v1/families")["families"]) == 5000
    assert d.stop() == 0


@suite.test
@scenario()
def test_an_error_on_the_last_row_creates_nothing(sc):
    d = sc.daemon()
    api = Api(d)
    sid = api.ok("POST", "/v1/staff", {
        "name": "Anna Nowak", "kind": "family_assistant",
        "languages": ["pl"]})["staff"]["id"]
    rs = rows(4500, sid)            # chunks of 2,000, 2,000 and 500
    rs[-1][3] = "de"
    csv = write_csv(os.path.join(sc.dir, "bad.csv"), rs)
    p = ctl(d, "family", "import", csv, rc=1)
    assert "bad.csv:4501: language: unknown language" in p.err, p.err
    assert families(d) == 0
    p = ctl(d, "family", "import", csv, "--dry-run", rc=1)
    assert families(d) == 0
    assert d.stop() == 0


if __name__ == "__main__":
    suite.run()
