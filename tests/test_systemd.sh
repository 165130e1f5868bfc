#!/bin/sh
# Checks systemd/asystentd.service with `systemd-analyze verify`: the unit as
# `make install` writes it, with ExecStart pointed at an existing program.
# Skips (exit 0) only when systemd-analyze is not installed.
set -u

case $0 in
*/*)	here=${0%/*} ;;
*)	here=. ;;
esac
top=$(cd "$here/.." && pwd) || exit 1
unit="$top/systemd/asystentd.service"
ok=1

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not found; systemd unit NOT verified"
	echo "systemd: 0 passed, 0 failed (skipped)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_systemd.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# `command -v true` names the shell builtin; verify needs a real file.
true_bin=/bin/true
[ -x "$true_bin" ] || true_bin=/usr/bin/true

# The unit verified is the one `make install` produces, bar the binary.
sed -e "s|@SBINDIR@/asystentd|$true_bin|" "$unit" \
    >"$tmp/asystentd.service" || exit 1
if grep -v '^[[:space:]]*[#;]' "$tmp/asystentd.service" |
    grep -q '@[A-Z]*@'; then
	echo "FAIL: unsubstituted @VARIABLE@ left in the unit"
	ok=0
fi

# verify exits 0 on unknown keys and bad values, but prints them; so any
# line about our unit is a failure. --man=no: no man pages to look for;
# --recursive-errors=no: other units on this host are not ours to judge.
(cd "$tmp" && systemd-analyze verify --man=no --recursive-errors=no \
    asystentd.service) >"$tmp/out" 2>&1
rc=$?
if [ -s "$tmp/out" ]; then
	echo "systemd-analyze verify said:"
	sed 's/^/  /' "$tmp/out"
fi
if [ "$rc" -ne 0 ] || grep -q 'asystentd\.service' "$tmp/out"; then
	echo "FAIL: systemd-analyze verify asystentd.service (exit $rc)"
	ok=0
fi

if [ "$ok" -eq 1 ]; then
	echo "ok: systemd-analyze verify asystentd.service"
	echo "systemd: 1 passed, 0 failed"
	exit 0
fi
echo "systemd: 0 passed, 1 failed"
exit 1
