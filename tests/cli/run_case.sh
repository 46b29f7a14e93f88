#!/bin/sh
# run_case.sh KMEMREPLAY FIXTURES EXPECTED [ARGS...]
# Runs KMEMREPLAY ARGS in the FIXTURES directory (plain locale, no colour)
# and compares its stdout, stderr and exit status with the EXPECTED file.
# KMR_UPDATE_GOLDEN=1 rewrites EXPECTED instead.
set -u
bin=$1
dir=$2
expected=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(
	cd "$dir" || exit 99
	LC_ALL=C NO_COLOR=1 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	echo "$?" >"$tmp/status"
)
{
	cat "$tmp/out"
	echo "--- stderr"
	cat "$tmp/err"
	echo "--- exit $(cat "$tmp/status")"
} >"$tmp/all"
if [ "${KMR_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$tmp/all" "$expected"
	exit 0
fi
diff -u "$expected" "$tmp/all"
