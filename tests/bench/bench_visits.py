#!/usr/bin/env python3
"""Visit reminder figures for make bench (figures, never pass/fail).

1. 10,000 planned visits (20,000 reminders): the query that finds the due
   reminders, its plan (EXPLAIN QUERY PLAN: the reminders_due index, no
   scan of visits) and its cost, and the daemon's memory with them.
2. N reminders (default 2,000) due at the same 17:00, sent within
   Telegram's limits as the emulator enforces them (30/s for the bot),
   while families keep writing to their assistants: the time to send
   them all and the conversation latency (family message -> assistant's
   copy) meanwhile.
"""
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Scenario, wait_for  # noqa: E402
from world import Centre, limits_on  # noqa: E402

WAW = zoneinfo.ZoneInfo("Europe/Warsaw")
CTL = os.path.join(BUILD, "asystentctl")
OPEN = {"hours.%s" % d: "00:00-24:00" for d in
        ("monday", "tuesday", "wednesday", "thursday", "friday",
         "saturday", "sunday")}
CONF = dict(OPEN, **{"daemon.log_level": "notice",
                     "relay.flood_per_minute": 10000})
DUE_SQL = ("SELECT id, visit_id, due_at, state, member_id, sent_at, "
           "answered_at FROM reminders WHERE state = 0 AND due_at <= ?1 "
           "ORDER BY due_at, id LIMIT ?2")


def local(s):
    dt = datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
    return int(dt.replace(tzinfo=WAW).timestamp())


def rss_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def ctl(d, *args):
    p = subprocess.run([CTL, "-s", d.sock, "--json"] +
                       [str(a) for a in args], capture_output=True,
                       timeout=60, check=True)
    return json.loads(p.stdout.decode("utf-8"))


def bench_due_query(nvisits=10000):
    """Visits inserted as the store writes them (place left out), then the
    due query timed on the daemon's own database file."""
    import sqlite3
    now = local("2026-12-07 12:00:00")
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf=CONF, env={"ASYSTENT_FAKE_NOW": str(now)})
        c = Centre(sc, d)
        anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=7001)
        fam = c.family("Rodzina", "uk", anna, contact="Olena", tg=5001)
        d.stop()
        con = sqlite3.connect(d.db)
        base = (now + 86400 * 2) * 1000
        with con:
            for i in range(nvisits):
                at = base + (i % 2000) * 3600 * 1000
                con.execute(
                    "INSERT INTO visits (id, family_id, staff_id, kind, "
                    "at, minutes, created_at, updated_at) VALUES "
                    "(?, ?, ?, 'home', ?, 60, ?, ?)",
                    (i + 1, fam["id"], anna["id"], at, now * 1000,
                     now * 1000))
                con.execute("INSERT INTO reminders (visit_id, due_at) "
                            "VALUES (?, ?)", (i + 1, at - 16 * 3600000))
                con.execute("INSERT INTO reminders (visit_id, due_at) "
                            "VALUES (?, ?)", (i + 1, at - 2 * 3600000))
        plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + DUE_SQL,
                                          (now * 1000, 200))]
        # The moment when the first 200 are due: a full batch.
        probe = base + 100 * 3600 * 1000
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            con.execute(DUE_SQL, (probe, 200)).fetchall()
            times.append((time.perf_counter() - t0) * 1e6)
        none_due = []
        for _ in range(200):
            t0 = time.perf_counter()
            con.execute(DUE_SQL, (now * 1000, 200)).fetchall()
            none_due.append((time.perf_counter() - t0) * 1e6)
        con.close()
        d.start()
        time.sleep(1.0)
        rss = rss_kb(d.proc.pid, "VmRSS")
        anon = rss_kb(d.proc.pid, "RssAnon")
        d.stop()
        return (plan, statistics.median(none_due), statistics.median(times),
                rss, anon)
    finally:
        sc.close(False)


def bench_reminders_at_limits(n=2000, rate=5, talkers=20):
    start = local("2026-12-07 12:00:00")
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf=CONF, env={"ASYSTENT_FAKE_NOW": str(start)})
        c = Centre(sc, d)
        staff = [c.staff("Asystent %d" % i, "family_assistant", ["pl"],
                         tg=700000 + i) for i in range(20)]
        fams = []
        t0 = time.monotonic()
        for i in range(n):
            fams.append(c.family("Rodzina %d" % i, "uk", staff[i % 20],
                                 contact="Olena %d" % i, tg=500000 + i))
        setup_s = time.monotonic() - t0
        for f in fams:
            c.api.ok("POST", "/v1/visits", {"family": f["code"],
                                            "at": "2026-12-08 12:00"},
                     status=201)
        c.idle(120)
        d.stop()
        d.env["ASYSTENT_FAKE_NOW"] = str(local("2026-12-07 16:59:58"))
        limits_on(d, sc.emu)
        seq = sc.emu.sent()
        since = seq[-1]["seq"] + 1 if seq else 0
        d.start()
        t_start = time.monotonic()
        sent_at = {}
        i = 0
        # Families write while the reminders go out.
        while True:
            due = t_start + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            text = "pytanie %d" % i
            sent_at[text] = time.time() * 1000
            sc.emu.message(500000 + (i % talkers), text,
                           language_code="uk")
            i += 1
            got = d.sql("SELECT COUNT(*) FROM reminders WHERE "
                        "state = 1")[0][0] if i % rate == 0 else 0
            if got >= n and \
                    d.sql("SELECT COUNT(*) FROM outbox WHERE priority = 1 "
                          "AND state IN (0, 1)")[0][0] == 0:
                break
            if time.monotonic() - t_start > 600:
                break
        dt = time.monotonic() - t_start
        wait_for(lambda: sum(1 for m in sc.emu.sent(since=since)
                             if "\n" in (m.get("text") or "") and
                             (m["text"].split("\n", 1)[1] in sent_at)) >=
                 len(sent_at), 60, "copies")
        lat = sorted(m["t_ms"] - sent_at[m["text"].split("\n", 1)[1]]
                     for m in sc.emu.sent(since=since)
                     if m["method"] == "sendMessage" and
                     "\n" in (m.get("text") or "") and
                     m["text"].split("\n", 1)[1] in sent_at)
        peak = rss_kb(d.proc.pid, "VmHWM")
        d.stop()
        return (setup_s, dt, len(lat), statistics.median(lat),
                lat[max(0, int(len(lat) * 0.99) - 1)], peak)
    finally:
        sc.close(False)


def visit_figures():
    plan, none_us, full_us, rss, anon = bench_due_query()
    print("due reminders among 10000 visits (20000 reminders): plan %s; "
          "nothing due %.0f us, a batch of 200 due %.0f us (median)"
          % ("; ".join(plan), none_us, full_us))
    print("RSS with 10000 visits planned: %.1f MB (private anonymous "
          "%.1f MB)" % (rss / 1024, anon / 1024))
    n = int(os.environ.get("ASYSTENT_BENCH_REMINDERS", "2000"))
    setup_s, dt, nlat, p50, p99, peak = bench_reminders_at_limits(n)
    print("%d reminders due at 17:00 sent at Telegram's limits in %.1f s "
          "(%.1f/s; %d families linked in %.0f s)" % (n, dt, n / dt, n,
                                                      setup_s))
    print("meanwhile family message->assistant's copy: p50 %.1f ms, p99 "
          "%.1f ms (%d messages at 5/s); peak RSS %.1f MB"
          % (p50, p99, nlat, peak / 1024))


if __name__ == "__main__":
    visit_figures()
