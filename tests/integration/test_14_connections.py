#!/usr/bin/env python3
"""Hostile connections on the SMS callback listener, the admin socket and
the metrics listener.

Each connection has an overall deadline from its accept, whatever it
sends (one byte a second used to keep one open forever, because the idle
timeout restarts with every byte); one peer holds at most its share of
connections (an address on the SMS listener, a uid on the admin socket)
and more are closed unanswered; a listener at its maximum lets the rest
wait in the kernel's queue. Real callbacks and staff calls go on all the
while.

The attacker's connections come from 127.0.0.2, the gateway's from
127.0.0.1: on Linux all of 127/8 is this machine. The deadline is 3 s
here (30 s by default) so that the scenarios run fast.
"""
import os
import socket
import subprocess
import sys
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "lib"))
sys.path.insert(0, here)
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from test_13_metrics import free_port, request  # noqa: E402
from test_40_sms_smsapi import sms_scenario  # noqa: E402

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


@suite.test
@sms_scenario
def test_one_address_past_its_share_is_closed_callbacks_go_on(sc, world):
    """N idle connections from one address are held; the N+1st is closed
    unanswered; a callback from the gateway's address is taken, and the
    admin socket answers, during the attack."""
    n = 4
    w = world(conf=conf(sms_max_per_address=n))
    held = [connect(w.port) for _ in range(n)]
    extra = connect(w.port)
    try:
        wait_for(lambda: is_closed(extra, 0.1), 5,
                 "the connection past the share is closed")
        assert not any(is_closed(s, 0.05) for s in held), \
            "a connection within the share was closed before its deadline"
        wait_for(lambda: "event=listener.peer_refused listener=sms" in
                 w.d.log(), 5, "the refusal is logged")
        s0 = w.seq()
        w.mo("W trakcie ataku")
        w.relayed("W trakcie ataku", s0)
        assert w.c.api.ok("GET", "/v1/status") is not None
    finally:
        for s in held + [extra]:
            s.close()
    # The share is free again once they are gone.
    again = connect(w.port)
    try:
        again.sendall(("GET /smsapi/dlr/%s HTTP/1.1\r\nHost: x\r\n\r\n"
                       % w.secret).encode())
        again.settimeout(5)
        assert again.recv(64).startswith(b"HTTP/1.1 "), "no answer"
    finally:
        again.close()
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
