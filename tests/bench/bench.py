#!/usr/bin/env python3
"""make bench: figures, never pass/fail.

Runs the real asystentd against the Bot API emulator (limits off unless
said) and prints throughput, latency, memory and storage figures.
"""
import bisect
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import UnixHTTPConnection  # noqa: E402
from harness import Scenario, free_port, wait_for  # noqa: E402
from kannel import Kannel  # noqa: E402
from world import Centre, limits_on  # noqa: E402
from world import Centre  # noqa: E402
import claiming  # noqa: E402
import lanes  # noqa: E402


def rss_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def delivered(emu):
    return emu.stats()["delivered"]


def inject(emu, n, first_uid, text="/start"):
    for i in range(n):
        emu.message(first_uid + i, text, language_code="uk")


def bench_throughput(n=5000):
    """Updates queued while the daemon is down, then drained: update ->
    reply throughput with encryption and the durable store on."""
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf={"daemon.log_level": "notice"}, start=False)
        inject(sc.emu, n, 100000)
        t0 = time.monotonic()
        d.start()
        wait_for(lambda: delivered(sc.emu) >= n, 300, "%d replies" % n,
                 interval=0.01)
        dt = time.monotonic() - t0
        peak = rss_kb(d.proc.pid, "VmHWM")
        d.stop()
        # Bytes the rows take once the WAL is folded in: pages in use.
        pages, free, size = (d.sql("PRAGMA page_count")[0][0],
                             d.sql("PRAGMA freelist_count")[0][0],
                             d.sql("PRAGMA page_size")[0][0])
        return n / dt, dt, peak, (pages - free) * size
    finally:
        sc.close(False)


def bench_latency(rate=200, seconds=10):
    """Paced load: update -> reply latency as the emulator saw it."""
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf={"daemon.log_level": "notice"})
        time.sleep(1.0)  # settle: idle RSS after start-up work
        idle = rss_kb(d.proc.pid, "VmRSS")
        idle_anon = rss_kb(d.proc.pid, "RssAnon")
        sent_at = {}
        n = rate * seconds
        t0 = time.monotonic()
        for i in range(n):
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            uid = 200000 + i
            sent_at[uid] = time.time() * 1000
            sc.emu.message(uid, "/help", language_code="pl")
        wait_for(lambda: delivered(sc.emu) >= n, 60, "paced replies")
        lat = sorted(m["t_ms"] - sent_at[m["chat_id"]]
                     for m in sc.emu.sent()
                     if m["method"] == "sendMessage")
        peak = rss_kb(d.proc.pid, "VmHWM")
        d.stop()
        return (statistics.median(lat), lat[int(len(lat) * 0.99) - 1],
                idle, idle_anon, peak)
    finally:
        sc.close(False)


# The relay: 200 families, 20 assistants, flood pacing out of the way.
# Open all week: the figures must not depend on the hour they are taken.
RELAY_CONF = dict({"hours.%s" % d: "00:00-24:00" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}, **{"daemon.log_level": "notice",
                   "relay.flood_per_minute": 10000})
RELAY_FAMILIES, RELAY_ASSISTANTS = 200, 20
RELAY_STAFF_TG, RELAY_FAMILY_TG = 700000, 500000


def relay_centre(sc, start=True):
    """Staff and consented families; returns (centre, family user ids)."""
    d = sc.daemon(conf=RELAY_CONF)
    c = Centre(sc, d)
    staff = [c.staff("Asystent %d" % i, "family_assistant", ["pl"],
                     tg=RELAY_STAFF_TG + i) for i in range(RELAY_ASSISTANTS)]
    users = []
    for i in range(RELAY_FAMILIES):
        c.family("Rodzina %d" % i, "uk", staff[i % RELAY_ASSISTANTS],
                 contact="Olena %d" % i, tg=RELAY_FAMILY_TG + i)
        users.append(RELAY_FAMILY_TG + i)
    c.idle(60)
    return c, users


def relayed(emu, since):
    """Copies that reached assistants since seq `since`."""
    return [m for m in emu.sent(since=since)
            if m["chat_id"] is not None and m["chat_id"] >= RELAY_STAFF_TG
            and m["method"] == "sendMessage" and "\n" in (m["text"] or "")]


def next_seq(emu):
    s = emu.sent()
    return s[-1]["seq"] + 1 if s else 0


def bench_relay_throughput(n=5000):
    """Family messages queued while the daemon is down, then relayed: each
    one a sealed messages row, a header, a copy to the assistant."""
    sc = Scenario(limits=False)
    try:
        c, users = relay_centre(sc)
        c.d.stop()
        since = next_seq(sc.emu)
        base = delivered(sc.emu)
        for i in range(n):
            sc.emu.message(users[i % len(users)], "wiadomość %d" % i,
                           language_code="uk")
        t0 = time.monotonic()
        c.d.start()
        wait_for(lambda: delivered(sc.emu) - base >= n, 300,
                 "%d relayed" % n, interval=0.01)
        dt = time.monotonic() - t0
        got = len(relayed(sc.emu, since))
        c.d.stop()
        return n / dt, dt, got
    finally:
        sc.close(False)


def bench_relay_latency(rate=200, seconds=10):
    """Paced family messages: message -> assistant's copy, as the emulator
    saw it."""
    sc = Scenario(limits=False)
    try:
        c, users = relay_centre(sc)
        since = next_seq(sc.emu)
        sent_at = {}
        n = rate * seconds
        t0 = time.monotonic()
        for i in range(n):
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            text = "m%d" % i
            sent_at[text] = time.time() * 1000
            sc.emu.message(users[i % len(users)], text, language_code="uk")
        wait_for(lambda: len(relayed(sc.emu, since)) >= n, 60,
                 "paced relays")
        lat = sorted(m["t_ms"] - sent_at[m["text"].split("\n", 1)[1]]
                     for m in relayed(sc.emu, since))
        c.d.stop()
        return statistics.median(lat), lat[int(len(lat) * 0.99) - 1]
    finally:
        sc.close(False)


# SMS through a real Kannel (bearerbox + smsbox) and the Python fake SMSC
# (tests/lib/kannel.py): SMS families with recorded consent, one assistant.
SMS_STAFF_TG = 710000
SMS_FIRST_PHONE = 48601000000


def sms_centre(sc, nfam, conf=None):
    """asystentd + Kannel; nfam SMS families of one assistant, consent
    recorded. Returns (centre, kannel, phones); the caller closes k."""
    import secrets
    import sqlite3
    port = free_port()
    secret = "b_" + secrets.token_urlsafe(24)
    base = "http://127.0.0.1:%d" % port
    k = Kannel()
    k.start(os.path.join(sc.dir, "kannel"),
            "%s/kannel/mo/%s" % (base, secret))
    sf = os.path.join(sc.dir, "sms.secret")
    with open(sf, "w") as f:
        f.write(secret + "\n")
    cred = os.path.join(sc.dir, "kannel.cred")
    with open(cred, "w") as f:
        f.write("%s:%s\n" % (k.sendsms_user, k.sendsms_password))
    cf = {"daemon.log_level": "notice", "relay.flood_per_minute": 10000,
          "sms.driver": "kannel", "sms.listen": "127.0.0.1:%d" % port,
          "sms.callback_url": base, "sms.secret_file": sf,
          "sms.kannel_url": k.sendsms_url,
          "sms.kannel_credentials_file": cred, "sms.per_second": 0}
    cf.update({"hours." + d: "00:00-23:59" for d in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday")})
    cf.update(conf or {})
    d = sc.daemon(conf=cf)
    c = Centre(sc, d)
    staff = c.staff("Asystent SMS", "family_assistant", ["pl"],
                    tg=SMS_STAFF_TG)
    phones, members = [], []
    for i in range(nfam):
        ph = str(SMS_FIRST_PHONE + i)
        fam = c.api.ok("POST", "/v1/families", {
            "name": "Rodzina SMS %d" % i, "language": "pl",
            "channel": "sms", "contact": {"name": "Jan %d" % i,
                                          "phone": "+" + ph},
            "assistant_id": staff["id"]})["family"]
        phones.append(ph)
        members.append(fam["members"][0]["id"])
    st, _ = c.api.call("POST", "/v1/members/%d/consent" % members[0],
                       {"date": "2026-01-02", "ref": "bench"})
    if st in (200, 201):
        for m in members[1:]:
            c.api.call("POST", "/v1/members/%d/consent" % m,
                       {"date": "2026-01-02", "ref": "bench"})
    else:                          # no consent endpoint yet
        d.stop()
        con = sqlite3.connect(d.db)
        con.execute("UPDATE members SET consent_at = ?",
                    (int(time.time()) - 86400,))
        con.commit()
        con.close()
        d.start()
    c.idle(60)
    return c, k, phones


def bench_sms_throughput(n=500):
    """Replies to n SMS families (`/to CODE text` from the assistant,
    queued while the daemon is down), rate limit off: daemon start -> the
    last one at the fake SMSC."""
    sc = Scenario(limits=False)
    k = None
    try:
        c, k, phones = sms_centre(sc, n)
        c.d.stop()
        for i in range(n):
            sc.emu.message(SMS_STAFF_TG, "/to R-%04d Odpowiedz %d: zapraszam "
                           "jutro o 10:00." % (i + 1, i))
        m0 = k.mt_count()
        t0 = time.monotonic()
        c.d.start()
        wait_for(lambda: k.mt_count() - m0 >= n, 300,
                 "%d SMS at the fake SMSC" % n, interval=0.01)
        dt = time.monotonic() - t0
        got = len({m["receiver"].lstrip("+") for m in
                   k.mt_messages()[m0:]})
        c.d.stop()
        return n / dt, dt, got
    finally:
        if k is not None:
            k.close()
        sc.close(False)


def bench_sms_mo_latency(rate=20, seconds=10, nfam=50):
    """MO injected at the fake SMSC at a paced rate: phone -> Kannel ->
    get-url -> asystentd -> the assistant's copy in tgemu."""
    sc = Scenario(limits=False)
    k = None
    try:
        c, k, phones = sms_centre(sc, nfam)
        since = next_seq(sc.emu)
        sent_at = {}
        n = rate * seconds
        t0 = time.monotonic()
        for i in range(n):
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            text = "sms%d" % i
            sent_at[text] = time.time() * 1000
            k.mo(phones[i % nfam], k.number, text)

        def copies():
            return [m for m in sc.emu.sent(chat_id=SMS_STAFF_TG, since=since)
                    if m["method"] == "sendMessage" and
                    "\n" in (m["text"] or "")]
        wait_for(lambda: len(copies()) >= n, 60, "paced SMS relays")
        lat = sorted(m["t_ms"] - sent_at[m["text"].split("\n", 1)[1]]
                     for m in copies())
        c.d.stop()
        return statistics.median(lat), lat[int(len(lat) * 0.99) - 1], n
    finally:
        if k is not None:
            k.close()
        sc.close(False)


def sms_figures():
    av = Kannel.available()
    if not av:
        print("SMS figures SKIPPED: Kannel is not available (%s)"
              % av.reason)
        return
    st, sdt, got = bench_sms_throughput()
    print("SMS throughput through Kannel + fake SMSC, rate limit off: "
          "%.0f/s (500 in %.2f s, %d numbers)" % (st, sdt, got))
    s50, s99, sn = bench_sms_mo_latency()
    print("SMS MO->assistant's copy latency through Kannel at 20/s: "
          "p50 %.1f ms, p99 %.1f ms (%d messages)" % (s50, s99, sn))


IMPORT_BYTES = 4 * 1024 * 1024 - 4096   # just under the CSV file's cap
IMPORT_CHUNK = 2000                     # rows a request, as asystentctl


def import_rows():
    """Family import rows of IMPORT_BYTES as JSON, as asystentctl sends."""
    rows, size, i = [], 40, 0
    while True:
        row = {"line": i + 2, "family": "Rodzina %d" % i,
               "contact": "Osoba %d" % i, "phone": "+48 7%08d" % i,
               "language": ("pl", "uk", "ru", "en")[i % 4],
               "channel": ("telegram", "sms")[i % 2]}
        n = len(json.dumps(row)) + 2
        if size + n > IMPORT_BYTES:
            break
        rows.append(row)
        size += n
        i += 1
    return rows


def _import_call(d, method, path, body=None):
    c = UnixHTTPConnection(d.sock, timeout=120)
    try:
        c.request(method, path, None if body is None else
                  json.dumps(body).encode(),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        c.close()


def run_import_session(d, rows):
    """The import as asystentctl runs it: a session, chunks, the commit,
    polled until written. The last HTTP status."""
    st, a = _import_call(d, "POST", "/v1/imports")
    if st != 201:
        return st
    iid = a["import"]["id"]
    for i in range(0, len(rows), IMPORT_CHUNK):
        st, _ = _import_call(d, "POST", "/v1/imports/%d/rows" % iid,
                             {"rows": rows[i:i + IMPORT_CHUNK]})
        if st != 200:
            return st
    st, a = _import_call(d, "POST", "/v1/imports/%d/commit" % iid, {})
    while st == 202 or (st == 200 and a["import"]["state"] == "committing"):
        time.sleep(0.05)
        st, a = _import_call(d, "GET", "/v1/imports/%d" % iid)
    return st if a.get("import", {}).get("state") == "done" else 500


def bench_import(rate=100):
    """A 4 MB family import while Telegram users write at a paced rate:
    the daemon's peak RSS, and the longest a reply waited meanwhile (a
    stall of the event loop shows here)."""
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf={"daemon.log_level": "notice"})
        rows = import_rows()
        time.sleep(1.0)
        before = rss_kb(d.proc.pid, "VmHWM")
        result = {}

        def run_import():
            t = time.monotonic()
            result["status"] = run_import_session(d, rows)
            result["s"] = time.monotonic() - t
        sent_at = {}
        th = threading.Thread(target=run_import)
        t0 = time.monotonic()
        th.start()
        i = 0
        while th.is_alive() or time.monotonic() - t0 < 1.0:
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            uid = 300000 + i
            sent_at[uid] = time.time() * 1000
            sc.emu.message(uid, "/help", language_code="pl")
            i += 1
        th.join()
        wait_for(lambda: delivered(sc.emu) >= i, 60, "paced replies")
        lat = [m["t_ms"] - sent_at[m["chat_id"]] for m in sc.emu.sent()
               if m["method"] == "sendMessage" and m["chat_id"] in sent_at]
        peak = rss_kb(d.proc.pid, "VmHWM")
        d.stop()
        return (len(rows), result.get("status"), result.get("s", 0), before,
                peak, max(lat), len(lat))
    finally:
        sc.close(False)


# Broadcasts at Telegram's limits (30 messages/s for the bot, 1/s a chat),
# in the emulator and in the daemon: K families, one notice each, alone or
# while families keep writing to their assistants: a centre's usual 0.5
# messages a second (a few a minute per assistant), or a busy 5 a second.
BC_STAFF_TG, BC_FAMILY_TG = 720000, 530000
BC_POLL_S = 0.2     # how often the emulator's sends are read


def bench_broadcast(k, rate=5.0):
    """Time against the ideal K/30 s, 429s, and family -> assistant
    latencies while it runs, families writing `rate` messages a second
    (0: the broadcast alone)."""
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf=RELAY_CONF)
        c = Centre(sc, d)
        # 20 assistants: each chat takes 1 message a second.
        staff = [c.staff("Asystent %d" % j, "family_assistant", ["pl"],
                         tg=BC_STAFF_TG + j) for j in range(20)]
        # Linked in bulk (tests/lib/world.py): seconds for 1,000.
        t_setup = time.monotonic()
        c.families(k, BC_FAMILY_TG, assistants=staff, timeout=k / 10 + 60)
        if os.environ.get("BENCH_GAPS"):
            print("  %d families linked in %.1f s" % (
                k, time.monotonic() - t_setup))
        d.stop()
        limits_on(d, sc.emu)
        d.start()
        c.idle(60)
        r0 = sc.emu.stats()["refused_429"]
        since = next_seq(sc.emu)
        t_draft = time.monotonic()
        st, b = c.api.call("POST", "/v1/broadcasts", {
            "notice": "report-change", "params": {"place": "MOPS"},
            "target": {"all": True}})
        assert st in (201, 202), (st, b)
        b = b["broadcast"]
        # Over 1,000 families the draft is prepared in slices.
        wait_for(lambda: c.api.ok("GET", "/v1/broadcasts/%d" % b["id"])
                 ["broadcast"]["state"] == "draft", 120, "the draft")
        if os.environ.get("BENCH_GAPS"):
            print("  draft of %d made in %.2f s" % (
                k, time.monotonic() - t_draft))
        t0 = time.time() * 1000
        c.api.ok("POST", "/v1/broadcasts/%d/send" % b["id"], {}, status=200)
        sent_at, i = {}, 0

        def notices():
            return [m for m in sc.emu.sent(since=since)
                    if m["chat_id"] is not None and
                    m["chat_id"] >= BC_FAMILY_TG and "MOPS" in
                    (m["text"] or "")]
        next_msg = time.monotonic() + (1.0 / rate if rate else 0)
        next_poll = time.monotonic()
        while time.time() * 1000 - t0 < k * 200:
            now = time.monotonic()
            if now >= next_poll:
                if len(notices()) >= k:
                    break
                next_poll = now + BC_POLL_S
            if rate and now >= next_msg:
                text = "b%d" % i
                sent_at[text] = time.time() * 1000
                # Family i writes to assistant i % 20: each assistant's
                # chat gets rate / 20 a second.
                sc.emu.message(BC_FAMILY_TG + i % k, text)
                i += 1
                next_msg += 1.0 / rate
            wake = min(next_poll, next_msg) if rate else next_poll
            time.sleep(max(wake - time.monotonic(), 0))
        got = notices()
        ts = sorted(m["t_ms"] for m in got)
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        if gaps and os.environ.get("BENCH_GAPS"):
            slot = 1000 / 30.0
            print("  first send %.0f ms after send; gaps: median %.1f ms, "
                  "max %.0f ms, %d over 50 ms, time lost over 1/30 s: "
                  "%.0f ms" % (ts[0] - t0, sorted(gaps)[len(gaps) // 2],
                               max(gaps), sum(g > 50 for g in gaps),
                               sum(max(g - slot, 0) for g in gaps)))
        t_end = max(m["t_ms"] for m in got)
        copies = [m for m in sc.emu.sent(since=since)
                  if m["chat_id"] is not None and BC_STAFF_TG <=
                  m["chat_id"] < BC_STAFF_TG + 20 and "\n" in
                  (m["text"] or "")]
        lat = sorted(m["t_ms"] - sent_at[m["text"].split("\n", 1)[1]]
                     for m in copies
                     if m["text"].split("\n", 1)[1] in sent_at)
        # How many of the broadcast's copies went between a family's
        # message and its copy to the assistant: what it waited behind.
        ahead = sorted(
            bisect.bisect_left(ts, m["t_ms"]) -
            bisect.bisect_right(ts, sent_at[m["text"].split("\n", 1)[1]])
            for m in copies if m["text"].split("\n", 1)[1] in sent_at)
        refused = sc.emu.stats()["refused_429"] - r0
        if os.environ.get("BENCH_GAPS"):
            # The slow ones: what the emulator got just before each.
            allm = sc.emu.sent(since=since)
            for m in copies:
                key = m["text"].split("\n", 1)[1]
                if key not in sent_at or m["t_ms"] - sent_at[key] < 40:
                    continue
                before = [x for x in allm if sent_at[key] <= x["t_ms"] <=
                          m["t_ms"]]
                print("  slow %.1f ms: %s" % (
                    m["t_ms"] - sent_at[key], ", ".join(
                        "%+.0f %s" % (x["t_ms"] - sent_at[key],
                                      "copy" if x is m else x["method"] +
                                      (" bc" if "MOPS" in (x["text"] or "")
                                       else ""))
                        for x in before)))
        d.stop()
        return (t_end - t0) / 1000, len(got), refused, lat, ahead
    finally:
        sc.close(False)


def pct(sorted_values, q):
    """The q-th percentile (nearest rank) of sorted values; -1 if none."""
    if not sorted_values:
        return -1
    return sorted_values[max(int(len(sorted_values) * q + 0.999999) - 1, 0)]


def import_figures():
    nrows, st, secs, before, peak, worst, n = bench_import()
    print("family import of %.1f MB (%d rows): HTTP %s in %.2f s; peak RSS "
          "%.1f MB (%.1f MB before); longest Telegram reply wait during "
          "it %.0f ms (%d replies at 100/s)" % (IMPORT_BYTES / 1048576.0,
                                                nrows, st, secs,
                                                peak / 1024, before / 1024,
                                                worst, n))
def broadcast_figures(rates=(0, 0.5, 5), sizes=(1000,)):
    for k in sizes:
        for rate in rates:
            la0 = os.getloadavg()[0]
            secs, got, refused, lat, ahead = bench_broadcast(k, rate)
            la1 = os.getloadavg()[0]
            ideal = k / 30.0
            head = ("broadcast of %d at Telegram's limits" % k +
                    (" alone" if not rate else
                     " with families writing %g/s" % rate))
            left = ""
            if rate:
                # The families' copies take `rate` of the 30 sends a
                # second; the broadcast has the rest.
                left = " (%.3fx the %.1f s the %g/s left allow)" % (
                    secs / (k / (30.0 - rate)), k / (30.0 - rate),
                    30.0 - rate)
            print("%s: %.1f s, %.3fx the ideal %.1f s%s, %d delivered, "
                  "%d 429s; load average %.1f -> %.1f"
                  % (head, secs, secs / ideal, ideal, left, got, refused,
                     la0, la1))
            if rate:
                print("  family->assistant while it runs: p50 %.1f ms, "
                      "p99 %.1f ms, max %.1f ms (%d messages); broadcast "
                      "copies sent between a message and its copy: at "
                      "most %d, %d messages behind more than one"
                      % (pct(lat, 0.5), pct(lat, 0.99),
                         lat[-1] if lat else -1, len(lat),
                         ahead[-1] if ahead else -1,
                         sum(a > 1 for a in ahead)))


def rekey_figures(n=50000):
    """The start of a key rotation with n unsent outbox rows (rekey.c)."""
    build = os.environ.get("ASYSTENT_BUILD", "build")
    p = subprocess.run([os.path.join(build, "tests", "bench", "rekey"),
                        str(n)], capture_output=True, text=True, timeout=600)
    print(p.stdout.strip() if p.returncode == 0 else
          "rekey: failed (%d): %s" % (p.returncode, p.stderr.strip()))


def http_figures(n=20000, parallel=40):
    """One Bot API call's CPU, client alone (httpfloor.c): the daemon's
    httpc and bare HTTP/1.1 on sockets, against the emulator
    (limits off), on kept-alive connections."""
    from tgemu import TgEmu
    build = os.environ.get("ASYSTENT_BUILD", "build")
    emu = TgEmu().start(build, limits=False)
    try:
        emu.message(1000, "hello", language_code="uk")  # the chat exists
        port = urllib.parse.urlsplit(emu.url).port
        for _ in range(3):
            p = subprocess.run([os.path.join(build, "tests", "bench",
                                             "httpfloor"), "127.0.0.1",
                                str(port), emu.token, "1000", str(n),
                                str(parallel)],
                               capture_output=True, text=True, timeout=600)
            print(p.stdout.strip() if p.returncode == 0 else
                  "httpfloor: failed (%d): %s" % (p.returncode,
                                                  p.stderr.strip()))
    finally:
        emu.stop()
        emu.cleanup()


def main():
    print("machine: %s, %d cores, %s" % (platform.machine(),
                                          os.cpu_count(),
                                          platform.platform()))
    tput, dt, peak, size = bench_throughput()
    print("update->reply throughput, limits off: %.0f/s (5000 in %.2f s)"
          % (tput, dt))
    print("peak RSS during the drain: %.1f MB" % (peak / 1024))
    print("database bytes per 10k messages (an update and its reply "
          "each): %.1f MB" % (size * 2 / 1e6))
    p50, p99, idle, anon, peak2 = bench_latency()
    print("update->reply latency at 200/s: p50 %.1f ms, p99 %.1f ms"
          % (p50, p99))
    print("idle RSS: %.1f MB (private anonymous %.1f MB, the rest shared "
          "library pages); peak RSS at 200/s: %.1f MB"
          % (idle / 1024, anon / 1024, peak2 / 1024))
    rt, rdt, got = bench_relay_throughput()
    print("relay throughput family->assistant, limits off, %d families, "
          "%d assistants: %.0f/s (5000 in %.2f s, %d copies)"
          % (RELAY_FAMILIES, RELAY_ASSISTANTS, rt, rdt, got))
    r50, r99 = bench_relay_latency()
    print("family message->assistant's copy latency at 200/s: p50 %.1f ms, "
          "p99 %.1f ms" % (r50, r99))
    import_figures()
    sms_figures()
    # Visit reminders (bench_visits.py).
    from bench_visits import visit_figures
    visit_figures()
    lanes.figures()
    broadcast_figures()
    claiming.figures()
    rekey_figures()
    http_figures()


if __name__ == "__main__":
    if sys.argv[1:] == ["sms"]:
        sms_figures()
    elif sys.argv[1:] == ["visits"]:
        from bench_visits import visit_figures
        visit_figures()
    elif sys.argv[1:] == ["import"]:
        import_figures()
    elif sys.argv[1:] == ["lanes"]:
        lanes.figures()
    elif sys.argv[1:] == ["broadcast"]:
        broadcast_figures()
    elif sys.argv[1:] == ["broadcast", "alone"]:
        broadcast_figures((0,))
    elif sys.argv[1:] == ["broadcast", "10000"]:
        broadcast_figures((0,), (10000,))
    elif sys.argv[1:] == ["broadcast", "10000", "chatter"]:
        broadcast_figures((0.5,), (10000,))
    elif sys.argv[1:] == ["broadcast", "busy"]:
        broadcast_figures((5,))
    elif sys.argv[1:] == ["broadcast", "chatter"]:
        broadcast_figures((0.5, 5))
    elif sys.argv[1:] == ["rekey"]:
        rekey_figures()
    elif sys.argv[1:] == ["http"]:
        http_figures()
    elif sys.argv[1:] == ["claiming"]:
        claiming.figures()
    elif sys.argv[1:2] == ["cpu"]:
        lanes.cpu_figures([int(a) for a in sys.argv[2:]] or [10000, 50000])
    elif sys.argv[1:2] == ["ir"]:
        lanes.ir_figures([int(a) for a in sys.argv[2:]] or [3000])
    else:
        main()
