#!/usr/bin/env python3
"""asystentctl against a running asystentd and the Bot API emulator.

Drives the real client over the admin socket: status, staff, families,
programmes, invitations redeemed from the emulator, CSV import of 1 000
families, every bad input of issue 4 with its exit status, the daemon not
running, help; and checks the database holds no names or phones in plain.
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import BUILD, Suite, scenario, wait_for  # noqa: E402
from harness import ctl_json as j, ctl_run as run  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("asystentctl")

STAFF_NAME = "Agnieszka Wiśniewska"
STAFF2_NAME = "Олена Коваленко"
FAMILY_NAME = "Rodzina Łukaszewiczów"
CONTACT_NAME = "Łucja Żółtowska"
CONTACT_PHONE = "+48 601 234 567"
CONTACT_E164 = "+48601234567"
OTHER_NAME = "Шевченко Тарас"


def one_line_error(p, *words):
    lines = p.err.splitlines()
    assert lines and lines[0].startswith("asystentctl: "), p.err
    for w in words:
        assert w in lines[0], (w, p.err)


def usage_error(d, *args):
    p = run(d, *args, rc=1)
    assert "usage: asystentctl" in p.err, p.err
    assert p.out == "", p.out
    return p


def columns_aligned(text, titles):
    """Every title starts at the same character offset in every row."""
    lines = text.rstrip("\n").split("\n")
    head = lines[0]
    starts = [head.index(t) for t in titles]
    for line in lines[1:]:
        for s in starts[1:]:
            assert line[s - 2:s] == "  " and line[s] != " ", \
                "misaligned at %d: %r\n%s" % (s, line, text)
    return lines


def counts(d):
    return (len(j(d, "staff", "list")["staff"]),
            len(j(d, "family", "list")["families"]))


@scenario()
def test_status_staff_family_programme_invite(sc):
    d = sc.daemon()
    st = j(d, "status")
    assert st["version"] and st["uptime_s"] >= 0, st
    assert "queued" in st["outbox"] and "state" in st["telegram"], st
    p = run(d, "status")
    assert p.out.startswith("version:"), p.out
    assert "\nlanes:" in p.out and "\nauth paused:     no\n" in p.out, p.out
    assert st["lanes"]["conversation"]["queued"] == 0, st
    assert st["outcomes_held"] == 0, st
    # The thorough check, on demand.
    ck = j(d, "check")
    assert ck["integrity"] == "ok" and ck["problems"] == [], ck
    assert run(d, "check").out.startswith("integrity: ok"), \
        run(d, "check").out

    s1 = j(d, "staff", "add", STAFF_NAME, "--kind", "family_assistant",
           "--lang", "pl,uk")["staff"]
    assert s1["name"] == STAFF_NAME and s1["languages"] == ["pl", "uk"], s1
    s2 = j(d, "staff", "add", STAFF2_NAME, "--kind",
           "integration_assistant", "--lang", "uk,ru")["staff"]
    fam = j(d, "family", "add", FAMILY_NAME, "--lang", "uk", "--channel",
            "telegram", "--contact", CONTACT_NAME, "--phone", CONTACT_PHONE,
            "--assistant", s1["id"], "--notes", "wizyta co tydzień")["family"]
    code = fam["code"]
    assert code.startswith("R-"), fam
    assert fam["assistant"]["id"] == s1["id"], fam
    j(d, "family", "add", OTHER_NAME, "--lang", "ru", "--channel", "sms",
      "--contact", OTHER_NAME, "--phone", "+380 50 123 4567")

    # Both output forms of the lists.
    j(d, "staff", "edit", s2["id"], "--unix-user", "daemon")
    p = run(d, "staff", "list")
    lines = columns_aligned(p.out, ["ID", "NAME", "KIND", "ROLE",
                                    "UNIX USER", "LANGUAGES"])
    assert len(lines) == 3 and STAFF_NAME in p.out and STAFF2_NAME in p.out
    row2 = [x for x in lines if STAFF2_NAME in x][0]
    assert " assistant " in row2 and " daemon " in row2, row2
    listed = {s["id"]: s for s in j(d, "staff", "list")["staff"]}
    assert listed[s1["id"]]["role"] == "assistant", listed
    assert listed[s1["id"]]["unix_user"] is None, listed
    assert listed[s2["id"]]["unix_user"] == "daemon", listed
    assert listed[s2["id"]]["programmes"] == [], listed
    p = run(d, "family", "list")
    lines = columns_aligned(p.out, ["ID", "CODE", "NAME", "CONTACT", "LANG"])
    assert FAMILY_NAME in p.out and OTHER_NAME in p.out, p.out
    fams = j(d, "family", "list")["families"]
    assert {f["name"] for f in fams} == {FAMILY_NAME, OTHER_NAME}, fams
    only = j(d, "family", "list", "--assistant", s1["id"])["families"]
    assert [f["code"] for f in only] == [code], only
    only = j(d, "family", "list", "--channel", "sms")["families"]
    assert [f["name"] for f in only] == [OTHER_NAME], only

    # show: key: value lines; the phone in full.
    p = run(d, "family", "show", code)
    assert "code:" in p.out and FAMILY_NAME in p.out, p.out
    assert CONTACT_E164 in p.out, p.out
    shown = j(d, "family", "show", code)["family"]
    assert shown["members"][0]["phone"] == CONTACT_E164, shown
    assert shown["members"][0]["contact"] is True, shown
    p = run(d, "staff", "show", s2["id"])
    assert "name:" in p.out and STAFF2_NAME in p.out, p.out

    # Programmes.
    pr = j(d, "programme", "add", "Aktywna Integracja", "--group",
           "families", "--group", "poverty")["programme"]
    assert pr["groups"] == ["families", "poverty"], pr
    j(d, "programme", "enrol", pr["id"], code, "--group", "families",
      "--from", "2025-03-01")
    run(d, "programme", "enrol", pr["id"], code, rc=3)
    shown = j(d, "programme", "show", pr["id"])
    assert [f["code"] for f in shown["families"]] == [code], shown
    assert "Aktywna Integracja" in run(d, "programme", "list").out
    fam = j(d, "family", "show", code)["family"]
    assert fam["programmes"][0]["programme_id"] == pr["id"], fam
    only = j(d, "family", "list", "--programme", pr["id"])["families"]
    assert [f["code"] for f in only] == [code], only

    # Edits.
    j(d, "staff", "edit", s2["id"], "--active", "no")
    assert j(d, "staff", "show", s2["id"])["staff"]["active"] is False
    j(d, "family", "assign", code, s1["id"], "--substitute", s2["id"])
    fam = j(d, "family", "assign", code, s1["id"],
            "--no-substitute")["family"]
    assert fam["substitute"] is None, fam
    m = j(d, "member", "add", code, "Petro Kovalenko", "--phone",
          "0048 602-345-678")["member"]
    assert m["phone"] == "+48602345678", m
    j(d, "member", "edit", m["id"], "--no-phone")
    j(d, "member", "remove", m["id"])

    # Invitation: the link and the code on labelled lines, then redeemed.
    p = run(d, "family", "invite", code)
    link = [ln for ln in p.out.splitlines() if ln.startswith("link:")]
    codes = [ln for ln in p.out.splitlines() if ln.startswith("code:")]
    assert len(link) == 1 and len(codes) == 1, p.out
    inv_code = codes[0].split(":", 1)[1].strip()
    url = link[0].split(":", 1)[1].strip()
    assert url.startswith("https://t.me/") and \
        url.endswith("?start=" + inv_code), p.out
    sc.emu.message(5001, "/start " + inv_code, first_name="Łucja",
                   language_code="uk")
    greeting = sc.emu.wait_sent(lambda m: True, chat_id=5001)
    assert greeting["text"], greeting
    wait_for(lambda: j(d, "family", "show", code)["family"]["members"][0]
             ["telegram_linked"], 10, "member linked")
    inv = j(d, "staff", "invite", s1["id"], "--ttl-days", "3")["invitation"]
    assert inv["for"] == "staff" and inv["link"].endswith(inv["code"]), inv

    # The database holds none of it in plain.
    d.stop()
    blob = b""
    for path in (d.db, d.db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                blob += f.read()
    assert len(blob) > 0
    for secret in (STAFF_NAME, STAFF2_NAME, FAMILY_NAME, CONTACT_NAME,
                   OTHER_NAME, "Petro Kovalenko", CONTACT_E164, "601234567",
                   "501234567", "602345678", "wizyta co tydzień"):
        assert secret.encode("utf-8") not in blob, \
            "%r is in the database in plain" % secret


def write_csv(path, rows, header="Rodzina;Osoba;Telefon;Język;Kanał;"
              "Asystent;Program;Grupa"):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff" + header + "\r\n")
        for r in rows:
            f.write(";".join(r) + "\r\n")


@scenario()
def test_import_thousand_families_twice_and_a_bad_line(sc):
    d = sc.daemon()
    sid = j(d, "staff", "add", STAFF_NAME, "--kind",
            "family_assistant")["staff"]["id"]
    pid = j(d, "programme", "add", "Wielokulturowy Sopot", "--group",
            "rodziny")["programme"]["id"]
    langs = ["pl", "uk", "ru", "en"]
    rows = []
    for i in range(1000):
        rows.append(["Rodzina nr %d" % i,
                     "\"Osoba; \"\"%d\"\"\"" % i,
                     "600 %03d %03d" % (i // 1000, i % 1000),
                     langs[i % 4], "sms" if i % 2 else "telegram",
                     str(sid) if i % 3 else STAFF_NAME,
                     "Wielokulturowy Sopot" if i % 5 == 0 else "",
                     "rodziny" if i % 10 == 0 else ""])
    good = os.path.join(sc.dir, "rodziny.csv")
    write_csv(good, rows)

    p = run(d, "family", "import", good, "--dry-run")
    assert p.out.strip() == "would create 1000 families (0 already exist)", \
        p.out
    assert counts(d)[1] == 0
    t0 = time.monotonic()
    p = run(d, "family", "import", good)
    took = time.monotonic() - t0
    assert p.out.strip() == "created 1000 families (0 already existed)", \
        p.out
    assert took < 30, "import took %.1f s" % took
    fams = j(d, "family", "list")["families"]
    assert len(fams) == 1000, len(fams)
    one = [f for f in fams if f["name"] == "Rodzina nr 7"][0]
    full = j(d, "family", "show", one["code"])["family"]
    assert full["members"][0]["name"] == "Osoba; \"7\"", full
    assert full["members"][0]["phone"] == "+48600000007", full
    assert full["assistant"]["id"] == sid, full
    assert len(j(d, "family", "list", "--programme", pid)["families"]) == 200

    p = run(d, "family", "import", good)
    assert p.out.strip() == "created 0 families (1000 already existed)", \
        p.out
    assert counts(d)[1] == 1000

    # A bad phone on line 7 (the 6th family): nothing is created.
    bad_rows = [["Nowa %d" % i, "Kontakt %d" % i, "700 000 %03d" % i, "pl",
                 "sms", str(sid), "", ""] for i in range(10)]
    bad_rows[5][2] = "12-ab"
    bad = os.path.join(sc.dir, "bad.csv")
    write_csv(bad, bad_rows)
    p = run(d, "family", "import", bad, rc=1)
    assert "bad.csv:7: phone:" in p.err, p.err
    assert counts(d)[1] == 1000
    answer = j(d, "family", "import", bad, rc=1)
    assert answer["error"]["details"][0]["line"] == 7, answer

    # The file's own faults are found before any request.
    missing = os.path.join(sc.dir, "missing.csv")
    write_csv(missing, [["A", "B", "pl"]], header="Rodzina;Osoba;Język")
    p = run(d, "family", "import", missing, rc=1)
    assert "missing.csv:1: missing column channel" in p.err, p.err
    ragged = os.path.join(sc.dir, "ragged.csv")
    write_csv(ragged, [["A", "B", "1", "pl", "sms", "", "", ""],
                       ["C", "D", "pl"]])
    p = run(d, "family", "import", ragged, rc=1)
    assert "ragged.csv:3: expected 8 fields, found 3" in p.err, p.err
    latin2 = os.path.join(sc.dir, "latin2.csv")
    with open(latin2, "wb") as f:
        f.write("rodzina,osoba,język,kanał\n".encode() +
                "Michał,Ła,pl,sms\n".encode("cp1250"))
    p = run(d, "family", "import", latin2, rc=1)
    assert "latin2.csv:2: invalid UTF-8" in p.err, p.err
    assert counts(d)[1] == 1000


@scenario()
def test_every_bad_input_has_its_exit_status(sc):
    d = sc.daemon()
    sid = j(d, "staff", "add", STAFF_NAME, "--kind",
            "coordinator")["staff"]["id"]
    fam = j(d, "family", "add", FAMILY_NAME, "--lang", "pl", "--channel",
            "sms", "--contact", CONTACT_NAME, "--phone",
            CONTACT_PHONE)["family"]
    pid = j(d, "programme", "add", "Aktywna Integracja")["programme"]["id"]
    before = counts(d)

    # Missing and extra arguments: usage on stderr, no request.
    for args in (["staff", "add"], ["staff", "add", "X"],
                 ["staff", "show"], ["staff", "show", "1", "2"],
                 ["staff", "list", "extra"], ["staff", "edit", sid],
                 ["staff", "show", "abc"], ["staff"], ["nosuch"],
                 ["family", "nosuch"],
                 ["family", "add", "X", "--lang", "pl", "--channel", "sms"],
                 ["family", "assign", fam["code"]],
                 ["member", "add", fam["code"]],
                 ["programme", "enrol", "1"], ["outbox", "retry"],
                 ["staff", "list", "--bogus"],
                 ["staff", "edit", sid, "--active", "maybe"],
                 ["staff", "invite", sid, "--ttl-days", "x"],
                 ["member", "edit", "1", "--phone", "1", "--no-phone"]):
        usage_error(d, *args)

    # Unknown ids: 2.
    for args in (["staff", "show", 99999], ["staff", "disable", 99999],
                 ["family", "show", "R-9999"], ["family", "show", 99999],
                 ["family", "remove", "R-9999"],
                 ["family", "invite", fam["code"], "--member", 99999],
                 ["member", "edit", 99999, "--name", "X"],
                 ["programme", "show", 99999],
                 ["programme", "enrol", 99999, fam["code"]],
                 ["outbox", "retry", 99999],
                 ["family", "assign", fam["code"], 99999]):
        one_line_error(run(d, *args, rc=2))
    err = j(d, "staff", "show", 99999, rc=2)
    assert err["error"]["code"] == "not_found", err

    # Duplicate phone numbers, written differently: 3.
    one_line_error(run(d, "family", "add", OTHER_NAME, "--lang", "uk",
                       "--channel", "sms", "--contact", OTHER_NAME,
                       "--phone", "601-234-567", rc=3))
    one_line_error(run(d, "member", "add", fam["code"], OTHER_NAME,
                       "--phone", "0048601234567", rc=3))
    err = j(d, "member", "add", fam["code"], OTHER_NAME, "--phone",
            CONTACT_E164, rc=3)
    assert err["error"]["code"] == "conflict", err

    # Values the daemon refuses: 1, one line.
    for args, word in (
            (["family", "add", "X", "--lang", "pl", "--channel", "sms",
              "--contact", "Y", "--phone", "12ab"], "phone"),
            (["family", "add", "X", "--lang", "pl", "--channel", "sms",
              "--contact", "Y", "--phone", "+48 12"], "phone"),
            (["family", "add", "X", "--lang", "xx", "--channel", "sms",
              "--contact", "Y"], "language"),
            (["family", "add", "X", "--lang", "pl", "--channel", "fax",
              "--contact", "Y"], "channel"),
            (["staff", "add", "X", "--kind", "pilot"], "kind"),
            (["staff", "add", "X", "--kind", "coordinator", "--lang", "de"],
             "language"),
            (["staff", "add", "x" * 300, "--kind", "coordinator"], "name"),
            (["staff", "add", "Anna\x07Nowak", "--kind", "coordinator"],
             "name"),
            (["family", "edit", fam["code"], "--name", "Ł" * 201], "name"),
            (["member", "add", fam["code"], "A\x1b[2J"], "name"),
            (["programme", "enrol", pid, fam["code"], "--from",
              "2025-13-45"], "")):
        p = run(d, *args, rc=1)
        one_line_error(p, word)
        assert "usage:" not in p.err, p.err
    err = j(d, "staff", "add", "x" * 300, "--kind", "coordinator", rc=1)
    assert err["error"]["code"] == "invalid", err

    # Nothing changed; the daemon still answers.
    assert counts(d) == before
    j(d, "status")
    assert d.proc.poll() is None


@scenario()
def test_daemon_not_running_exits_69(sc):
    d = sc.daemon(start=False)
    p = run(d, "status", rc=69)
    assert p.err == "asystentctl: asystentd is not running on %s\n" \
        % d.sock, p.err
    # A socket file nobody listens on: ECONNREFUSED, the same answer.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(d.sock)
    s.close()
    p = run(d, "staff", "list", rc=69)
    assert p.err == "asystentctl: asystentd is not running on %s\n" \
        % d.sock, p.err
    os.unlink(d.sock)
    p = run(d, "--json", "status", rc=69)
    assert json.loads(p.out)["error"]["code"] == "unavailable", p.out
    # From the config file, as staff would run it.
    p = subprocess.run([CTL, "-c", d.conf, "status"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 69, p
    assert p.stderr == "asystentctl: asystentd is not running on %s\n" \
        % d.sock, p.stderr
    # Usage errors come first: no socket needed.
    usage_error(d, "staff", "show")
    # Started, then stopped.
    d.start()
    j(d, "status")
    d.stop()
    run(d, "status", rc=69)


@scenario()
def test_socket_without_permission_exits_69(sc):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        print("skip: needs root and setpriv to act as another user")
        return
    d = sc.daemon()
    os.chmod(sc.dir, 0o755)
    os.chmod(d.sock, 0o660)
    p = run(d, "status", rc=69, user=65534)
    assert p.err == "asystentctl: permission denied on %s (are you in " \
        "group asystent?)\n" % d.sock, p.err


@scenario()
def test_help_and_usage(sc):
    d = sc.daemon(start=False)
    p = run(d, "help")
    for word in ("staff add", "family import", "programme enrol",
                 "outbox retry", "member edit", "member consent", "status"):
        assert word in p.out, (word, p.out)
    p = run(d, "help", "family")
    assert "family add" in p.out and "staff add" not in p.out, p.out
    p = run(d, "help", "family", "import")
    assert p.out.startswith("usage: asystentctl family import FILE.csv"), \
        p.out
    p = run(d, "family", "add", "--help")
    assert p.out.startswith("usage: asystentctl family add NAME"), p.out
    p = run(d, "staff", "--help")
    assert "staff invite" in p.out, p.out
    p = run(d, "--help")
    assert "COMMAND" in p.out, p.out
    usage_error(d, "help", "nosuch")
    usage_error(d)


CONSENT_REF = "ZG/2025/0042"


@scenario()
def test_member_consent_and_outbox_delivery(sc):
    # Telegram out of reach: nothing of it is in flight at the stop below.
    d = sc.daemon(conf={"telegram.api_root": "http://127.0.0.1:9"})
    fam = j(d, "family", "add", FAMILY_NAME, "--lang", "pl", "--channel",
            "sms", "--contact", CONTACT_NAME, "--phone", CONTACT_PHONE
            )["family"]
    mid = fam["members"][0]["id"]
    other = j(d, "member", "add", fam["code"], OTHER_NAME)["member"]
    # Recorded: the member's `show` lines carry the date and reference.
    p = run(d, "member", "consent", mid, "--date", "2025-03-14", "--ref",
            CONSENT_REF)
    assert "\nconsent:  2025-03-14 ref %s\n" % CONSENT_REF in p.out, p.out
    m = j(d, "member", "consent", mid, "--date", "2025-03-14", "--ref",
          CONSENT_REF, "--version", "2025-01")["member"]
    assert m["consent"]["ref"] == CONSENT_REF, m
    assert m["consent"]["version"] == "2025-01", m
    # family show: a CONSENT column with the version, "none" for the
    # member without one; then announcements and the last channel.
    p = run(d, "family", "show", fam["code"])
    section = p.out.split("\nmembers:\n", 1)[1].split("\n\n", 1)[0]
    lines = columns_aligned(section, ["ID", "NAME", "PHONE", "CONTACT",
                                      "TELEGRAM", "CONSENT"])
    assert "2025-03-14 version 2025-01 ref %s" % CONSENT_REF in lines[1], \
        lines
    assert " none " in lines[2], lines
    # Bad input: usage errors before any request, then the API's codes.
    usage_error(d, "member", "consent", mid, "--date", "2025-03-14")
    usage_error(d, "member", "consent", mid, "--ref", CONSENT_REF)
    usage_error(d, "member", "consent", mid)
    usage_error(d, "member", "consent", mid, "--withdraw", "--date",
                "2025-03-14")
    usage_error(d, "member", "consent", mid, "--withdraw", "--withdraw")
    usage_error(d, "member", "consent", "--withdraw")
    usage_error(d, "member", "consent", "x", "--withdraw")
    p = run(d, "member", "consent", mid, "--date", "2999-01-01", "--ref",
            CONSENT_REF, rc=1)
    one_line_error(p, "future")
    p = run(d, "member", "consent", mid, "--date", "2025-02-30", "--ref",
            CONSENT_REF, rc=1)
    one_line_error(p, "date")
    run(d, "member", "consent", mid, "--date", "2025-03-14", "--ref", "",
        rc=1)
    run(d, "member", "consent", 9999, "--date", "2025-03-14", "--ref",
        CONSENT_REF, rc=2)
    run(d, "member", "consent", 9999, "--withdraw", rc=2)
    run(d, "member", "consent", other["id"], "--withdraw", rc=3)
    # Withdrawn.
    p = run(d, "member", "consent", mid, "--withdraw")
    assert "\nconsent:  none\n" in p.out, p.out
    assert j(d, "family", "show", fam["code"])["family"]["members"][0][
        "consent"] is None
    run(d, "member", "consent", mid, "--withdraw", rc=3)
    p = run(d, "help", "member", "consent")
    assert p.out.startswith("usage: asystentctl member consent MEMBER "
                            "--date YYYY-MM-DD --ref REF"), p.out
    assert "--withdraw" in p.out, p.out

    # The outbox: what the SMS gateways reported, in a DELIVERY column.
    assert d.stop() == 0
    t = int(time.time()) * 1000
    con = sqlite3.connect(d.db)
    for oid, ch, state, dlr, code in ((1, 1, 2, None, None),
                                      (2, 2, 2, 2, "1"),
                                      (3, 2, 2, 3, "405"),
                                      (4, 2, 2, 1, None),
                                      (5, 2, 2, 4, None)):
        con.execute("INSERT INTO outbox (id, created_at, state, priority, "
                    "channel, chat_key, method, cause, sent_at, delivery, "
                    "delivery_code, delivery_at) VALUES (?, ?, ?, 0, ?, "
                    "?, 'sendMessage', 'test', ?, ?, ?, ?)",
                    (oid, t, state, ch, b"\x01" * 32, t, dlr, code,
                     t if dlr else None))
    con.commit()
    con.close()
    d.start()
    wait_for(lambda: d.log().count("event=started") == 2, 10, "restart")
    p = run(d, "outbox", "list")
    lines = columns_aligned(p.out, ["ID", "STATE", "LANE", "CHANNEL",
                                    "METHOD", "ATTEMPTS", "ERROR",
                                    "CREATED", "SENT", "DELIVERY",
                                    "CAUSE"])
    col = lines[0].index("DELIVERY")
    cells = {ln.split()[0]: ln[col:].split("  ")[0] for ln in lines[1:]}
    assert cells == {"5": "expired", "4": "queued",
                     "3": "failed (405)", "2": "delivered", "1": "-"}, cells
    rows = j(d, "outbox", "list", "--channel", "sms")["outbox"]
    assert [r["id"] for r in rows] == [5, 4, 3, 2], rows
    assert rows[2]["delivery"] == "failed" and \
        rows[2]["delivery_code"] == "405", rows
    rows = j(d, "outbox", "list", "--channel", "telegram")["outbox"]
    assert [r["id"] for r in rows] == [1], rows
    p = run(d, "outbox", "list", "--channel", "fax", rc=1)
    one_line_error(p, "channel")
    p = run(d, "help", "outbox", "list")
    assert "--channel" in p.out, p.out


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            suite.test(fn)
    suite.run()
