#!/bin/bash
# Build the kernel-hook benchmarks and run them in the QEMU guests under
# -icount shift=0 (deterministic instruction counts), both kernels:
#   bench/kernel/run.sh [BUILD_DIR] [--only kprobes|speed|start|lossless|tree|follow] [run.sh args...]
# e.g. bench/kernel/run.sh build-bench --only speed --kernel 6.1
# BUILD_DIR (default build/bench-kernel) gets a Release CMake build of the
# bench part and of the real recorder, linked statically for the guest
# (KMR_STATIC_RECORDER=ON; kb_speed runs it).  Figures are printed and kept
# in the harness's run directory:
#   <run>/<kernel>/cases/kprobes_bench/figures.txt  (per-fault, per-VMA-op)
#   <run>/<kernel>/cases/speed_bench/figures.txt    (kb_speed: kmemrec vs ftrace,
#                                                    LTTng and bpftrace)
#   <run>/<kernel>/cases/start_bench/log            (kb_start: start/stop cost)
#   <run>/<kernel>/cases/lossless_bench/log         (kb_start: --lossless cost)
#   <run>/<kernel>/cases/tree_bench/log             (kmemrec -f on 1000 processes)
# Further arguments go to tests/guest/run.sh (--kernel 6.1|6.12|all, --out).
# The guest gets 3 GiB: speed_bench.sh says why.  For the speed case the
# peers (LTTng, bpftrace) are prepared first (peers_prep.sh: apt, building
# lttng-modules for both kernels) and staged as /kmr/peers; if that fails
# the benchmark runs without them (their rows say n/a).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build/bench-kernel
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	build=$1
	shift
fi
cases=("$repo/bench/kernel/kprobes_bench.sh" "$repo/bench/kernel/speed_bench.sh"
	"$repo/bench/kernel/start_bench.sh")
if [ "${1:-}" = --only ]; then
	case ${2:-} in
	kprobes|speed|start|lossless|tree|follow) cases=("$repo/bench/kernel/${2}_bench.sh") ;;
	*) echo "run.sh: --only takes kprobes, speed, start, lossless, tree or follow" >&2; exit 2 ;;
	esac
	shift 2
fi
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DKMR_PARTS="format;replayer;recorder;bench" \
	-DKMR_STATIC_RECORDER=ON >/dev/null
cmake --build "$build" -j2 --target kb_faultcost kb_vmacost kb_speed kb_start kmemrec \
	>/dev/null
peers=()
case " ${cases[*]} " in
*/speed_bench.sh\ *)
	if "$repo/bench/kernel/peers_prep.sh" "$build/peers"; then
		peers=(--file "$build/peers/root:/kmr/peers")
	else
		echo "run.sh: peers_prep.sh failed: LTTng and bpftrace are left out" >&2
	fi ;;
esac
exec "$repo/tests/guest/run.sh" --bin-dir "$build" --timeout 3600 --mem 3072 \
	"${peers[@]}" "$@" "${cases[@]}"
