#!/bin/sh
# Checks systemd/asystentd.service: that it, asystent.tmpfiles, the
# daemon's default key_file and `make install` agree on where the master
# key lives (a directory of the daemon's own that the unit lets it write,
# so `asystentctl key rotate` works under the shipped unit, and no
# credential); then `systemd-analyze verify` on the unit as `make install`
# writes it, with ExecStart pointed at an existing program. Only the
# verify is skipped when systemd-analyze is not installed.
set -u

case $0 in
*/*)	here=${0%/*} ;;
*)	here=. ;;
esac
top=$(cd "$here/.." && pwd) || exit 1
unit="$top/systemd/asystentd.service"
ok=1

tmpfiles="$top/systemd/asystent.tmpfiles"
daemon=${ASYSTENT_BUILD:-build}/asystentd
case $daemon in
/*)	;;
*)	daemon="$top/$daemon" ;;
esac
checks=0

fail() {
	echo "FAIL: $*"
	ok=0
}

# Lines that are not comments.
live() {
	grep -v '^[[:space:]]*[#;]' "$1"
}

if [ -x "$daemon" ]; then
	key=$("$daemon" --print-config | sed -n 's/^key_file = //p')
	keydir=${key%/*}
	checks=$((checks + 1))
	if live "$unit" | grep -q '^LoadCredential'; then
		fail "the unit passes the key as a credential: it cannot rotate"
	fi
	if ! live "$unit" | grep -Eq "^ReadWritePaths=-?$keydir\$"; then
		fail "the unit does not let the daemon write $keydir" \
		    "(key_file $key)"
	fi
	sp='[[:space:]]+'
	if ! live "$tmpfiles" | grep -Eq \
	    "^d$sp$keydir${sp}0700${sp}asystent${sp}asystent"; then
		fail "asystent.tmpfiles does not make $keydir 0700 asystent"
	fi
	if ! grep -q "asystentd --generate-key $key\$" "$unit"; then
		fail "the unit's header does not generate the key at $key"
	fi
	if ! grep -q 'TMPFILESDIR)/asystent.conf' "$top/Makefile"; then
		fail "make install does not install asystent.tmpfiles"
	fi
else
	echo "SKIP: $daemon not built; key_file NOT checked against the unit"
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not found; systemd unit NOT verified"
	if [ "$ok" -eq 1 ]; then
		echo "systemd: $checks passed, 0 failed (verify skipped)"
		exit 0
	fi
	echo "systemd: 0 passed, 1 failed (verify skipped)"
	exit 1
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
	echo "systemd: $((checks + 1)) passed, 0 failed"
	exit 0
fi
echo "systemd: 0 passed, 1 failed"
exit 1
