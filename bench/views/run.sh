#!/bin/bash
# bench/views: the figures of issue 6 (compare, --svg, --perfetto).
#
#   bench/views/run.sh [BUILD_DIR] [CACHE_DIR]
#
# Generates its traces once with kmemsynth into CACHE_DIR (default
# $XDG_CACHE_HOME/kmemrec-bench-views, outside the repository; they are big)
# and prints, with the machine and date:
#   compare of two 10 M-event traces of the same workload at two bases
#     (churn: many short-lived mappings; seq: few big ones)   goal < 3 s
#   --svg and --perfetto of a 100 M-event trace, time and size
#     goal < 10 s, SVG < 5 MB, JSON < 256 MB
# Wall-clock times of one run each (the machine may be shared: the load
# average is printed too).  KMEMREPLAY=path overrides the binary.
set -euo pipefail
build=${1:-build}
cache=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/kmemrec-bench-views}
kmemsynth=$build/format/kmemsynth
kmemreplay=${KMEMREPLAY:-$build/replayer/kmemreplay}
for b in "$kmemsynth" "$kmemreplay"; do
	[ -x "$b" ] || { echo "bench/views: $b not built (cmake --build $build)" >&2; exit 1; }
done
mkdir -p "$cache"
other=0x455555554000

gen() {  # file, kmemsynth arguments
	local f=$cache/$1
	shift
	[ -s "$f" ] && return
	echo "generating $f ..." >&2
	"$kmemsynth" -q "$@" -o "$f.part" && mv "$f.part" "$f"
}
gen churn10m-a.kmr -n 10000000 -p churn --seed 1
gen churn10m-b.kmr -n 10000000 -p churn --seed 1 --base $other
gen seq10m-a.kmr -n 10000000 -p seq --seed 1
gen seq10m-b.kmr -n 10000000 -p seq --seed 1 --base $other
gen random100m.kmr -n 100000000 -p random --seed 1
gen seq100m.kmr -n 100000000 -p seq --seed 1

secs() {  # command...: prints wall seconds of one run
	local s e
	s=${EPOCHREALTIME/./}
	"$@" > /dev/null
	e=${EPOCHREALTIME/./}
	awk -v us=$((e - s)) 'BEGIN { printf "%.2f", us / 1e6 }'
}
size() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }

echo "bench/views  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -r)"
echo "machine      $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-44s %10s %14s\n' "what" "seconds" "output"
for w in churn10m seq10m; do
	t=$(secs "$kmemreplay" compare "$cache/$w-a.kmr" "$cache/$w-b.kmr")
	printf '%-44s %10s %14s\n' "compare $w-a $w-b (goal < 3 s)" "$t" "-"
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for w in random100m seq100m; do
	for m in faults resident; do
		t=$(secs "$kmemreplay" "$cache/$w.kmr" --svg "$out/x.svg" --metric $m)
		printf '%-44s %10s %14s\n' "--svg --metric $m $w (< 10 s, < 5 MB)" "$t" "$(mib "$(size "$out/x.svg")")"
	done
	t=$(secs "$kmemreplay" "$cache/$w.kmr" --perfetto "$out/x.json")
	printf '%-44s %10s %14s\n' "--perfetto $w (< 10 s, < 256 MB)" "$t" "$(mib "$(size "$out/x.json")")"
	t=$(secs "$kmemreplay" "$cache/$w.kmr" --svg "$out/x.svg" --perfetto "$out/x.json")
	printf '%-44s %10s %14s\n' "--svg and --perfetto in one pass $w" "$t" "-"
done
echo
for f in churn10m-a seq10m-a random100m seq100m; do
	printf 'trace %-16s %s\n' "$f.kmr" "$(mib "$(size "$cache/$f.kmr")")"
done
