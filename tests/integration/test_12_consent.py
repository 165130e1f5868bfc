#!/usr/bin/env python3
"""SMS consent recorded by staff, and SMS delivery in the outbox list.

A family that talks by SMS signs the consent clause on paper; staff record
the date and the form's reference through the admin API
(POST/DELETE /v1/members/{id}/consent). The daemon's clock is moved with
ASYSTENT_FAKE_NOW so that "not in the future" has a fixed today. Bad input
is refused with the right status and changes nothing; audit rows carry the
caller's uid and no reference; the reference never reaches the log.
GET /v1/outbox shows what the gateways reported (delivery, its code and
time) and filters by channel.
"""
import calendar
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import Suite, scenario, wait_for  # noqa: E402

suite = Suite("consent")

# 2025-06-15 12:00 in Warsaw (CEST, UTC+2).
NOW = calendar.timegm((2025, 6, 15, 10, 0, 0))
ENV = {"ASYSTENT_FAKE_NOW": str(NOW)}
REF = "ZG/2025/0042-Ż"
# Telegram out of reach: these scenarios need only the admin socket, and
# no Telegram call is in flight when the daemon is stopped.
NO_TELEGRAM = {"telegram.api_root": "http://127.0.0.1:9"}


def noon_warsaw(y, m, d):
    """Noon of a date in Europe/Warsaw: CEST from the last Sunday of March
    to the last Sunday of October (the dates the tests use are far from
    the switch)."""
    summer = 4 <= m <= 9
    return calendar.timegm((y, m, d, 12 - (2 if summer else 1), 0, 0))


def finish(d):
    rc = d.stop()
    assert rc == 0, "asystentd exited %s: %s" % (rc, d.log()[-3000:])


def family(api, channel="sms"):
    return api.ok("POST", "/v1/families", {
        "name": "Rodzina Malinowskich", "language": "pl",
        "channel": channel,
        "contact": {"name": "Halina Malinowska", "phone": "603 100 200"}}
    )["family"]


def consent_cols(d, mid):
    return d.sql("SELECT consent_at, consent_version, consent_ref FROM "
                 "members WHERE id = ?", (mid,))[0]


def audit_count(d):
    return d.sql("SELECT COUNT(*) FROM audit")[0][0]


@suite.test
@scenario()
def test_record_show_withdraw(sc):
    d = sc.daemon(env=ENV, conf=NO_TELEGRAM)
    api = Api(d)
    fam = family(api)
    mid = fam["members"][0]["id"]
    assert fam["members"][0]["consent"] is None, fam
    # Recorded: noon of the date in Warsaw, version "paper" by default.
    m = api.ok("POST", "/v1/members/%d/consent" % mid,
               {"date": "2025-03-14", "ref": REF}, status=200)["member"]
    assert m["id"] == mid and m["phone"] == "+48603100200", m
    assert m["consent"] == {"at": noon_warsaw(2025, 3, 14),
                            "version": "paper", "ref": REF}, m
    assert consent_cols(d, mid) == (noon_warsaw(2025, 3, 14), "paper",
                                    REF)
    # Every member object carries it: the family, the family list.
    f = api.ok("GET", "/v1/families/%s" % fam["code"])["family"]
    assert f["members"][0]["consent"]["ref"] == REF, f
    f = api.ok("GET", "/v1/families")["families"][0]
    assert f["members"][0]["consent"]["version"] == "paper", f
    # Today counts; a newer form replaces the older one; a summer date.
    m = api.ok("POST", "/v1/members/%d/consent" % mid,
               {"date": "2025-06-15", "ref": "ZG/2", "version": "2025-05"},
               status=200)["member"]
    assert m["consent"] == {"at": noon_warsaw(2025, 6, 15),
                            "version": "2025-05", "ref": "ZG/2"}, m
    # A member added later has none; other members keep theirs.
    other = api.ok("POST", "/v1/families/%s/members" % fam["code"],
                   {"name": "Jan Malinowski"})["member"]
    assert other["consent"] is None, other
    # Withdrawn: every column cleared; twice is 409.
    m = api.ok("DELETE", "/v1/members/%d/consent" % mid)["member"]
    assert m["consent"] is None, m
    assert consent_cols(d, mid) == (None, None, None)
    api.err("DELETE", "/v1/members/%d/consent" % mid, None, 409,
            "conflict")
    # Audit: the caller's uid, the member's id, nothing else.
    audit = api.ok("GET", "/v1/audit?limit=10")["audit"]
    assert [a["action"] for a in audit[:4]] == [
        "member.consent_withdrawn", "member.add", "member.consent",
        "member.consent"], audit
    for a in audit[:4]:
        assert a["uid"] == os.getuid(), a
        assert a["object"] == "member", a
    assert audit[0]["object_id"] == mid and audit[3]["object_id"] == mid
    rows = d.sql("SELECT action, object FROM audit")
    assert not any(REF in str(r) for r in rows), rows
    finish(d)
    log = d.log()
    assert REF not in log and "ZG/2" not in log, "reference in the log"
    assert "route=/v1/members/*/consent status=200" in log, log[-2000:]


@suite.test
@scenario()
def test_bad_input_changes_nothing(sc):
    d = sc.daemon(env=ENV, conf=NO_TELEGRAM)
    api = Api(d)
    mid = family(api)["members"][0]["id"]
    api.ok("POST", "/v1/members/%d/consent" % mid,
           {"date": "2025-01-10", "ref": REF}, status=200)
    before = consent_cols(d, mid)
    assert before[0] == noon_warsaw(2025, 1, 10), before
    n_audit = audit_count(d)
    path = "/v1/members/%d/consent" % mid

    def bad(body, status, code):
        api.err("POST", path, body, status, code)

    for date in ("2025-02-29", "2024-13-01", "2025-04-31", "15.03.2025",
                 "2025-3-14", "", "1999-12-31", "1900-01-01",
                 "2025-06-16", "2030-01-01", "2025-06-15 "):
        bad({"date": date, "ref": REF}, 422, "invalid")
    for ref in ("", "   ", "x" * 65, "ZG\n1", "ZG\t1", "ZG\u00851",
                "ZG\x7f1"):
        bad({"date": "2025-03-14", "ref": ref}, 422, "invalid")
    bad({"date": "2025-03-14", "ref": REF, "version": ""}, 422, "invalid")
    bad({"date": "2025-03-14", "ref": REF, "version": "v" * 33}, 422,
        "invalid")
    bad({"date": "2025-03-14"}, 400, "bad_request")
    bad({"ref": REF}, 400, "bad_request")
    bad({"date": "2025-03-14", "ref": 42}, 400, "bad_request")
    bad({"date": "2025-03-14", "ref": None}, 400, "bad_request")
    bad({"date": "2025-03-14", "ref": REF, "signed_by": "x"}, 400,
        "bad_request")
    api.err("POST", path, '{"date":"2025-03-14","ref":"a","ref":"b"}', 400,
            "bad_request", raw=True)
    api.err("POST", path, "[1]", 400, "bad_request", raw=True)
    api.err("DELETE", path, '{"x":1}', 400, "bad_request", raw=True)
    # The longest reference and version are fine, in characters.
    api.ok("POST", path, {"date": "2024-02-29", "ref": "Ż" * 64,
                          "version": "ß" * 32}, status=200)
    api.ok("POST", path, {"date": "2025-01-10", "ref": REF}, status=200)
    # Unknown members: 404, also for ids that are not ids.
    for p in ("/v1/members/999/consent", "/v1/members/0/consent",
              "/v1/members/abc/consent"):
        api.err("POST", p, {"date": "2025-03-14", "ref": REF}, 404,
                "not_found")
        api.err("DELETE", p, None, 404, "not_found")
    api.err("PUT", path, {}, 405, "method_not_allowed")
    assert consent_cols(d, mid) == before
    assert audit_count(d) == n_audit + 2, "only the two good calls"
    finish(d)


def insert_outbox(d, rows):
    """Outbox rows as the SMS channel leaves them, written while the
    daemon is stopped."""
    con = sqlite3.connect(d.db)
    try:
        for r in rows:
            con.execute(
                "INSERT INTO outbox (id, created_at, state, priority, "
                "channel, chat_key, method, cause, sent_at, gateway_id, "
                "delivery, delivery_code, delivery_at, attempts) "
                "VALUES (?, ?, ?, 0, ?, ?, ?, 'test', ?, ?, ?, ?, ?, 1)",
                r)
        con.commit()
    finally:
        con.close()


@suite.test
@scenario()
def test_outbox_delivery_and_channel(sc):
    d = sc.daemon(env=ENV, conf=NO_TELEGRAM)
    api = Api(d)
    assert d.stop() == 0
    t = NOW * 1000
    key = b"\x01" * 32
    insert_outbox(d, [
        (1, t, 2, 1, key, "sendMessage", t, None, None, None, None),
        (2, t, 2, 2, key, "sms", t, "gw-2", 2, "1", t + 5000),
        (3, t, 2, 2, key, "sms", t, "gw-3", 3, "405", t + 7000),
        (4, t, 2, 2, key, "sms", t, "gw-4", 1, None, t + 1000),
        (5, t, 2, 2, key, "sms", t, "gw-5", 4, None, t + 9000),
        (6, t, 3, 2, key, "sms", None, None, None, None, None),
    ])
    d.start()
    # The log is appended to: wait for the second start.
    wait_for(lambda: d.log().count("event=started") == 2, 10, "restart")
    rows = {r["id"]: r for r in api.ok("GET", "/v1/outbox")["outbox"]}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6], rows
    r = rows[1]
    assert r["channel"] == "telegram" and r["delivery"] is None, r
    assert r["delivery_code"] is None and r["delivery_at"] is None, r
    assert rows[2]["delivery"] == "delivered", rows[2]
    assert rows[2]["delivery_at"] == NOW + 5, rows[2]
    assert rows[3]["delivery"] == "failed", rows[3]
    assert rows[3]["delivery_code"] == "405", rows[3]
    assert rows[4]["delivery"] == "queued", rows[4]
    assert rows[5]["delivery"] == "expired", rows[5]
    assert rows[6]["delivery"] is None and rows[6]["channel"] == "sms"
    ids = [r["id"] for r in
           api.ok("GET", "/v1/outbox?channel=sms")["outbox"]]
    assert ids == [6, 5, 4, 3, 2], ids
    ids = [r["id"] for r in
           api.ok("GET", "/v1/outbox?channel=telegram")["outbox"]]
    assert ids == [1], ids
    ids = [r["id"] for r in api.ok(
        "GET", "/v1/outbox?channel=sms&state=failed")["outbox"]]
    assert ids == [6], ids
    ids = [r["id"] for r in api.ok(
        "GET", "/v1/outbox?channel=sms&limit=2")["outbox"]]
    assert ids == [6, 5], ids
    api.err("GET", "/v1/outbox?channel=fax", None, 422, "invalid")
    api.err("GET", "/v1/outbox?channel=", None, 422, "invalid")
    finish(d)


if __name__ == "__main__":
    suite.run()
