#!/bin/bash
# Host half of rec_kill_cycles: every file a killed recorder left reads, or
# is named for what it is.
#   SIGINT/SIGTERM (or only the target killed): a finished trace (kmemreplay
#     exit 0, not cut short), or no file at all;
#   SIGKILL: a trace kmemreplay reads (exit 0 or 2, maybe cut short), or the
#     error "the recorder stopped before writing anything";
#   an exit 0 or 3 (trace complete) always with its file.
set -u
. "$KMR_REPO/tests/guest/lib/find_bin.sh"
dir=$1
replay=$(kmr_find_bin kmemreplay ${KMR_BIN_DIRS:-}) || { echo "kmemreplay not found"; exit 2; }
[ -s "$dir/cycles.tsv" ] || { echo "no cycles.tsv"; exit 1; }
bad=0 files=0 finished=0 cut=0 early=0 none=0
while IFS=$'\t' read -r n mode sig killed d1 d2 rc size msg; do
	f=$dir/traces/c$n.kmr
	why=
	if [ "$size" = - ]; then
		none=$((none + 1))
		case $rc in 0 | 3) why="exit $rc but no trace" ;; esac
	else
		files=$((files + 1))
		rrc=0
		err=$("$replay" "$f" 2>&1 >/dev/null) || rrc=$?
		case $sig:$rrc in
		KILL:0 | KILL:2)
			if grep -q "cut short" <<<"$err"; then cut=$((cut + 1)); else finished=$((finished + 1)); fi ;;
		KILL:1)
			if grep -q "the recorder stopped before writing anything" <<<"$err"; then
				early=$((early + 1))
			else
				why="unreadable after SIGKILL: $(head -n1 <<<"$err")"
			fi ;;
		*:0)
			if grep -q "cut short" <<<"$err"; then
				why="not finished after SIG$sig: $(head -n1 <<<"$err")"
			else
				finished=$((finished + 1))
			fi ;;
		*) why="kmemreplay exit $rrc after SIG$sig: $(head -n1 <<<"$err")" ;;
		esac
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		echo "cycle $n ($mode, SIG$sig, target killed $killed, ${d1}+${d2} ms, exit $rc): $why"
	fi
done <"$dir/cycles.tsv"
summary="$(wc -l <"$dir/cycles.tsv") cycles: $files files ($finished finished, $cut cut short, $early empty/header-less after SIGKILL), $none without a file"
if [ "$bad" = 0 ]; then
	echo "rec_kill_cycles host check ok: $summary"
else
	echo "rec_kill_cycles host check FAILED: $bad cycles; $summary"
	exit 1
fi
