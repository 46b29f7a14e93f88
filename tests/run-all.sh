#!/bin/bash
# Every test of kmemrec, as CI runs it on a fresh Debian 12 machine (root):
#
#   1. packages (tests/deps.sh, apt-get)
#   2. userspace build (CMake) and its tests (ctest: unit, cli golden files,
#      oracle, rendering, fuzz regressions), then a short fuzzing run of
#      kmemreplay (clang build in <build>-fuzz, fuzz/run.sh)
#   3. the kernel-code gate on both kernels: W=1 build with no warnings and
#      checkpatch.pl --strict clean (tests/guest/kbuild.sh)
#   4. the Debian packages (tests/install/deb_test.sh): cpack builds the
#      .debs, kmemrec-dkms builds the module for 6.1 and 6.12 through DKMS,
#      a build is signed with a throwaway key, purge leaves nothing; the
#      guest case install_deb then boots each kernel with the installed
#      tools and the DKMS-built module (tests/install/guest_stage.sh)
#   5. the guest tests on both kernels: QEMU boots Debian's 6.1 and 6.12
#      images, loads kmemrec.ko and checks the module, the recorder and
#      kmemfetch against /proc/<pid>/maps, pagemap and ftrace
#      (tests/guest/run.sh)
#
# Options: --quick skips 3 to 5 (no QEMU, no packages installed).  Environment: KMR_BUILD (build
# directory, default <repo>/build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMR_BUILD:-$root/build}
quick=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	*) echo "run-all.sh: unknown option $a" >&2; exit 2 ;;
	esac
done
step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }
t0=$(date +%s)

step "packages"
"$root/tests/deps.sh"

step "userspace build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"

step "ctest"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"

step "fuzz: kmemreplay under libFuzzer + ASan/UBSan, 10 s per target (fuzz/README.md)"
KMR_FUZZ_BUILD="$build-fuzz" "$root/fuzz/run.sh" --seconds 10

if [ "$quick" = 0 ]; then
	step "kernel code gate: W=1 builds and checkpatch --strict, 6.1 and 6.12"
	"$root/tests/guest/kbuild.sh" --kernel all

	step "Debian packages: .debs, DKMS builds for 6.1 and 6.12, module signing, purge"
	rm -rf "$build/install-out"
	"$root/tests/install/deb_test.sh" "$build" "$build/install-out"
	"$root/tests/install/guest_stage.sh" "$build/install-out" >/dev/null

	step "guest harness self-test: it must catch WARN, oops, lockup and hangs"
	# one kernel is enough to prove the detectors (both: ~20 min)
	"$root/tests/guest/selftest.sh" --kernel 6.1

	step "guest tests, 6.1 and 6.12 side by side (one QEMU per core)"
	# A TCG guest is one host thread (the -smp 2 cases run their vCPUs
	# round-robin), so the two kernels' runs in parallel use both cores and
	# halve the wall time.  Each prints its own table at its end.
	pids=() rcs=0
	for k in 6.1 6.12; do
		"$root/tests/guest/run.sh" --kernel "$k" --bin-dir "$build" \
			--out "$build/guest/runs/ci-$k" >"$build/guest-$k.log" 2>&1 &
		pids+=($!)
	done
	for i in 0 1; do wait "${pids[$i]}" || rcs=1; done
	# The installed packages (step 4's .debs and DKMS modules), one short
	# boot per kernel.
	"$root/tests/guest/run.sh" --tier install --kernel all --bin-dir "$build" \
		--out "$build/guest/runs/ci-install" install_deb >"$build/guest-install.log" 2>&1 || rcs=1
	for k in 6.1 6.12 install; do
		printf '\n--- guest tests on %s (%s)\n' "$k" "$build/guest-$k.log"
		cat "$build/guest-$k.log"
	done
	if [ "$rcs" != 0 ]; then
		# CI keeps only the head and tail of a long log: say what failed
		# last, with the end of each failing case's own output.
		printf '\n=== guest failures\n'
		for k in 6.1 6.12 install; do
			res=$build/guest/runs/ci-$k/results.tsv
			[ -f "$res" ] || { echo "$k: no results (see $build/guest-$k.log)"; tail -n 20 "$build/guest-$k.log"; continue; }
			awk -F'\t' '$3 != "PASS" && $3 != "SKIP" && $3 != "RETRIED"' "$res" |
				while IFS=$'\t' read -r a n st s det; do
					printf -- '--- %s %s %s: %s\n' "$a" "$n" "$st" "$det"
					d=$build/guest/runs/ci-$k/$a/cases/$n
					[ -d "$d" ] || continue	# not run: no output
					find "$d" -type f -size +0 | sort | while read -r f; do
						printf '  [%s]\n' "${f#"$d"/}"
						tail -n 25 "$f" | sed 's/^/    /'
					done
				done || true
		done
		echo "guest tests failed"
		exit 1
	fi
fi

printf '\nall tests passed in %d s\n' $(($(date +%s) - t0))
