"""make bench: the outbox lanes (issue 11). Figures, never pass/fail.

- Telegram's limits on (30 sends/s per bot, 1/s per chat), 200 families,
  40 assistants: a burst of 2,000 family messages against the time the
  limits allow; 400 assistant answers, each queuing a 👌 receipt in the
  assistant's chat; then 20 family messages a second for 30 s while the
  receipts are still queued: their latency to the assistant, and when the
  last receipt got there.
- Limits off: the daemon's CPU seconds per 1,000 relayed messages, from an
  empty outbox and from a backlog of 50,000 rows in 40 chats.
"""
import os
import statistics
import time

from harness import Scenario, wait_for
from world import Centre

FAMILIES, ASSISTANTS = 200, 40
STAFF_TG, FAMILY_TG = 720000, 520000
OPEN = {"hours.%s" % d: "00:00-24:00" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}
BASE_CONF = dict(OPEN, **{"daemon.log_level": "notice",
                          "relay.flood_per_minute": 10000})
LIMITS_CONF = {"limits.global_per_second": 30,
               "limits.per_chat_per_second": 1,
               "limits.per_group_per_minute": 20}


def set_limits(d, on):
    """Rewrites the daemon's [limits] (stopped) to Telegram's or none."""
    with open(d.conf) as f:
        text = f.read()
    for key, value in LIMITS_CONF.items():
        name = key.split(".", 1)[1]
        text = "\n".join(
            "%s = %s" % (name, value if on else 0)
            if line.startswith(name + " = ") else line
            for line in text.split("\n"))
    with open(d.conf, "w") as f:
        f.write(text)


def centre(sc, conf):
    """Staff and families are set up with the limits off, which would
    pace every step of their onboarding."""
    d = sc.daemon(conf=dict(BASE_CONF, **conf))
    c = Centre(sc, d)
    staff = [c.staff("Asystent %d" % i, "family_assistant", ["pl"],
                     tg=STAFF_TG + i) for i in range(ASSISTANTS)]
    users = []
    for i in range(FAMILIES):
        c.family("Rodzina %d" % i, "uk", staff[i % ASSISTANTS],
                 contact="Olena %d" % i, tg=FAMILY_TG + i)
        users.append(FAMILY_TG + i)
    c.idle(120)
    return c, users


def next_seq(emu):
    s = emu.sent()
    return s[-1]["seq"] + 1 if s else 0


def copies(emu, since):
    """Family messages as their assistants got them (header + text)."""
    return [m for m in emu.sent(since=since)
            if m["chat_id"] is not None and m["chat_id"] >= STAFF_TG and
            m["chat_id"] < STAFF_TG + ASSISTANTS and
            m["method"] == "sendMessage" and "\n" in (m["text"] or "")]


def reactions(emu, since):
    return [m for m in emu.sent(since=since)
            if m["method"] == "setMessageReaction"]


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def bench_lanes(burst=2000, replies=400, rate=20, seconds=30):
    sc = Scenario(limits=False)
    try:
        c, users = centre(sc, {})
        emu = sc.emu
        c.d.stop()
        set_limits(c.d, True)
        emu.limits(on=True, global_per_s=30, chat_per_s=1)
        c.d.start()
        r0 = emu.stats()["refused_429"]
        # 1. The burst.
        since = next_seq(emu)
        t0 = time.monotonic()
        for i in range(burst):
            emu.message(users[i % FAMILIES], "b%d" % i, language_code="uk")
        wait_for(lambda: len(copies(emu, since)) >= burst, 600,
                 "the burst relayed", interval=0.2)
        burst_s = time.monotonic() - t0
        got = copies(emu, since)
        # 2. Answers: each assistant replies to copies it got.
        since2 = next_seq(emu)
        for i in range(replies):
            m = got[i]
            emu.message(m["chat_id"], "Odpowiedź %d" % i,
                        reply_to_message_id=m["message_id"])
        wait_for(lambda: len([m for m in emu.sent(since=since2)
                              if (m["text"] or "").startswith("Odpowied")])
                 >= replies, 300, "the answers", interval=0.2)
        queued = len(reactions(emu, since2))
        # 3. Paced family messages while the receipts trail.
        since3 = next_seq(emu)
        sent_at = {}
        n = rate * seconds
        t1 = time.monotonic()
        for i in range(n):
            due = t1 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            text = "p%d" % i
            sent_at[text] = time.time() * 1000
            emu.message(users[i % FAMILIES], text, language_code="uk")
        load_end = time.monotonic()
        wait_for(lambda: len(copies(emu, since3)) >= n, 120,
                 "paced relays", interval=0.2)
        lat = sorted(m["t_ms"] - sent_at[m["text"].split("\n", 1)[1]]
                     for m in copies(emu, since3))
        wait_for(lambda: len(reactions(emu, since2)) >= replies, 600,
                 "every receipt", interval=0.2)
        trail = time.monotonic() - load_end
        refused = emu.stats()["refused_429"] - r0
        c.d.stop()
        return {"burst_s": burst_s, "ideal_s": burst / 30.0,
                "refused": refused, "queued_at_load": replies - queued,
                "p50": statistics.median(lat),
                "p99": lat[int(len(lat) * 0.99) - 1], "n": len(lat),
                "trail_s": trail}
    finally:
        sc.close(False)


def bench_cpu(n):
    """Limits off; n family messages (200 families, 40 assistants) queued
    while the daemon is down, then relayed: the daemon's CPU seconds per
    1,000, and the deepest outbox seen."""
    sc = Scenario(limits=False)
    try:
        c, users = centre(sc, {})
        c.d.stop()
        base = sc.emu.stats()["delivered"]
        for i in range(n):
            sc.emu.message(users[i % FAMILIES], "c%d" % i,
                           language_code="uk")
        c.d.start()
        pid = c.d.proc.pid
        cpu0 = cpu_s(pid)
        deepest = [0]

        def done():
            q = c.d.sql("SELECT COUNT(*) FROM outbox WHERE state = 0")[0][0]
            deepest[0] = max(deepest[0], q)
            return sc.emu.stats()["delivered"] - base >= n
        wait_for(done, 900, "%d relayed" % n, interval=0.5)
        cpu = cpu_s(pid) - cpu0
        c.d.stop()
        return cpu / (n / 1000.0), deepest[0]
    finally:
        sc.close(False)


def cpu_figures(sizes):
    """bench.py cpu [N ...]: the CPU figures alone, with the load."""
    for n in sizes:
        load0 = loadavg()
        per, deep = bench_cpu(n)
        print("CPU per 1,000 relayed, limits off, %d messages: %.3f s "
              "(outbox up to %d queued; load %s at the start, %s at the "
              "end)" % (n, per, deep, load0, loadavg()), flush=True)


def ir_figures(sizes):
    """bench.py ir [N ...]: the instructions the daemon runs per message
    relayed (the run of cpu N, under callgrind). Unlike the CPU seconds,
    they hardly vary from run to run, so a change of a few per cent shows;
    they leave out the kernel's work (system calls), which the CPU seconds
    count."""
    import glob
    import tempfile
    for n in sizes:
        with tempfile.TemporaryDirectory() as out:
            os.environ["ASYSTENT_CALLGRIND"] = out
            try:
                bench_cpu(n)
            finally:
                del os.environ["ASYSTENT_CALLGRIND"]
            totals = []
            for path in glob.glob(os.path.join(out, "callgrind.*")):
                with open(path) as f:
                    for line in f:
                        if line.startswith("totals:"):
                            totals.append(int(line.split()[1]))
                            break
        # The relaying start is the one that ran the most.
        print("instructions per message relayed, limits off, %d messages "
              "(callgrind): %d" % (n, max(totals) // n), flush=True)


def figures():
    print("lanes: load average at start %s" % loadavg())
    r = bench_lanes()
    print("lanes, limits on, %d families, %d assistants: burst of 2000 "
          "relayed in %.1f s, ideal %.1f s (%.3fx); %d answered 429"
          % (FAMILIES, ASSISTANTS, r["burst_s"], r["ideal_s"],
             r["burst_s"] / r["ideal_s"], r["refused"]))
    print("lanes: paced 20/s family->assistant with %d receipts queued at "
          "the start: p50 %.1f ms, p99 %.1f ms (%d messages); the last "
          "receipt %.1f s after the load"
          % (r["queued_at_load"], r["p50"], r["p99"], r["n"], r["trail_s"]))
    # One run of this varies by a fifth or more (how receiving and
    # sending interleave on the cores): three, and their median.
    runs = [bench_cpu(10000) for _ in range(3)]
    print("CPU per 1,000 relayed, limits off, 10,000 from 200 families "
          "to 40 assistants: median %.3f s of %s (outbox up to %s queued)"
          % (statistics.median(r[0] for r in runs),
             " / ".join("%.3f" % r[0] for r in runs),
             " / ".join("%d" % r[1] for r in runs)))
    per, deep = bench_cpu(50000)
    print("CPU per 1,000 relayed, limits off, 50,000 in one drain: %.3f s "
          "(outbox up to %d queued)" % (per, deep))
    ir_figures([3000])
    print("lanes: load average at the end %s" % loadavg())
