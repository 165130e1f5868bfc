#!/bin/sh
# Fails when a message the code marks with N_() or NP_() is missing,
# untranslated or fuzzy in messages/LANG.po, for each LANG given.
# Run from the repository root: sh tools/check-catalogs.sh pl uk ru en
set -u

if [ $# -eq 0 ]; then
	echo "usage: sh tools/check-catalogs.sh LANG..." >&2
	exit 2
fi
for tool in xgettext msgfmt msgattrib msgcomm msgcat; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "catalogs: $tool not found (install gettext)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/catalogs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Prints the msgids (with their msgctxt) of a PO file, one a line, as
# they are written in the file; the header entry is skipped.
list_msgids() {
	awk '
	function unq(s) { sub(/^"/, "", s); sub(/"$/, "", s); return s }
	/^"/ {
		if (kw == "msgid") id = id unq($0)
		else if (kw == "msgctxt") ctx = ctx unq($0)
		next
	}
	kw == "msgid" {
		if (id != "")
			print "    " (ctx != "" ? "[" ctx "] " : "") \
			    "\"" id "\""
		ctx = ""
	}
	/^msgctxt / { kw = "msgctxt"; ctx = unq(substr($0, 9)); next }
	/^msgid / { kw = "msgid"; id = unq(substr($0, 7)); next }
	{ kw = "" }
	' "$1"
}

# Prints the msgids of plural entries with an empty form: msgfmt and
# msgattrib count them as translated, the daemon's loader refuses them.
# Each is listed once, under the missing ones.
list_empty_forms() {
	awk '
	function unq(s) { sub(/^"/, "", s); sub(/"$/, "", s); return s }
	/^"/ {
		if (kw == "msgid") id = id unq($0)
		else if (kw == "msgstr") empty = 0
		next
	}
	kw == "msgstr" && empty && !seen[id]++ { print "    \"" id "\"" }
	/^msgid / { kw = "msgid"; id = unq(substr($0, 7)); next }
	/^msgstr\[[0-9]+\] ""$/ { kw = "msgstr"; empty = 1; next }
	{ kw = ""; empty = 0 }
	END {
		if (kw == "msgstr" && empty && !seen[id]++)
			print "    \"" id "\""
	}
	' "$1"
}

# The messages used in the code.
pot="$tmp/code.pot"
langs="$*"
set --
for f in $(find daemon handlers ctl -name '*.c' | sort); do
	[ -f "$f" ] && set -- "$@" "$f"
done
if [ $# -gt 0 ]; then
	# No --omit-header: without its charset, xgettext drops non-ASCII.
	if ! xgettext --language=C --from-code=UTF-8 -k -kN_ -kNP_:1,2 -kNC_:1c,2 \
	    --force-po --no-wrap -o "$pot" "$@" 2>"$tmp/xgettext.err"; then
		cat "$tmp/xgettext.err" >&2
		echo "catalogs: xgettext failed" >&2
		exit 1
	fi
else
	printf '%s\n' 'msgid ""' \
	    'msgstr "Content-Type: text/plain; charset=UTF-8\n"' >"$pot"
fi

checked=0
failed=0
for lang in $langs; do
	po="messages/$lang.po"
	checked=$((checked + 1))
	if [ ! -f "$po" ]; then
		echo "catalogs: $po: no such file" >&2
		failed=$((failed + 1))
		continue
	fi
	if ! msgfmt --check -o /dev/null "$po" 2>"$tmp/msgfmt.err"; then
		cat "$tmp/msgfmt.err" >&2
		echo "catalogs: $po: msgfmt --check failed" >&2
		failed=$((failed + 1))
		continue
	fi
	# The code's messages minus the translated, non-fuzzy ones.
	if ! msgattrib --translated --no-fuzzy --no-obsolete --force-po \
	    --no-wrap -o "$tmp/good.po" "$po" ||
	    ! msgcomm --more-than=1 --force-po -o "$tmp/common.po" \
	    "$pot" "$tmp/good.po" ||
	    ! msgcomm --unique --force-po --no-wrap -o "$tmp/missing.po" \
	    "$pot" "$tmp/common.po"; then
		echo "catalogs: $po: gettext tools failed" >&2
		failed=$((failed + 1))
		continue
	fi
	list_msgids "$tmp/missing.po" >"$tmp/missing.txt"
	list_empty_forms "$tmp/good.po" >>"$tmp/missing.txt"
	# Entries the code reaches with a context (month names) are not
	# extracted, so the whole file must be translated as well.
	stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
	case "$stats" in
	*fuzzy*|*untranslated*) ;;
	*) stats="" ;;
	esac
	if [ -s "$tmp/missing.txt" ] || [ -n "$stats" ]; then
		failed=$((failed + 1))
		if [ -s "$tmp/missing.txt" ]; then
			echo "catalogs: $po: missing, untranslated" \
			    "or fuzzy:" >&2
			cat "$tmp/missing.txt" >&2
		fi
		[ -n "$stats" ] && echo "catalogs: $po: $stats" >&2
	fi
done

echo "catalogs: $checked checked, $failed failed"
[ "$failed" -eq 0 ]
