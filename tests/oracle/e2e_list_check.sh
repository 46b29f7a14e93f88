#!/bin/sh
# e2e_list_check.sh REPO TARGETS_LIST
# The end-to-end list (tests/oracle/e2e_targets.txt) and the guest cases
# that run it must agree, since the harness reads each case's "kmr-bin:"
# and "kmr-smp:" lines, not the list:
#   - every kmrt-* program the build makes (TARGETS_LIST, written by
#     targets/CMakeLists.txt) is in the list, and nothing else is;
#   - e2e_targets.sh (1 vCPU) and e2e_targets_smp2.sh (2 vCPUs) name in
#     "kmr-bin:" exactly kmemrec and the targets of their vCPU count, and
#     ask for that many vCPUs.
set -eu
repo=$1 built=$2
list=$repo/tests/oracle/e2e_targets.txt
cases=$repo/tests/guest/cases
fail=0
bad() { echo "FAIL: $*"; fail=1; }

listed=$(sed -e 's/#.*//' "$list" | awk 'NF { print $1 }' | sort)
made=$(sed 's|.*/kmrt-||' "$built" | sort)
[ "$listed" = "$made" ] ||
	bad "e2e_targets.txt lists [$(echo $listed)] but the build makes kmrt-[$(echo $made)]"

for pair in 1:e2e_targets 2:e2e_targets_smp2; do
	n=${pair%%:*} case=$cases/${pair#*:}.sh
	[ -f "$case" ] || { bad "missing $case"; continue; }
	want=$( (echo kmemrec; sed -e 's/#.*//' "$list" | awk -v n="$n" 'NF && $2 == n { print "kmrt-" $1 }') | sort)
	have=$(sed -n 's/^#[[:space:]]*kmr-bin:[[:space:]]*//p' "$case" | tr ' ' '\n' | awk NF | sort)
	[ "$want" = "$have" ] ||
		bad "${case##*/}: kmr-bin names [$(echo $have)], the list needs [$(echo $want)]"
	smp=$(sed -n 's/^#[[:space:]]*kmr-smp:[[:space:]]*//p' "$case")
	[ "${smp:-1}" = "$n" ] || bad "${case##*/}: kmr-smp is ${smp:-1}, its targets need $n"
done
[ $fail = 0 ] && echo "e2e list, targets and cases agree"
exit $fail
