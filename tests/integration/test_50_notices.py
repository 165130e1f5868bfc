#!/usr/bin/env python3
"""Notices: templates shipped and added by staff, previews with the SMS
cost, sending to one family (reminder lane) or several (broadcast lane),
and the bad input that must queue nothing. Real asystentd, asystentctl
and the Bot API emulator."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from world import Centre  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("notices")
ANNA, OLENA, IRYNA, PIOTR = 7001, 5001, 5002, 5003
OPEN = {"hours.%s" % d: "00:00-24:00" for d in
        ("monday", "tuesday", "wednesday", "thursday", "friday",
         "saturday", "sunday")}

INI = """[pl]
text = Dzień otwarty w ośrodku {date}.\\nMiejsce: {place}
sms = Dzien otwarty {date}: {place}

[uk]
text = День відкритих дверей у центрі {date}.
  Місце: {place}
sms = День відкритих дверей {date}: {place}
"""


def ctl(d, *args, rc=0):
    p = subprocess.run([CTL, "-s", d.sock] + [str(a) for a in args],
                       capture_output=True, timeout=60)
    p.out = p.stdout.decode("utf-8")
    p.err = p.stderr.decode("utf-8")
    assert p.returncode == rc, "%s: exit %d, wanted %d\n%s\n%s" % (
        args, p.returncode, rc, p.out, p.err)
    return p


def jctl(d, *args, rc=0):
    p = subprocess.run([CTL, "-s", d.sock, "--json"] +
                       [str(a) for a in args], capture_output=True,
                       timeout=60)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return json.loads(p.stdout.decode("utf-8"))


def outbox_rows(d):
    return d.sql("SELECT COUNT(*) FROM outbox WHERE cause = 'notice'")[0][0]


@suite.test
@scenario()
def test_templates_added_previewed_edited_and_retired(sc):
    d = sc.daemon(conf=OPEN)
    c = Centre(sc, d)
    ls = jctl(d, "notice", "list")["notices"]
    ids = [n["id"] for n in ls]
    for want in ("benefit-800plus", "benefit-dobry-start", "benefit-housing",
                 "benefit-family", "decision-collect", "documents-bring",
                 "report-change", "residence-deadline", "payment-date"):
        assert want in ids, ids
    # A shipped one in Ukrainian, its SMS variant with encoding and parts.
    p = ctl(d, "notice", "preview", "benefit-800plus", "--lang", "uk",
            "--param", "from=2027-02-01", "--param", "until=2027-04-30")
    assert "з 1 лютого 2027 до 30 квітня 2027" in p.out, p.out
    assert "SMS (UCS-2, 2 part(s)" in p.out, p.out
    pv = jctl(d, "notice", "preview", "payment-date", "--lang", "en",
              "--param", "amount=800", "--param", "date=2027-06-10")
    one = pv["notice"]["preview"][0]
    assert one["text"] == "The payment of PLN 800 will be made on " \
        "10 June 2027.", one
    assert one["sms"]["encoding"] == "GSM-7" and one["sms"]["parts"] == 1

    # Staff's own, from an INI file: a missing language is shown.
    ini = os.path.join(sc.dir, "open-day.ini")
    with open(ini, "w") as f:
        f.write(INI)
    ctl(d, "notice", "add", "open-day", "--file", ini)
    n = jctl(d, "notice", "show", "open-day")["notice"]
    assert n["version"] == 1 and n["languages"] == ["pl", "uk"], n
    assert n["missing"] == ["ru", "en"], n
    assert n["texts"]["uk"]["text"] == \
        "День відкритих дверей у центрі {date}.\nМісце: {place}", n
    assert n["texts"]["pl"]["text"].endswith(".\nMiejsce: {place}"), n
    p = ctl(d, "notice", "preview", "open-day", "--param",
            "date=2027-03-05", "--param", "place=ul. Długa 1")
    assert "[ru]\n  missing: no text in this language" in p.out, p.out
    assert "Dzień otwarty w ośrodku 5 marca 2027." in p.out, p.out
    ctl(d, "notice", "add", "open-day", "--file", ini, rc=3)
    with open(ini, "a") as f:
        f.write("[en]\ntext = Open day at the centre on {date}: {place}\n")
    ctl(d, "notice", "edit", "open-day", "--file", ini)
    n = jctl(d, "notice", "show", "open-day")["notice"]
    assert n["version"] == 2 and n["missing"] == ["ru"], n
    ctl(d, "notice", "edit", "benefit-800plus", "--file", ini, rc=3)
    ctl(d, "notice", "retire", "open-day")
    ctl(d, "notice", "retire", "open-day", rc=3)
    # A template naming a parameter nobody knows is refused.
    with open(ini, "w") as f:
        f.write("[pl]\ntext = Witaj {name}\n")
    p = ctl(d, "notice", "add", "hello", "--file", ini, rc=1)
    assert "unknown parameter {name}" in p.err, p.err
    with open(ini, "w") as f:
        f.write("[xx]\ntext = Hello\n")
    ctl(d, "notice", "add", "hello", "--file", ini, rc=1)
    # A count's plural forms: as many as the language has.
    with open(ini, "w") as f:
        f.write("[pl]\ntext = Masz {days|# dzień|# dni} na odwołanie.\n")
    p = ctl(d, "notice", "add", "appeal", "--file", ini, rc=1)
    assert "{days}: pl needs 3 plural forms (one|few|many), not 2" in \
        p.err, p.err
    with open(ini, "w") as f:
        f.write("[pl]\ntext = Masz {days|# dzień|# dni|# dni} na "
                "odwołanie.\n\n[uk]\ntext = У вас {days|# день|# дні|"
                "# днів}.\n\n[en]\ntext = You have {days|# day|# days}.\n")
    ctl(d, "notice", "add", "appeal", "--file", ini)
    for lang, n, want in (("pl", 22, "Masz 22 dni na odwołanie."),
                          ("pl", 1, "Masz 1 dzień na odwołanie."),
                          ("uk", 21, "У вас 21 день."),
                          ("uk", 11, "У вас 11 днів."),
                          ("en", 1, "You have 1 day.")):
        pv = jctl(d, "notice", "preview", "appeal", "--lang", lang,
                  "--param", "days=%d" % n)
        assert pv["notice"]["preview"][0]["text"] == want, (lang, n, pv)
    assert outbox_rows(d) == 0


@suite.test
@scenario()
def test_send_to_one_family_and_to_several(sc):
    d = sc.daemon(conf=OPEN)
    c = Centre(sc, d)
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=ANNA)
    f1 = c.family("Rodzina Melnyk", "uk", assistant=anna, tg=OLENA,
                  contact="Olena Melnyk")
    f2 = c.family("Rodzina Bondar", "uk", assistant=anna, tg=IRYNA,
                  contact="Iryna Bondar")
    f3 = c.family("Rodzina Nowak", "pl", assistant=anna, tg=PIOTR,
                  contact="Piotr Nowak")
    f4 = c.family("Rodzina Bez Telegramu", "pl", assistant=anna)
    # One family: the reminder lane, in its language.
    out = jctl(d, "notice", "send", "decision-collect", "--family",
               f1["code"], "--param", "date=2027-02-01", "--param",
               "place=MOPS, pok. 12")
    assert out["priority"] == "reminder" and out["queued"] == 1, out
    got = c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                          "Рішення у вашій справі готове" in
                          (m["text"] or ""))
    assert "з 1 лютого 2027: MOPS, pok. 12" in got["text"], got
    assert d.sql("SELECT priority FROM outbox WHERE id = ?",
                 (out["families"][0]["outbox_id"],))[0][0] == 1

    # Iryna turned announcements off: skipped and counted, not queued.
    c.emu.message(IRYNA, "/stop")
    c.idle()
    out = jctl(d, "notice", "send", "payment-date", "--family", f1["code"],
               "--family", f2["code"], "--family", f3["code"], "--family",
               f4["code"], "--param", "amount=800", "--param",
               "date=2027-06-10")
    assert out["priority"] == "broadcast", out
    assert out["queued"] == 2 and out["skipped"] == 2, out
    skipped = {x["code"]: x["skipped"] for x in out["families"]}
    assert skipped == {f1["code"]: None, f2["code"]: "opted_out",
                       f3["code"]: None, f4["code"]: "unreachable"}, skipped
    c.emu.wait_sent(lambda m: m["chat_id"] == PIOTR and
                    m["text"] == "Wypłata w kwocie 800 zł nastąpi "
                    "10 czerwca 2027.")
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                    "800 зл" in (m["text"] or ""))
    c.idle()
    assert not [m for m in c.emu.sent(chat_id=IRYNA)
                if "800" in (m["text"] or "")]
    n = d.sql("SELECT COUNT(*) FROM outbox WHERE cause = 'notice' AND "
              "priority = 2")[0][0]
    assert n == 2, n


@suite.test
@scenario()
def test_bad_input_queues_nothing(sc):
    d = sc.daemon(conf=OPEN)
    c = Centre(sc, d)
    anna = c.staff("Anna Nowak", "family_assistant", ["pl"], tg=ANNA)
    f1 = c.family("Rodzina Melnyk", "ru", assistant=anna, tg=OLENA,
                  contact="Olena Melnyk")
    base = ["--family", f1["code"]]
    cases = [
        (["notice", "send", "no-such"] + base, 2, "no such notice"),
        (["notice", "send", "payment-date"] + base +
         ["--param", "amount=800"], 1, 'missing parameter "date"'),
        (["notice", "send", "payment-date"] + base +
         ["--param", "amount=800", "--param", "date=2027-02-30"], 1,
         "date: not a date"),
        (["notice", "send", "payment-date"] + base +
         ["--param", "amount=800", "--param", "date=2027-02-03",
          "--param", "colour=red"], 1, 'unknown parameter "colour"'),
        (["notice", "send", "payment-date"] + base +
         ["--param", "amount=800", "--param", "date=2027-02-03",
          "--param", "place=x"], 1, "not used"),
        (["notice", "send", "payment-date", "--family", "R-9999",
          "--param", "amount=8", "--param", "date=2027-02-03"], 2, ""),
        (["notice", "preview", "payment-date", "--param", "amount=8e3"],
         1, "amount"),
    ]
    for args, rc, words in cases:
        p = ctl(d, *args, rc=rc)
        assert words in p.err, (args, p.err)
    # A staff template without Russian: refused for a Russian family,
    # unless a fallback language is named.
    c.api.ok("POST", "/v1/notices", {"id": "open-day", "texts": {
        "pl": {"text": "Dzień otwarty {date}."}}}, status=201)
    p = ctl(d, "notice", "send", "open-day", *base, "--param",
            "date=2027-03-05", rc=1)
    assert "no ru text" in p.err, p.err
    assert outbox_rows(d) == 0
    # Nothing was queued by any of it; the fallback then sends Polish.
    out = jctl(d, "notice", "send", "open-day", *base, "--param",
               "date=2027-03-05", "--fallback", "pl")
    assert out["families"][0]["language"] == "pl", out
    c.emu.wait_sent(lambda m: m["chat_id"] == OLENA and
                    m["text"] == "Dzień otwarty 5 marca 2027.")
    assert outbox_rows(d) == 1


if __name__ == "__main__":
    suite.run()
