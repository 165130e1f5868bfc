#!/usr/bin/env python3
"""A visit reminder to an SMS family through a real Kannel (bearerbox +
smsbox, the fake SMSC of tests/lib/kannel.py): the phone gets the short
reminder ending with how to answer, answers "2", the assistant is told at
once and the phone thanked; a second "2" changes nothing, and a "1" with
no reminder waiting is relayed like any message. A broadcast's SMS
variant reaches the phones the same way, text, coding and parts checked
at the fake SMSC. Without the Kannel binaries the script prints a loud
SKIP and passes.
"""
import datetime
import json
import os
import subprocess
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite  # noqa: E402
from kannel import Kannel  # noqa: E402
from test_41_sms_kannel import (ANNA, PHONES, digits,  # noqa: E402
                                hdr, kannel_scenario)

CTL = os.path.join(BUILD, "asystentctl")
WAW = zoneinfo.ZoneInfo("Europe/Warsaw")
suite = Suite("visits_kannel")


def local(s):
    dt = datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
    return int(dt.replace(tzinfo=WAW).timestamp())


def ctl(d, *args):
    p = subprocess.run([CTL, "-s", d.sock, "--json"] +
                       [str(a) for a in args], capture_output=True,
                       timeout=60)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return json.loads(p.stdout.decode("utf-8"))


@suite.test
@kannel_scenario
def test_sms_family_answers_2(sc, world):
    w = world()
    d = w.d
    v = ctl(d, "visit", "add", "R-0001", "--at", "2026-11-25 12:00",
            "--place", "ul. Długa 5")["visits"][0]
    d.stop()
    d.env["ASYSTENT_FAKE_NOW"] = str(local("2026-11-24 16:59:58"))
    d.start()
    m = w.mt_to(0, lambda m: m["text"].startswith("Przypomnienie"),
                timeout=20)
    assert m["text"] == ("Przypomnienie: wizyta 25.11 o 12:00. Odpisz 1, "
                         "aby potwierdzic, 2, jesli nie mozesz przyjsc."), m
    assert m["coding"] == 0 and m["parts"] == 1, m
    s0 = w.seq()
    n0 = w.k.mt_count()
    w.k.mo(PHONES[0], w.k.number, "2")
    w.to_anna(lambda t: t == "R-0001 · Jan: nie może przyjść na wizytę "
              "w środę, 25 listopada, o 12:00", s0)
    w.mt_to(0, lambda m: m["text"].startswith("Dziękujemy za informację"),
            since=n0)
    assert ctl(d, "visit", "show", v["id"])["visit"]["answer"] == \
        "cannot_come"
    # The same answer again: said so, nothing changed, nothing relayed.
    n1 = w.k.mt_count()
    w.k.mo(PHONES[0], w.k.number, "TAK")
    w.mt_to(0, lambda m: m["text"].startswith("Twoja odpowiedź"),
            since=n1)
    assert ctl(d, "visit", "show", v["id"])["visit"]["answer"] == \
        "cannot_come"
    assert not any(t.startswith(hdr(0)) for t in w.anna_texts(s0))
    # Cancelled: a "1" is an ordinary message again, relayed.
    ctl(d, "visit", "cancel", v["id"])
    s1 = w.seq()
    w.write(0, "1", s1)
    assert digits("+" + PHONES[0]) == PHONES[0]
    w.finish()


@suite.test
@kannel_scenario
def test_broadcast_sms_variant_through_kannel(sc, world):
    """A broadcast to SMS families: each phone gets the notice's SMS
    variant with its parameters (a plural among them), in the coding and
    part count the preview said, and the broadcast counts those parts."""
    w = world(nfam=2)
    d = w.d
    place = "Miejski Ośrodek Pomocy Rodzinie, ul. Kościuszki 12, pokój 3"
    b = ctl(d, "broadcast", "create", "--notice", "decision-appeal",
            "--param", "days=22", "--param", "place=" + place,
            "--all")["broadcast"]
    assert b["recipients"]["pl"]["sms"] == 2, b
    sms = b["sms"]["pl"]
    assert sms == {"encoding": "UCS-2", "parts": 2}, b
    n0 = w.k.mt_count()
    ctl(d, "broadcast", "send", b["id"])
    want = ("Odwołanie od decyzji: w ciągu 22 dni, przez %s. Asystent "
            "pomoże." % place)
    for i in (0, 1):
        m = w.mt_to(i, since=n0, timeout=20)
        assert m["text"] == want, (m["text"], want)
        assert m["coding"] == 2 and m["parts"] == 2, m
    # A GSM-7 wording goes in one part, coding 0.
    tdir = os.path.join(sc.dir, "texts")
    os.mkdir(tdir)
    with open(os.path.join(tdir, "pl.txt"), "w") as f:
        f.write("Piknik rodzinny w sobotę o 12:00.\n")
    with open(os.path.join(tdir, "pl.sms.txt"), "w") as f:
        f.write("Piknik rodzinny w sobote o 12:00. Zapraszamy!\n")
    b2 = ctl(d, "broadcast", "create", "--text-dir", tdir,
             "--all")["broadcast"]
    assert b2["sms"]["pl"] == {"encoding": "GSM-7", "parts": 1}, b2
    n1 = w.k.mt_count()
    ctl(d, "broadcast", "send", b2["id"])
    for i in (0, 1):
        m = w.mt_to(i, since=n1, timeout=20)
        assert m["text"] == "Piknik rodzinny w sobote o 12:00. " \
            "Zapraszamy!", m
        assert m["coding"] == 0 and m["parts"] == 1, m
    show = ctl(d, "broadcast", "show", b["id"])["broadcast"]
    assert show["sms_parts"] == 4 and show["queued"] == 2, show
    p = subprocess.run([CTL, "-s", d.sock, "status"], capture_output=True,
                       timeout=30)
    assert "SMS this month:  6 parts" in p.stdout.decode(), p.stdout
    w.finish()


if __name__ == "__main__":
    av = Kannel.available()
    if not av:
        print("SKIP: SMS through Kannel NOT TESTED: %s" % av.reason)
        sys.exit(0)
    suite.run()
