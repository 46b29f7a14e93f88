#!/bin/sh
# Seeds for the fuzz targets: the committed CLI fixtures (good, damaged, cut
# short, empty, other versions) and small kmemsynth traces of every pattern
# and option, a few chunks and keyframes each.
# Usage: make_seeds.sh KMEMSYNTH FIXTURES_DIR OUT_DIR
set -eu
synth=$1 fixtures=$2 out=$3
rm -rf "$out"
mkdir -p "$out"
cp "$fixtures"/*.kmr "$out"/
small="--chunk-events 64 --keyframe-min-events 128 --keyframe-ratio 1"
"$synth" -q -n 400 -p seq --seed 11 $small -o "$out/s-seq.kmr"
"$synth" -q -n 600 -p churn --seed 12 --lost --exec --page-data bytes $small -o "$out/s-churn.kmr"
"$synth" -q -n 600 -p fork --seed 13 --page-data hash $small -o "$out/s-fork.kmr"
"$synth" -q -n 500 -p random --seed 14 --base 0x560000000000 $small -o "$out/s-random.kmr"
"$synth" -q -n 300 -p churn --seed 15 --no-exit --no-keyframes --chunk-events 100 -o "$out/s-nokf.kmr"
"$synth" -q -n 200 -p fork --seed 16 --lost --exec --page-data bytes --chunk-events 1000 -o "$out/s-one-chunk.kmr"
# Faults folded into their PTE records as the module sends them (format
# version 4's FAULT-of-PTE row pairs).
"$synth" -q -n 500 -p random --seed 18 --fold-faults $small -o "$out/s-folded.kmr"
# Several processes (format version 3), interleaved streams.
"$synth" -q -n 900 -p churn --seed 17 --processes 3 --lost --exec $small -o "$out/s-tree.kmr"
# Cut short like a killed recorder: no index, the last chunk partial.
head -c $(($(wc -c <"$out/s-churn.kmr") * 2 / 3)) "$out/s-churn.kmr" >"$out/s-churn-cut.kmr"
chmod 0644 "$out"/*.kmr
touch "$out/stamp"
