#!/bin/sh
# Runs the cmocka unit test binaries and the shell checks; prints each
# binary's own summary and a total, fails when any failed.
set -u
failed=0
passed=0
mo_dir=${ASYSTENT_MO_DIR:-build/messages}
export ASYSTENT_MO_DIR="$mo_dir"
for t in "$@"; do
	echo "== $t"
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
for s in tests/test_*.sh; do
	[ -f "$s" ] || continue
	echo "== $s"
	if sh "$s"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $s" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
