#!/bin/bash
# Where the instructions go (issue 10): boot the guest under -icount
# shift=0 with the kmr_prof TCG plugin (prof/kmr_prof.c), run a profile
# case whose kmr-prof-mark on/off pairs are windows, and print each
# window by function against its untraced twin:
#   bench/kernel/profile.sh [BUILD_DIR] [--kernel 6.1|6.12] [--out DIR] [--case FILE]
# Default case: prof/fault_prof.sh (kb_faultcost plain/traced/bystander,
# then the issue's fault workload untraced and under kmemrec).  Windows
# land in DIR/<kernel>/prof.N, the reports in DIR/<kernel>/report.txt.
# One kernel per boot, one boot at a time: the plugin's dumps are named
# by window number only.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build/bench-kernel
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	build=$1
	shift
fi
kernels=(6.1 6.12) out=$repo/build/prof/$(date +%Y%m%d-%H%M%S)
case_file=$repo/bench/kernel/prof/fault_prof.sh
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernels=("$2"); shift ;;
	--out) out=$2; shift ;;
	--case) case_file=$2; shift ;;
	*) echo "profile.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
command -v python3 >/dev/null || apt-get install -y python3 >/dev/null
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DKMR_PARTS="format;replayer;recorder;bench" \
	-DKMR_STATIC_RECORDER=ON >/dev/null
cmake --build "$build" -j2 --target kb_faultcost kb_start kmemrec kmr_prof \
	kmr-prof-mark >/dev/null
mkdir -p "$out"
for k in "${kernels[@]}"; do
	d=$out/$k
	mkdir -p "$d"
	rm -f "$d"/prof.*
	KMR_QEMU_PLUGIN="$build/bench/kernel/kmr_prof.so,out=$d/prof" \
		"$repo/tests/guest/run.sh" --bin-dir "$build" --timeout 3600 \
		--mem 3072 --kernel "$k" --out "$d/run" "$case_file" || true
	"$repo/bench/kernel/prof/report_case.sh" "$d" "$build/recorder/kmemrec" |
		tee "$d/report.txt"
done
