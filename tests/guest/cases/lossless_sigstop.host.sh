#!/bin/bash
# Host half of lossless_sigstop: each --lossless trace is complete and
# replays exactly to every checkpoint of its target (maps and pagemap).
. "$KMR_REPO/tests/oracle/host_e2e.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
rc=0 runs=0
for run in stop cpumax threads; do
	[ -s "$dir/$run/trace.kmr" ] || continue
	runs=$((runs + 1))
	. "$dir/$run/ll.env"
	"$oracle" info "$dir/$run/trace.kmr" --finished --exited --pid "$pid" || rc=1
	n=$(ls "$dir/$run/ckpt" | wc -l)
	[ "$n" -ge 3 ] || { echo "$run: only $n checkpoints"; rc=1; }
	"$oracle" state "$dir/$run/trace.kmr" "$dir/$run"/ckpt/ckpt-*.txt || rc=1
done
[ $rc = 0 ] && echo "lossless_sigstop host check ok ($runs runs)" || echo "lossless_sigstop host check FAILED"
exit $rc
