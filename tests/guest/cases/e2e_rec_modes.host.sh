#!/bin/bash
# Host half of e2e_rec_modes: every trace is finished and replays.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
. "$dir/modes.env"
rc=0
"$oracle" info "$dir/int.kmr" --finished --pid "$int_pid" --min-events 1 || rc=1
"$oracle" info "$dir/dur.kmr" --finished --pid "$int_pid" --min-events 1 || rc=1
"$oracle" info "$dir/comm.kmr" --finished --pid "$comm_pid" --min-events 10 --exited || rc=1
"$oracle" info "$dir/again.kmr" --finished --exited || rc=1
[ $rc = 0 ] && echo "e2e_rec_modes host check ok" || echo "e2e_rec_modes host check FAILED"
exit $rc
