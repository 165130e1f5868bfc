#!/bin/sh
# `make run`: a local asystentd in the foreground, state in ./state/.
# With a bot token (ASYSTENT_TELEGRAM_TOKEN, or state/token) it talks to the
# real Telegram; without one it starts the bundled Bot API emulator.
set -eu
build=${1:-build}
state=state
mkdir -p "$state"
chmod 700 "$state"

[ -f "$state/master.key" ] || "$build/asystentd" --generate-key "$state/master.key"

conf="$state/asystent.conf"
if [ ! -f "$conf" ]; then
	cat > "$conf" <<CONF
# Local development configuration (make run). See README.md for every key.
[daemon]
database = $state/asystent.db
key_file = $state/master.key
admin_socket = $state/admin.sock
log_level = info
centre_name = MOPS (local test)
catalog_dir = $build/messages

[telegram]
token_file = $state/token

[privacy]
dpo_contact = iod@example.invalid (local test)
CONF
fi

emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -z "${ASYSTENT_TELEGRAM_TOKEN:-}" ] && [ ! -s "$state/token" ]; then
	port=${ASYSTENT_EMU_PORT:-8081}
	rm -f "$state/tgemu.port"
	"$build/tgemu" -p "$port" -P "$state/tgemu.port" -l on \
	    2>"$state/tgemu.log" &
	emu_pid=$!
	i=0
	while [ ! -s "$state/tgemu.port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$emu_pid" 2>/dev/null; then
			echo "run: the Bot API emulator did not start; see $state/tgemu.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	port=$(cat "$state/tgemu.port")
	export ASYSTENT_TELEGRAM_TOKEN="123456:TEST"
	export ASYSTENT_TELEGRAM_API_ROOT="http://127.0.0.1:$port"
	cat <<MSG

  No bot token: asystentd talks to the bundled Telegram emulator on
  http://127.0.0.1:$port. In another terminal, play a family member:

      tests/play --emu http://127.0.0.1:$port --lang uk /start
      tests/play --emu http://127.0.0.1:$port          (interactive)

  For the real Telegram put your bot token in $state/token (see README).

MSG
fi
"$build/asystentd" -c "$conf" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; cleanup' INT TERM
wait $pid
