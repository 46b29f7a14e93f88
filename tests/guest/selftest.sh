#!/bin/bash
# Self-test of the guest harness: proves, on real guests, that it reports
# what it must.  Runs run.sh on the cases in selftest/cases and checks every
# result row (not just the exit status):
#   mixed     pass/fail/skip/timeout/leftover cases, files both ways, a WARN
#             on module load (must FAIL), an -smp 2 boot
#   oops      NULL dereference -> panic: FAIL, later cases "no result"
#   lockup    soft lockup -> panic: FAIL as a hang
#   hang      interrupts off, silent: FAIL at the boot time limit
#   hang-smp2 hang on -smp 2: RETRIED once, then FAIL       (6.1 only)
#   icount    -icount shift=0 boot: PASS, guest ns per page fault repeat (after warm-up)
#   kbuild    kbuild.sh fails on a W=1 warning and on a checkpatch finding
#   detectors (6.12-debug only) a KASAN out-of-bounds read, a lockdep lock
#             inversion and a kmemleak leak in the smoke module each FAIL
#             their own case; a clean case between them PASSes
#   mttcg     an -smp 2 multi-threaded TCG boot really runs both vCPUs at
#             once, and kmr_hold_hooks keeps the module's hooks registered
# usage: tests/guest/selftest.sh [--kernel 6.1|6.12|6.12-debug|all|K,K...]
# (all = 6.1,6.12; the debug kernel is tested only when named)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"

# Everything runs inside main(): bash parses a function whole before running
# it, so editing this file while a run is in progress cannot derail that run.
main() {
	kernels=all
	[ "${1:-}" = --kernel ] && { kernels=${2:?}; shift 2; }
	. "$here/lib/kernels.sh"
	kernels=$(kmr_kernel_aliases "$kernels")
	S=$here/selftest/cases
	OUT=$KMR_GUEST_BUILD/selftest/$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$OUT"
	t_all=$(kmr_now)

	# Files for the guest: a static and a dynamic binary, a text file.
	mkdir -p "$OUT/in/files/bin"
	echo "hello from the host" >"$OUT/in/files/hello.txt"
	printf '#include <stdio.h>\nint main(void) { puts(HELLO); return 0; }\n' >"$OUT/in/h.c"
	gcc -static -O2 -DHELLO='"hello static"' "$OUT/in/h.c" -o "$OUT/in/files/bin/hello-static"
	gcc -O2 -DHELLO='"hello dynamic"' "$OUT/in/h.c" -o "$OUT/in/files/bin/hello-dynamic"
	gcc -static -O2 -Wall -Wextra -Werror "$here/selftest/progs/faults.c" -o "$OUT/in/files/bin/faults"
	gcc -static -O2 -Wall -Wextra -Werror -pthread "$here/selftest/progs/race.c" -o "$OUT/in/files/bin/race"

	npass=0 nfail=0
	check() {	# check <run> <kernel> <step> <status> <detail regex>
		local tsv=$OUT/$1/results.tsv got
		got=$(awk -F'\t' -v k="$2" -v s="$3" '$1 == k && $2 == s { print $3 "\t" $5 }' "$tsv")
		if [ "${got%%$'\t'*}" = "$4" ] && grep -Eq -- "$5" <<<"${got#*$'\t'}"; then
			npass=$((npass + 1))
			echo "ok   $1 $2 $3 = $4"
		else
			nfail=$((nfail + 1))
			echo "FAIL $1 $2 $3: expected $4 /$5/, got '${got:-no row}'"
		fi
	}
	run() {	# run <name> <expected exit> <run.sh args...>
		local name=$1 want=$2 rc=0
		shift 2
		kmr_log "selftest $name: run.sh $*"
		"$here/run.sh" --no-module --out "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1 || rc=$?
		if [ "$rc" = "$want" ]; then
			npass=$((npass + 1)); echo "ok   $name exit $rc"
		else
			nfail=$((nfail + 1)); echo "FAIL $name: exit $rc, expected $want (log: $OUT/$name.log)"
		fi
	}

	# kbuild.sh must fail on a W=1 warning and on a checkpatch finding.
	k1=${kernels%% *}
	k1=${k1%-debug}
	mkdir -p "$OUT/kb-warn" "$OUT/kb-style"
	cp "$here/smoke/Kbuild" "$here/smoke/kmr_smoke.c" "$OUT/kb-warn/"
	cp "$here/smoke/Kbuild" "$here/smoke/kmr_smoke.c" "$OUT/kb-style/"
	# W=1 (-Wmissing-prototypes) warns on a non-static function without a prototype.
	printf 'int kmr_smoke_unprototyped(void)\n{\n\treturn 0;\n}\n' >>"$OUT/kb-warn/kmr_smoke.c"
	# checkpatch: space indentation and a trailing space, compiler does not mind.
	sed -i 's/^\tret = misc_register(&smoke_dev);$/        ret = misc_register(\&smoke_dev); /' \
		"$OUT/kb-style/kmr_smoke.c"
	for t in warn style; do
		rc=0
		"$here/kbuild.sh" --kernel "$k1" "$OUT/kb-$t" >"$OUT/kb-$t.log" 2>&1 || rc=$?
		want="FAIL build kb-warn"
		[ $t = style ] && want="FAIL checkpatch --strict kb-style"
		if [ $rc != 0 ] && grep -q "^$want" "$OUT/kb-$t.log" &&
			{ [ $t = style ] || grep -q 'Wmissing-prototypes' "$OUT/kb-$t.log"; }; then
			npass=$((npass + 1)); echo "ok   kbuild.sh fails on a $t problem"
		else
			nfail=$((nfail + 1)); echo "FAIL kbuild.sh did not fail on a $t problem (log: $OUT/kb-$t.log)"
		fi
	done

	for k in $kernels; do
		if [ "$k" != "${k%-debug}" ]; then
			# lockdep first: a KASAN report turns lockdep off for the
			# rest of the boot (add_taint(TAINT_BAD_PAGE,
			# LOCKDEP_NOW_UNRELIABLE) in mm/kasan/report.c).
			run "detect-$k" 1 --kernel "$k" "$S/lockdep.sh" "$S/clean.sh" \
				"$S/kasan.sh" "$S/leak.sh" smoke
			r=detect-$k
			check "$r" "$k" kasan FAIL 'kernel: BUG: KASAN: slab-out-of-bounds in smoke_'
			check "$r" "$k" clean PASS '^ok$'
			check "$r" "$k" lockdep FAIL 'kernel: WARNING: possible circular locking dependency detected'
			check "$r" "$k" leak FAIL 'kmemleak: 1 unreferenced object\(s\) allocated during this step, first 64 bytes from smoke_(leak|write)'
			check "$r" "$k" smoke PASS '^ok$'
			check "$r" "$k" _boot:smp1 PASS '^ok$'
		fi
		run "mixed-$k" 1 --kernel "$k" --files "$OUT/in/files" \
			--file "$OUT/in/files/hello.txt:/kmr/data/renamed.txt" \
			"$S/warn-on-load.sh" "$S/features.sh" "$S/fail.sh" "$S/fail-exit.sh" \
			"$S/skip.sh" "$S/timeout.sh" "$S/leftover.sh" smoke "$S/transport.sh" "$S/smp2.sh" \
			"$S/smp2-race.sh" "$S/mttcg.sh"
		r=mixed-$k
		check "$r" "$k" warn-on-load FAIL 'kernel: WARNING: CPU: .*kmr_smoke'
		check "$r" "$k" features PASS 'host: files intact'
		check "$r" "$k" fail FAIL '^deliberate failure 42$'
		check "$r" "$k" fail-exit FAIL '^exit status 1'
		check "$r" "$k" skip SKIP '^deliberate skip$'
		check "$r" "$k" timeout FAIL '^timed out after 3s'
		check "$r" "$k" leftover PASS 'killed leftover processes: sleep_1000'
		check "$r" "$k" smoke PASS '^ok$'
		check "$r" "$k" transport PASS 'host: transport: 32.0 MiB'
		check "$r" "$k" smp2 PASS '^ok$'
		check "$r" "$k" _boot:smp1 PASS '^ok$'
		check "$r" "$k" _boot:smp2 PASS '^ok$'
		check "$r" "$k" smp2-race PASS '^ok$'
		check "$r" "$k" mttcg PASS '^ok$'
		check "$r" "$k" _boot:smp2-mttcg PASS '^ok$'

		[ "$k" = "${k%-debug}" ] || continue	# the rest is kernel-independent
		run "oops-$k" 1 --kernel "$k" "$S/oops.sh" smoke
		check "oops-$k" "$k" oops FAIL 'no result: kernel panicked during this step; kernel: BUG: kernel NULL pointer dereference'
		check "oops-$k" "$k" smoke FAIL 'no result: kernel panicked during oops'
		check "oops-$k" "$k" _boot:smp1 FAIL 'boot ended: panic'

		run "lockup-$k" 1 --kernel "$k" "$S/lockup.sh" smoke
		# The soft lockup watchdog and the RCU stall detector race to report.
		check "lockup-$k" "$k" lockup FAIL 'no result: guest hung during this step; kernel: (watchdog: BUG: soft lockup|rcu: INFO: .*stall)'
		check "lockup-$k" "$k" _boot:smp1 FAIL 'boot ended: hang'

		run "hang-$k" 1 --kernel "$k" --timeout 40 "$S/hang.sh" smoke
		check "hang-$k" "$k" hang FAIL 'no result: guest hung during this step'
		check "hang-$k" "$k" _boot:smp1 FAIL 'killed at the time limit'

		run "icount-$k" 0 --kernel "$k" --icount --files "$OUT/in/files" smoke "$S/icount.sh"
		check "icount-$k" "$k" smoke PASS '^ok$'
		check "icount-$k" "$k" icount PASS 'host: per fault: .*spread'
		check "icount-$k" "$k" _boot:smp1-icount PASS '^ok$'
	done

	if grep -qw 6.1 <<<"$kernels"; then
		run hang-smp2 1 --kernel 6.1 --timeout 45 "$S/hang-smp2.sh"
		check hang-smp2 6.1 _boot:smp2#1 RETRIED 'retrying once'
		check hang-smp2 6.1 hang-smp2 FAIL 'no result: guest hung during this step'
		check hang-smp2 6.1 _boot:smp2 FAIL 'boot ended: hang'
	fi

	grep -h '^transport\|time:' "$OUT"/mixed-*/6.*/cases/transport/host.log 2>/dev/null || true
	echo "selftest: $(kmr_elapsed "$t_all")s, results in $OUT"
	echo "selftest: $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}

main "$@"
exit $?
