#!/bin/sh
# Checks that each handler file exports its entry and nothing else: the
# global symbols of $ASYSTENT_BUILD/handlers/NAME.o (default build/) must
# be handler_NAME_entry alone, and table.o's handler_table alone. A step
# two handlers share belongs in daemon/conv/, not in one of them.
# Objects of handler files that no longer exist are not looked at.
set -u

case $0 in
*/*)	here=${0%/*} ;;
*)	here=. ;;
esac
top=$(cd "$here/.." && pwd) || exit 1
build=${ASYSTENT_BUILD:-build}
case $build in
/*)	;;
*)	build="$top/$build" ;;
esac

if ! command -v nm >/dev/null 2>&1; then
	echo "handlers_exports: nm not found (install binutils)" >&2
	exit 1
fi

checked=0
failed=0
for src in "$top"/handlers/*.c; do
	name=${src##*/}
	name=${name%.c}
	obj="$build/handlers/$name.o"
	checked=$((checked + 1))
	if [ ! -f "$obj" ]; then
		echo "handlers_exports: $obj: not built" >&2
		failed=$((failed + 1))
		continue
	fi
	if [ "$name" = table ]; then
		want=handler_table
	else
		want="handler_${name}_entry"
	fi
	if ! syms=$(nm -g --defined-only -P "$obj"); then
		echo "handlers_exports: nm $obj failed" >&2
		failed=$((failed + 1))
		continue
	fi
	# Names beginning with __ are the compiler's (sanitizers), not ours.
	syms=$(printf '%s\n' "$syms" | awk 'NF >= 2 && $1 !~ /^__/ &&
	    $1 !~ /:$/ { print $1 }' | sort)
	if [ "$syms" != "$want" ]; then
		echo "handlers/$name.c must export $want alone; it exports:" \
		    $syms >&2
		failed=$((failed + 1))
	fi
done

echo "handlers_exports: $checked checked, $failed failed"
[ "$failed" -eq 0 ]
