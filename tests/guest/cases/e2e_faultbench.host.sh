#!/bin/bash
# Host check of e2e_faultbench: see tests/oracle/host_e2e.sh.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
e2e_host_check "$1"
