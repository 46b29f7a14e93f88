#!/bin/sh
# stock_tools.sh KMEMSYNTH ZSTD CAPNP SCHEMA: a fresh trace is mode 0600, a
# valid zstd stream (zstd -t), and its frames decode with capnp.
set -eu
synth=$1 zstd=$2 capnp=$3 schema=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$synth" -q --events 5000 --pattern churn --lost --exec -o "$tmp/t.kmr"
mode=$(stat -c %a "$tmp/t.kmr")
[ "$mode" = 600 ] || { echo "trace mode is $mode, not 600"; exit 1; }
"$zstd" -q -t "$tmp/t.kmr"
"$zstd" -q -dc "$tmp/t.kmr" | "$capnp" decode "$schema" Frame >"$tmp/decoded"
for what in "header = (" "chunk = (" "keyframe = (" 'comm = "kmemsynth-targe"'; do
	grep -q "$what" "$tmp/decoded" || { echo "capnp decode shows no '$what'"; exit 1; }
done
# A cut file is no longer a valid zstd stream, and zstd says so.
head -c 3000 "$tmp/t.kmr" >"$tmp/cut.kmr"
if "$zstd" -q -t "$tmp/cut.kmr" 2>/dev/null; then echo "zstd -t accepted a cut file"; exit 1; fi
echo ok
