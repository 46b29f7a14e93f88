#!/bin/bash
# Host check of e2e_targets_smp2: tests/oracle/host_e2e.sh, for each target.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
e2e_host_check_list "$1" "$KMR_REPO/tests/oracle/e2e_targets.txt" 2
