#!/usr/bin/env python3
"""Visit reminders end to end: the real asystentd, the Bot API emulator
and (for the fallback) the SMSAPI emulator.

The clock is moved with ASYSTENT_FAKE_NOW and the daemon restarted to
jump it: a reminder goes at its moment, one missed while the daemon was
down goes at once when the visit is more than an hour ahead and is
dropped otherwise; the family answers by button, a second answer changes
nothing; a blocked family gets the reminder by SMS.
"""
import datetime
import json
import os
import subprocess
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite, free_port, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("reminders")
ANNA, OLENA = 7001, 5001
PHONE = "+48600100200"
WAW = zoneinfo.ZoneInfo("Europe/Warsaw")
OPEN = {"hours.%s" % d: "00:00-24:00" for d in
        ("monday", "tuesday", "wednesday", "thursday", "friday",
         "saturday", "sunday")}


def local(s):
    """Unix seconds of a Europe/Warsaw wall time "YYYY-MM-DD HH:MM:SS"."""
    dt = datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
    return int(dt.replace(tzinfo=WAW).timestamp())


def ctl(d, *args, rc=0):
    p = subprocess.run([CTL, "-s", d.sock, "--json"] +
                       [str(a) for a in args], capture_output=True,
                       timeout=60)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return json.loads(p.stdout.decode("utf-8"))


def jump(d, when):
    """Restarts the daemon with its clock at `when` (local wall time)."""
    d.stop()
    d.env["ASYSTENT_FAKE_NOW"] = str(local(when))
    d.start()


def reminders(d, vid):
    return [(r["local"], r["state"]) for r in
            ctl(d, "visit", "show", vid)["visit"]["reminders"]]


def centre(sc, conf=None, open_all_week=True):
    d = sc.daemon(conf=dict(OPEN if open_all_week else {}, **(conf or {})),
                  env={
        "ASYSTENT_FAKE_NOW": str(local("2026-12-07 12:00:00"))})
    c = Centre(sc, d)
    c.anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=ANNA)
    c.fam = c.family("Rodzina Kowalenko", "uk", c.anna,
                     contact="Olena Kowalenko", tg=OLENA)
    return c


def reminder_texts(c):
    return [m for m in c.emu.sent(chat_id=OLENA)
            if m["method"] == "sendMessage" and
            (m.get("text") or "").startswith("Нагадування")]


@suite.test
@scenario()
def test_reminder_on_time_and_confirmed_by_button(sc):
    c = centre(sc)
    d = c.d
    v = ctl(d, "visit", "add", c.fam["code"], "--at", "2026-12-08 12:00",
            "--place", "ul. Długa 5")["visits"][0]
    assert reminders(d, v["id"]) == [("2026-12-07 17:00", "pending"),
                                     ("2026-12-08 10:00", "pending")]
    jump(d, "2026-12-07 16:59:58")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                        (m.get("text") or "").startswith("Нагадування"),
                        timeout=15)
    assert "у вівторок, 8 грудня, о 12:00" in m["text"], m["text"]
    assert "Ваш асистент: Anna." in m["text"], m["text"]
    assert "Місце: ul. Długa 5" in m["text"], m["text"]
    data = [b["callback_data"] for row in
            m["reply_markup"]["inline_keyboard"] for b in row]
    labels = [b["text"] for row in
              m["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Підтверджую", "Не зможу прийти", "Інший час"], labels
    wait_for(lambda: reminders(d, v["id"])[0][1] == "sent", 10, "sent")
    # Confirm: noted, the family thanked, the assistant told at once.
    c.emu.callback(OLENA, data[0], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and m["text"] ==
                    "R-0001 · Olena: potwierdza wizytę we wtorek, "
                    "8 grudnia, o 12:00")
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Дякуємо, ми записали, що ви прийдете.")
    assert ctl(d, "visit", "show", v["id"])["visit"]["answer"] == \
        "confirmed"
    # A second answer to the same reminder changes nothing.
    c.emu.callback(OLENA, data[1], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Вашу відповідь на це нагадування вже записано.")
    c.idle()
    assert ctl(d, "visit", "show", v["id"])["visit"]["answer"] == \
        "confirmed"
    # Only one reminder was sent, and the 2 h one is still to come.
    assert len(reminder_texts(c)) == 1
    assert reminders(d, v["id"])[1] == ("2026-12-08 10:00", "pending")
    # Cancelled: its pending reminder never goes; an old button says so.
    ctl(d, "visit", "cancel", v["id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Ваш візит у вівторок, 8 грудня, о 12:00 скасовано.")
    c.emu.callback(OLENA, data[2], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Цей візит уже не заплановано.")
    jump(d, "2026-12-08 10:00:30")
    c.idle()
    assert len(reminder_texts(c)) == 1
    assert reminders(d, v["id"])[1] == ("2026-12-08 10:00", "void")


@suite.test
@scenario()
def test_another_time_keeps_the_familys_words(sc):
    c = centre(sc)
    d = c.d
    v = ctl(d, "visit", "add", c.fam["code"], "--at", "2026-12-08 12:00",
            "--place", "pokój 12")["visits"][0]
    jump(d, "2026-12-07 16:59:58")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                        (m.get("text") or "").startswith("Нагадування"),
                        timeout=15)
    data = [b["callback_data"] for row in
            m["reply_markup"]["inline_keyboard"] for b in row]
    c.emu.callback(OLENA, data[2], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Напишіть, будь ласка, який день і час вам зручні.")
    # The next message is the time asked for: kept with the visit, and
    # relayed to the assistant as every message is.
    c.emu.message(OLENA, "Четвер після 14:00", language_code="uk")
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                    "Четвер після 14:00" in (m.get("text") or ""))
    c.emu.message(OLENA, "Дякую!", language_code="uk")
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                    "Дякую!" in (m.get("text") or ""))
    c.idle()
    shown = ctl(d, "visit", "show", v["id"])["visit"]
    assert shown["answer"] == "another_time", shown
    assert shown["answer_text"] == "Четвер після 14:00", shown
    # Sealed in the database, never plain.
    raw = d.sql("SELECT answer_text FROM visits WHERE id = ?", (v["id"],))
    assert "Четвер".encode("utf-8") not in bytes(raw[0][0]), raw
    p = subprocess.run([CTL, "-s", d.sock, "visit", "show",
                        str(v["id"])],
                       capture_output=True, timeout=60)
    assert "Четвер після 14:00" in p.stdout.decode("utf-8"), p.stdout
    c.emu.message(ANNA, "/visits")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                        (m.get("text") or "").startswith("Twoje wizyty"))
    assert m["text"].endswith("8.12 12:00 · R-0001 · pokój 12 · "
                              "proszą o inny termin: Четвер після 14:00"), \
        m["text"]


def reminders_off(c):
    return c.d.sql("SELECT announcements, reminders_off FROM members "
                   "WHERE id = ?", (c.fam["members"][0]["id"],))[0]


@suite.test
@scenario()
def test_stop_keeps_reminders_its_button_stops_them(sc):
    c = centre(sc)
    d = c.d
    v = ctl(d, "visit", "add", c.fam["code"], "--at",
            "2026-12-08 12:00")["visits"][0]
    # /stop: announcements off, reminders on, and a button for those.
    c.emu.message(OLENA, "/stop", language_code="uk")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                        (m.get("text") or "").startswith("Готово"),
                        timeout=15)
    assert "Нагадування про ваші візити й надалі" in m["text"], m["text"]
    buttons = [b for row in m["reply_markup"]["inline_keyboard"]
               for b in row]
    assert [b["text"] for b in buttons] == ["Вимкнути й нагадування"]
    c.idle()
    assert reminders_off(c) == (0, 0)
    # The reminder of the family's own visit still comes.
    jump(d, "2026-12-07 16:59:58")
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                    (m.get("text") or "").startswith("Нагадування"),
                    timeout=15)
    wait_for(lambda: reminders(d, v["id"])[0][1] == "sent", 10, "sent")
    # The button: reminders stop too, and the family is told how to
    # turn them on again.
    c.emu.callback(OLENA, buttons[0]["callback_data"], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Готово: нагадувань про візити ви теж більше не "
                    "отримуватимете. Щоб знову ввімкнути оголошення й "
                    "нагадування, надішліть /start.")
    c.idle()
    assert reminders_off(c) == (0, 1)
    # The next one is skipped, counted, never sent.
    jump(d, "2026-12-08 09:59:58")
    wait_for(lambda: reminders(d, v["id"])[1] == ("2026-12-08 10:00",
                                                  "skipped"),
             15, "skipped")
    c.idle()
    assert len(reminder_texts(c)) == 1
    assert "reason=reminders_off" in d.log()
    st = ctl(d, "status")
    assert (st["reminders_dropped"], st["reminders_skipped"]) == (0, 1), st
    # The family's /help says so too.
    c.emu.message(OLENA, "/help", language_code="uk")
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                    "/stop — вимкнути оголошення (і, якщо захочете, "
                    "нагадування про візити)" in (m.get("text") or ""))
    # /start turns both on again.
    c.emu.message(OLENA, "/start", language_code="uk")
    wait_for(lambda: reminders_off(c) == (1, 0), 10, "both on")


@suite.test
@scenario()
def test_down_through_the_moment_sends_or_drops(sc):
    c = centre(sc)
    d = c.d
    far = ctl(d, "visit", "add", c.fam["code"], "--at",
              "2026-12-08 12:00")["visits"][0]
    near = ctl(d, "visit", "add", c.fam["code"], "--at",
               "2026-12-08 10:30")["visits"][0]
    moved = ctl(d, "visit", "add", c.fam["code"], "--at",
                "2026-12-08 11:00")["visits"][0]
    # Moved before its reminders: the new time's are planned.
    ctl(d, "visit", "move", moved["id"], "--at", "2026-12-09 11:00")
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and m["text"] ==
                    "Ваш візит у вівторок, 8 грудня, о 11:00 перенесено. "
                    "Він відбудеться у середу, 9 грудня, о 11:00.")
    # Down from before 17:00 to 09:40 the next morning.
    jump(d, "2026-12-08 09:40:00")
    wait_for(lambda: reminders(d, near["id"]) ==
             [("2026-12-07 17:00", "dropped"),
              ("2026-12-08 08:30", "dropped")], 15, "near dropped")
    wait_for(lambda: reminders(d, far["id"])[0] ==
             ("2026-12-07 17:00", "sent"), 15, "far sent")
    assert reminders(d, far["id"])[1] == ("2026-12-08 10:00", "pending")
    c.idle()
    got = reminder_texts(c)
    assert len(got) == 1 and "о 12:00" in got[0]["text"], got
    assert reminders(d, moved["id"]) == [
        ("2026-12-07 17:00", "void"), ("2026-12-08 09:00", "void"),
        ("2026-12-08 17:00", "pending"), ("2026-12-09 09:00", "pending")]
    assert "event=reminder.dropped" in d.log()
    # Counted from the table: still there after a restart.
    jump(d, "2026-12-08 09:41:00")
    st = ctl(d, "status")
    assert (st["reminders_dropped"], st["reminders_skipped"]) == (2, 0), st
    p = subprocess.run([CTL, "-s", d.sock, "status"], capture_output=True,
                       timeout=60)
    assert "2 dropped, 0 skipped" in p.stdout.decode("utf-8"), p.stdout


@suite.test
@scenario()
def test_morning_agenda_at_the_opening_hour(sc):
    # Office hours as configured by default: 07:30-15:30 on weekdays.
    c = centre(sc, open_all_week=False)
    d = c.d
    ctl(d, "visit", "add", c.fam["code"], "--at", "2026-12-08 12:00",
        "--place", "ul. Długa 5")
    ctl(d, "visit", "add", c.fam["code"], "--at", "2026-12-08 09:00")
    ctl(d, "visit", "add", c.fam["code"], "--at", "2026-12-09 09:00")
    gone = ctl(d, "visit", "add", c.fam["code"], "--at",
               "2026-12-08 11:00")["visits"][0]
    ctl(d, "visit", "cancel", gone["id"])
    jump(d, "2026-12-08 07:29:58")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                        (m.get("text") or "").startswith("Twoje wizyty"),
                        timeout=15)
    assert m["text"] == (
        "Twoje wizyty dzisiaj (wtorek, 8 grudnia):\n"
        "09:00 · R-0001 · Olena · brak odpowiedzi ⚠\n"
        "12:00 · R-0001 · Olena · ul. Długa 5 · brak odpowiedzi ⚠\n"
        "⚠ brak odpowiedzi od wczoraj wieczorem"), m["text"]
    # Once a day, also across a restart.
    jump(d, "2026-12-08 08:00:00")
    c.idle()
    assert len([x for x in c.emu.sent(chat_id=ANNA) if
                (x.get("text") or "").startswith("Twoje wizyty")]) == 1


@suite.test
@scenario()
def test_assistant_plans_from_telegram(sc):
    c = centre(sc)
    d = c.d
    c.emu.message(ANNA, "/visit R-0001 jutro 10:00 biuro pokój 12")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                        (m.get("text") or "").startswith("Wizyta rodziny"))
    assert m["text"] == ("Wizyta rodziny R-0001 we wtorek, 8 grudnia, "
                         "o 10:00. Miejsce: pokój 12. Zapisać?"), m["text"]
    data = [b["callback_data"] for row in
            m["reply_markup"]["inline_keyboard"] for b in row]
    # A draft is no visit yet: not listed, not reminded.
    c.idle()
    assert ctl(d, "visit", "list")["visits"] == []
    c.emu.callback(ANNA, data[0], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and m["text"] ==
                    "Zapisano. Rodzina dostanie przypomnienie.")
    vs = ctl(d, "visit", "list")["visits"]
    assert len(vs) == 1 and vs[0]["kind"] == "office" and \
        vs[0]["place"] == "pokój 12" and \
        vs[0]["local"] == "2026-12-08 10:00", vs
    assert [r["local"] for r in ctl(d, "visit", "show", vs[0]["id"])[
        "visit"]["reminders"]] == ["2026-12-07 17:00", "2026-12-08 08:00"]
    # Pressed again: nothing more is saved.
    c.emu.callback(ANNA, data[1], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and m["text"] ==
                    "Ten wpis nie czeka już na zapisanie.")
    assert len(ctl(d, "visit", "list")["visits"]) == 1
    # Dropped drafts leave nothing.
    c.emu.message(ANNA, "/visit R-0001 środa 9:00")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                        "środę, 9 grudnia, o 9:00" in (m.get("text") or ""))
    c.emu.callback(ANNA, [b["callback_data"] for row in
                          m["reply_markup"]["inline_keyboard"]
                          for b in row][1], m["message_id"])
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                    m["text"] == "Nie zapisano.")
    # Bad input: a clear answer each, nothing planned.
    c.emu.message(ANNA, "/visit R-0099 jutro 10:00")
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                    "R-0099" in (m.get("text") or ""))
    c.emu.message(ANNA, "/visit R-0001 kiedyś 10:00")
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                    (m.get("text") or "").startswith("Użycie: /visit"))
    c.emu.message(ANNA, "/visit R-0001 7.12 9:00")
    c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                    m.get("text") == "Ten termin już minął.")
    c.emu.message(ANNA, "/visits")
    m = c.emu.wait_sent(lambda m: m["chat_id"] == ANNA and
                        (m.get("text") or "").startswith("Twoje wizyty"))
    assert m["text"] == ("Twoje wizyty dziś i w najbliższym tygodniu:\n"
                         "8.12 10:00 · R-0001 · pokój 12 · "
                         "brak odpowiedzi"), m["text"]
    assert len(ctl(d, "visit", "list")["visits"]) == 1


@suite.test
@scenario()
def test_kill9_around_the_moment_sends_once(sc):
    c = centre(sc)
    d = c.d
    before = ctl(d, "visit", "add", c.fam["code"], "--at",
                 "2026-12-08 12:00")["visits"][0]
    # Killed just before the moment: nothing was queued, it goes after.
    jump(d, "2026-12-07 16:59:50")
    d.kill9()
    d.env["ASYSTENT_FAKE_NOW"] = str(local("2026-12-07 17:00:20"))
    d.start()
    wait_for(lambda: reminders(d, before["id"])[0][1] == "sent", 15,
             "sent after the restart")
    c.idle()
    assert len(reminder_texts(c)) == 1
    # Killed just after: the reminder and its outbox row commit together,
    # so a restart sends the row (at most once more, if it was in
    # flight) and never queues the reminder again.
    after = ctl(d, "visit", "add", c.fam["code"], "--at",
                "2026-12-09 12:00")["visits"][0]
    jump(d, "2026-12-08 16:59:59")
    wait_for(lambda: reminders(d, after["id"])[0][1] == "sent", 15,
             "queued")
    d.kill9()
    d.env["ASYSTENT_FAKE_NOW"] = str(local("2026-12-08 17:00:30"))
    d.start()
    c.idle()
    got = [m for m in reminder_texts(c) if "9 грудня" in m["text"]]
    assert 1 <= len(got) <= 2, got
    rows = d.sql("SELECT COUNT(*) FROM outbox WHERE cause = 'reminder' "
                 "AND cause_id IN (SELECT id FROM reminders WHERE "
                 "visit_id = ?)", (after["id"],))[0][0]
    assert rows == 1, rows


@suite.test
@scenario()
def test_blocked_family_gets_the_reminder_by_sms(sc):
    sms = sc.smsapiemu()
    try:
        port = free_port()
        c = centre(sc, dict(sms.daemon_conf(
            sc.dir, "s3cret-callback-path-0123456789", port),
            **{"sms.per_second": 0}))
        d = c.d
        c.api.ok("PATCH", "/v1/members/%d" % c.fam["members"][0]["id"],
                 {"phone": PHONE})
        ctl(d, "visit", "add", c.fam["code"], "--at", "2026-12-08 12:00")
        c.emu.block(OLENA)
        jump(d, "2026-12-07 16:59:58")
        # The SMS wording, which says how to answer by digit, not the
        # Telegram one with its buttons.
        got = sms.wait_sent(lambda m: m["message"].startswith(
            "Нагадування: візит"), timeout=20)
        assert got["to"] == PHONE[1:], got
        assert got["message"].endswith(
            "Надішліть 1 - прийду, 2 - не зможу."), got
        assert "8.12" in got["message"], got
        assert "Ваш асистент" not in got["message"], got
        # Its digit answers the reminder.
        r = sms.mo(PHONE[1:], "48500600700", "2",
                   "http://127.0.0.1:%d/smsapi/mo/%s" %
                   (port, "s3cret-callback-path-0123456789"))
        assert r["http"] == 200, r
        wait_for(lambda: ctl(d, "visit", "list")["visits"][0]["answer"] ==
                 "cannot_come", 15, "answered by SMS")
    finally:
        sms.stop()


if __name__ == "__main__":
    suite.run()
