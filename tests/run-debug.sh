#!/bin/bash
# The debug tier (not in CI: its kernel takes ~20 min of 2 cores to build
# once; see TESTING.md).  On a fresh Debian 12 machine (root):
#
#   1. packages and the userspace build (as tests/run-all.sh; incremental)
#   2. the debug kernel: Debian's 6.12 source (linux-source-6.12) with
#      KASAN, KFENCE, lockdep, PROVE_RCU, DEBUG_VM, DEBUG_LIST,
#      DEBUG_PAGEALLOC and KMEMLEAK, built once and cached outside the
#      clone (tests/guest/lib/debugkernel.sh, KMR_DEBUG_KERNEL_CACHE)
#   3. the harness self-test on it: a KASAN report, a lockdep report and a
#      kmemleak leak must each fail their own case
#   4. every guest case on it (run.sh --kernel 6.12-debug)
#
# Options: --tier T passes through to run.sh (default: default; "all" adds
# the cases that wait for a known bug's fix).  Environment: KMR_BUILD.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMR_BUILD:-$root/build}
tier=default
while [ $# -gt 0 ]; do
	case $1 in
	--tier) tier=${2:?--tier needs a value}; shift ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "run-debug.sh: unknown option $1" >&2; exit 2 ;;
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

step "guest harness self-test on the debug kernel (builds it the first time)"
"$root/tests/guest/selftest.sh" --kernel 6.12-debug

step "guest tests on the debug kernel"
"$root/tests/guest/run.sh" --kernel 6.12-debug --tier "$tier" --bin-dir "$build"

printf '\ndebug tier passed in %d s\n' $(($(date +%s) - t0))
