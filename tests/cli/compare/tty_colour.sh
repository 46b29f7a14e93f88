#!/bin/bash
# Colours of `compare` and `--diff`: on a terminal additions are green and
# removals red; piped, or with NO_COLOR set, plain text.  The terminal is a
# pty from script(1) (util-linux); skipped (77) without it.
set -euo pipefail
kmemreplay=$1 kmemsynth=$2
command -v script > /dev/null || { echo "SKIP: script(1) not installed (util-linux)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$kmemsynth" -q -n 8000 -p churn --seed 2 -o a.kmr
"$kmemsynth" -q -n 9000 -p churn --seed 2 -o b.kmr
esc=$'\033'
fail=0
check() {  # what, expect (colour|plain), file
	if [ "$2" = colour ] && ! grep -qF -e "${esc}[32m" -e "${esc}[31m" "$3"; then
		echo "FAIL: $1: no colour on a terminal" >&2; fail=1
	fi
	if [ "$2" = plain ] && grep -qF "$esc" "$3"; then
		echo "FAIL: $1: escape codes in plain output" >&2; fail=1
	fi
}
for cmd in "compare a.kmr b.kmr" "a.kmr --diff 10% 90%"; do
	env -u NO_COLOR TERM=xterm script -qec "$kmemreplay $cmd" /dev/null > tty.out
	check "$cmd (tty)" colour tty.out
	NO_COLOR=1 TERM=xterm script -qec "$kmemreplay $cmd" /dev/null > nocolor.out
	check "$cmd (tty, NO_COLOR=1)" plain nocolor.out
	env -u NO_COLOR $kmemreplay $cmd > piped.out
	check "$cmd (piped)" plain piped.out
done
exit $fail
