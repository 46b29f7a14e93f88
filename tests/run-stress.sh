#!/bin/bash
# The stress tier (not in CI: tens of minutes of both cores per kernel,
# more than CI's budget leaves; see TESTING.md).  Every "# kmr-tier: stress" guest case
# on Debian's 6.1 and 6.12: races on truly parallel vCPUs (multi-threaded
# TCG), hostile ioctl arguments and control pages, rmmod during exec,
# recorders and targets killed at random moments; hundreds of iterations
# each.  On a fresh Debian 12 machine (root), after or instead of
# tests/run-all.sh:
#
#   tests/run-stress.sh [--kernel 6.1|6.12|all]
#
# Environment: KMR_BUILD (build directory, default <repo>/build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMR_BUILD:-$root/build}
kernel=all
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?--kernel needs a value}; shift ;;
	-h | --help) sed -n '2,12p' "$0"; exit 0 ;;
	*) echo "run-stress.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }
t0=$(date +%s)

step "packages"
"$root/tests/deps.sh"

step "userspace build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"

step "stress-tier guest cases, $kernel"
"$root/tests/guest/run.sh" --kernel "$kernel" --tier stress --bin-dir "$build"

printf '\nstress tier passed in %d s\n' $(($(date +%s) - t0))
