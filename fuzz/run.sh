#!/bin/bash
# Builds the kmemreplay fuzz targets with clang (libFuzzer + ASan + UBSan)
# and fuzzes each for a while; see fuzz/README.md.
#
#   fuzz/run.sh                      every target 10 s (what CI runs)
#   fuzz/run.sh --seconds 600 at     one target, 10 minutes
#   fuzz/run.sh --build-only
#
# Options: --seconds N (per target, default 10), --build-only, --no-build,
# --keep-going (libFuzzer's fork mode: go on after a crash, timeout or OOM,
# collecting every failing input; for long runs).
# Environment: KMR_FUZZ_BUILD (build dir, default <repo>/build-fuzz),
# KMR_FUZZ_JOBS (build jobs, default nproc).  Corpora grow in
# $KMR_FUZZ_BUILD/fuzz/corpus/<target> and are reused by the next run; a
# crash, leak, timeout or out-of-memory input lands in
# $KMR_FUZZ_BUILD/fuzz/artifacts/<target>/ and fails the run (exit 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMR_FUZZ_BUILD:-$root/build-fuzz}
seconds=10
do_build=1 do_run=1 keep_going=0
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift ;;
	--build-only) do_run=0 ;;
	--no-build) do_build=0 ;;
	--keep-going) keep_going=1 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	-*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1") ;;
	esac
	shift
done
all=(reader summary at diff hist events export page compare)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ "$do_build" = 1 ]; then
	command -v clang++ >/dev/null || {
		echo "fuzz/run.sh: clang++ missing (apt-get install clang libclang-rt-14-dev)" >&2
		exit 1
	}
	launcher=()
	command -v ccache >/dev/null &&
		launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
	CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DKMR_FUZZ=ON \
		-DKMR_PARTS="format;replayer;fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
	cmake --build "$build" -j"${KMR_FUZZ_JOBS:-$(nproc)}" \
		--target kmr_fuzz_seeds "${targets[@]/#/fuzz_}"
fi
[ "$do_run" = 1 ] || exit 0

fz=$build/fuzz
failed=()
for t in "${targets[@]}"; do
	mkdir -p "$fz/corpus/$t" "$fz/artifacts/$t"
	log=$fz/artifacts/$t/last-run.log
	touch "$fz/artifacts/$t/.start"
	# -timeout: seconds one input may take; -rss_limit_mb/-malloc_limit_mb:
	# memory (a bad size must not become a huge allocation).  New inputs go
	# to the first corpus dir; the seeds and regressions/ are read only.
	# One process, one input at a time (the machine is shared): no -jobs.
	mode=()
	[ "$keep_going" = 0 ] ||
		mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	rc=0
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$fz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-malloc_limit_mb=1024 -max_len=24576 "${mode[@]}" -print_final_stats=1 \
		-artifact_prefix="$fz/artifacts/$t/" \
		"$fz/corpus/$t" "$root/fuzz/regressions" "$fz/seeds" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	# Fork mode prints no final stats: its last "#N:" status line.
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\):* .*/\1/p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
	# Fork mode exits 0 after failures it was told to ignore: count them.
	found=$(find "$fz/artifacts/$t" -newer "$fz/artifacts/$t/.start" \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	[ "$found" = 0 ] || [ "$rc" != 0 ] || rc=1
	if [ "$rc" = 0 ]; then
		printf 'fuzz %-8s ok: %s execs in %ss, %s, corpus %s inputs\n' "$t" "${execs:-?}" \
			"$seconds" "${cov:-cov: ?}" "$(ls "$fz/corpus/$t" | wc -l)"
	else
		failed+=("$t")
		printf 'fuzz %-8s FAILED (exit %s); log: %s\n' "$t" "$rc" "$log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|kmr-fuzz|artifact_prefix|Test unit written)' "$log" |
			head -n 8 | sed 's/^/    /'
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}.  Reproduce with" \
		"$fz/fuzz_<target> <artifact>; keep the input in fuzz/regressions/ with the fix."
	exit 1
fi
