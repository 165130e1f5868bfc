#!/usr/bin/env python3
"""Conversations, the relay core (issue 5): families reach their assistant,
assistants answer by replying.

A real asystentd runs against the Bot API emulator. Staff and families are
created through the admin API, their Telegram accounts linked with
invitations and the families taken through language and consent
(tests/lib/world.py). Each scenario asserts what the people see: the header
and text an assistant gets, the answer a family gets, the hints, in the
right language; and that the database never holds a text in plain.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

suite = Suite("relay")

ANNA, PETRO, KASIA, COORD = 7001, 7002, 7003, 7009
OLENA, IVAN = 5001, 5002
HDR = "R-0001 \u00b7 Olena \u00b7 uk \u00b7 Telegram"


# Open all week, so that out-of-hours answers (their own tests) stay out
# of these scenarios; a public holiday may still bring one, so no
# assertion here counts every message a family gets.
OPEN = {"hours." + d: "00:00-23:59" for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday")}


def centre(sc, conf=None):
    d = sc.daemon(conf=dict(OPEN, **(conf or {})))
    c = Centre(sc, d)
    c.anna = c.staff("Anna Nowak", "family_assistant", ["pl", "uk"],
                     tg=ANNA)
    c.petro = c.staff("Petro Bondarenko", "integration_assistant",
                      ["uk", "ru"], tg=PETRO)
    c.fam = c.family("Rodzina Kowalskich", "uk", c.anna, substitute=c.petro,
                     contact="Olena Kowalska", tg=OLENA)
    return c


def sent(c, chat, since=0, method=None):
    return [m for m in c.emu.sent(chat_id=chat, since=since)
            if method is None or m["method"] == method]


def seq(c):
    """The emulator's next sequence number: what is sent from now on."""
    s = c.emu.sent()
    return s[-1]["seq"] + 1 if s else 0


def wait_text(c, chat, pred, since=0, timeout=10):
    return c.emu.wait_sent(lambda m: m["chat_id"] == chat and
                           m["text"] is not None and pred(m["text"]),
                           timeout=timeout, since=since)


def finish(c):
    rc = c.d.stop()
    assert rc == 0, "asystentd exited %s: %s" % (rc, c.d.log()[-3000:])


def no_plain(c, *texts):
    """Nothing the people wrote is in the database file in plain."""
    finish(c)
    for suffix in ("", "-wal"):
        try:
            with open(c.d.db + suffix, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        for t in texts:
            assert t.encode() not in data, (t, suffix)


@suite.test
@scenario()
def test_text_and_photo_reach_the_assistant_and_the_reply_comes_back(sc):
    c = centre(sc)
    s0 = seq(c)
    r = c.emu.message(OLENA, "Добрий день, коли можна прийти?",
                      first_name="Olena")
    m = wait_text(c, ANNA, lambda t: "коли" in t, s0)
    assert m["method"] == "sendMessage", m
    assert m["text"] == HDR + "\nДобрий день, коли можна прийти?", m
    # A photo travels by copyMessage, the header as its caption.
    c.emu.message(OLENA, photo=True, caption="довідка")
    p = c.emu.wait_sent(lambda x: x["method"] == "copyMessage" and
                        x["chat_id"] == ANNA, since=s0)
    assert p["text"] == HDR + "\nдовідка", p
    assert p["params"]["from_chat_id"] == OLENA, p
    # Anna replies to the relayed text: Olena gets it, as a reply to her
    # own message; Anna sees 👌 on her answer.
    s1 = seq(c)
    a = c.emu.message(ANNA, "Zapraszam jutro o 10:00.",
                      reply_to_message_id=m["message_id"])
    got = wait_text(c, OLENA, lambda t: "10:00" in t, s1)
    assert got["text"] == "Zapraszam jutro o 10:00.", got
    assert got["params"]["reply_parameters"]["message_id"] == \
        r["message_id"], got
    c.emu.wait_sent(lambda x: x["method"] == "setMessageReaction" and
                    x["chat_id"] == ANNA and
                    x["message_id"] == a["message_id"] and
                    x["text"] == "\U0001f44c", since=s1)
    c.idle()
    rows = c.d.sql("SELECT direction, kind, state, read_at IS NOT NULL "
                   "FROM messages ORDER BY id")
    assert rows == [(0, "text", 1, 1), (0, "photo", 1, 1),
                    (1, "text", 1, 0)], rows
    # The family's updates are kept only in its history, under its key;
    # the assistant's stays in the inbound record, sealed.
    kept = c.d.sql("SELECT state, payload IS NOT NULL FROM inbound "
                   "ORDER BY id DESC LIMIT 3")
    assert kept == [(1, 1), (1, 0), (1, 0)], kept
    # A photo reply goes by copyMessage from Anna's chat.
    s2 = seq(c)
    ph = c.emu.message(ANNA, photo=True, caption="plan",
                       reply_to_message_id=p["message_id"])
    cp = c.emu.wait_sent(lambda x: x["method"] == "copyMessage" and
                         x["chat_id"] == OLENA, since=s2)
    assert cp["params"]["from_chat_id"] == ANNA, cp
    assert cp["params"]["message_id"] == ph["message_id"], cp
    assert cp["text"] == "plan", cp
    no_plain(c, "Добрий день", "коли можна", "довідка", "Zapraszam",
             "Olena Kowalska", "Anna Nowak")


@suite.test
@scenario()
def test_nul_inside_a_family_text_is_shown_not_cut(sc):
    """A NUL escape in a text is kept visible (U+FFFD); nothing after it
    is lost on its way to the assistant."""
    c = centre(sc)
    s0 = seq(c)
    u = c.emu.message(OLENA, "перше", first_name="Olena")["update_id"]
    wait_text(c, ANNA, lambda t: "перше" in t, s0)
    c.emu.raw_update(
        b'{"update_id":%d,"message":{"message_id":900001,"date":1,'
        b'"chat":{"id":%d,"type":"private"},"from":{"id":%d,'
        b'"first_name":"Olena","language_code":"uk"},'
        b'"text":"widoczne\\u0000UKRYTE"}}' % (u + 1, OLENA, OLENA),
        update_id=u + 1)
    m = wait_text(c, ANNA, lambda t: "widoczne" in t, s0)
    assert m["text"] == HDR + "\nwidoczne\ufffdUKRYTE", m
    assert "event=update.nul_replaced count=1" in c.d.log()
    finish(c)


def press(c, tg, entry, data):
    c.emu.callback(tg, data, entry["message_id"])


@suite.test
@scenario()
def test_families_buttons_and_to(sc):
    c = centre(sc)
    c.emu.message(OLENA, "Перше")
    c.emu.message(OLENA, "Друге")
    c.idle()
    s0 = seq(c)
    c.emu.message(ANNA, "/families")
    m = wait_text(c, ANNA, lambda t: t.startswith("Wybierz rodzin"), s0)
    assert m["text"] == ("Wybierz rodzinę, do której chcesz pisać (w "
                         "nawiasie liczba nieprzeczytanych wiadomości)."), m
    kb = [(b["text"], b["callback_data"]) for row in
          m["reply_markup"]["inline_keyboard"] for b in row]
    assert kb == [("R-0001 Rodzina Kowalskich (2)",
                   "fam:%d" % c.fam["id"])], kb
    # Without a current family a plain message gets a hint.
    s1 = seq(c)
    c.emu.message(ANNA, "Dzień dobry")
    wait_text(c, ANNA, lambda t: t.startswith("Aby odpowiedzieć"), s1)
    press(c, ANNA, m, "fam:%d" % c.fam["id"])
    c.emu.wait_sent(lambda x: x["method"] == "answerCallbackQuery" and
                    x["text"] == "Piszesz teraz do rodziny R-0001", since=s1)
    c.emu.message(ANNA, "Dzień dobry, tu Anna.")
    got = wait_text(c, OLENA, lambda t: "Anna" in t, s1)
    assert got["text"] == "Dzień dobry, tu Anna.", got
    assert "reply_parameters" not in got["params"], got
    # Answering marked Olena's messages read.
    c.idle()
    s2 = seq(c)
    c.emu.message(ANNA, "/families")
    m = wait_text(c, ANNA, lambda t: t.startswith("Wybierz"), s2)
    assert m["reply_markup"]["inline_keyboard"][0][0]["text"] == \
        "R-0001 Rodzina Kowalskich", m
    # /to sends directly; its usage and unknown codes are answered.
    c.emu.message(ANNA, "/to r-0001 Proszę przynieść dokumenty.")
    got = wait_text(c, OLENA, lambda t: "dokumenty" in t, s2)
    assert got["text"] == "Proszę przynieść dokumenty.", got
    c.emu.message(ANNA, "/to")
    wait_text(c, ANNA, lambda t: t.startswith("Użycie: /to KOD tekst"), s2)
    c.emu.message(ANNA, "/to R-0999 cześć")
    wait_text(c, ANNA, lambda t: t == "Nie ma rodziny o kodzie R-0999. "
              "/families pokazuje Twoje rodziny.", s2)
    # Petro speaks Ukrainian: his hints are in Ukrainian.
    c.emu.message(PETRO, "Привіт")
    wait_text(c, PETRO, lambda t: t.startswith("Щоб відповісти родині"), s2)
    c.emu.message(PETRO, "/help")
    wait_text(c, PETRO, lambda t: t.startswith("Сюди надходять"), s2)
    # A reply to something that is not a family's message.
    hint = wait_text(c, ANNA, lambda t: t.startswith("Użycie"), s2)
    c.emu.message(ANNA, "?", reply_to_message_id=hint["message_id"])
    wait_text(c, ANNA, lambda t: t.startswith("Ta wiadomość nie pochodzi "
                                              "od rodziny"), s2)
    finish(c)


@suite.test
@scenario()
def test_substitute_then_coordinators_and_the_family_is_told(sc):
    c = centre(sc)
    c.coord = c.staff("Kasia Wójcik", "coordinator", ["pl"], tg=COORD)
    c.disable(c.anna)
    s0 = seq(c)
    c.emu.message(OLENA, "Є хтось?")
    m = wait_text(c, PETRO, lambda t: "Є хтось?" in t, s0)
    assert m["text"] == HDR + "\nЄ хтось?", m
    wait_text(c, OLENA, lambda t: t == "Вашого асистента зараз немає; "
              "вам відповість Petro.", s0)
    # Told once a day, not for every message.
    c.emu.message(OLENA, "Друге питання")
    wait_text(c, PETRO, lambda t: "Друге питання" in t, s0)
    c.idle()
    told = [x for x in sent(c, OLENA, s0) if "немає" in (x["text"] or "")]
    assert len(told) == 1, told
    # Petro answers: allowed, he is the substitute.
    s1 = seq(c)
    c.emu.message(PETRO, "Я допоможу.", reply_to_message_id=m["message_id"])
    wait_text(c, OLENA, lambda t: t == "Я допоможу.", s1)
    # Nobody of the family's own: the coordinators read it.
    c.disable(c.petro)
    s2 = seq(c)
    c.emu.message(OLENA, "Алло?")
    m = wait_text(c, COORD, lambda t: "Алло?" in t, s2)
    assert m["text"] == HDR + "\nАлло?", m
    wait_text(c, OLENA, lambda t: t == "Вашого асистента зараз немає; вам "
              "відповідатимуть координатори центру.", s2)
    # Back to normal: Anna reads again, nobody is told anything.
    c.enable(c.anna)
    s3 = seq(c)
    c.emu.message(OLENA, "Дякую")
    wait_text(c, ANNA, lambda t: "Дякую" in t, s3)
    c.idle()
    assert not [x for x in sent(c, OLENA, s3)
                if "немає" in (x["text"] or "")], sent(c, OLENA, s3)
    finish(c)


@suite.test
@scenario()
def test_only_own_families_unless_coordinator(sc):
    c = centre(sc)
    c.coord = c.staff("Kasia Wójcik", "coordinator", ["pl"], tg=COORD)
    kasia = c.staff("Kasia Lis", "family_assistant", ["pl"], tg=KASIA)
    c.family("Rodzina Iwanowych", "ru", kasia, contact="Ivan Ivanov",
             tg=IVAN)
    s0 = seq(c)
    c.emu.message(IVAN, "Здравствуйте")
    m = wait_text(c, KASIA, lambda t: "Здравствуйте" in t, s0)
    assert m["text"] == ("R-0002 \u00b7 Ivan \u00b7 ru \u00b7 Telegram\n"
                         "Здравствуйте"), m
    c.emu.message(ANNA, "/to R-0002 Dzień dobry")
    wait_text(c, ANNA, lambda t: t == "Rodzina R-0002 nie jest przypisana "
              "do Ciebie. Pisać do niej może tylko jej asystent, osoba w "
              "zastępstwie lub koordynator.", s0)
    c.emu.message(COORD, "/to R-0002 Добрый день, это координатор.")
    wait_text(c, IVAN, lambda t: t == "Добрый день, это координатор.", s0)
    c.idle()
    assert not [x for x in sent(c, IVAN, s0) if "Dzień" in (x["text"] or "")]
    # A coordinator's /families lists every family.
    s1 = seq(c)
    c.emu.message(COORD, "/families")
    m = wait_text(c, COORD, lambda t: t.startswith("Wybierz"), s1)
    codes = [b["text"].split()[0] for row in
             m["reply_markup"]["inline_keyboard"] for b in row]
    assert sorted(codes) == ["R-0001", "R-0002"], codes
    finish(c)


@suite.test
@scenario()
def test_edits_stickers_polls_and_long_answers(sc):
    c = centre(sc)
    s0 = seq(c)
    r = c.emu.message(OLENA, "Прийду о 9")
    first = wait_text(c, ANNA, lambda t: "Прийду" in t, s0)
    c.idle()
    c.emu.message(OLENA, "Прийду о 10", edit_of=r["message_id"])
    m = wait_text(c, ANNA, lambda t: "змін" in t or "zmieniono" in t, s0)
    assert m["text"] == HDR + "\nzmieniono: Прийду о 10", m
    assert m["params"]["reply_parameters"]["message_id"] == \
        first["message_id"], m
    # A sticker: the header first, then the sticker itself.
    s1 = seq(c)
    c.emu.message(OLENA, media="sticker")
    c.emu.wait_sent(lambda x: x["method"] == "copyMessage" and
                    x["chat_id"] == ANNA, since=s1)
    got = [(x["method"], x["text"]) for x in sent(c, ANNA, s1)]
    assert got[0] == ("sendMessage", HDR), got
    # A poll is not relayed; the family gets a hint in Ukrainian.
    s2 = seq(c)
    c.emu.message(OLENA, media="poll")
    wait_text(c, OLENA, lambda t: t.startswith("Я не можу передати такий "
                                               "тип"), s2)
    c.idle()
    assert sent(c, ANNA, s2) == [], sent(c, ANNA, s2)
    # 5000 characters from Anna: two numbered parts, in order.
    words = " ".join("słowo%d" % i for i in range(700))
    assert len(words) > 4096
    s3 = seq(c)
    c.emu.message(ANNA, "/to R-0001 " + words)
    c.emu.wait_sent(lambda x: x["chat_id"] == OLENA and
                    (x["text"] or "").startswith("(2/2) "), since=s3)
    parts = [x["text"] for x in sent(c, OLENA, s3)]
    assert len(parts) == 2 and parts[0].startswith("(1/2) słowo0 "), parts
    assert parts[0][6:] + " " + parts[1][6:] == words, parts
    assert all(len(p) <= 4096 for p in parts)
    finish(c)


@suite.test
@scenario()
def test_family_blocked_the_bot_and_deleted_family(sc):
    c = centre(sc)
    s0 = seq(c)
    c.emu.message(OLENA, "Питання")
    m = wait_text(c, ANNA, lambda t: "Питання" in t, s0)
    c.idle()
    c.emu.block(OLENA)
    a = c.emu.message(ANNA, "Odpowiedź", reply_to_message_id=m["message_id"])
    told = wait_text(c, ANNA, lambda t: t.startswith("Nie dostarczono"), s0)
    assert told["text"] == ("Nie dostarczono do rodziny R-0001: rodzina "
                            "zablokowała bota."), told
    assert told["params"]["reply_parameters"]["message_id"] == \
        a["message_id"], told
    c.idle()
    assert c.d.sql("SELECT state FROM messages WHERE direction = 1") == \
        [(3,)]
    assert c.d.sql("SELECT tg_blocked_at IS NOT NULL FROM members") == \
        [(1,)]
    # The family is deleted: a reply to its old message is answered.
    c.api.ok("DELETE", "/v1/families/R-0001")
    s1 = seq(c)
    c.emu.message(ANNA, "Halo?", reply_to_message_id=m["message_id"])
    wait_text(c, ANNA, lambda t: t == "Tej rodziny nie ma już w rejestrze; "
              "nic nie zostało wysłane.", s1)
    finish(c)


@suite.test
@scenario()
def test_sms_family_answer_is_explained(sc):
    # An SMS family with no phone in the register: nothing can be sent,
    # and the assistant is told why (tests/integration/test_40_sms.py
    # covers SMS families with phones).
    c = centre(sc)
    c.family("Rodzina Nowaków", "pl", c.anna, contact="Jan Nowak",
             channel="sms")
    s0 = seq(c)
    c.emu.message(ANNA, "/to R-0002 Dzień dobry")
    wait_text(c, ANNA, lambda t: t == "Rodzina R-0002 nie ma w rejestrze "
              "numeru telefonu, więc nic nie wysłano.", s0)
    finish(c)


@suite.test
@scenario()
def test_flood_is_paced_not_dropped(sc):
    c = centre(sc, conf={"relay.flood_per_minute": 20})
    s0 = seq(c)
    start_ms = time.time() * 1000
    for i in range(25):
        c.emu.message(OLENA, "msg %02d" % i)
    c.emu.wait_sent(lambda x: x["chat_id"] == ANNA and
                    (x["text"] or "").endswith("msg 24"), since=s0,
                    timeout=40)
    got = [x for x in sent(c, ANNA, s0)]
    assert [x["text"].split("\n")[1] for x in got] == \
        ["msg %02d" % i for i in range(25)], got
    # The first 20 go as fast as the chat takes them; each one after has
    # a slot 3 s after the one before, the first 3 s after the burst: the
    # 21st goes no sooner than 3 s after the burst was written, the 25th
    # no sooner than 15 s. (Lower bounds only: on a busy machine the first
    # 20 may take longer than a slot, and the slots do not move.)
    for k in range(20, 25):
        assert got[k]["t_ms"] >= start_ms + (k - 19) * 3000 - 100, \
            (k, got[k]["t_ms"] - start_ms)
    notices = [x for x in sent(c, OLENA, s0)
               if (x["text"] or "").startswith("Ви надсилаєте")]
    assert len(notices) == 1, notices
    assert notices[0]["text"] == ("Ви надсилаєте багато повідомлень "
                                  "одночасно. Усі вони дійдуть до вашого "
                                  "асистента, лише трохи повільніше.")
    finish(c)


@suite.test
@scenario()
def test_kill9_before_relaying_relays_once_after_restart(sc):
    c = centre(sc)
    # Hold sends to Anna so the relay is queued when the daemon dies.
    c.emu.fail(method="sendMessage", chat_id=ANNA, delay_ms=30000, count=1)
    s0 = seq(c)
    c.emu.message(OLENA, "Терміново: подзвоніть")
    wait_for(lambda: c.d.sql("SELECT COUNT(*) FROM outbox WHERE "
                             "cause = 'relay' AND state IN (0, 1)")[0][0] == 1,
             10, "the relay queued")
    c.d.kill9()
    # Sending is not written: the row in flight is still queued.
    assert c.d.sql("SELECT state FROM outbox WHERE cause = 'relay'") == \
        [(0,)]
    c.d.start()
    # It goes out again after the restart, once.
    wait_text(c, ANNA, lambda t: "Терміново" in t, s0, timeout=20)
    c.idle()
    got = [x for x in sent(c, ANNA, s0) if "Терміново" in (x["text"] or "")]
    assert len(got) == 1, got
    assert c.d.sql("SELECT COUNT(*) FROM messages")[0][0] == 1
    no_plain(c, "Терміново", "подзвоніть")


if __name__ == "__main__":
    suite.run()
