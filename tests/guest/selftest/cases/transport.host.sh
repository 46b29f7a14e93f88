#!/bin/bash
# Host side of transport.sh: checksum, and throughput from the KMR-SEG line.
set -eu
dir=$1
[ -f "$dir/blob.bin" ] || { echo "blob.bin did not arrive"; exit 1; }
[ "$(md5sum <"$dir/blob.bin" | cut -d' ' -f1)" = "$(cat "$dir/blob.md5")" ] ||
	{ echo "blob.bin corrupted in transport"; exit 1; }
bytes=$(stat -c %s "$dir/blob.bin")
seg=$(grep -h "KMR-SEG $KMR_CASE " "$KMR_RUN_DIR/$KMR_KERNEL"/boot*/console.log | tail -1)
secs=$(awk '{ print $5 }' <<<"$seg")
awk -v b="$bytes" -v s="$secs" 'BEGIN {
	printf "transport: %.1f MiB in %.2f s guest time (tar + dd + sync) = %.1f MiB/s\n",
		b / 1048576, s, (s > 0 ? b / 1048576 / s : 0) }'
