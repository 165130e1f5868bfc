#!/usr/bin/env python3
"""Who may call what (doc/admin-api.md, "Who may call what").

A real asystentd; callers are real processes under other uids (setpriv,
so this needs root): SO_PEERCRED names them to the daemon. Staff members
are tied to the machine's system logins daemon (assistant), bin
(coordinator) and sys (administrator); nobody is tied to no one. Every
endpoint is called by every role: allowed is any answer but 403, refused
is 403 with a one-line reason and an access.denied audit row, and
asystentctl exits 77.
"""
import datetime
import json
import os
import pwd
import re
import subprocess
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from adminapi import Api  # noqa: E402
from harness import BUILD, Suite, open_to_others, scenario  # noqa: E402

CTL = os.path.join(BUILD, "asystentctl")
suite = Suite("roles")

UIDS = {"none": 65534, "assistant": 1, "coordinator": 2, "admin": 3,
        "root": 0}
STAFF_ROLES = ("assistant", "coordinator", "admin", "root")

# The child that asks under another uid: one request per line of stdin.
ASKER = r"""
import http.client, json, socket, sys
class C(http.client.HTTPConnection):
    def __init__(self, p):
        super().__init__("localhost", timeout=10)
        self.p = p
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.p)
out = []
for line in sys.stdin:
    m, path, body = json.loads(line)
    c = C(sys.argv[1])
    c.request(m, path, body=None if body is None else json.dumps(body),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    out.append([r.status, json.loads(r.read() or b"{}")])
    c.close()
print(json.dumps(out))
"""


def as_uid(uid, argv, stdin=None, env=None):
    cmd = argv if uid == 0 else ["setpriv", "--reuid=%d" % uid,
                                 "--regid=%d" % uid, "--clear-groups"] + argv
    return subprocess.run(cmd, input=stdin, capture_output=True,
                          timeout=120, text=True,
                          env=dict(os.environ, **(env or {})))


def ask(d, role, reqs):
    p = as_uid(UIDS[role], [sys.executable, "-c", ASKER, d.sock],
               "".join(json.dumps(r) + "\n" for r in reqs))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def ctl(d, role, *args):
    return as_uid(UIDS[role], [CTL, "-s", d.sock] + [str(a) for a in args])


def world(api):
    ids = {}
    for role, kind in (("assistant", "family_assistant"),
                       ("coordinator", "coordinator"),
                       ("admin", "administrator")):
        s = api.ok("POST", "/v1/staff", {"name": "Staff %s" % role,
                                         "kind": kind})["staff"]
        ids[role] = s["id"]
    prog = api.ok("POST", "/v1/programmes", {"name": "FERS", "groups": []})
    other = api.ok("POST", "/v1/programmes", {"name": "Inny",
                                              "groups": []})
    ids["prog"] = prog["programme"]["id"]
    ids["other_prog"] = other["programme"]["id"]
    for n, extra in (("f1", {"assistant_id": ids["assistant"]}),
                     ("f2", {}), ("f3", {})):
        f = api.ok("POST", "/v1/families", dict(
            {"name": "Rodzina %s" % n, "language": "pl", "channel": "sms",
             "contact": {"name": "Kontakt %s" % n}}, **extra))["family"]
        ids[n] = f["code"]
        ids["m" + n[1]] = f["members"][0]["id"]
    api.ok("POST", "/v1/programmes/%d/enrol" % ids["prog"],
           {"family": ids["f2"]})
    for role, user in (("assistant", "daemon"), ("coordinator", "bin"),
                       ("admin", "sys")):
        body = {"unix_user": user}
        if role == "coordinator":
            body["programmes"] = [ids["prog"]]
        s = api.ok("PATCH", "/v1/staff/%d" % ids[role], body)["staff"]
        assert s["unix_user"] == user, s
    # Two reachable families, one in the coordinator's programme, and a
    # broadcast to each programme: the coordinator's, and one to all.
    for n, prog in (("f4", ids["prog"]), ("f5", ids["other_prog"])):
        f = api.ok("POST", "/v1/families", {
            "name": "Rodzina %s" % n, "language": "pl", "channel": "sms",
            "contact": {"name": "Kontakt %s" % n,
                        "phone": "+4860010030%s" % n[1]}})["family"]
        api.ok("POST", "/v1/members/%d/consent" % f["members"][0]["id"],
               {"date": "2026-01-02", "ref": "Z/1"}, status=200)
        api.ok("POST", "/v1/programmes/%d/enrol" % prog,
               {"family": f["code"]})
        ids[n] = f["code"]
    texts = {"pl": {"text": "Piknik.", "sms": "Piknik."}}
    for key, target in (("b_own", {"programme": ids["prog"]}),
                        ("b_all", {"all": True})):
        ids[key] = api.ok("POST", "/v1/broadcasts", {
            "texts": texts, "target": target})["broadcast"]["id"]
    return ids


def shared_world(sc):
    """The daemon, open to other uids, its API and the world's ids; all
    None, the test skipped, unless we are root (other uids need it)."""
    if os.geteuid() != 0:
        print("skipped: other uids need root")
        return None, None, None
    d = sc.daemon()
    api = Api(d)
    open_to_others(d)
    return d, api, world(api)


def matrix(ids):
    """(method, path, body, roles that may) for every route."""
    A, C, ADM = "assistant", "coordinator", "admin"
    allstaff = {A, C, ADM}
    f1, f2, f3 = ids["f1"], ids["f2"], ids["f3"]
    return [
        ("GET", "/v1/status", None, allstaff | {"none"}),
        ("GET", "/v1/check", None, {ADM}),
        ("POST", "/v1/staff", {}, {ADM}),
        ("GET", "/v1/staff", None, allstaff),
        ("GET", "/v1/staff/%d" % ids[A], None, allstaff),
        ("PATCH", "/v1/staff/%d" % ids[A], {}, {ADM}),
        ("POST", "/v1/staff/%d/disable" % ids[A], {"x": 1}, {ADM}),
        ("POST", "/v1/staff/%d/invite" % ids[A], {"x": 1}, {ADM}),
        ("POST", "/v1/families", {}, {C, ADM}),
        ("GET", "/v1/families", None, allstaff),
        ("POST", "/v1/imports", None, {ADM}),
        ("GET", "/v1/imports/99999", None, {ADM}),
        ("POST", "/v1/imports/99999/rows", {"rows": []}, {ADM}),
        ("POST", "/v1/imports/99999/commit", {}, {ADM}),
        ("GET", "/v1/families/" + f1, None, {A, ADM}),
        ("GET", "/v1/families/" + f2, None, {C, ADM}),
        ("GET", "/v1/families/" + f3, None, {ADM}),
        ("PATCH", "/v1/families/" + f1, {}, {A, ADM}),
        ("DELETE", "/v1/families/R-9999", None, {ADM}),
        ("POST", "/v1/families/R-9999/erase", {"confirm": True}, {ADM}),
        ("POST", "/v1/families/%s/close" % f2, {"open": True}, {C, ADM}),
        ("POST", "/v1/families/%s/close" % f1, {"open": True}, {ADM}),
        ("POST", "/v1/families/%s/assign" % f2, {}, {C, ADM}),
        ("POST", "/v1/families/%s/assign" % f1, {}, {ADM}),
        ("POST", "/v1/families/%s/invite" % f1, {"x": 1}, {A, ADM}),
        ("POST", "/v1/families/%s/members" % f1, {}, {A, ADM}),
        ("GET", "/v1/families/%s/conversation" % f2, None, {C, ADM}),
        ("PATCH", "/v1/members/%d" % ids["m1"], {}, {A, ADM}),
        ("DELETE", "/v1/members/%d" % ids["m3"], None, {ADM}),
        ("POST", "/v1/members/%d/notify" % ids["m1"], {}, {A, ADM}),
        ("POST", "/v1/members/%d/consent" % ids["m1"], {}, {A, ADM}),
        ("DELETE", "/v1/members/%d/consent" % ids["m2"], None, {C, ADM}),
        ("POST", "/v1/programmes", {}, {ADM}),
        ("GET", "/v1/programmes", None, allstaff),
        ("GET", "/v1/programmes/%d" % ids["prog"], None, allstaff),
        ("POST", "/v1/programmes/%d/enrol" % ids["prog"], {}, {C, ADM}),
        ("POST", "/v1/programmes/%d/leave" % ids["other_prog"], {}, {ADM}),
        ("GET", "/v1/programmes/%d/report?from=2026-01&to=2026-02" %
         ids["prog"], None, {C, ADM}),
        ("GET", "/v1/programmes/%d/report?from=2026-01&to=2026-02" %
         ids["other_prog"], None, {ADM}),
        ("GET", "/v1/outbox", None, {C, ADM}),
        ("POST", "/v1/outbox/99999/retry", None, {C, ADM}),
        ("GET", "/v1/audit", None, {ADM}),
        ("GET", "/v1/families/%s/export" % f1, None, {A, ADM}),
        ("GET", "/v1/families/%s/export" % f3, None, {ADM}),
        ("POST", "/v1/backup", {}, {ADM}),
        ("GET", "/v1/backup", None, {ADM}),
        ("POST", "/v1/key/rotate", {}, {ADM}),
        ("POST", "/v1/visits", {"family": f1, "at": "2030-01-07 10:00"},
         {A, ADM}),
        ("POST", "/v1/visits", {"family": f3, "at": "2030-01-07 10:00"},
         {ADM}),
        ("GET", "/v1/visits", None, allstaff),
        ("GET", "/v1/visits/99999", None, allstaff),
        ("POST", "/v1/visits/99999/move", {"at": "2030-01-07 10:00"},
         allstaff),
        ("POST", "/v1/visits/99999/cancel", {}, allstaff),
        ("POST", "/v1/events", {"programme": ids["prog"], "place": "Sala",
                                "at": "2030-01-07 10:00"}, {C, ADM}),
        ("POST", "/v1/events", {"programme": ids["other_prog"],
                                "place": "Sala", "at": "2030-01-07 10:00"},
         {ADM}),
        ("GET", "/v1/events/99999", None, {C, ADM}),
        ("POST", "/v1/notices", {}, {C, ADM}),
        ("GET", "/v1/notices", None, allstaff),
        ("GET", "/v1/notices/report-change", None, allstaff),
        ("PATCH", "/v1/notices/report-change", {}, {C, ADM}),
        ("POST", "/v1/notices/no-such/retire", None, {C, ADM}),
        ("POST", "/v1/notices/report-change/preview", {}, allstaff),
        ("POST", "/v1/notices/report-change/send",
         {"families": [f1], "params": {"place": "MOPS"}}, {A, ADM}),
        ("POST", "/v1/notices/report-change/send",
         {"families": [f3], "params": {"place": "MOPS"}}, {ADM}),
        ("POST", "/v1/broadcasts", {}, {C, ADM}),
        ("GET", "/v1/broadcasts", None, {C, ADM}),
        ("GET", "/v1/broadcasts/99999", None, {C, ADM}),
        ("POST", "/v1/broadcasts/99999/send", {}, {C, ADM}),
        ("POST", "/v1/broadcasts/99999/cancel", {}, {C, ADM}),
        ("GET", "/v1/broadcasts/99999/failed", None, {C, ADM}),
        # A coordinator acts only on broadcasts within their programmes.
        ("GET", "/v1/broadcasts/%d" % ids["b_own"], None, {C, ADM}),
        ("GET", "/v1/broadcasts/%d/failed" % ids["b_own"], None, {C, ADM}),
        ("GET", "/v1/broadcasts/%d" % ids["b_all"], None, {ADM}),
        ("GET", "/v1/broadcasts/%d/failed" % ids["b_all"], None, {ADM}),
        ("POST", "/v1/broadcasts/%d/send" % ids["b_all"],
         {"at": "2099-01-01 09:00"}, {ADM}),
        ("POST", "/v1/broadcasts/%d/cancel" % ids["b_all"], {}, {ADM}),
    ]


def documented_routes():
    """(method, regex) of every endpoint in doc/admin-api.md's table."""
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "doc", "admin-api.md")
    out = []
    with open(doc, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\| (GET|POST|PATCH|DELETE) (/v1/\S*) \|", line)
            if m:
                pat = re.sub(r"\\{[a-z]+\\}", "[^/]+",
                             re.escape(m.group(2)))
                out.append((m.group(1), m.group(2), "^%s$" % pat))
    return out


@suite.test
def test_the_matrix_covers_every_documented_endpoint():
    ids = {"assistant": 1, "coordinator": 2, "admin": 3, "prog": 1,
           "other_prog": 2, "f1": "R-0001", "f2": "R-0002", "f3": "R-0003",
           "m1": 1, "m2": 2, "m3": 3, "b_own": 1, "b_all": 2}
    reqs = matrix(ids)
    routes = documented_routes()
    assert len(routes) >= 30, routes
    for method, path, pat in routes:
        assert any(m == method and re.match(pat, p.split("?")[0])
                   for m, p, _, _ in reqs), \
            "not in the role matrix: %s %s" % (method, path)


@suite.test
@scenario()
def test_every_role_meets_every_endpoint(sc):
    d, api, ids = shared_world(sc)
    if d is None:
        return
    reqs = matrix(ids)
    root_routes = {r[1] for r in reqs}
    assert len(root_routes) >= 25
    denied_before = d.sql("SELECT COUNT(*) FROM audit WHERE action = "
                          "'access.denied'")[0][0]
    refused = 0
    for role in ("none", "assistant", "coordinator", "admin", "root"):
        got = ask(d, role, [(m, p, b) for m, p, b, _ in reqs])
        for (m, p, b, who), (status, ans) in zip(reqs, got):
            may = role in who or role == "root"
            if may:
                assert status != 403, (role, m, p, ans)
            else:
                refused += 1
                assert status == 403, (role, m, p, status, ans)
                msg = ans["error"]["message"]
                assert ans["error"]["code"] == "forbidden"
                assert "\n" not in msg and msg, msg
    denied = d.sql("SELECT uid, object FROM audit WHERE action = "
                   "'access.denied' ORDER BY id")[denied_before:]
    assert len(denied) == refused, (len(denied), refused)
    assert {u for u, _ in denied} == {1, 2, 65534}, denied
    # Nothing personal in the refusals' rows: routes and ids.
    assert all(o.startswith("/v1/") or o in ("family", "programme",
                                             "broadcast")
               for _, o in denied), denied


@suite.test
@scenario()
def test_lists_show_only_ones_own_families(sc):
    d, api, ids = shared_world(sc)
    if d is None:
        return
    seen = {}
    for role in STAFF_ROLES:
        (status, ans), = ask(d, role, [("GET", "/v1/families", None)])
        assert status == 200
        seen[role] = sorted(f["code"] for f in ans["families"])
    assert seen["assistant"] == [ids["f1"]]
    assert seen["coordinator"] == [ids["f2"], ids["f4"]]
    assert seen["admin"] == seen["root"] == sorted(
        [ids[f] for f in ("f1", "f2", "f3", "f4", "f5")])
    # A disabled staff member keeps the login but loses the access.
    api.ok("POST", "/v1/staff/%d/disable" % ids["assistant"])
    (status, ans), = ask(d, "assistant", [("GET", "/v1/families", None)])
    assert status == 403, ans


@suite.test
@scenario()
def test_asystentctl_refusals_exit_77(sc):
    d, api, ids = shared_world(sc)
    if d is None:
        return
    p = ctl(d, "none", "status")
    assert p.returncode == 0, p.stderr
    p = ctl(d, "none", "family", "list")
    assert p.returncode == 77, (p.returncode, p.stderr)
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "staff edit" in p.stderr, p.stderr
    p = ctl(d, "assistant", "audit", "list")
    assert p.returncode == 77, (p.returncode, p.stderr)
    assert "administrators" in p.stderr, p.stderr
    p = ctl(d, "assistant", "family", "show", ids["f3"])
    assert p.returncode == 77 and "not one of yours" in p.stderr, p.stderr
    p = ctl(d, "assistant", "family", "show", ids["f1"])
    assert p.returncode == 0, p.stderr
    p = ctl(d, "admin", "audit", "list")
    assert p.returncode == 0, p.stderr
    # A broadcast reaching families outside the coordinator's programmes.
    for args in (("show", ids["b_all"]), ("send", ids["b_all"]),
                 ("cancel", ids["b_all"]), ("failed", ids["b_all"])):
        p = ctl(d, "coordinator", "broadcast", *args)
        assert p.returncode == 77 and "outside your programmes" in \
            p.stderr, (args, p.returncode, p.stderr)
    p = ctl(d, "coordinator", "broadcast", "show", ids["b_own"])
    assert p.returncode == 0, p.stderr
    # The refusals are in the trail, under the caller's login.
    p = ctl(d, "root", "audit", "list", "--csv")
    assert p.returncode == 0, p.stderr
    rows = [r.split(",") for r in p.stdout.splitlines()]
    assert rows[0] == ["id", "at", "user", "action", "object", "object_id"]
    assert ["daemon", "access.denied", "/v1/audit"] in \
        [r[2:5] for r in rows], rows
    assert ["nobody", "access.denied", "/v1/families"] in \
        [r[2:5] for r in rows], rows
    # --staff: rows of that staff member's login; --family: about it.
    p = ctl(d, "root", "--json", "audit", "list", "--staff",
            ids["assistant"])
    got = json.loads(p.stdout)["audit"]
    assert got and all(r["uid"] == 1 for r in got), got
    p = ctl(d, "root", "--json", "audit", "list", "--family", ids["f2"])
    got = json.loads(p.stdout)["audit"]
    assert "family.add" in {r["action"] for r in got}, got
    assert all(r["object"] in ("family", "member", "enrolment")
               for r in got), got
    p = ctl(d, "root", "--json", "audit", "list", "--since", "2999-01-01")
    assert json.loads(p.stdout)["audit"] == [], p.stdout
    p = ctl(d, "root", "audit", "list", "--since", "yesterday")
    assert p.returncode == 1, p.stderr


@suite.test
@scenario()
def test_times_print_in_the_centres_zone(sc):
    """Whatever the caller's TZ, times are Europe/Warsaw (the default)
    or the config's [daemon] timezone."""
    d = sc.daemon()
    api = Api(d)
    api.ok("POST", "/v1/staff", {"name": "Ktoś", "kind": "coordinator"})
    row = api.ok("GET", "/v1/audit")["audit"][0]
    p = as_uid(0, [CTL, "-s", d.sock, "audit", "list", "--csv"],
               env={"TZ": "America/New_York"})
    assert p.returncode == 0, p.stderr
    at = p.stdout.splitlines()[1].split(",")[1]
    want = datetime.datetime.fromtimestamp(
        row["at"], zoneinfo.ZoneInfo("Europe/Warsaw"))
    assert at == want.strftime("%Y-%m-%d %H:%M:%S"), (at, want)
    # A misspelled zone is refused, not silently UTC.
    conf = os.path.join(sc.dir, "bad-tz.conf")
    with open(conf, "w") as f:
        f.write("[daemon]\nadmin_socket = %s\ntimezone = Europe/Warsw\n"
                % d.sock)
    p = as_uid(0, [CTL, "-c", conf, "status"])
    assert p.returncode == 78 and "Europe/Warsw" in p.stderr, p.stderr
    with open(conf, "w") as f:
        f.write("[daemon]\nadmin_socket = %s\ntimezone = Asia/Tokyo\n"
                % d.sock)
    p = as_uid(0, [CTL, "-c", conf, "audit", "list", "--csv"],
               env={"TZ": "UTC"})
    at = p.stdout.splitlines()[1].split(",")[1]
    want = datetime.datetime.fromtimestamp(
        row["at"], zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert at == want.strftime("%Y-%m-%d %H:%M:%S"), (at, want)


@suite.test
@scenario()
def test_the_last_administrator_stays(sc):
    d = sc.daemon()
    api = Api(d)
    adm = api.ok("POST", "/v1/staff", {"name": "Jedyny Admin",
                                       "kind": "administrator"})["staff"]
    assert adm["role"] == "admin"
    api.err("PATCH", "/v1/staff/%d" % adm["id"], {"kind": "coordinator"},
            409, "conflict")
    api.err("POST", "/v1/staff/%d/disable" % adm["id"], None, 409,
            "conflict")
    assert api.ok("GET", "/v1/staff/%d" % adm["id"])["staff"]["kind"] == \
        "administrator"
    two = api.ok("POST", "/v1/staff", {"name": "Drugi Admin",
                                       "kind": "administrator"})["staff"]
    api.ok("PATCH", "/v1/staff/%d" % adm["id"], {"kind": "coordinator"})
    api.err("POST", "/v1/staff/%d/disable" % two["id"], None, 409,
            "conflict")
    # Logins: unknown is 422, one tied twice 409, null unties.
    api.err("PATCH", "/v1/staff/%d" % two["id"],
            {"unix_user": "no-such-login-here"}, 422, "invalid")
    api.ok("PATCH", "/v1/staff/%d" % two["id"], {"unix_user": "daemon"})
    api.err("PATCH", "/v1/staff/%d" % adm["id"], {"unix_user": "daemon"},
            409, "conflict")
    s = api.ok("PATCH", "/v1/staff/%d" % two["id"],
               {"unix_user": None})["staff"]
    assert s["unix_user"] is None
    assert pwd.getpwnam("daemon").pw_uid == 1


if __name__ == "__main__":
    suite.run()
