#!/bin/bash
# Host side of features.sh: the guest's files arrived intact.
set -eu
dir=$1
[ "$(cat "$dir/note.txt")" = "guest wrote this on $KMR_KERNEL" ] || { echo "note.txt wrong"; exit 1; }
[ "$(md5sum <"$dir/sub/dir/random.bin" | cut -d' ' -f1)" = "$(cat "$dir/random.md5")" ] ||
	{ echo "random.bin corrupted in transport"; exit 1; }
grep -q 'KMR-CASE' "$dir/log" && { echo "init markers leaked into the case log"; exit 1; }
echo "files intact"
