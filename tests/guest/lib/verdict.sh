# shellcheck shell=bash
# Turn one boot's console log into per-step results.
#
# A step's result is the guest's KMR-RESULT line, overridden to FAIL when
#  - a kernel splat (WARN, BUG, oops, panic, lockup, RCU stall, hung task,
#    list corruption, ...) was printed between its KMR-CASE-BEGIN and
#    KMR-CASE-END lines (a splat outside any step fails the _boot step), or
#  - the guest never printed a result for it (hang, panic, died).
#  - kmemleak (debug kernels) reported an object allocated while it ran
#    (init's KMR-LEAK lines, which may come a step or two later).
# Case output on the console is prefixed "  [case] " by init and is never
# taken for a kernel message.

# Extended regex of console lines that mean the kernel is unhappy.  Beside
# the stock kernels' WARN/BUG/oops/lockup/stall family it names what the
# debug kernel's detectors print: KASAN and KFENCE ("BUG: KASAN: ..."),
# lockdep and PROVE_RCU (their reports start "WARNING: " without "CPU:",
# e.g. "WARNING: possible circular locking dependency detected",
# "WARNING: suspicious RCU usage"; "DEBUG_LOCKS_WARN_ON"), DEBUG_ATOMIC_SLEEP
# ("BUG: sleeping function called from invalid context"), DEBUG_VM ("BUG:
# Bad page state", "kernel BUG at" from VM_BUG_ON, "page dumped because")
# and DEBUG_LIST ("list_add corruption", "list_del corruption", "list_add
# double add").  Every report also dumps a stack ("Call Trace:").
KMR_SPLAT_RE='-+\[ cut here \]-+|WARNING: CPU: [0-9]+ PID: |(^|[^A-Za-z_])BUG: |kernel BUG at |Oops: |general protection fault|Kernel panic - not syncing|soft lockup|hard LOCKUP|detected stalls? on CPU|self-detected stall|blocked for more than [0-9]+ seconds|UBSAN: |KASAN: |KFENCE: |list_(add|del) (corruption|double add)|stack-protector: |Unable to handle kernel|double fault|Call Trace:|(^|\] )WARNING: |DEBUG_LOCKS_WARN_ON|page dumped because'
# Hang-like splats: on -smp 2 these are retried once (docs/kernel-hooks.md §9).
KMR_HANG_RE='soft lockup|hard LOCKUP|detected stalls? on CPU|self-detected stall'

# kmr_verdict <console.log> <qemu rc> <results.tsv> <step...>
# Appends "step<TAB>status<TAB>seconds<TAB>details" for every expected step
# plus a "_boot" line, and sets KMR_BOOT_STATE to done|hang|panic|died.
kmr_verdict() {
	local log=$1 qrc=$2 tsv=$3
	shift 3
	local parsed
	# Regexes travel through ENVIRON: awk -v would eat their backslashes.
	parsed=$(KMR_SPLAT_RE=$KMR_SPLAT_RE KMR_HANG_RE=$KMR_HANG_RE awk '
		BEGIN { splat = ENVIRON["KMR_SPLAT_RE"]; hang = ENVIRON["KMR_HANG_RE"] }
		{ sub(/\r$/, "") }
		/^  \[[^]]*\] / { next }			# case output
		{
			if (match($0, /KMR-CASE-BEGIN [^ ]+/)) { step = substr($0, RSTART + 15, RLENGTH - 15); print "B\t" step; next }
			if (match($0, /KMR-CASE-END [^ ]+/)) { step = ""; next }
			if (match($0, /KMR-RESULT [^ ]+ (PASS|FAIL|SKIP) [0-9.]+ ?/)) {
				n = split(substr($0, RSTART), f, " ")
				det = substr($0, RSTART + RLENGTH)
				print "R\t" f[2] "\t" f[3] "\t" f[4] "\t" det; next
			}
			if ($0 ~ /KMR-DONE /) { print "D"; next }
			if (match($0, /KMR-NOTE .*/)) { print "N\t" substr($0, RSTART + 9, 150); next }
			if (match($0, /KMR-LEAK [^ ]+ [0-9]+ /)) {
				split(substr($0, RSTART), f, " ")
				print "L\t" f[2] "\t" f[3] " bytes from " substr($0, RSTART + RLENGTH); next
			}
			if ($0 ~ /KMR-TRANSPORT FAIL/) { print "T\t" $0; next }
			if ($0 ~ splat) {
				s = (step == "" ? "_boot" : step)
				line = $0; sub(/^\[ *[0-9.]+\] /, "", line)
				line = substr(line, 1, 150)
				# Name the splat by its first telling line, not by the
				# "cut here" banner or "Call Trace:" that every splat has.
				if (line ~ /cut here|Call Trace:/) { if (!(s in generic)) generic[s] = line }
				else if (!(s in first)) first[s] = line
				if ($0 ~ hang) print "H"
				if ($0 ~ /Kernel panic - not syncing/) print "P"
			}
			if ($0 ~ /segfault at |traps: /) print "N\t" substr($0, 1, 150)
		}
		END {
			for (s in first) print "S\t" s "\t" first[s]
			for (s in generic) if (!(s in first)) print "S\t" s "\t" generic[s]
		}' "$log")

	local -A status=() secs=() det=() splat=() leaks=() leak1=()
	local began="" done=0 hang=0 panic=0 transport="" kind a b c d
	while IFS=$'\t' read -r kind a b c d; do
		case $kind in
		B) began=$a ;;
		R) status[$a]=$b; secs[$a]=$c; det[$a]=$d ;;
		S) splat[$a]=$b ;;
		D) done=1 ;;
		H) hang=1 ;;
		P) panic=1 ;;
		T) transport=$a ;;
		L) [ "$a" = _done ] && a=_boot
		   leaks[$a]=$((${leaks[$a]:-0} + 1))
		   [ -n "${leak1[$a]:-}" ] || leak1[$a]=$b ;;
		N) kmr_log "note: $a" ;;
		esac
	done <<<"$parsed"

	if [ "$qrc" = 124 ]; then
		KMR_BOOT_STATE=hang
	elif [ $hang = 1 ]; then
		KMR_BOOT_STATE=hang
	elif [ $panic = 1 ]; then
		KMR_BOOT_STATE=panic
	elif [ $done = 1 ] && [ "$qrc" = 0 ]; then
		KMR_BOOT_STATE="done"
	else
		KMR_BOOT_STATE=died
	fi

	local s why
	for s in "${!leaks[@]}"; do
		why="kmemleak: ${leaks[$s]} unreferenced object(s) allocated during this step, first ${leak1[$s]}"
		splat[$s]=${splat[$s]:+${splat[$s]}; }$why
	done
	for s in "$@"; do
		if [ -z "${status[$s]:-}" ]; then
			case $KMR_BOOT_STATE in
			hang) why="guest hung" ;;
			panic) why="kernel panicked" ;;
			*) why="guest died (qemu exit $qrc)" ;;
			esac
			if [ "$s" = "$began" ]; then
				why="$why during this step"
			elif [ -n "$began" ]; then
				why="$why during $began"
			else
				why="$why before any step"
			fi
			printf '%s\tFAIL\t-\tno result: %s%s\n' "$s" "$why" \
				"${splat[$s]:+; kernel: ${splat[$s]}}" >>"$tsv"
		elif [ -n "${splat[$s]:-}" ]; then
			printf '%s\tFAIL\t%s\tkernel: %s (guest said %s: %s)\n' "$s" "${secs[$s]}" \
				"${splat[$s]}" "${status[$s]}" "${det[$s]}" >>"$tsv"
		else
			printf '%s\t%s\t%s\t%s\n' "$s" "${status[$s]}" "${secs[$s]}" "${det[$s]}" >>"$tsv"
		fi
	done

	if [ "$KMR_BOOT_STATE" != "done" ]; then
		why="boot ended: $KMR_BOOT_STATE"
		[ "$qrc" = 124 ] && why="$why (killed at the time limit)"
		printf '_boot\tFAIL\t-\t%s%s\n' "$why" "${splat[_boot]:+; kernel: ${splat[_boot]}}" >>"$tsv"
	elif [ -n "${splat[_boot]:-}" ]; then
		printf '_boot\tFAIL\t-\tkernel: %s\n' "${splat[_boot]}" >>"$tsv"
	elif [ -n "$transport" ]; then
		printf '_boot\tFAIL\t-\t%s\n' "$transport" >>"$tsv"
	else
		printf '_boot\tPASS\t-\tok\n' >>"$tsv"
	fi
}
