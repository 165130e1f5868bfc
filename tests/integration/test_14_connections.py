#!/usr/bin/env python3
"""Hostile connections on the SMS callback listener, the admin socket and
the metrics listener.

Each connection has an overall deadline from its accept, whatever it
sends (one byte a second used to keep one open forever, because the idle
timeout restarts with every byte); one peer is served at most its share
of connections at once (an address, or a uid on the admin socket). More
are closed unanswered on the admin socket and the metrics listener; on
the SMS listener they wait their turn unread, since a gateway whose
request is cut may not send that message again. A listener at its
maximum lets the rest wait in the kernel's queue. Real callbacks and
staff calls go on all the while.

The attacker's connections come from 127.0.0.2, the gateway's from
127.0.0.1: on Linux all of 127/8 is this machine. The deadline is 3 s
here (30 s by default) so that the scenarios run fast.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
sys.path.insert(0, here)
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from test_13_metrics import free_port, request  # noqa: E402
from test_40_sms_smsapi import (CENTRE_NO, DIGITS, NOW,  # noqa: E402
                                sms_scenario)

suite = Suite("connections")

DEADLINE = 3
ATTACKER = "127.0.0.2"


def conf(**kw):
    c = {"listeners.deadline_s": DEADLINE}
    c.update(("listeners." + k, v) for k, v in kw.items())
    return c


def connect(port, source=ATTACKER):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def is_closed(s, timeout=0.5):
    """True when the daemon has closed `s` (EOF or reset)."""
    s.settimeout(timeout)
    try:
        return s.recv(4096) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


class Loris(threading.Thread):
    """Sends a request one byte a second until the daemon hangs up."""

    def __init__(self, s, request):
        super().__init__(daemon=True)
        self.s = s
        self.request = request
        self.sent = 0
        self.closed = threading.Event()

    def run(self):
        for i in range(len(self.request)):
            try:
                self.s.sendall(self.request[i:i + 1])
                self.sent += 1
            except OSError:
                break
            if is_closed(self.s, 1.0):
                break
        self.closed.set()


def slowloris(s, request, what):
    loris = Loris(s, request)
    loris.start()
    # The request is long enough to last far past the deadline.
    assert len(request) > 10 * DEADLINE
    if not loris.closed.wait(6 * DEADLINE):
        raise AssertionError("%s: a byte a second kept the connection open"
                             % what)
    assert loris.sent < len(request), what
    s.close()
    return loris.sent


@suite.test
@sms_scenario
def test_slow_loris_on_sms_listener_is_cut_at_the_deadline(sc, world):
    w = world(conf=conf())
    s = connect(w.port)
    req = ("POST /smsapi/mo/%s HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n"
           % (w.secret, "a" * 200)).encode()
    slowloris(s, req, "sms listener")
    wait_for(lambda: "event=listener.deadline listener=sms" in w.d.log(),
             5, "the cut is logged")
    s0 = w.seq()
    w.mo("Po powolnym kliencie")
    w.relayed("Po powolnym kliencie", s0)
    w.finish()


@suite.test
@sms_scenario
def test_slow_loris_on_admin_socket_is_cut_at_the_deadline(sc, world):
    w = world(conf=conf())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(w.d.sock)
    slowloris(s, b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Pad: " +
              b"a" * 200, "admin socket")
    wait_for(lambda: "event=listener.deadline listener=admin" in w.d.log(),
             5, "the cut is logged")
    assert w.c.api.ok("GET", "/v1/status") is not None
    w.finish()


@suite.test
@sms_scenario
def test_slow_loris_on_metrics_listener_is_cut_while_scrapes_go_on(sc,
                                                                  world):
    """A scrape endpoint holds a few connections per address: a byte a
    second is cut at the deadline, one address past its share (2 here,
    4 by default) is closed unanswered, and a scrape from another
    address is answered all the while."""
    port = free_port()
    c = conf(metrics_max_per_address=2)
    c["metrics.listen"] = "127.0.0.1:%d" % port
    w = world(conf=c)
    held = connect(port)
    extra = connect(port)
    over = connect(port)
    try:
        wait_for(lambda: is_closed(over, 0.1), 5,
                 "the connection past the share is closed")
        wait_for(lambda: "event=listener.peer_refused listener=metrics" in
                 w.d.log(), 5, "the refusal is logged")
        extra.close()
        loris = Loris(held, b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
                      b"X-Pad: " + b"a" * 200)
        loris.start()
        status, _, body = request(port)
        assert status == 200 and "asystent_" in body, status
        if not loris.closed.wait(6 * DEADLINE):
            raise AssertionError("metrics listener: a byte a second kept "
                                 "the connection open")
        assert loris.sent < 200
        wait_for(lambda: "event=listener.deadline listener=metrics" in
                 w.d.log(), 5, "the cut is logged")
        assert request(port)[0] == 200
    finally:
        for s in (held, extra, over):
            s.close()
    w.finish()


def answer_of(s, timeout):
    """The status line the daemon answered on `s`, or None."""
    s.settimeout(timeout)
    try:
        return s.recv(4096).split(b"\r\n", 1)[0] or None
    except socket.timeout:
        return None
    except (ConnectionResetError, BrokenPipeError):
        return None


@suite.test
@sms_scenario
def test_one_address_past_its_share_waits_callbacks_go_on(sc, world):
    """N idle connections from one address are served; the request on
    the N+1st waits unanswered, never closed; a callback from the
    gateway's address is taken, and the admin socket answers, during the
    attack. Once one of the N goes, the waiting request is answered."""
    n = 4
    w = world(conf=conf(sms_max_per_address=n))
    held = [connect(w.port) for _ in range(n)]
    extra = connect(w.port)
    dlr = ("GET /smsapi/dlr/%s?MsgId=X1&status=403 HTTP/1.1\r\nHost: x\r\n"
           "Connection: close\r\n\r\n" % w.secret).encode()
    try:
        extra.sendall(dlr)
        wait_for(lambda: "event=listener.peer_waiting listener=sms" in
                 w.d.log(), 5, "the wait is logged")
        assert answer_of(extra, 0.5) is None, \
            "a request past the share was answered or closed"
        assert not any(is_closed(s, 0.05) for s in held), \
            "a connection within the share was closed before its deadline"
        s0 = w.seq()
        w.mo("W trakcie ataku")
        w.relayed("W trakcie ataku", s0)
        assert w.c.api.ok("GET", "/v1/status") is not None
        held.pop().close()
        got = answer_of(extra, 5)
        assert got is not None and got.startswith(b"HTTP/1.1 2"), got
        assert "listener.peer_refused" not in w.d.log()
    finally:
        for s in held + [extra]:
            s.close()
    w.finish()


@suite.test
@sms_scenario
def test_a_gateway_past_its_share_loses_no_callback(sc, world):
    """A gateway delivering its backlog opens many connections at once,
    each carrying an incoming SMS it will not send again if the
    connection is cut: past its share (2 here) they are taken in turn,
    each answered, each relayed."""
    n = 8
    w = world(conf=conf(sms_max_per_address=2))
    s0 = w.seq()
    texts = ["Zaległa wiadomość %d" % i for i in range(n)]
    socks = [connect(w.port, source="127.0.0.1") for _ in range(n)]
    try:
        for i, (s, text) in enumerate(zip(socks, texts)):
            s.sendall(mo_request(w.secret, text, "BACKLOG-%d" % i))
        answers = [answer_of(s, 10) for s in socks]
    finally:
        for s in socks:
            s.close()
    assert answers == [b"HTTP/1.1 200 OK"] * n, answers
    assert "event=listener.peer_waiting listener=sms" in w.d.log()
    for text in texts:
        w.relayed(text, s0)
    w.finish()


def accepted(port, s):
    """True once the server has accepted the connection `s` made to
    `port`: until then its side is in no process and /proc/net/tcp shows
    inode 0 for it."""
    peer = s.getsockname()[1]
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            field = line.split()
            if (int(field[1].split(":")[1], 16) == port and
                    int(field[2].split(":")[1], 16) == peer):
                return field[9] != "0"
    return False


def mo_request(secret, text, msg_id):
    body = urllib.parse.urlencode({
        "sms_to": CENTRE_NO, "sms_from": DIGITS, "sms_text": text,
        "sms_date": str(NOW), "username": "asystent-test",
        "MsgId": msg_id}).encode()
    return (b"POST /smsapi/mo/" + secret.encode() +
            b" HTTP/1.1\r\nHost: x\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n"
            % len(body) + body)


@suite.test
@sms_scenario
def test_stopping_daemon_takes_the_callback_it_was_receiving(sc, world):
    """SIGTERM while a gateway's request is half sent: the daemon stops
    taking new connections but receives and answers that one before it
    exits, and the SMS is relayed after the restart."""
    w = world(conf=conf())
    req = mo_request(w.secret, "W chwili zatrzymania", "STOP-1")
    s = connect(w.port, source="127.0.0.1")
    try:
        s.sendall(req[:len(req) // 2])
        wait_for(lambda: accepted(w.port, s), 5, "the daemon accepts it")
        w.d.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "event=stopping" in w.d.log(), 5, "stopping")
        s.sendall(req[len(req) // 2:])
        got = answer_of(s, 5)
    finally:
        s.close()
    assert got == b"HTTP/1.1 200 OK", got
    # It is stopping already: a second SIGTERM would find the handler
    # gone while it exits (under valgrind, a long while).
    w.d.proc.wait(60)
    rc = w.d.stop()
    assert rc == 0, "asystentd exited %s" % rc
    s0 = w.seq()
    w.d.start()
    w.relayed("W chwili zatrzymania", s0)
    w.finish()


@suite.test
@sms_scenario
def test_full_listener_queues_a_callback_until_a_place_frees(sc, world):
    """At its maximum the listener stops accepting: a callback waits in
    the kernel's queue and is answered once the idle connections are cut
    at their deadline, not refused."""
    w = world(conf=conf(sms_max_connections=3, sms_max_per_address=10))
    held = [connect(w.port) for _ in range(3)]
    try:
        wait_for(lambda: "event=listener.full listener=sms" in w.d.log(),
                 5, "the listener is full")
        s0 = w.seq()
        t0 = time.monotonic()
        w.mo("Kiedy jest miejsce")
        w.relayed("Kiedy jest miejsce", s0)
        assert all(is_closed(s, 0.05) for s in held), \
            "the callback was answered while the listener was full"
        print("  queued callback answered after %.1fs"
              % (time.monotonic() - t0))
    finally:
        for s in held:
            s.close()
    w.finish()


@suite.test
@sms_scenario
def test_one_uid_past_its_share_of_the_admin_socket(sc, world):
    n = 3
    w = world(conf=conf(admin_max_per_uid=n))
    held = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(w.d.sock)
            held.append(s)
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.connect(w.d.sock)
        held.append(extra)
        wait_for(lambda: is_closed(extra, 0.1), 5,
                 "the connection past the share is closed")
    finally:
        for s in held:
            s.close()
    wait_for(lambda: w.c.api.call("GET", "/v1/status")[0] == 200, 10,
             "the admin socket answers once they are gone")
    w.finish()



@suite.test
@scenario()
def test_config_check_refuses_a_listener_it_could_not_start(sc):
    """asystentd -n refuses what start-up would: a port that is no
    number, and a listener limit out of range, each named."""
    secret = os.path.join(sc.dir, "sms.secret")
    with open(secret, "w") as f:
        f.write("s" * 24 + "\n")
    for key, value in (("sms.listen", "127.0.0.1:abc"),
                       ("sms.listen", "127.0.0.1"),
                       ("listeners.deadline_s", "0"),
                       ("listeners.sms_max_per_address", "x")):
        d = sc.daemon(conf={"sms.driver": "smsapi",
                            "sms.secret_file": secret,
                            "sms.smsapi_token_file": secret,
                            key: value}, start=False)
        r = subprocess.run([os.path.join(BUILD, "asystentd"), "-n", "-c",
                            d.conf], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 78, (key, value, r.returncode, r.stderr)
        assert key in r.stderr, (key, r.stderr)

if __name__ == "__main__":
    suite.run()
