#!/bin/bash
# Host half of e2e_rec_kill: the killed recorder's file is cut short but
# every whole chunk reads, and it replays exactly to the checkpoints taken
# (at least two seconds) before the kill.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
. "$dir/kill.env"
rc=0
"$oracle" info "$dir/kill.kmr" --truncated --pid "$pid" --min-events 100 || rc=1
mapfile -t before < <(sed "s|^|$dir/ckpt/|" "$dir/before-kill.list")
[ ${#before[@]} -ge 8 ] || { echo "only ${#before[@]} checkpoints before the kill"; rc=1; }
"$oracle" state "$dir/kill.kmr" "${before[@]}" || rc=1
"$oracle" info "$dir/after.kmr" --finished --exited || rc=1
[ $rc = 0 ] && echo "e2e_rec_kill host check ok" || echo "e2e_rec_kill host check FAILED"
exit $rc
