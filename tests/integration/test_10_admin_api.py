#!/usr/bin/env python3
"""The admin API (doc/admin-api.md) driven directly over its Unix socket.

A real asystentd runs against the Bot API emulator. Staff, families,
members, programmes and invitations are created through the API; codes are
redeemed with /start from emulated users; every kind of bad input must be
refused with the right status and leave the database as it was; the audit
rows carry the caller's uid and nothing personal; the database file never
holds a name or a phone number in plain.
"""
import errno
import json
import os
import signal
import socket
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api, UnixHTTPConnection  # noqa: E402,F401
from harness import Suite, scenario, wait_for  # noqa: E402

suite = Suite("admin_api")

TABLES = ("staff", "families", "members", "programmes", "programme_groups",
          "enrolments", "invitations", "audit", "invite_failures")

# Everything personal the tests send; none may reach the file in plain.
NAMES = ["Anna Nowak", "Petro Bondarenko", "Rodzina Kowalskich",
         "Olena Kowalska", "Iryna Kowalska", "Rodzina Szewczenko",
         "Taras Szewczenko", "Notatka poufna 77"]
PHONES = ["+48601234567", "601234567", "+380671234567", "671234567",
          "+48602000111", "602000111"]


def finish(d):
    """A clean stop; under `make check` a leak or error makes it fail."""
    rc = d.stop()
    assert rc == 0, "asystentd exited %s: %s" % (rc, d.log()[-3000:])


def counts(d):
    return {t: d.sql("SELECT COUNT(*) FROM %s" % t)[0][0] for t in TABLES}


def setup_people(api):
    anna = api.ok("POST", "/v1/staff", {
        "name": "Anna Nowak", "kind": "family_assistant",
        "languages": ["pl", "uk"]})["staff"]
    petro = api.ok("POST", "/v1/staff", {
        "name": "Petro Bondarenko", "kind": "integration_assistant",
        "languages": ["uk", "ru"]})["staff"]
    fam = api.ok("POST", "/v1/families", {
        "name": "Rodzina Kowalskich", "language": "uk",
        "channel": "telegram", "assistant_id": anna["id"],
        "notes": "Notatka poufna 77",
        "contact": {"name": "Olena Kowalska", "phone": "601 234 567"}}
    )["family"]
    return anna, petro, fam


@suite.test
@scenario()
def test_staff_families_members(sc):
    d = sc.daemon()
    api = Api(d)
    st = api.ok("GET", "/v1/status")
    assert st["version"] and "telegram" in st and "outbox" in st, st
    assert set(st["outbox"]) == {"queued", "sending", "sent", "failed"}
    anna, petro, fam = setup_people(api)
    assert anna["languages"] == ["pl", "uk"] and anna["active"], anna
    assert fam["code"] == "R-0001", fam
    assert fam["assistant"] == {"id": anna["id"], "name": "Anna Nowak"}
    m0 = fam["members"][0]
    assert m0["phone"] == "+48601234567" and m0["contact"], m0
    # Members: add with a Ukrainian number, edit, clear the phone.
    m = api.ok("POST", "/v1/families/R-0001/members", {
        "name": "Iryna Kowalska", "phone": "+380 67 123 45 67"})["member"]
    assert m["phone"] == "+380671234567", m
    m = api.ok("PATCH", "/v1/members/%d" % m["id"], {"phone": None})
    assert m["member"]["phone"] is None, m
    # A second family by id and by code, assign, edit.
    f2 = api.ok("POST", "/v1/families", {
        "name": "Rodzina Szewczenko", "language": "ru", "channel": "sms",
        "contact": {"name": "Taras Szewczenko", "phone": "0048602000111"}}
    )["family"]
    assert f2["code"] == "R-0002" and f2["assistant"] is None, f2
    f2 = api.ok("POST", "/v1/families/%d/assign" % f2["id"], {
        "assistant_id": petro["id"], "substitute_id": anna["id"]})["family"]
    assert f2["assistant"]["id"] == petro["id"], f2
    assert f2["substitute"]["id"] == anna["id"], f2
    f2 = api.ok("POST", "/v1/families/R-0002/assign", {
        "assistant_id": petro["id"], "substitute_id": None})["family"]
    assert f2["substitute"] is None, f2
    f2 = api.ok("PATCH", "/v1/families/R-0002", {"language": "uk",
                                                 "channel": "telegram"})
    assert f2["family"]["language"] == "uk", f2
    # Lists: phones masked, filters each narrow the list.
    fams = api.ok("GET", "/v1/families")["families"]
    assert len(fams) == 2, fams
    assert "*" in fams[0]["members"][0]["phone"], fams[0]
    assert fams[0]["members"][0]["phone"] != "+48601234567"
    by = lambda q: [f["code"] for f in  # noqa: E731
                    api.ok("GET", "/v1/families?" + q)["families"]]
    assert by("assistant=%d" % anna["id"]) == ["R-0001"]
    assert by("assistant=%d" % petro["id"]) == ["R-0002"]
    assert by("language=uk") == ["R-0001", "R-0002"]
    assert by("language=pl") == []
    assert by("channel=telegram") == ["R-0001", "R-0002"]
    staff = api.ok("GET", "/v1/staff")["staff"]
    assert [s["families"] for s in staff] == [1, 1], staff
    # Disable, then staff show; a disabled member cannot be invited.
    s = api.ok("POST", "/v1/staff/%d/disable" % petro["id"])["staff"]
    assert not s["active"], s
    api.err("POST", "/v1/staff/%d/invite" % petro["id"], {}, 409,
            "conflict")
    # Remove a member, then the last member is refused, then the family.
    fam = api.ok("GET", "/v1/families/R-0001")["family"]
    assert len(fam["members"]) == 2
    api.ok("DELETE", "/v1/members/%d" % fam["members"][1]["id"])
    api.err("DELETE", "/v1/members/%d" % fam["members"][0]["id"], None, 409,
            "conflict")
    assert api.ok("DELETE", "/v1/families/R-0002") == {"deleted": f2[
        "family"]["id"]}
    api.err("GET", "/v1/families/R-0002", None, 404, "not_found")
    assert d.sql("SELECT COUNT(*) FROM members WHERE family_id = ?",
                 (f2["family"]["id"],))[0][0] == 0
    # A NUL inside a string is refused, never stored cut ("Anna").
    n = d.sql("SELECT COUNT(*) FROM staff")[0][0]
    api.err("POST", "/v1/staff", {"name": "Anna\u0000Nowak",
                                  "kind": "family_assistant"}, 400,
            "bad_request")
    api.err("POST", "/v1/families", {
        "name": "Rodzina Zero", "language": "pl", "channel": "sms",
        "contact": {"name": "Jan Zero", "phone": "600 100 999\u0000junk"}},
        400, "bad_request")
    assert d.sql("SELECT COUNT(*) FROM staff")[0][0] == n
    finish(d)


@suite.test
@scenario()
def test_programmes(sc):
    d = sc.daemon()
    api = Api(d)
    anna, _, fam = setup_people(api)
    pg = api.ok("POST", "/v1/programmes", {
        "name": "Aktywna Integracja",
        "groups": ["foster care", "families", "poverty",
                   "disability"]})["programme"]
    assert pg["groups"][1] == "families" and pg["enrolled"] == 0, pg
    api.ok("POST", "/v1/programmes", {"name": "Wielokulturowy Sopot",
                                      "groups": []})
    api.err("POST", "/v1/programmes", {"name": "Wielokulturowy Sopot",
                                       "groups": []}, 409, "conflict")
    e = api.ok("POST", "/v1/programmes/%d/enrol" % pg["id"], {
        "family": "R-0001", "group": "families",
        "from": "2025-01-15"})["enrolment"]
    assert e["group"] == "families" and e["until"] is None, e
    api.err("POST", "/v1/programmes/%d/enrol" % pg["id"],
            {"family": fam["id"]}, 409, "conflict")
    api.err("POST", "/v1/programmes/%d/enrol" % pg["id"],
            {"family": "R-0001", "group": "nope"}, 422, "invalid")
    codes = [f["code"] for f in api.ok(
        "GET", "/v1/families?programme=%d" % pg["id"])["families"]]
    assert codes == ["R-0001"], codes
    show = api.ok("GET", "/v1/programmes/%d" % pg["id"])
    assert show["programme"]["enrolled"] == 1, show
    assert show["families"][0]["code"] == "R-0001", show
    f = api.ok("GET", "/v1/families/R-0001")["family"]
    assert f["programmes"][0]["programme"] == "Aktywna Integracja", f
    api.err("POST", "/v1/programmes/%d/leave" % pg["id"],
            {"family": "R-0001", "on": "2024-12-31"}, 422, "invalid")
    e = api.ok("POST", "/v1/programmes/%d/leave" % pg["id"], {
        "family": "R-0001", "on": "2025-06-30"})["enrolment"]
    assert e["until"] == "2025-06-30", e
    api.err("POST", "/v1/programmes/%d/leave" % pg["id"],
            {"family": "R-0001"}, 409, "conflict")
    assert api.ok("GET", "/v1/families?programme=%d" % pg["id"])[
        "families"] == []
    assert len(api.ok("GET", "/v1/programmes")["programmes"]) == 2
    finish(d)


def texts(emu, chat_id):
    return [m["text"] for m in emu.sent(chat_id=chat_id)
            if m["method"] == "sendMessage"]


def wait_handled(d, n):
    wait_for(lambda: d.sql("SELECT COUNT(*) FROM inbound WHERE state = 0")
             [0][0] == 0 and d.sql("SELECT COUNT(*) FROM inbound")[0][0]
             >= n, 10, "%d inbound rows handled" % n)


@suite.test
@scenario()
def test_invitations(sc):
    d = sc.daemon()
    api = Api(d)
    emu = sc.emu
    anna, _, fam = setup_people(api)
    inv = api.ok("POST", "/v1/families/R-0001/invite", {})["invitation"]
    assert inv["for"] == "member" and inv["id"] == fam["members"][0]["id"]
    assert len(inv["code"]) >= 16, inv      # 96 bits, base64url
    assert inv["link"].endswith("?start=" + inv["code"]), inv
    assert inv["link"].startswith("https://t.me/"), inv
    assert inv["expires_at"] - time.time() > 13.9 * 86400, inv
    assert d.sql("SELECT COUNT(*) FROM invitations WHERE "
                 "instr(code_hash, ?) > 0", (inv["code"].encode(),))[0][0] \
        == 0
    # Redeem: greeted in the family's language (uk), not the client's.
    emu.message(5001, "/start " + inv["code"], language_code="en")
    emu.wait_sent(lambda m: "MOPS Sopot" in (m["text"] or ""),
                  chat_id=5001)
    t = texts(emu, 5001)
    assert t[-1].startswith("Вітаємо!"), t
    f = api.ok("GET", "/v1/families/R-0001")["family"]
    assert f["members"][0]["telegram_linked"], f
    # Linked user: a short greeting, no relink.
    emu.message(5001, "/start", language_code="en")
    emu.wait_sent(lambda m: "знову" in (m["text"] or ""), chat_id=5001)
    # The same code from someone else: "already used", in Russian.
    emu.message(5002, "/start " + inv["code"], language_code="ru")
    emu.wait_sent(lambda m: "уже использован" in (m["text"] or ""),
                  chat_id=5002)
    # Expired code (made so in the file; the daemon re-reads it).
    inv2 = api.ok("POST", "/v1/families/R-0001/invite",
                  {"ttl_days": 1})["invitation"]
    con = sqlite3.connect(d.db, timeout=10)
    con.execute("UPDATE invitations SET expires_at = 1 WHERE id = "
                "(SELECT MAX(id) FROM invitations)")
    con.commit()
    con.close()
    emu.message(5004, "/start " + inv2["code"], language_code="pl")
    emu.wait_sent(lambda m: "wygasł" in (m["text"] or ""), chat_id=5004)
    # Staff invitation: greeted in the first language they speak.
    sinv = api.ok("POST", "/v1/staff/%d/invite" % anna["id"],
                  {})["invitation"]
    assert sinv["for"] == "staff", sinv
    emu.message(6001, "/start " + sinv["code"], language_code="uk")
    m = emu.wait_sent(lambda m: "Witamy!" in (m["text"] or ""),
                      chat_id=6001)
    # The welcome says how to work: reply, /families, /to, /visit,
    # /visits; /help says the same.
    for word in ("odpowiedz na wiadomość rodziny", "/families", "/to KOD",
                 "/visit KOD", "/visits"):
        assert word in m["text"], (word, m["text"])
    emu.message(6001, "/help", language_code="uk")
    m = emu.wait_sent(lambda m: (m["text"] or "").startswith(
        "Tu trafiają"), chat_id=6001)
    assert "/visit KOD DZIEŃ GODZINA" in m["text"], m["text"]
    assert "/visits — Twoje wizyty" in m["text"], m["text"]
    assert api.ok("GET", "/v1/staff/%d" % anna["id"])["staff"][
        "telegram_linked"]
    # Five wrong codes get five answers, then silence, even for a good
    # code.
    for i in range(5):
        emu.message(5003, "/start WRONGCODE%d" % i, language_code="pl")
    emu.wait_sent(lambda m: False if len(texts(emu, 5003)) < 5 else True,
                  chat_id=5003)
    assert all("nieprawidłowy" in x for x in texts(emu, 5003))
    inv3 = api.ok("POST", "/v1/families/R-0001/invite", {})["invitation"]
    n_in = d.sql("SELECT COUNT(*) FROM inbound")[0][0]
    emu.message(5003, "/start " + inv3["code"], language_code="pl")
    emu.message(5003, "/start ANOTHERWRONG", language_code="pl")
    wait_handled(d, n_in + 2)
    wait_for(lambda: d.log().count("event=invite.ignored") >= 2, 5,
             "two ignored")
    assert len(texts(emu, 5003)) == 5, texts(emu, 5003)
    assert d.sql("SELECT used_at FROM invitations WHERE id = "
                 "(SELECT MAX(id) FROM invitations)")[0][0] is None
    # Nothing personal in the log: no codes, no Telegram ids.
    log = d.log()
    for secret in (inv["code"], sinv["code"], "5001", "6001"):
        assert secret not in log, secret
    finish(d)


@suite.test
@scenario()
def test_bad_input_changes_nothing(sc):
    d = sc.daemon()
    api = Api(d)
    anna, _, fam = setup_people(api)
    before = counts(d)
    long_name = "a" * 300
    ok_family = {"name": "X", "language": "pl", "channel": "sms",
                 "contact": {"name": "Y"}}

    def fam_with(**kw):
        b = json.loads(json.dumps(ok_family))
        for k, v in kw.items():
            if k.startswith("contact_"):
                b["contact"][k[8:]] = v
            else:
                b[k] = v
        return b

    cases = [
        ("POST", "/v1/staff", b"{not json", 400, "bad_request", True),
        ("POST", "/v1/staff", b"[1,2]", 400, "bad_request", True),
        ("POST", "/v1/families", b"{" + b" " * (1024 * 1024) + b"}", 413,
         "too_large", True),
        ("POST", "/v1/staff", {"name": "Z", "kind": "coordinator",
                               "colour": "red"}, 400, "bad_request", False),
        ("POST", "/v1/staff", {"name": 5, "kind": "coordinator"}, 400,
         "bad_request", False),
        ("POST", "/v1/staff", {"kind": "coordinator"}, 400, "bad_request",
         False),
        ("POST", "/v1/staff", {"name": "Z", "kind": "wizard"}, 422,
         "invalid", False),
        ("POST", "/v1/staff", {"name": "Z", "kind": "coordinator",
                               "languages": ["de"]}, 422, "invalid", False),
        ("POST", "/v1/staff", {"name": long_name, "kind": "coordinator"},
         422, "invalid", False),
        ("POST", "/v1/staff", {"name": "Z\u0007", "kind": "coordinator"},
         422, "invalid", False),
        ("POST", "/v1/families", fam_with(contact_phone="12ab34"), 422,
         "invalid", False),
        ("POST", "/v1/families", fam_with(contact_phone="+48 60123"), 422,
         "invalid", False),
        ("POST", "/v1/families", fam_with(contact_phone="+48 601-234-567"),
         409, "conflict", False),
        ("POST", "/v1/families", fam_with(language="de"), 422, "invalid",
         False),
        ("POST", "/v1/families", fam_with(channel="fax"), 422, "invalid",
         False),
        ("POST", "/v1/families", fam_with(name=long_name), 422, "invalid",
         False),
        ("POST", "/v1/families", fam_with(contact_name="a\nb"), 422,
         "invalid", False),
        ("POST", "/v1/families", fam_with(assistant_id=999), 404,
         "not_found", False),
        ("POST", "/v1/families", fam_with(extra=1), 400, "bad_request",
         False),
        ("POST", "/v1/families/R-0001/members",
         {"name": "Q", "phone": "601234567"}, 409, "conflict", False),
        ("PATCH", "/v1/members/999", {"name": "Q"}, 404, "not_found",
         False),
        ("PATCH", "/v1/families/R-0001", {"language": "xx"}, 422,
         "invalid", False),
        ("GET", "/v1/families/R-9999", None, 404, "not_found", False),
        ("GET", "/v1/staff/999", None, 404, "not_found", False),
        ("POST", "/v1/staff/999/invite", {}, 404, "not_found", False),
        ("POST", "/v1/families/R-0001/invite", {"member_id": 999}, 404,
         "not_found", False),
        ("POST", "/v1/programmes/999/enrol", {"family": "R-0001"}, 404,
         "not_found", False),
        ("DELETE", "/v1/families/999", None, 404, "not_found", False),
        ("GET", "/v1/families?language=de", None, 422, "invalid", False),
        ("GET", "/v1/families?colour=red", None, 400, "bad_request",
         False),
        ("GET", "/v1/nothing", None, 404, "not_found", False),
        ("DELETE", "/v1/staff", None, 405, "method_not_allowed", False),
        ("POST", "/v1/outbox/999/retry", None, 404, "not_found", False),
    ]
    for method, path, body, status, code, raw in cases:
        api.err(method, path, body, status, code, raw=raw)
        after = counts(d)
        assert after == before, (method, path, body if not raw else "raw",
                                 before, after)
        assert api.ok("GET", "/v1/status")["version"]
    assert d.proc.poll() is None
    finish(d)


@suite.test
@scenario()
def test_audit_and_plaintext(sc):
    d = sc.daemon()
    api = Api(d)
    setup_people(api)
    api.ok("POST", "/v1/families/R-0001/members", {
        "name": "Iryna Kowalska", "phone": "+380671234567"})
    api.ok("PATCH", "/v1/families/R-0001", {"name": "Rodzina Kowalskich"})
    audit = api.ok("GET", "/v1/audit?limit=100")["audit"]
    actions = [a["action"] for a in audit]
    assert actions[::-1] == ["staff.add", "staff.add", "family.add",
                             "member.add", "family.edit"], actions
    assert all(a["uid"] == os.getuid() for a in audit), audit
    rows = d.sql("SELECT * FROM audit")
    blob = json.dumps(rows, ensure_ascii=False)
    for s in NAMES + PHONES:
        assert s not in blob, s
    # The file and its WAL, read while the daemon runs.
    data = b""
    for path in (d.db, d.db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                data += f.read()
    assert len(data) > 0
    for s in NAMES + PHONES:
        assert s.encode() not in data, s
        assert s.encode("utf-16-le") not in data, s
    finish(d)


@suite.test
@scenario()
def test_outbox_list_and_retry(sc):
    d = sc.daemon()
    api = Api(d)
    emu = sc.emu
    # A message the Bot API refuses for good: the row fails.
    emu.fail(method="sendMessage", code=400, count=1,
             description="Bad Request: chat not found", chat_id=7001)
    emu.message(7001, "/help", language_code="en")
    wait_for(lambda: api.ok("GET", "/v1/outbox?state=failed")["outbox"],
             10, "a failed row")
    row = api.ok("GET", "/v1/outbox?state=failed")["outbox"][0]
    assert row["error_code"] == 400 and row["attempts"] >= 1, row
    assert row["sent_at"] is None and row["method"] == "sendMessage", row
    emu.message(7002, "/help", language_code="en")
    emu.wait_sent(lambda m: True, chat_id=7002)
    wait_for(lambda: api.ok("GET", "/v1/outbox?state=sent")["outbox"], 10,
             "a sent row")
    sent = api.ok("GET", "/v1/outbox?state=sent&limit=1")["outbox"]
    assert len(sent) == 1
    api.err("POST", "/v1/outbox/%d/retry" % sent[0]["id"], None, 409,
            "conflict")
    api.err("GET", "/v1/outbox?state=lost", None, 422, "invalid")
    api.err("GET", "/v1/outbox?limit=0", None, 422, "invalid")
    r = api.ok("POST", "/v1/outbox/%d/retry" % row["id"])["outbox"]
    assert r["state"] in ("queued", "sending", "sent"), r
    emu.wait_sent(lambda m: True, chat_id=7001)
    st = api.ok("GET", "/v1/status")
    assert st["outbox"]["failed"] == 0, st
    assert st["inbound_pending"] == 0, st
    assert api.ok("GET", "/v1/audit")["audit"][0]["action"] == \
        "outbox.retry"
    finish(d)


def import_rows(n, start=0):
    return [{"line": i + 2, "family": "Rodzina %d" % i,
             "contact": "Osoba %d" % i, "phone": "+48 7%08d" % i,
             "language": ("pl", "uk", "ru", "en")[i % 4],
             "channel": ("telegram", "sms")[i % 2],
             "assistant": "Anna Nowak",
             "programme": "Aktywna Integracja", "group": "families"}
            for i in range(start, start + n)]


def import_session(api, rows, chunk=2000):
    """Sends rows to a new import session in chunks; its id."""
    iid = api.ok("POST", "/v1/imports")["import"]["id"]
    for i in range(0, len(rows), chunk):
        api.ok("POST", "/v1/imports/%d/rows" % iid,
               {"rows": rows[i:i + chunk]}, status=200)
    return iid


def run_import(api, rows, dry_run=False, chunk=2000):
    """An import as asystentctl runs it: the final state."""
    iid = import_session(api, rows, chunk)
    st, res = api.call("POST", "/v1/imports/%d/commit" % iid,
                       {"dry_run": dry_run})
    assert st in (200, 202), (st, res)
    wait_for(lambda: api.ok("GET", "/v1/imports/%d" % iid)["import"][
        "state"] != "committing", 60, "the import committed")
    return api.ok("GET", "/v1/imports/%d" % iid)["import"] if not dry_run \
        else res["import"]


def import_err(api, rows, status, code):
    """An import refused at its rows (400) or at its commit (422)."""
    iid = api.ok("POST", "/v1/imports")["import"]["id"]
    st, res = api.call("POST", "/v1/imports/%d/rows" % iid, {"rows": rows})
    if st == 200:
        return api.err("POST", "/v1/imports/%d/commit" % iid, {},
                       status, code)
    assert st == status and res["error"]["code"] == code, (st, res)
    return res


@suite.test
@scenario()
def test_import(sc):
    d = sc.daemon()
    api = Api(d)
    setup_people(api)
    api.ok("POST", "/v1/programmes", {"name": "Aktywna Integracja",
                                      "groups": ["families"]})
    before = counts(d)
    # One bad row fails it all, naming line and column.
    rows = import_rows(5)
    rows[3]["phone"] = "12"
    rows[4]["language"] = "de"
    e = import_err(api, rows, 422, "invalid")
    det = e["error"]["details"]
    assert {"line": 5, "column": "phone"}.items() <= det[0].items(), det
    assert det[1]["line"] == 6 and det[1]["column"] == "language", det
    assert counts(d) == before
    # A number is used only when whole and exact: 1e300 is no line, and
    # 1.5 no staff member's id (it was taken for 1, Anna).
    rows = import_rows(2)
    rows[0]["line"] = 1e300
    import_err(api, rows, 400, "bad_request")
    rows = import_rows(2)
    rows[1]["assistant"] = 1.5
    e = import_err(api, rows, 422, "invalid")
    det = e["error"]["details"]
    assert det == [{"line": 3, "column": "assistant",
                    "message": "no such staff member"}], det
    assert counts(d) == before
    # The same number twice, in different chunks, is found.
    rows = import_rows(3)
    rows[2]["phone"] = rows[0]["phone"]
    iid = import_session(api, rows, chunk=2)
    e = api.err("POST", "/v1/imports/%d/commit" % iid, {}, 422, "invalid")
    assert e["error"]["details"][0]["line"] == 4, e
    dry = run_import(api, import_rows(3), dry_run=True)
    assert dry["dry_run"] and dry["created"] == 3, dry
    assert counts(d) == before
    # 1000 families, in chunks of 300.
    res = run_import(api, import_rows(1000), chunk=300)
    assert res["state"] == "done", res
    assert res["created"] == 1000 and res["existing"] == 0, res["created"]
    assert len(api.ok("GET", "/v1/families")["families"]) == 1001
    # The same file again creates nothing.
    res = run_import(api, import_rows(1000))
    assert res["created"] == 0 and res["existing"] == 1000, res["created"]
    assert res["families"][0]["existing"] and res["families"][0]["code"]
    pg = api.ok("GET", "/v1/programmes")["programmes"][0]
    assert pg["enrolled"] == 1000, pg
    # A session that ended (refused, replaced) takes no more rows.
    api.err("POST", "/v1/imports/%d/rows" % iid, {"rows": []}, 404,
            "not_found")
    finish(d)


@suite.test
@scenario()
def test_socket_mode_stale_and_stop(sc):
    d = sc.daemon()
    mode = os.stat(d.sock).st_mode & 0o777
    assert mode == 0o660, oct(mode)
    # A socket left by a crash is removed at the next start.
    d.kill9()
    assert os.path.exists(d.sock)
    d.start(wait=False)       # the stale socket is replaced
    wait_for(lambda: d.log().count("event=started") == 2, 10, "restart")
    assert "event=admin.stale_socket_removed" in d.log()
    assert Api(d).ok("GET", "/v1/status")
    if os.getuid() != 0:
        print("     SKIP connect as nobody: not root")
    else:
        os.chmod(sc.dir, 0o711)   # let "nobody" reach the socket file
        pid = os.fork()
        if pid == 0:
            code = 3
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(d.sock)
                    code = 1
                except OSError as e:
                    code = 0 if e.errno == errno.EACCES else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0, "nobody connected or other " \
            "error (%d)" % os.WEXITSTATUS(status)
    assert d.stop(signal.SIGTERM) == 0
    assert not os.path.exists(d.sock), "socket left after SIGTERM"


@suite.test
@scenario()
def test_500_staff_tools_at_once_queue_not_refused(sc):
    """500 connections at the same moment: each is taken in turn (the
    backlog), none refused; the socket answers afterwards."""
    d = sc.daemon()
    socks = []
    refused = 0
    try:
        for _ in range(500):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(d.sock)
            except (BlockingIOError, ConnectionRefusedError):
                refused += 1
            socks.append(s)
    finally:
        for s in socks:
            s.close()
    assert refused == 0, refused
    Api(d).ok("GET", "/v1/status")
    finish(d)


if __name__ == "__main__":
    suite.run()
