# shellcheck shell=bash
# SC2034: KMR_* results are read by the caller; SC2054: QEMU options have commas.
# shellcheck disable=SC2034,SC2054
# Boot one guest under QEMU TCG with a hard time limit.
#
# Kernel command line choices (see README.md "Failure detection"):
#   oops=panic panic=-1 + QEMU -no-reboot: an oops ends the boot at once
#     (the kernel's state after an oops is untrustworthy and later cases
#     would hang on the locks it left held); the console shows the oops.
#   softlockup_panic=1: same for soft lockups (and the QEMU TCG SMP hang of
#     docs/kernel-hooks.md §9 shows up as one), instead of waiting for the
#     host timeout.
#   WARN does not panic: the boot goes on so later cases still report; the
#     harness fails the step during which the WARN was printed, and init also
#     fails a step whose run set the W taint bit.

# Machine-wide limit on concurrent guests: every run.sh of every engineer
# takes one of KMR_QEMU_SLOTS flock slots before starting QEMU.  TCG guests
# on an oversubscribed host run slowly enough to trip their own watchdogs.
KMR_QEMU_SLOTS=${KMR_QEMU_SLOTS:-2}
KMR_QEMU_SLOT_DIR=${KMR_QEMU_SLOT_DIR:-/tmp}

# kmr_qemu_slot [N]: take N free slots (default 1; waiting until they are
# free); sets KMR_SLOT_FDS, which stay locked until they are closed (QEMU
# inherits them, so a QEMU that outlives us keeps its slots).  A
# multi-threaded TCG guest runs one host thread per vCPU, so it takes one
# slot per vCPU (at most all of them): two such guests on two cores would
# starve each other's vCPUs into soft lockups.  A single slot is taken
# whenever one is free.  Several slots are gathered one by one, holding
# those already taken, so a stream of single-slot guests cannot starve a
# multi-slot one; only one run at a time may gather (the .multi lock), so
# two gatherers never hold half of what the other waits for.
kmr_qemu_slot() {
	local want=${1:-1} n fd said=0 mfd
	[ "$want" -le "$KMR_QEMU_SLOTS" ] || want=$KMR_QEMU_SLOTS
	KMR_SLOT_FDS=()
	if [ "$want" -gt 1 ]; then
		exec {mfd}>>"$KMR_QEMU_SLOT_DIR/kmr-qemu-slot.multi"
		flock -n "$mfd" || { kmr_log "waiting for another run gathering QEMU slots"; flock "$mfd"; }
		for ((n = 0; n < want; n++)); do
			exec {fd}>>"$KMR_QEMU_SLOT_DIR/kmr-qemu-slot.$n"
			if ! flock -n "$fd"; then
				[ $said = 1 ] || kmr_log "waiting for $want QEMU slots of $KMR_QEMU_SLOTS (KMR_QEMU_SLOTS)"
				said=1
				flock "$fd"
			fi
			KMR_SLOT_FDS+=("$fd")
		done
		exec {mfd}>&-
		return 0
	fi
	while :; do
		for ((n = 0; n < KMR_QEMU_SLOTS; n++)); do
			exec {fd}>>"$KMR_QEMU_SLOT_DIR/kmr-qemu-slot.$n"
			if flock -n "$fd"; then
				KMR_SLOT_FDS=("$fd")
				return 0
			fi
			exec {fd}>&-
		done
		if [ $said = 0 ]; then
			kmr_log "waiting for a QEMU slot ($KMR_QEMU_SLOTS in use; KMR_QEMU_SLOTS)"
			said=1
		fi
		sleep 1
	done
}
kmr_qemu_slot_release() {
	local fd
	for fd in "${KMR_SLOT_FDS[@]}"; do exec {fd}>&-; done
	KMR_SLOT_FDS=()
}

# kmr_boot <vmlinuz> <initrd> <disk.img> <console.log> <smp> <mem MiB>
#          <timeout s> <icount spec or ""> <extra append> [mttcg 0|1]
# Streams the console to <console.log> and prints KMR-* lines (all of the
# console with KMR_GUEST_VERBOSE=1) to stderr as they arrive.  Returns 0 when
# the guest powered off on its own, 124 when it was killed at the timeout.
# Sets KMR_BOOT_SECS (wall time from QEMU start to KMR-BOOTED, or "-") and
# KMR_RUN_SECS (QEMU start to exit) and KMR_LOCK_SECS (waiting for another
# guest slot).  Call as `kmr_boot ... || rc=$?`.
kmr_boot() {
	local vmlinuz=$1 initrd=$2 disk=$3 log=$4 smp=$5 mem=$6 tmo=$7 icount=$8 extra=$9
	local mttcg=${10:-0} slots=1
	# no_timer_check: at boot the kernel checks that the IO-APIC timer
	# ticks within a busy-wait calibrated a moment earlier; a TCG vCPU that
	# the host deschedules in between (a loaded CI machine) fails the check
	# and panics ("IO-APIC + timer doesn't work!", seen on an -smp 2 boot
	# beside a parallel build).  KVM guests skip the check the same way.
	local append="console=ttyS0,115200 rdinit=/init panic=-1 oops=panic softlockup_panic=1 loglevel=7 no_timer_check $extra"
	# Several vCPUs run in ONE host thread (thread=single): multi-threaded
	# TCG can run stale translated code after the guest live-patches its
	# text (a hook being registered), which shows up as an int3 oops in
	# code that was already patched (docs/kernel-hooks.md §9; seen once
	# on 6.12 in kernel_clone).  Round-robin vCPUs keep real guest SMP
	# (IPIs, per-CPU rings, ksmd on another CPU) without that hazard.
	#
	# Race cases ask for real parallelism (kmr-mttcg: 1): one host thread
	# per vCPU.  They avoid the stale-code hazard by keeping the hooks
	# registered for the whole race (kmr_hold_hooks, lib/guest/kmr.sh), so
	# text is patched once per boot, before the race, not per iteration.
	local accel=tcg
	[ "$smp" -gt 1 ] && accel=tcg,thread=single
	if [ "$mttcg" = 1 ]; then
		accel=tcg,thread=multi
		slots=$smp
	fi
	local -a qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -m "$mem" -smp "$smp"
		-nodefaults -no-user-config -display none -serial stdio -no-reboot
		-kernel "$vmlinuz" -initrd "$initrd" -append "$append"
		-drive "if=none,id=kmrout,file=$disk,format=raw,cache=unsafe"
		-device virtio-blk-pci,drive=kmrout)
	[ -n "$icount" ] && qemu+=(-icount "$icount")
	# KMR_QEMU_PLUGIN: a TCG plugin and its arguments for every boot
	# (bench/kernel/profile.sh: kmr_prof.so,out=PREFIX).
	[ -n "${KMR_QEMU_PLUGIN:-}" ] && qemu+=(-plugin "$KMR_QEMU_PLUGIN")
	rm -f "$log.pid" "$log.stalled"
	qemu+=(-pidfile "$log.pid")
	printf '%q ' "${qemu[@]}" >"$log.cmd"
	echo >>"$log.cmd"

	# Waiting for a slot does not count against the time limit.
	local tw=$EPOCHREALTIME
	kmr_qemu_slot "$slots"
	local t0 rc line booted=-
	t0=$EPOCHREALTIME
	KMR_LOCK_SECS=$(awk -v a="$tw" -v b="$t0" 'BEGIN { printf "%.1f", b - a }')
	# --foreground keeps QEMU in our process group, so killing a run (its
	# group) also ends the guest; no child of QEMU needs the timeout.
	# The step watchdog: the guest's init ends every step within its own
	# limit (KMR_BOOT_STEP_TMOS, in plan order) and prints KMR-RESULT, so
	# a step whose result is more than KMR_BOOT_MARGIN late means the guest
	# stopped making progress: QEMU is killed then, not at the hard limit.
	local -a step_tmos
	read -r -a step_tmos <<<"${KMR_BOOT_STEP_TMOS:-}"
	local margin=${KMR_BOOT_MARGIN:-120} step=0 deadline wait_s now rs
	timeout --foreground -k 10 "$tmo" "${qemu[@]}" </dev/null 2>"$log.qemu-stderr" |
		{
		deadline=$((${EPOCHREALTIME%.*} + margin + ${step_tmos[0]:-$tmo}))
		while :; do
			now=${EPOCHREALTIME%.*}
			wait_s=$((deadline - now))
			[ ${#step_tmos[@]} -gt 0 ] || wait_s=$tmo
			rs=142
			[ "$wait_s" -le 0 ] || { IFS= read -r -t "$wait_s" line; rs=$?; }
			if [ "$rs" -ne 0 ]; then
				[ "$rs" -gt 128 ] || break	# EOF: QEMU is gone
				[ ${#step_tmos[@]} -gt 0 ] || continue
				echo "step $step (of ${#step_tmos[@]}) gave no result ${margin}s after its own limit" >"$log.stalled"
				printf '  | kmr-boot: the guest stopped making progress (%s); killing QEMU\n' \
					"$(cat "$log.stalled")" >&2
				[ -s "$log.pid" ] && kill "$(cat "$log.pid")" 2>/dev/null
				deadline=$((now + 30))
				continue
			fi
			line=${line%$'\r'}
			printf '%s\n' "$line" >>"$log"
			case $line in
			KMR-BOOTED*)
				awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$log.booted" ;;
			KMR-RESULT*)
				step=$((step + 1))
				deadline=$((${EPOCHREALTIME%.*} + margin + ${step_tmos[step]:-$margin})) ;;
			esac
			if [ "${KMR_GUEST_VERBOSE:-0}" = 1 ]; then
				printf '  | %s\n' "$line" >&2
			else
				case $line in
				KMR-RESULT* | KMR-TRANSPORT\ FAIL* | *"Kernel panic"* | *"cut here"* | *"BUG:"* | *"Oops"*)
					printf '  | %s\n' "$line" >&2 ;;
				esac
			fi
		done
		}
	rc=${PIPESTATUS[0]}
	[ -f "$log.stalled" ] && rc=124
	kmr_qemu_slot_release
	[ -f "$log.booted" ] && booted=$(cat "$log.booted")
	KMR_BOOT_SECS=$booted
	KMR_RUN_SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if [ -s "$log.qemu-stderr" ]; then
		# -cpu max on TCG warns about unsupported features; keep it, don't fail.
		grep -v 'TCG doesn.t support requested feature' "$log.qemu-stderr" >&2 || true
	fi
	return "$rc"
}
