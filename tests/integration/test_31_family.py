#!/usr/bin/env python3
"""A family's side of the bot: first contact, family commands, out of hours.

A real asystentd runs against the Bot API emulator with its clock moved
(ASYSTENT_FAKE_NOW) to a known moment in Europe/Warsaw. A member redeems an
invitation, is offered the four languages (their Telegram language
ticked), chooses one, reads the consent clause in it and agrees, then is
welcomed with their assistant's first name. Nothing sent before consent
reaches the assistant. /language, /stop, /start, /assistant and /help, and
the out-of-hours answer on a weekday evening and on Easter Monday: once
per closed period, in the family's language, with the next opening and
112 first, while the message is still relayed.
"""
import calendar
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

suite = Suite("family")

ASSISTANT_TG = 7001
CONTACT = "tel. 58 555 12 34"


def warsaw(y, mo, d, h, mi, offset):
    """Unix seconds of a Warsaw wall time whose UTC offset (h) is known."""
    return calendar.timegm((y, mo, d, h - offset, mi, 0))


# Tuesday 24 November 2026: office hours, the evening, the next evening.
TUE_OPEN = warsaw(2026, 11, 24, 10, 0, 1)
TUE_EVENING = warsaw(2026, 11, 24, 19, 0, 1)
WED_EVENING = warsaw(2026, 11, 25, 19, 0, 1)
EASTER_MONDAY = warsaw(2026, 4, 6, 10, 0, 2)

LANG_DATA = {"lang:pl", "lang:uk", "lang:ru", "lang:en"}
CLAUSE_START = {
    "pl": "Zanim zaczniemy",
    "uk": "Перш ніж почати",
    "ru": "Прежде чем начать",
    "en": "Before we start",
}
# Words of the English texts that must not show in a translation.
ENGLISH = ("Before we start", "Who:", "How long", "Thank you", "your",
           "assistant", "office hours", "Send /help")


def start(sc, now=TUE_OPEN, conf=None):
    d = sc.daemon(conf=dict({"daemon.centre_contact": CONTACT},
                            **(conf or {})),
                  env={"ASYSTENT_FAKE_NOW": str(now)})
    return d, Centre(sc, d)


def finish(d):
    rc = d.stop()
    assert rc == 0, "asystentd exited %s: %s" % (rc, d.log()[-3000:])


def chat(emu, chat_id, since=0):
    return [m for m in emu.sent(chat_id=chat_id, since=since)
            if m["method"] == "sendMessage"]


def last_seq(emu):
    s = emu.sent()
    return s[-1]["seq"] + 1 if s else 0


def wait_text(emu, chat_id, pred, since=0, what="a message"):
    return emu.wait_sent(lambda m: m["method"] == "sendMessage" and
                         pred(m["text"] or ""), chat_id=chat_id,
                         since=since)


def keyboard(m):
    rm = m.get("reply_markup") or {}
    return [(b.get("text"), b.get("callback_data"))
            for row in rm.get("inline_keyboard", []) for b in row]


def member_row(d, member_id):
    return d.sql("SELECT language, consent_at, consent_version, "
                 "announcements, ooh_notice_at FROM members WHERE id = ?",
                 (member_id,))[0]


def invite(c, fam, tg, lang_code):
    """Redeems a new invitation of the family's contact; the first
    message the bot sends back (the language buttons)."""
    since = last_seq(c.emu)
    inv = c.api.ok("POST", "/v1/families/%s/invite" % fam["code"],
                   {})["invitation"]
    c.emu.message(tg, "/start " + inv["code"], language_code=lang_code,
                  first_name="Olena")
    return wait_text(c.emu, tg, lambda t: True, since)


def press(c, tg, data, m):
    since = last_seq(c.emu)
    c.emu.callback(tg, data, m["message_id"])
    return since


def assistant_texts(emu):
    return [m["text"] or "" for m in chat(emu, ASSISTANT_TG)]


@suite.test
@scenario()
def test_first_contact_language_consent_welcome(sc):
    d, c = start(sc)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl", "uk"],
                   tg=ASSISTANT_TG)
    fam = c.family("Rodzina Kowalskich", "pl", anna)
    mid = fam["members"][0]["id"]
    # Linked: greeted in the family's language, with the four languages
    # and the Telegram one (uk) ticked.
    m = invite(c, fam, 5001, "uk")
    assert m["text"].startswith("Witamy!"), m["text"]
    kb = keyboard(m)
    assert {data for _, data in kb} == LANG_DATA, kb
    assert ("✓ Українська", "lang:uk") in kb, kb
    assert ("Polski", "lang:pl") in kb and ("English", "lang:en") in kb
    # A message before choosing: not relayed, the step again.
    since = last_seq(emu)
    emu.message(5001, "Dzień dobry, pierwsza wiadomość", language_code="uk")
    m = wait_text(emu, 5001, lambda t: "nie została" in t, since)
    assert {data for _, data in keyboard(m)} == LANG_DATA
    # Choose Ukrainian: the clause in Ukrainian, with the centre's name,
    # its contact and the retention period.
    since = press(c, 5001, "lang:uk", m)
    clause = wait_text(emu, 5001, lambda t: CLAUSE_START["uk"] in t, since)
    t = clause["text"]
    assert "MOPS Sopot" in t and CONTACT in t and "365 днів" in t, t
    assert keyboard(clause) == [("Погоджуюся", "consent:yes")], clause
    methods = [x["method"] for x in emu.sent(since=since)]
    assert "answerCallbackQuery" in methods, methods
    c.idle()
    assert member_row(d, mid)[:2] == ("uk", None)
    # Before consent: not relayed, the clause again, now in Ukrainian.
    since = last_seq(emu)
    emu.message(5001, "Ще одне повідомлення до згоди", language_code="uk")
    m = wait_text(emu, 5001, lambda t: "не передано" in t, since)
    assert CLAUSE_START["uk"] in m["text"], m["text"]
    assert keyboard(m) == [("Погоджуюся", "consent:yes")]
    # Agree: stored, welcomed with the assistant's first name and hours.
    since = press(c, 5001, "consent:yes", m)
    w = wait_text(emu, 5001, lambda t: "Дякуємо!" in t, since)
    assert "Anna" in w["text"] and "Nowak" not in w["text"], w["text"]
    assert "понеділок–пʼятниця 7:30–15:30" in w["text"], w["text"]
    c.idle()
    lang, consent_at, version, ann, _ = member_row(d, mid)
    assert lang == "uk" and consent_at and version == "2026-12b"
    assert ann == 1
    # Nothing sent before consent reached the assistant; after it, does.
    assert not any("до згоди" in x or "pierwsza" in x
                   for x in assistant_texts(emu)), assistant_texts(emu)
    emu.message(5001, "Тепер можна писати", language_code="uk")
    wait_text(emu, ASSISTANT_TG, lambda t: "Тепер можна писати" in t)
    assert not any("до згоди" in x or "pierwsza" in x
                   for x in assistant_texts(emu)), assistant_texts(emu)
    finish(d)


@suite.test
@scenario()
def test_clause_and_welcome_in_each_language(sc):
    d, c = start(sc)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    clauses, welcomes = {}, {}
    for i, lang in enumerate(("pl", "uk", "ru", "en")):
        tg = 5100 + i
        fam = c.family("Rodzina %d" % i, "pl", anna)
        m = invite(c, fam, tg, "de")     # not ours: the family's ticked
        assert ("✓ Polski", "lang:pl") in keyboard(m), keyboard(m)
        since = press(c, tg, "lang:" + lang, m)
        cl = wait_text(emu, tg, lambda t: CLAUSE_START[lang] in t, since)
        clauses[lang] = cl["text"]
        since = press(c, tg, "consent:yes", cl)
        welcomes[lang] = wait_text(emu, tg, lambda t: "Anna" in t,
                                   since)["text"]
    assert len(set(clauses.values())) == 4
    assert len(set(welcomes.values())) == 4
    for lang in ("pl", "uk", "ru"):
        for text in (clauses[lang], welcomes[lang]):
            for w in ENGLISH:
                assert w not in text, (lang, w, text)
    for lang, text in clauses.items():
        assert "MOPS Sopot" in text and "/stop" in text, (lang, text)
        # Complete (GDPR art. 13): the DPO, Telegram as a separate
        # controller with its policy, the supervisory authority.
        for part in ("iod@mops.sopot.example", "https://telegram.org/privacy",
                     "PUODO, uodo.gov.pl", "6(1)(a)" if lang != "pl" else
                     "art. 6 ust. 1 lit. a"):
            assert part in text, (lang, part, text)
        assert "SMS" in text, (lang, text)
    assert "365 dni" in clauses["pl"] and "365 дней" in clauses["ru"]
    assert "365 days" in clauses["en"]
    assert "poniedziałek–piątek" in welcomes["pl"], welcomes["pl"]
    assert "понедельник–пятница" in welcomes["ru"], welcomes["ru"]
    assert "Monday–Friday 7:30–15:30" in welcomes["en"], welcomes["en"]
    finish(d)


@suite.test
@scenario()
def test_public_task_basis_and_renewed_clause_shown_once(sc):
    """A family who agreed to the previous clause is shown the new one
    once, after their message went through; OK records it."""
    d, c = start(sc, conf={"privacy.legal_basis": "public_task"})
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    fam = c.family("Rodzina Kowalskich", "pl", anna)
    mid = fam["members"][0]["id"]
    m = invite(c, fam, 5001, "pl")
    since = press(c, 5001, "lang:pl", m)
    cl = wait_text(emu, 5001, lambda t: CLAUSE_START["pl"] in t, since)
    assert "ustawy o pomocy społecznej" in cl["text"], cl["text"]
    assert "art. 6 ust. 1 lit. e" in cl["text"], cl["text"]
    since = press(c, 5001, "consent:yes", cl)
    wait_text(emu, 5001, lambda t: "Anna" in t, since)
    # As if they had agreed to the previous version (written while the
    # daemon is stopped: the tests read the database, never write it).
    c.idle()
    assert d.stop() == 0
    con = sqlite3.connect(d.db)
    con.execute("UPDATE members SET consent_version = '2026-11' "
                "WHERE id = ?", (mid,))
    con.commit()
    con.close()
    d.start()
    since = last_seq(emu)
    emu.message(5001, "Pytanie o zasiłek", language_code="pl")
    wait_text(emu, ASSISTANT_TG, lambda t: "Pytanie o zasiłek" in t, since)
    upd = wait_text(emu, 5001, lambda t: "Zaktualizowaliśmy" in t, since)
    assert CLAUSE_START["pl"] in upd["text"], upd["text"]
    assert keyboard(upd) == [("OK", "clause:ok:2026-12b")], keyboard(upd)
    # Once: the next message goes through without it.
    since2 = last_seq(emu)
    emu.message(5001, "Drugie pytanie", language_code="pl")
    wait_text(emu, ASSISTANT_TG, lambda t: "Drugie pytanie" in t, since2)
    c.idle()
    assert not [t for t in (x["text"] or "" for x in chat(emu, 5001, since2))
                if "Zaktualizowaliśmy" in t]
    assert member_row(d, mid)[2] == "2026-11"
    # OK: their consent now refers to the new version.
    press(c, 5001, "clause:ok:2026-12b", upd)
    wait_for(lambda: member_row(d, mid)[2] == "2026-12b", 10, "acknowledged")
    assert d.sql("SELECT clause_ack_at IS NOT NULL FROM members "
                 "WHERE id = ?", (mid,))[0][0] == 1
    finish(d)


@suite.test
@scenario()
def test_language_command_switches(sc):
    d, c = start(sc)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    c.family("Rodzina Kowalskich", "uk", anna, tg=5001)
    since = last_seq(emu)
    emu.message(5001, "/language", language_code="uk")
    m = wait_text(emu, 5001, lambda t: True, since)
    assert ("✓ Українська", "lang:uk") in keyboard(m), keyboard(m)
    assert "мову" in m["text"], m["text"]
    since = press(c, 5001, "lang:en", m)
    wait_text(emu, 5001, lambda t: "in English" in t, since)
    c.idle()
    since = last_seq(emu)
    emu.message(5001, "/help", language_code="uk")
    h = wait_text(emu, 5001, lambda t: True, since)
    assert "Commands:" in h["text"] and "112" in h["text"], h["text"]
    emu.message(5001, "/assistant", language_code="uk")
    a = wait_text(emu, 5001, lambda t: "Anna" in t, since)
    assert "office hours" in a["text"], a["text"]
    # Back to Russian; the ticked button is the current choice.
    since = last_seq(emu)
    emu.message(5001, "/language", language_code="uk")
    m = wait_text(emu, 5001, lambda t: True, since)
    assert ("✓ English", "lang:en") in keyboard(m), keyboard(m)
    since = press(c, 5001, "lang:ru", m)
    wait_text(emu, 5001, lambda t: "по-русски" in t, since)
    finish(d)


def notify(c, member_id, prio, text=None):
    return c.api.ok("POST", "/v1/members/%d/notify" % member_id,
                    {"text": text or "Ogłoszenie %s" % prio,
                     "priority": prio})


def outbox_state(d, row):
    return d.sql("SELECT state, last_error FROM outbox WHERE id = ?",
                 (row,))[0]


@suite.test
@scenario()
def test_stop_holds_back_announcements_start_resumes(sc):
    d, c = start(sc)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    fam = c.family("Rodzina Kowalskich", "pl", anna, tg=5001)
    mid = fam["members"][0]["id"]
    since = last_seq(emu)
    emu.message(5001, "/stop", language_code="pl")
    t = wait_text(emu, 5001, lambda t: "/start" in t, since)["text"]
    assert "ogłoszeń" in t and "MOPS Sopot" in t, t
    c.idle()
    assert member_row(d, mid)[3] == 0
    # A broadcast and a reminder to the member are held back (failed,
    # with the reason), never sent.
    rows = [notify(c, mid, p) for p in ("broadcast", "reminder")]
    assert rows[0]["language"] == "pl", rows[0]
    wait_for(lambda: all(outbox_state(d, r["outbox_id"])[0] == 3
                         for r in rows), 10, "rows held back")
    assert "announcements off" in outbox_state(d, rows[0]["outbox_id"])[1]
    assert not any("Ogłoszenie" in (m["text"] or "")
                   for m in chat(emu, 5001)), chat(emu, 5001)
    # Conversation still flows: the family writes, the assistant reads.
    emu.message(5001, "Nadal piszę", language_code="pl")
    wait_text(emu, ASSISTANT_TG, lambda t: "Nadal piszę" in t)
    # /start turns them on again.
    since = last_seq(emu)
    emu.message(5001, "/start", language_code="pl")
    t = wait_text(emu, 5001, lambda t: "/stop" in t, since)["text"]
    assert "włączone" in t, t
    c.idle()
    assert member_row(d, mid)[3] == 1
    r = notify(c, mid, "broadcast")
    wait_text(emu, 5001, lambda t: "Ogłoszenie broadcast" in t)
    wait_for(lambda: outbox_state(d, r["outbox_id"])[0] == 2, 10,
             "the row sent")
    # Bad requests change nothing.
    c.api.err("POST", "/v1/members/%d/notify" % mid, {"text": ""}, 422,
              "invalid")
    c.api.err("POST", "/v1/members/%d/notify" % mid,
              {"text": "x", "priority": "urgent"}, 400, "bad_request")
    c.api.err("POST", "/v1/members/999/notify", {"text": "x"}, 404,
              "not_found")
    # Telegram counts UTF-16 units: 2100 emoji are 4200 of them.
    c.api.err("POST", "/v1/members/%d/notify" % mid,
              {"text": "\U0001f600" * 2100}, 422, "invalid")
    r = notify(c, mid, "broadcast", text="\U0001f600" * 2048)
    wait_for(lambda: outbox_state(d, r["outbox_id"])[0] == 2, 10,
             "4096 units sent")
    finish(d)


@suite.test
@scenario()
def test_assistant_substitute_team_and_help(sc):
    d, c = start(sc)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    petro = c.staff("Petro Bondarenko", "integration_assistant", ["uk"],
                    tg=7002)
    c.family("Rodzina A", "pl", anna, substitute=petro, tg=5001)
    c.family("Rodzina B", "ru", None, tg=5002)
    since = last_seq(emu)
    emu.message(5001, "/assistant", language_code="pl")
    t = wait_text(emu, 5001, lambda t: "Anna" in t, since)["text"]
    assert "Nowak" not in t and "7:30–15:30" in t, t
    c.disable(anna)
    since = last_seq(emu)
    emu.message(5001, "/assistant", language_code="pl")
    t = wait_text(emu, 5001, lambda t: "Petro" in t, since)["text"]
    assert "zastępstwie" in t and "Anna" not in t, t
    emu.message(5002, "/assistant", language_code="ru")
    t = wait_text(emu, 5002, lambda t: "MOPS Sopot" in t, since)["text"]
    assert "центра" in t, t
    emu.message(5002, "/help", language_code="ru")
    t = wait_text(emu, 5002, lambda t: "/language" in t, since)["text"]
    for cmd in ("/assistant", "/stop", "/start", "/help", "112"):
        assert cmd in t, (cmd, t)
    finish(d)


def ooh_notices(emu, chat_id, marker):
    return [m["text"] for m in chat(emu, chat_id) if marker in m["text"]]


def check_numbers(text, label_112):
    lines = text.split("\n")
    i = next(k for k, x in enumerate(lines) if x.startswith("112"))
    assert label_112 in lines[i], lines[i]
    assert sum(1 for x in lines if x.startswith("112")) == 1, text
    assert any(x.startswith("116 123") for x in lines[i + 1:]), text


@suite.test
@scenario()
def test_out_of_hours_weekday_evening(sc):
    d, c = start(sc, TUE_EVENING)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    c.family("Rodzina Kowalskich", "uk", anna, tg=5001)
    emu.message(5001, "Добрий вечір, питання щодо допомоги",
                language_code="uk")
    wait_text(emu, ASSISTANT_TG, lambda t: "Добрий вечір" in t)
    n = wait_text(emu, 5001, lambda t: "передано" in t)["text"]
    assert "у середу, 25 листопада, о 7:30" in n, n
    check_numbers(n, "екстрений номер")
    # The second message is relayed, without a second answer.
    emu.message(5001, "І ще одне", language_code="uk")
    wait_text(emu, ASSISTANT_TG, lambda t: "І ще одне" in t)
    c.idle()
    assert len(ooh_notices(emu, 5001, "передано")) == 1
    # The next evening is another closed period: one answer again.
    finish(d)
    d2 = sc.daemon(conf={"daemon.centre_contact": CONTACT},
                   env={"ASYSTENT_FAKE_NOW": str(WED_EVENING)})
    emu.message(5001, "Знову ввечері", language_code="uk")
    wait_text(emu, ASSISTANT_TG, lambda t: "Знову ввечері" in t)
    wait_for(lambda: len(ooh_notices(emu, 5001, "передано")) == 2, 10,
             "a second out-of-hours answer")
    assert "у четвер, 26 листопада, о 7:30" in ooh_notices(
        emu, 5001, "передано")[-1]
    finish(d2)


@suite.test
@scenario()
def test_out_of_hours_easter_monday(sc):
    d, c = start(sc, EASTER_MONDAY)
    emu = sc.emu
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"],
                   tg=ASSISTANT_TG)
    c.family("Rodzina Nowaków", "pl", anna, tg=5001)
    c.family("Family Smith", "en", anna, tg=5002)
    for tg, text in ((5001, "Wesołych Świąt, mam pytanie"),
                     (5002, "Happy Easter, a question")):
        emu.message(tg, text, language_code="pl")
        wait_text(emu, ASSISTANT_TG, lambda t: text in t)
    pl = wait_text(emu, 5001, lambda t: "przekazana" in t)["text"]
    assert "we wtorek, 7 kwietnia, o 7:30" in pl, pl
    check_numbers(pl, "numer alarmowy")
    en = wait_text(emu, 5002, lambda t: "passed on" in t)["text"]
    assert "on Tuesday, 7 April, at 7:30" in en, en
    check_numbers(en, "emergency number")
    emu.message(5001, "Jeszcze jedno", language_code="pl")
    wait_text(emu, ASSISTANT_TG, lambda t: "Jeszcze jedno" in t)
    c.idle()
    assert len(ooh_notices(emu, 5001, "przekazana")) == 1
    # In office hours (a daemon started on the Tuesday): no answer.
    finish(d)
    d2 = sc.daemon(env={"ASYSTENT_FAKE_NOW": str(
        warsaw(2026, 4, 7, 9, 0, 2))})
    emu.message(5001, "We wtorek rano", language_code="pl")
    wait_text(emu, ASSISTANT_TG, lambda t: "We wtorek rano" in t)
    Centre(sc, d2).idle()
    assert len(ooh_notices(emu, 5001, "przekazana")) == 1
    finish(d2)


if __name__ == "__main__":
    suite.run()
