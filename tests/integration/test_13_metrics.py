#!/usr/bin/env python3
"""Metrics: the Prometheus page of the real asystentd, read against what
the Bot API emulator saw and what the database holds; only GET /metrics
is served, and without [metrics] listen nothing listens."""
import http.client
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import BUILD, Suite, free_port, scenario, wait_for  # noqa: E402

suite = Suite("metrics")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
RESULTS = ("sent", "retried", "failed", "rate_limited", "unreachable")


def request(port, method="GET", path="/metrics", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def parse(text):
    """{(name, ((label, value), ...)): float}, checking the format as
    Prometheus reads it: every sample after its family's HELP and TYPE,
    counters named *_total, no sample twice."""
    types, samples = {}, {}
    helped = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert name in helped, "TYPE before HELP: " + line
            assert name not in types, "family twice: " + name
            if typ == "counter":
                assert name.endswith("_total"), name
            types[name] = typ
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample: %r" % line
        name, labels, value = m.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or types.get(family) == "histogram", \
            "no TYPE for " + name
        pairs = []
        if labels:
            pos = 0
            while pos < len(labels):
                lm = LABEL.match(labels, pos)
                assert lm, "bad labels: %r" % labels
                pairs.append((lm.group(1), lm.group(2)))
                pos = lm.end()
        key = (name, tuple(sorted(pairs)))
        assert key not in samples, "sample twice: %r" % (key,)
        samples[key] = float(value)
    return samples


def scrape(port):
    status, headers, body = request(port)
    assert status == 200, (status, body)
    assert headers["Content-Type"].startswith(
        "text/plain; version=0.0.4"), headers
    return parse(body)


def get(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def histogram(samples, name, **labels):
    """The cumulative bucket counts, in order of `le`, and the count;
    asserts they never decrease and end at the count."""
    buckets = []
    for (n, lab), v in samples.items():
        d = dict(lab)
        le = d.pop("le", None)
        if n == name + "_bucket" and d == labels:
            buckets.append((float(le), v))
    buckets.sort()
    counts = [v for _, v in buckets]
    assert len(counts) == 11 and buckets[-1][0] == float("inf"), buckets
    assert counts == sorted(counts), buckets
    count = get(samples, name + "_count", **labels)
    assert counts[-1] == count, (buckets, count)
    assert get(samples, name + "_sum", **labels) >= 0
    return counts, count


def ctl_status(d):
    p = subprocess.run([os.path.join(BUILD, "asystentctl"), "-s", d.sock,
                        "status"], capture_output=True, text=True)
    assert p.returncode == 0, p
    return p.stdout


def assert_status_agrees(d, s):
    """/v1/status and asystentctl status show what the metrics show."""
    st = Api(d).ok("GET", "/v1/status")
    for lane in ("conversation", "reminder", "broadcast"):
        for state in ("queued", "sending", "failed"):
            assert st["lanes"][lane][state] == get(
                s, "asystent_outbox_messages", priority=lane,
                state=state), (lane, state, st)
    for ch in ("telegram", "sms"):
        c = st["channels"][ch]
        assert c["auth_paused"] == bool(get(
            s, "asystent_channel_auth_paused", channel=ch)), st
        for r in RESULTS:
            assert c[r] == get(s, "asystent_sends_total", channel=ch,
                               result=r), (ch, r, st)
    assert st["inbound_pending"] == get(s, "asystent_inbound_pending")
    assert st["outcomes_held"] == get(s, "asystent_outcomes_held")
    assert st["reminders_dropped"] == get(s, "asystent_reminders_not_sent",
                                          reason="dropped")
    assert st["reminders_skipped"] == get(s, "asystent_reminders_not_sent",
                                          reason="skipped")
    assert st["database"]["bytes"] > 0 and st["database"]["wal_bytes"] >= 0
    assert abs(st["started_at"] -
               get(s, "asystent_start_time_seconds")) <= 1, st
    # The fields that were there before stay as they were.
    assert set(st["outbox"]) == {"queued", "sending", "sent", "failed"}
    assert st["version"] and st["uptime_s"] >= 0 and "state" in \
        st["telegram"], st
    return st


def metrics_conf(port):
    return {"metrics.listen": "127.0.0.1:%d" % port}


@suite.test
@scenario()
def test_metrics_count_what_the_emulator_saw(sc):
    port = free_port()
    d = sc.daemon(conf=metrics_conf(port))
    s = scrape(port)
    for ch in ("telegram", "sms"):
        for r in RESULTS:
            assert get(s, "asystent_sends_total", channel=ch, result=r) == 0
    assert get(s, "asystent_build_info", version="0.1.0") == 1
    assert abs(get(s, "asystent_start_time_seconds") - time.time()) < 60
    # One answer of each kind, each to its own chat.
    sc.emu.fail(code=500, count=1, chat_id=9001)
    sc.emu.fail(code=400, count=1, chat_id=9002,
                description="Bad Request: chat not found")
    sc.emu.block(9003)
    sc.emu.fail(code=429, retry_after=1, count=1, chat_id=9004)
    users = list(range(9001, 9009))
    for uid in users:
        sc.emu.message(uid, "/start", language_code="pl")
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM outbox WHERE state IN "
                           "(0, 1)") == [(0,)] and
             d.sql("SELECT COUNT(*) FROM outbox") == [(8,)], 20,
             "every answer sent or failed")
    s = scrape(port)
    seen = sc.emu.sent()
    sent = get(s, "asystent_sends_total", channel="telegram", result="sent")
    assert sent == len(seen) == 6, (sent, seen)
    assert sent == d.sql("SELECT COUNT(*) FROM outbox WHERE state = 2")[0][0]
    want = {"retried": 1, "failed": 1, "rate_limited": 1, "unreachable": 1}
    for r, n in want.items():
        assert get(s, "asystent_sends_total", channel="telegram",
                   result=r) == n, r
    for r in RESULTS:
        assert get(s, "asystent_sends_total", channel="sms", result=r) == 0
    # Every send was timed: one per answer of the emulator.
    _, count = histogram(s, "asystent_send_duration_seconds",
                         channel="telegram")
    assert count == 10, count
    assert histogram(s, "asystent_send_duration_seconds",
                     channel="sms")[1] == 0
    # Every message handled once, and timed.
    handled = d.sql("SELECT COUNT(*) FROM inbound WHERE state != 0")[0][0]
    assert handled == 8, handled
    assert histogram(s, "asystent_inbound_handling_duration_seconds")[1] \
        == handled
    assert get(s, "asystent_inbound_pending") == 0
    # The two that failed wait in the conversation lane; nothing else.
    for lane in ("conversation", "reminder", "broadcast"):
        for state in ("queued", "sending", "failed"):
            want = 2 if (lane, state) == ("conversation", "failed") else 0
            assert get(s, "asystent_outbox_messages", priority=lane,
                       state=state) == want, (lane, state)
    for ch in ("telegram", "sms"):
        assert get(s, "asystent_channel_auth_paused", channel=ch) == 0
    assert get(s, "asystent_outcomes_held") == 0
    assert get(s, "asystent_sends_in_flight") == 0
    assert get(s, "asystent_telegram_poll_state", state="connected") == 1
    assert get(s, "asystent_uptime_seconds") > 0
    # The files as stat() sees them (a checkpoint may move bytes between).
    wait_for(lambda: get(scrape(port), "asystent_database_size_bytes") ==
             os.path.getsize(d.db), 10, "the database's size")
    assert get(s, "asystent_database_wal_size_bytes") >= 0
    # Counts, states and sizes only: no chat id, no text.
    _, _, body = request(port)
    for uid in users:
        assert str(uid) not in body, uid
    assert "TEST-token" not in body
    assert_status_agrees(d, s)
    out = ctl_status(d)
    assert "conversation: 0 queued, 0 sending, 2 failed" in out, out
    assert "telegram: 6 sent, 1 retried, 1 failed, 1 rate_limited, " \
        "1 unreachable" in out, out
    assert "auth paused:     no\n" in out, out


@suite.test
@scenario()
def test_metrics_show_a_refused_token_and_the_rows_it_holds(sc):
    port = free_port()
    d = sc.daemon(conf=dict(metrics_conf(port), **{
        "outbox.auth_pause_s": 60}))
    # A 401 pauses the channel only when getMe is refused too.
    sc.emu.fail("getMe", code=401, count=1000, description="Unauthorized")
    sc.emu.fail(code=401, count=1, description="Unauthorized")
    sc.emu.message(9101, "/start")
    wait_for(lambda: get(scrape(port), "asystent_channel_auth_paused",
                         channel="telegram") == 1, 10, "the pause")
    for uid in (9102, 9103, 9104):
        sc.emu.message(uid, "/start")
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM outbox WHERE state = 0")
             == [(4,)], 10, "four rows waiting")
    s = scrape(port)
    assert get(s, "asystent_outbox_messages", priority="conversation",
               state="queued") == 4
    assert get(s, "asystent_sends_total", channel="telegram",
               result="retried") == 1
    assert get(s, "asystent_sends_total", channel="telegram",
               result="sent") == 0
    assert get(s, "asystent_channel_auth_paused", channel="sms") == 0
    assert sc.emu.sent() == []
    st = assert_status_agrees(d, s)
    assert st["channels"]["telegram"]["auth_paused"] is True, st
    assert st["lanes"]["conversation"]["queued"] == 4, st
    out = ctl_status(d)
    assert "auth paused:     telegram\n" in out, out
    assert "conversation: 4 queued" in out, out


@suite.test
@scenario()
def test_metrics_answer_get_on_metrics_only(sc):
    port = free_port()
    sc.daemon(conf=metrics_conf(port))
    assert request(port, path="/metrics?from=prometheus")[0] == 200
    for path in ("/", "/metrics/", "/metrics.txt", "/v1/status",
                 "/METRICS"):
        status, _, body = request(port, path=path)
        assert status == 404, (path, status)
        assert "asystent_" not in body
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"):
        status, headers, _ = request(port, method=method)
        assert status == 405, (method, status)
        assert headers.get("Allow") == "GET", headers
    # Past 16 KB of headers the request is refused, the listener lives.
    status, _, _ = request(port, headers={"X-Big": "a" * (20 * 1024)})
    assert status in (400, 413, 431), status
    assert request(port)[0] == 200


def tcp_listeners(pid):
    """Ports the process listens on over TCP (IPv4 and IPv6)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with open("/proc/%d/net/%s" % (pid, table)) as f:
            next(f)
            for row in f:
                cols = row.split()
                if cols[3] == "0A" and cols[9] in inodes:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


@suite.test
@scenario()
def test_metrics_off_without_listen_and_refused_when_bad(sc):
    d = sc.daemon()
    sc.emu.message(9201, "/start")
    sc.emu.wait_sent(lambda m: True, chat_id=9201)
    assert tcp_listeners(d.proc.pid) == set()
    assert "metrics.listening" not in d.log()
    assert d.stop() == 0
    # --print-config shows the key, off.
    out = subprocess.run([os.path.join(BUILD, "asystentd"),
                          "--print-config"], capture_output=True,
                         text=True, check=True).stdout
    assert "\n[metrics]\n" in out and "\nlisten = \n" in out, out
    # A bad address names the file, line and key; the check exits 78.
    with open(d.conf, "a") as f:
        f.write("[metrics]\nlisten = 127.0.0.1\n")
    line = sum(1 for _ in open(d.conf))
    p = subprocess.run([os.path.join(BUILD, "asystentd"), "-n", "-c",
                        d.conf], capture_output=True, text=True)
    assert p.returncode == 78, p
    assert "%s:%d: metrics.listen: expected address:port" % (d.conf, line) \
        in p.stderr, p.stderr


@suite.test
@scenario()
def test_metrics_port_taken_stops_the_start(sc):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        port = s.getsockname()[1]
        d = sc.daemon(conf=metrics_conf(port), start=False)
        d.start(wait=False)
        wait_for(lambda: d.proc.poll() is not None, 10, "the daemon exits")
        assert d.proc.returncode != 0
        assert "event=metrics.refused" in d.log(), d.log()
        d.stop()
    finally:
        s.close()


if __name__ == "__main__":
    suite.run()
