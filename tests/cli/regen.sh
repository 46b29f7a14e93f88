#!/bin/sh
# Regenerates the committed CLI fixtures (each < 100 KB) with kmemsynth.
# Usage: tests/cli/regen.sh path/to/kmemsynth
# Then refresh the golden outputs: KMR_UPDATE_GOLDEN=1 ctest -L cli
# and review the diff before committing.
set -eu
synth=${1:?usage: regen.sh path/to/kmemsynth}
cd "$(dirname "$0")/fixtures"

# Format version 4: faults folded into their PTE records as the module sends
# them (the writer's FAULT-of-PTE row pairs).
"$synth" -q --events 2000 --pattern seq --seed 7 --fold-faults --chunk-events 250 --keyframe-min-events 500 --keyframe-ratio 2 -o folded.kmr
chmod 0644 folded.kmr

# Format version 3: a tree of 4 processes (the root forks 1 and 2, 1 forks
# 3), and the same cut short.  Since version 4 they stay as committed (the
# version-3 traces readers keep reading); KMR_REGEN_V3=1 rewrites them with
# the kmemsynth given.
if [ "${KMR_REGEN_V3:-0}" = 1 ]; then
"$synth" -q --events 6000 --pattern fork --processes 4 --seed 6 --chunk-events 250 --keyframe-min-events 500 --keyframe-ratio 2 -o tree.kmr
head -c $(($(stat -c %s tree.kmr) * 2 / 3)) tree.kmr > tree-truncated.kmr
chmod 0644 tree.kmr tree-truncated.kmr
fi

# The fixtures below were written by format version 2 and stay as they are:
# they are the old traces a reader must keep reading.  Their commands are
# kept for the record; kmemsynth now writes version 4, so they run only with
# KMR_REGEN_V2=1 (and a kmemsynth of format version 2).
[ "${KMR_REGEN_V2:-0}" = 1 ] || exit 0

"$synth" -q --events 2000 --pattern seq --seed 1 --chunk-events 250 --keyframe-min-events 500 --keyframe-ratio 2 -o seq.kmr
"$synth" -q --events 3000 --pattern churn --seed 2 --lost --exec --page-data bytes --chunk-events 250 --keyframe-min-events 500 --keyframe-ratio 2 -o churn.kmr
"$synth" -q --events 3000 --pattern fork --seed 3 --page-data hash --chunk-events 250 --keyframe-min-events 500 --keyframe-ratio 2 -o fork.kmr
"$synth" -q --events 3000 --pattern random --seed 4 --chunk-events 250 --keyframe-min-events 500 --keyframe-ratio 2 --base 0x560000000000 \
	-o random-base.kmr
"$synth" -q --events 1000 --pattern seq --seed 5 --lossless --chunk-events 250 -o lossless.kmr

# One byte inverted inside chunk 5's compressed data (offset from
# `kmemreplay churn.kmr --events` damage messages if you change the above).
cp churn.kmr damaged.kmr
off=$(($(stat -c %s churn.kmr) / 3))
byte=$(od -An -tu1 -j "$off" -N1 churn.kmr | tr -d ' ')
printf "\\$(printf %o $((byte ^ 255)))" |
	dd of=damaged.kmr bs=1 seek="$off" conv=notrunc status=none

# A recorder killed two thirds of the way through writing.
head -c $(($(stat -c %s churn.kmr) * 2 / 3)) churn.kmr > truncated.kmr

# Written by a (future) format version 9 that older readers cannot read.
cp seq.kmr newer.kmr
printf '\011' | dd of=newer.kmr bs=1 seek=16 conv=notrunc status=none
printf '\011' | dd of=newer.kmr bs=1 seek=20 conv=notrunc status=none

# Written by format version 1 (before the encoding changed).
cp seq.kmr older.kmr
printf '\001' | dd of=older.kmr bs=1 seek=16 conv=notrunc status=none
printf '\001' | dd of=older.kmr bs=1 seek=20 conv=notrunc status=none

printf 'this is not a trace\n' > not-a-trace.kmr

# Left by a recorder killed (SIGKILL) before it wrote anything: empty, the
# 32-byte magic only, the header frame cut short; and one killed before its
# first chunk (magic + header frame).
: >empty.kmr
head -c 32 seq.kmr >magic-only.kmr
header_end=$((32 + 80 + $(od -An -tu4 -j48 -N4 seq.kmr | tr -d ' ')))
head -c $((header_end - 10)) seq.kmr >header-cut.kmr
head -c "$header_end" seq.kmr >header-only.kmr
chmod 0644 ./*.kmr
