#!/bin/bash
# Build the kernel-hook benchmarks and run them in the QEMU guests under
# -icount shift=0 (deterministic instruction counts), both kernels:
#   bench/kernel/run.sh [BUILD_DIR] [--kernel 6.1|6.12|all]
# BUILD_DIR (default build/bench-kernel) gets a CMake build of the repo's
# bench part; figures are printed and kept in the harness's run directory
# (<run>/<kernel>/cases/kprobes_bench/figures.txt).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build/bench-kernel}
[ $# -gt 0 ] && shift
cmake -S "$repo" -B "$build" -DKMR_PARTS="bench" >/dev/null
cmake --build "$build" -j2 --target kb_faultcost kb_vmacost kb_speed >/dev/null
exec "$repo/tests/guest/run.sh" --bin-dir "$build" --timeout 2400 "$@" \
	"$repo/bench/kernel/kprobes_bench.sh"
