#!/bin/sh
# exit_status.sh KMEMREC KMEMREPLAY KMEMFETCH KMEMSYNTH FIXTURES
# Every tool answers with the one exit-status table (base/exit_codes.h,
# README "Addresses and exit status"): 2 for a bad command line whatever the
# tool, 1 for a job that could not be done, 0 for --version; and an address
# range is read the same way by kmemrec and kmemreplay.  Runs on the host:
# nothing here needs the module (a usage error is found before the device
# is opened, and a missing device is the error case).
set -u
rec=$1 replay=$2 fetch=$3 synth=$4 fixtures=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect STATUS WHAT CMD...: CMD must exit STATUS.
expect() {
	want=$1 what=$2
	shift 2
	LC_ALL=C NO_COLOR=1 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, want $want: $*"
		sed 's/^/  | /' "$tmp/err" | head -5
		fail=1
	fi
}

nodev=$tmp/no-such-device
trace=$fixtures/churn.kmr

for t in "$rec" "$replay" "$fetch" "$synth"; do
	expect 0 "--version" "$t" --version
	expect 2 "unknown option" "$t" --no-such-option
done

# Usage: bad values and contradictions, each tool.
expect 2 "kmemrec: no target" "$rec" -o "$tmp/t.kmr" --device "$nodev"
expect 2 "kmemrec: two targets" "$rec" 1 --comm x -o "$tmp/t.kmr" --device "$nodev"
expect 2 "kmemrec: bad pid" "$rec" 0x10 -o "$tmp/t.kmr" --device "$nodev"
expect 2 "kmemrec: bad size" "$rec" 1 -o "$tmp/t.kmr" --buffer-size 4Q --device "$nodev"
expect 2 "kmemreplay: bad instant" "$replay" "$trace" --at sometime
expect 2 "kmemfetch: unknown subcommand" "$fetch" reed 1 1000 4
expect 2 "kmemfetch: ambiguous address" "$fetch" --device "$nodev" read 1 0d4096 4
expect 2 "kmemfetch: bad length" "$fetch" --device "$nodev" read 1 1000 4Q
expect 2 "kmemsynth: bad pattern" "$synth" --pattern no-such-pattern -o "$tmp/s.kmr"

# --range: the same syntax and the same refusals in kmemrec and kmemreplay.
for r in 2000-1000 1000-1000 1000- -1000 1000-2000-3000 0d4096-0d8192 zz; do
	expect 2 "kmemrec --range $r" "$rec" 1 -o "$tmp/t.kmr" --range "$r" --device "$nodev"
	expect 2 "kmemreplay --range $r" "$replay" "$trace" --at end --range "$r"
done
for r in 555555554000-555555800000 0x555555554000-0x555555800000 555555554000; do
	expect 0 "kmemreplay --range $r" "$replay" "$trace" --at end --range "$r"
	# accepted by kmemrec's parser: the next failure is the missing device
	expect 1 "kmemrec --range $r (no device)" "$rec" 1 -o "$tmp/t.kmr" --range "$r" --device "$nodev"
done

# Errors: the job could not be done.
expect 1 "kmemrec: no device" "$rec" 1 -o "$tmp/t.kmr" --device "$nodev"
[ ! -e "$tmp/t.kmr" ] || { echo "FAIL: kmemrec left $tmp/t.kmr after failing"; fail=1; }
expect 1 "kmemreplay: no file" "$replay" "$tmp/missing.kmr"
expect 1 "kmemfetch: no device" "$fetch" --device "$nodev" read 1 1000 4
expect 1 "kmemsynth: unwritable output" "$synth" -o "$tmp/no/such/dir/s.kmr"

[ $fail = 0 ] && echo "every tool: 0 done, 1 error, 2 usage; --range read alike"
exit $fail
