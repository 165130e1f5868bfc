#!/bin/sh
# Installs the Debian 12 packages asystent needs to build, test and run.
# As root it runs apt-get; otherwise it prints the command and fails.
set -u

pkgs="build-essential pkg-config libevent-dev libcurl4-openssl-dev
libcjson-dev libsqlite3-dev libsodium-dev libcmocka-dev libinih-dev gettext
python3 sqlite3 curl kannel kannel-extras ca-certificates openssl valgrind
systemd util-linux"

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# Kannel's package starts its own bearerbox; the tests run their own.
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q kannel 2>/dev/null; then
	systemctl stop kannel >/dev/null 2>&1 || true
fi
exit 0
