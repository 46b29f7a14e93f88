#!/bin/bash
# The kmemrec tour for a newcomer: builds everything, boots Debian's kernel
# in QEMU with the module, records two real programs there with kmemrec,
# brings the traces back and shows what kmemreplay makes of them.
#
#   tests/demo.sh [--kernel 6.1|6.12] [--build DIR]
#
# What it records (in the guest, busybox userland):
#   sort.kmr   busybox `sort -n` of 100,000 numbers: the heap growing as
#              lines are read, the big sort buffer, the exit
#   fork.kmr   kmrt-fork: 128 pages written after fork(), so 64 copy-on-write
#              copies per region in the parent
#   fork2.kmr  the same program writing all 128 pages after the fork
# and shows, on the host: the trace summary, the shadow page table half way
# (--at 50%), what changed between two instants (--diff), the per-VMA
# fault/CoW histograms (--hist), the two fork runs compared VMA by VMA
# (compare), and writes an SVG heatmap and a Perfetto trace of sort.kmr.
#
# Needs root (QEMU's initramfs staging, apt for missing packages) and about
# 10 minutes on 2 cores (the build, then a TCG guest).  Nothing is left
# running; the traces stay in <build>/demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
kernel=6.1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--build) build=$2; shift ;;
	-h | --help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $kernel in 6.1 | 6.12) ;; *) echo "demo.sh: --kernel is 6.1 or 6.12" >&2; exit 2 ;; esac
step() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }
demo=$build/demo
mkdir -p "$demo"

step "1. packages and build (cmake, -j2)"
[ -x "$root/tests/deps.sh" ] && "$root/tests/deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target kmemrec kmemreplay kmrt-fork
replay=$(find "$build" -name kmemreplay -type f -perm -u+x -not -path '*/CMakeFiles/*' | head -1)

step "2. the guest: boot Debian's $kernel kernel, load kmemrec.ko, record"
# A one-off guest case: the harness stages kmemrec and kmrt-fork (with
# their libraries) and brings every file the case leaves behind back.
case_dir=$demo/case
mkdir -p "$case_dir"
cat >"$case_dir/demo_record.sh" <<'EOF'
# The demo's recordings (tests/demo.sh).
# kmr-bin: kmemrec kmrt-fork
# kmr-timeout: 300
seq 1 100000 | sort -R >/tmp/numbers 2>/dev/null || seq 100000 -1 1 >/tmp/numbers
echo "--- kmemrec -o sort.kmr -- sort -n -o /tmp/sorted /tmp/numbers"
kmemrec -o sort.kmr -- sort -n -o /tmp/sorted /tmp/numbers
echo "--- kmemrec -o fork.kmr -- kmrt-fork -v --pages 128"
kmemrec -o fork.kmr -- kmrt-fork -v --pages 128
echo "--- kmemrec -o fork2.kmr -- kmrt-fork --pages 128 --write 128"
kmemrec -o fork2.kmr -- kmrt-fork --pages 128 --write 128
EOF
run_out=$demo/run
rm -rf "$run_out"
"$root/tests/guest/run.sh" --kernel "$kernel" --bin-dir "$build" --out "$run_out" \
	"$case_dir/demo_record.sh" | tail -n 12
got=$run_out/$kernel/cases/demo_record
cp "$got/sort.kmr" "$got/fork.kmr" "$got/fork2.kmr" "$demo/"
echo
echo "what kmemrec printed in the guest:"
sed -n 's/^/    /p' "$got/log"

step "3. kmemreplay on the host"
show() {
	printf '\n\033[1m$ kmemreplay %s\033[0m\n' "$*"
	"$replay" "$@"
}
show "$demo/sort.kmr"
show "$demo/sort.kmr" --at 50%
show "$demo/sort.kmr" --diff 10% 90%
show "$demo/fork.kmr" --hist
show compare "$demo/fork.kmr" "$demo/fork2.kmr"
show "$demo/sort.kmr" --svg "$demo/sort.svg" --perfetto "$demo/sort.json"

step "done"
echo "traces: $demo/sort.kmr $demo/fork.kmr $demo/fork2.kmr (try: $replay $demo/fork.kmr --events --kind cow)"
echo "pictures: $demo/sort.svg (open in a browser), $demo/sort.json (ui.perfetto.dev or chrome://tracing)"
