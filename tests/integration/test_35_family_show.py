#!/usr/bin/env python3
"""family show tells staff, per member, whether announcements and
reminders are on (since when), the consent with its version and date,
and the channel that last carried a message to them."""
import datetime
import json
import os
import subprocess
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("family_show")


def ctl(d, *args):
    p = subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (args, p.stderr)
    return p.stdout


@suite.test
@scenario()
def test_members_reach_and_consent(sc):
    d = sc.daemon(conf={"daemon.centre_contact": "tel. 58 555 12 34"})
    c = Centre(sc, d)
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=7001)
    fam = c.family("Rodzina Kowalskich", "pl", anna, tg=5001)
    mid = fam["members"][0]["id"]
    paper = c.api.ok("POST", "/v1/families/%s/members" % fam["code"],
                     {"name": "Jan Kowalski", "phone": "+48601000222"}
                     )["member"]["id"]
    c.api.ok("POST", "/v1/members/%d/consent" % paper,
             {"date": "2026-11-02", "ref": "DOC/7/2026", "version": "v3"},
             status=200)
    t0 = int(time.time())
    c.emu.message(5001, "/stop", language_code="pl")
    c.idle()
    r = c.api.ok("POST", "/v1/members/%d/notify" % mid,
                 {"text": "Ogłoszenie", "priority": "broadcast"})
    wait_for(lambda: d.sql("SELECT state FROM outbox WHERE id = ?",
                           (r["outbox_id"],))[0][0] == 3, 10, "held back")
    f = c.api.ok("GET", "/v1/families/" + fam["code"])["family"]
    tg, jan = f["members"]
    assert tg["announcements"]["on"] is False
    assert tg["announcements"]["since"] >= t0 - 1, tg
    # The welcome went by Telegram; the held-back row does not count.
    assert tg["last_channel"]["channel"] == "telegram", tg
    assert tg["last_channel"]["at"] <= int(time.time()) + 1
    assert jan["announcements"]["on"] is True
    assert jan["last_channel"] is None
    assert jan["consent"]["version"] == "v3", jan
    text = ctl(d, "family", "show", fam["code"])
    assert "ANNOUNCEMENTS" in text and "LAST WORKED" in text, text
    lines = {ln.split()[0]: ln for ln in text.splitlines()
             if ln.split() and ln.split()[0] in (str(mid), str(paper))}
    assert "off since" in lines[str(mid)], text
    assert "telegram 20" in lines[str(mid)], text
    assert "2026-11-02 version v3 ref DOC/7/2026" in lines[str(paper)], text
    assert "on since" in lines[str(paper)], text
    # /start turns them on again, from now.
    c.emu.message(5001, "/start", language_code="pl")
    c.idle()
    f = json.loads(ctl(d, "--json", "family", "show", fam["code"]))
    assert f["family"]["members"][0]["announcements"]["on"] is True


@suite.test
@scenario()
def test_announcements_since_follows_the_daemons_clock(sc):
    """`since` is written by the daemon from its clock, which tests
    move, not by SQLite's."""
    moved = int(datetime.datetime(2026, 2, 3, 10, 0, tzinfo=zoneinfo.ZoneInfo(
        "Europe/Warsaw")).timestamp())
    d = sc.daemon(env={"ASYSTENT_FAKE_NOW": str(moved)})
    c = Centre(sc, d)
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=7001)
    fam = c.family("Rodzina Kowalskich", "pl", anna, tg=5001)
    c.emu.message(5001, "/stop", language_code="pl")
    c.idle()
    f = c.api.ok("GET", "/v1/families/" + fam["code"])["family"]
    since = f["members"][0]["announcements"]["since"]
    assert f["members"][0]["announcements"]["on"] is False
    assert moved <= since < moved + 120, (since, moved)
    text = ctl(d, "family", "show", fam["code"])
    assert "off since 2026-02-03 " in text, text


if __name__ == "__main__":
    suite.run()
