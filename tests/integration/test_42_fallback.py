#!/usr/bin/env python3
"""Fallback to SMS: an important message Telegram cannot deliver (the
member blocked the bot) goes once by SMS, and the outbox records the chain.
Real asystentd, the Bot API emulator and the SMSAPI emulator."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, free_port, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

suite = Suite("fallback")
ANNA, OLENA = 7001, 5001
PHONE = "+48600100200"
OPEN = {"hours.%s" % d: "00:00-24:00" for d in
        ("monday", "tuesday", "wednesday", "thursday", "friday",
         "saturday", "sunday")}


def centre_with_sms(sc):
    sms = sc.smsapiemu()
    sc.extra = sms
    conf = dict(OPEN, **sms.daemon_conf(
        sc.dir, "s3cret-callback-path-0123456789", free_port()))
    conf["sms.per_second"] = 0
    d = sc.daemon(conf=conf)
    c = Centre(sc, d)
    c.sms = sms
    c.anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=ANNA)
    f = c.api.ok("POST", "/v1/families", {
        "name": "Rodzina Kowalskich", "language": "pl",
        "channel": "telegram", "assistant_id": c.anna["id"],
        "contact": {"name": "Olena Kowalska", "phone": PHONE}})["family"]
    c.link("/v1/families/%s/invite" % f["code"], OLENA, lang_code="pl",
           first_name="Olena")
    c.onboard(OLENA, "pl")
    c.fam = f
    c.member = f["members"][0]["id"]
    return c


def close(sc):
    # The emulator stops before the daemon, as it always did here; the
    # scenario owns it all the same (stopping it again does nothing) and
    # removes its directory.
    if getattr(sc, "extra", None) is not None:
        sc.extra.stop()


@suite.test
@scenario()
def test_sms_variant_of_a_reply_goes_by_sms_when_blocked(sc):
    try:
        c = centre_with_sms(sc)
        c.emu.message(OLENA, "Czy mogę przyjść jutro?")
        copy = c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                               "Czy mogę przyjść jutro?" in (m["text"] or ""))
        c.emu.block(OLENA)
        c.emu.message(ANNA, "/sms Tak, jutro o 10.",
                      reply_to_message_id=copy["message_id"])
        got = c.sms.wait_sent(lambda m: m["message"] == "Tak, jutro o 10.",
                              timeout=15)
        assert got["to"] == PHONE[1:], got
        # Once: the chain telegram failed -> sms, nothing more.
        c.idle()
        rows = c.d.sql("SELECT id, channel, state, error_code, cause, "
                       "cause_id FROM outbox WHERE cause IN "
                       "('answer_sms', 'fallback') ORDER BY id")
        assert len(rows) == 2, rows
        tg, sms = rows
        assert tg[1:5] == (1, 3, 403, "answer_sms"), tg
        assert sms[1:5] == (2, 2, None, "fallback") and sms[5] == tg[0], sms
        assert len(c.sms.sent()) == 1
        # The assistant is told the family blocked the bot and the answer
        # went by SMS instead.
        c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                        m["text"] == "Rodzina R-0001 zablokowała bota; "
                        "odpowiedź wysłano SMS-em.")
    finally:
        close(sc)


@suite.test
@scenario()
def test_reminder_falls_back_but_broadcast_does_not(sc):
    try:
        c = centre_with_sms(sc)
        c.emu.block(OLENA)
        c.api.ok("POST", "/v1/members/%d/notify" % c.member,
                 {"text": "Przypomnienie: wizyta w piątek o 9.",
                  "priority": "reminder"}, status=201)
        c.api.ok("POST", "/v1/members/%d/notify" % c.member,
                 {"text": "Nowy program: warsztaty dla rodzin.",
                  "priority": "broadcast"}, status=201)
        c.sms.wait_sent(lambda m: m["message"].startswith("Przypomnienie"),
                        timeout=15)
        c.idle()
        wait_for(lambda: c.d.sql("SELECT COUNT(*) FROM outbox WHERE "
                                 "channel = 1 AND state = 3")[0][0] == 2,
                 10, "both Telegram rows failed")
        texts = [m["message"] for m in c.sms.sent()]
        assert texts == ["Przypomnienie: wizyta w piątek o 9."], texts
    finally:
        close(sc)


@suite.test
@scenario()
def test_failed_reminder_is_reported_to_the_coordinators(sc):
    try:
        c = centre_with_sms(sc)
        c.staff("Ewa Koordynator", "coordinator", ["pl"], tg=7009)
        c.emu.block(OLENA)
        c.sms.fail(code=13, count=5)      # the SMS fallback fails too
        c.api.ok("POST", "/v1/members/%d/notify" % c.member,
                 {"text": "Przypomnienie: wizyta w piątek o 9.",
                  "priority": "reminder"}, status=201)
        c.emu.wait_sent(lambda m: m["chat_id"] == 7009 and
                        (m["text"] or "").startswith(
                            "Nie udało się wysłać przypomnienia do rodziny R-0001: "
                            "SMSAPI error 13"), timeout=15)
        # A broadcast that fails is not reported (it would flood them).
        c.api.ok("POST", "/v1/members/%d/notify" % c.member,
                 {"text": "Nowy program.", "priority": "broadcast"},
                 status=201)
        c.idle()
        told = [m for m in c.emu.sent(chat_id=7009)
                if (m["text"] or "").startswith("Nie udało się")]
        assert len(told) == 1, told
    finally:
        close(sc)


def sms_parts(text):
    """Parts of a text with Polish letters or Cyrillic (UCS-2)."""
    n = len(text)
    return 1 if n <= 70 else (n + 66) // 67


@suite.test
@scenario()
def test_notices_and_broadcasts_fall_back_in_their_sms_wording(sc):
    """A notice to one family (reminder lane), to several (broadcast
    lane) and a broadcast: the copy Telegram refuses goes by SMS in the
    template's SMS wording, the member's language, the same parameters;
    the broadcast counts the parts and tells the fallback apart."""
    try:
        c = centre_with_sms(sc)
        f2 = c.api.ok("POST", "/v1/families", {
            "name": "Rodzina Bondar", "language": "uk",
            "channel": "telegram", "assistant_id": c.anna["id"],
            "contact": {"name": "Iryna Bondar",
                        "phone": "+48600100201"}})["family"]
        c.link("/v1/families/%s/invite" % f2["code"], 5002, lang_code="uk",
               first_name="Iryna")
        c.onboard(5002, "uk")
        params = {"amount": "800", "date": "2027-06-10"}

        def sms_of(notice, lang, p):
            pv = c.api.ok("POST", "/v1/notices/%s/preview" % notice,
                          {"lang": lang, "params": p}, status=200)["notice"]
            return pv["preview"][0]["sms"]["text"], \
                pv["preview"][0]["text"]
        pl_sms, pl_text = sms_of("payment-date", "pl", params)
        assert pl_sms != pl_text
        c.emu.block(OLENA)
        # One family: the reminder lane.
        c.api.ok("POST", "/v1/notices/payment-date/send", {
            "families": [c.fam["code"]], "params": params}, status=201)
        got = c.sms.wait_sent(lambda m: m["message"] == pl_sms, timeout=15)
        assert got["to"] == PHONE[1:], got
        # Several: the broadcast lane falls back too.
        c.api.ok("POST", "/v1/notices/payment-date/send", {
            "families": [c.fam["code"], f2["code"]], "params": params},
            status=201)
        wait_for(lambda: len([m for m in c.sms.sent()
                              if m["message"] == pl_sms]) == 2, 15,
                 "the second notice by SMS")
        c.emu.wait_sent(lambda m: m["chat_id"] == 5002 and
                        "800" in (m["text"] or ""))
        assert all(m["message"] != pl_text for m in c.sms.sent())
        # Nothing kept once the copies are done.
        c.idle()
        wait_for(lambda: c.d.sql("SELECT COUNT(*) FROM notice_sms")[0][0]
                 == 0, 10, "the kept SMS wordings dropped")
        # A broadcast: both members blocked, each gets their language.
        c.emu.block(5002)
        bp = {"days": "14", "place": "MOPS"}
        pl_b, _ = sms_of("decision-appeal", "pl", bp)
        uk_b, _ = sms_of("decision-appeal", "uk", bp)
        assert "w ciągu 14 dni" in pl_b and "протягом 14 днів" in uk_b
        b = c.api.ok("POST", "/v1/broadcasts", {
            "notice": "decision-appeal", "params": bp,
            "target": {"all": True}}, status=201)["broadcast"]
        assert b["sms_parts"] == 0, b
        c.api.ok("POST", "/v1/broadcasts/%d/send" % b["id"], {},
                 status=200)
        c.sms.wait_sent(lambda m: m["message"] == uk_b, timeout=15)
        assert c.sms.wait_sent(lambda m: m["message"] == pl_b,
                               timeout=15)["to"] == PHONE[1:]
        want = sms_parts(pl_b) + sms_parts(uk_b)
        wait_for(lambda: c.api.ok("GET", "/v1/broadcasts/%d" % b["id"])
                 ["broadcast"]["outcomes"] == {"sms_fallback": 2}, 15,
                 "both reached by SMS")
        show = c.api.ok("GET", "/v1/broadcasts/%d" % b["id"])["broadcast"]
        assert show["sms_parts"] == want, (show, want)
        failed = c.api.ok("GET", "/v1/broadcasts/%d/failed" % b["id"])
        assert failed["failed"] == [], failed
        rows = c.d.sql("SELECT priority FROM outbox WHERE cause = "
                       "'fallback' ORDER BY id")
        assert [r[0] for r in rows] == [1, 2, 2, 2], rows
    finally:
        close(sc)


if __name__ == "__main__":
    suite.run()
