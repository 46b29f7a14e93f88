#!/bin/bash
# install.man: every man page renders without a groff or man warning
# (`man --warnings`, as Debian's lintian runs it), and every option each
# tool's --help lists (its subcommands' too) appears in its page.
# A page with a deliberate error must warn, so the check can fail.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
man=$here/../../docs/man
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

render() { LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 >/dev/null; }
printf '.TH BROKEN 1\n.SH NAME\nbroken \\- x\n.BOGUS\n\\fBunclosed\n' >"$tmp/broken.1"
[ -n "$(render "$tmp/broken.1")" ] || { echo "install.man: man --warnings did not warn on a broken page" >&2; exit 1; }

fail=0
for page in "$man"/*.[1-9]; do
	w=$(render "$page")
	if [ -n "$w" ]; then
		echo "install.man: $(basename "$page") warns:" >&2
		echo "$w" >&2
		fail=1
	fi
done

bin() { find "$build" -path '*/CMakeFiles' -prune -o -type f -name "$1" -perm -u+x -print | head -1; }
# check PAGE TOOL [SUBCOMMAND...]: the options of TOOL --help and of each
# TOOL SUBCOMMAND --help are in PAGE's rendered text.
check() {
	local page=$1 tool=$2 sub text opts o exe
	shift 2
	exe=$(bin "$tool")
	[ -n "$exe" ] || { echo "install.man: $tool not built" >&2; fail=1; return; }
	text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l -Tutf8 "$man/$page" 2>/dev/null | col -b)
	{
		"$exe" --help
		for sub in "$@"; do "$exe" $sub --help; done
	} >"$tmp/help"
	# CLI11 lists options as "  -o,--output TEXT ..." (short, long or both).
	opts=$(sed -n 's/^  \(-[-a-zA-Z0-9,]*\).*/\1/p' "$tmp/help" | tr ',' '\n' | sort -u)
	for o in $opts; do
		if ! grep -qE -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|$)" <<<"$text"; then
			echo "install.man: $page does not mention $o (from $tool $* --help)" >&2
			fail=1
		fi
	done
	echo "install.man: $page: $(wc -w <<<"$opts") options checked"
}
check kmemrec.1 kmemrec doctor
check kmemreplay.1 kmemreplay compare
check kmemfetch.1 kmemfetch read write walk maps
check kmemsynth.1 kmemsynth
exit $fail
