#!/bin/bash
# Run guest test cases inside QEMU guests booting Debian's own kernels.
# See tests/guest/README.md; `run.sh --help` for the options.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
. "$here/lib/kernels.sh"
. "$here/lib/debugkernel.sh"
. "$here/lib/kbuild.sh"
. "$here/lib/initramfs.sh"
. "$here/lib/boot.sh"
. "$here/lib/verdict.sh"
. "$here/lib/cases.sh"
. "$here/lib/find_bin.sh"

usage() {
	cat <<'EOF'
usage: tests/guest/run.sh [options] [CASE...]

Boots Debian's 6.1 and/or 6.12 kernel under QEMU (TCG), loads the module
built from kernel/ (when kernel/Kbuild exists), runs the CASEs (names in
tests/guest/cases/ or paths to .sh files; default: every case there) and
prints a case x kernel table.  Exit status 1 on any FAIL, WARN, oops, hang
or missing result; 2 on a usage or setup error.

  --kernel K[,K...]       kernels to test: 6.1, 6.12, 6.12-debug (Debian's
                          6.12 source built with KASAN, lockdep, KMEMLEAK...
                          by lib/debugkernel.sh, cached outside the clone)
                          or all (= 6.1,6.12; the default)
  --smp N                 vCPUs for every case (default: each case's
                          kmr-smp, 1 unless it asks for more)
  --icount[=SPEC]         deterministic instruction counting: -icount SPEC
                          (default SPEC shift=0); for benchmarks
  --timeout S             hard limit per boot in seconds (default: 900, or
                          the sum of its cases' limits when more; a guest
                          making no progress is stopped sooner)
  --case-timeout S        default per-case limit in the guest (default 300)
                          (on a debug kernel both limits, and every
                          kmr-timeout, are multiplied by its slowdown, 4)
  --mem MiB               guest memory (default 1024; 2048 on a debug
                          kernel: KASAN's shadow takes an eighth)
  --disk-mb N             size of the results disk (default 1024)
  --files DIR             copy DIR's contents to /kmr/files in the guest
  --file HOST[:GUEST]     copy one file or directory (default guest path
                          /kmr/files/<name>); repeatable
  --bin-dir DIR           where "kmr-bin:" binaries are searched (a CMake
                          build dir); repeatable; default $KMR_BIN_DIR
  --append ARGS           extra kernel command line
  --tier T[,T...]         which cases "every case" means: default (what CI
                          runs), stress (hundreds of iterations of races,
                          hostile input and kills: "# kmr-tier: stress";
                          tests/run-stress.sh), pending (cases that fail on
                          a known bug until its fix lands), install (cases
                          on the staged .debs: tests/install/guest_stage.sh;
                          not in "all"), or all; cases named on the command
                          line always run
  --no-module             do not build/load kernel/ (harness-only runs)
  --out DIR               results directory (default build/guest/runs/<time>)
  --verbose               show the whole guest console live
  -h, --help              this text

Environment: KMR_GUEST_BUILD (default <repo>/build/guest), KMR_GUEST_CACHE
(kernel images; default $KMR_GUEST_BUILD/cache), KMR_BIN_DIR, KMR_QEMU_SLOTS
(guests allowed at once on this machine, default 2), KMR_GUEST_VERBOSE=1,
KMR_QEMU_PLUGIN (a TCG plugin for every boot: bench/kernel/profile.sh).
EOF
}

# Everything runs inside main(): bash parses a function whole before running
# it, so editing this file while a run is in progress cannot derail that run.
main() {
	kernels=all smp_force="" icount="" boot_tmo= case_tmo=300 mem=""
	disk_mb=1024 append="" no_module=0 out="" tiers=default
	files_dirs=() file_specs=() bin_dirs=()
	[ -n "${KMR_BIN_DIR:-}" ] && bin_dirs+=("$KMR_BIN_DIR")
	cases=()
	need() { [ $# -ge 2 ] || kmr_die "$1 needs a value"; }
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) need "$@"; kernels=$2; shift ;;
		--smp) need "$@"; smp_force=$2; shift ;;
		--icount) icount="shift=0" ;;
		--icount=*) icount=${1#--icount=} ;;
		--timeout) need "$@"; boot_tmo=$2; shift ;;
		--case-timeout) need "$@"; case_tmo=$2; shift ;;
		--mem) need "$@"; mem=$2; shift ;;
		--disk-mb) need "$@"; disk_mb=$2; shift ;;
		--files) need "$@"; files_dirs+=("$(readlink -f "$2")"); shift ;;
		--file) need "$@"; file_specs+=("$2"); shift ;;
		--bin-dir) need "$@"; bin_dirs+=("$(readlink -f "$2")"); shift ;;
		--append) need "$@"; append=$2; shift ;;
		--tier) need "$@"; tiers=${2//,/ }; shift ;;
		--no-module) no_module=1 ;;
		--out) need "$@"; out=$2; shift ;;
		--verbose) export KMR_GUEST_VERBOSE=1 ;;
		-h | --help) usage; exit 0 ;;
		-*) usage >&2; kmr_die "unknown option $1" ;;
		*) cases+=("$1") ;;
		esac
		shift
	done
	for v in ${boot_tmo:+"$boot_tmo"} "$case_tmo" ${mem:+"$mem"} "$disk_mb"; do
		[[ $v =~ ^[1-9][0-9]*$ ]] || kmr_die "'$v' is not a positive integer"
	done
	[ -z "$smp_force" ] || [[ $smp_force =~ ^[1-9]$ ]] || kmr_die "--smp must be 1..9"
	kernels=$(kmr_kernel_aliases "$kernels") || exit 2
	for d in "${files_dirs[@]}"; do [ -d "$d" ] || kmr_die "--files $d: not a directory"; done

	# Resolve the cases.
	case_paths=()
	[ "$tiers" = all ] && tiers="default stress pending"
	for t in $tiers; do
		case $t in default | stress | pending | install) ;; *) kmr_die "--tier: unknown tier '$t'" ;; esac
	done
	if [ ${#cases[@]} -eq 0 ]; then
		for p in $(kmr_all_cases); do
			grep -qw -- "$(kmr_case_directive "$p" tier default)" <<<"$tiers" &&
				case_paths+=("$p")
		done
		[ ${#case_paths[@]} -gt 0 ] || kmr_die "no cases of tier(s) $tiers in $KMR_CASES_DIR"
	else
		for c in "${cases[@]}"; do case_paths+=("$(kmr_case_path "$c")"); done
	fi
	declare -A seen=()
	for p in "${case_paths[@]}"; do
		kmr_case_check "$p"
		n=$(kmr_case_name "$p")
		[ -z "${seen[$n]:-}" ] || kmr_die "case '$n' given twice"
		seen[$n]=1
	done

	mkdir -p "$KMR_GUEST_BUILD"
	# Create before resolving: readlink -f fails (and set -e ends the run
	# silently) when a parent directory does not exist yet, as on a fresh
	# clone.
	OUT=${out:-$KMR_GUEST_BUILD/runs/$(date +%Y%m%d-%H%M%S)-$$}
	mkdir -p "$OUT"
	OUT=$(readlink -f "$OUT")
	t_all=$(kmr_now)
	kmr_log "results in $OUT"
	kmr_host_packages

	# The guest lib's kmr_hold_hooks runs kmr-hold (guest/kmr-hold.c): built
	# here, static, for every boot, so race cases need no kmr-bin line.
	HOLD_BIN=""
	if [ -f "$KMR_REPO/kernel/include/uapi/kmemrec/abi.h" ]; then
		HOLD_BIN=$KMR_GUEST_BUILD/tools/kmr-hold
		mkdir -p "${HOLD_BIN%/*}"
		gcc -static -O2 -Wall -Wextra -Werror -I "$KMR_REPO/kernel/include/uapi" \
			"$here/guest/kmr-hold.c" -o "$HOLD_BIN" ||
			kmr_die "cannot build guest/kmr-hold.c"
	fi

	# rows for the summary: kernel<TAB>step<TAB>status<TAB>secs<TAB>details
	RESULTS=$OUT/results.tsv
	: >"$RESULTS"
	TIMINGS=$OUT/timings.txt
	: >"$TIMINGS"
	row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }
	timing() { printf '%s\n' "$*" >>"$TIMINGS"; kmr_log "time: $*"; }

	# find_bin <name>: an executable of that name under the bin dirs, not
	# one staged for a guest (lib/find_bin.sh).
	find_bin() { KMR_RUN_DIR=$OUT kmr_find_bin "$1" "${bin_dirs[@]}"; }

	# host_path <spec part>: repo-relative or absolute path.
	host_path() { case $1 in /*) echo "$1" ;; *) echo "$KMR_REPO/$1" ;; esac; }

	# stage_case_inputs <root> <case path>: the case's kmr-bin and kmr-file
	# inputs.  Prints a reason and returns 1 if one is missing.
	stage_case_inputs() {
		local root=$1 p=$2 b f src dst
		for b in $(kmr_case_directive "$p" bin); do
			if [ ${#bin_dirs[@]} -eq 0 ]; then
				echo "needs binary '$b' but no --bin-dir / KMR_BIN_DIR (the CMake build dir) was given"
				return 1
			fi
			f=$(find_bin "$b") || { echo "binary '$b' not found under ${bin_dirs[*]}"; return 1; }
			kmr_stage_file "$root" "$f" "/kmr/bin/$b"
		done
		for f in $(kmr_case_directive "$p" file); do
			src=$(host_path "${f%%:*}")
			dst=/kmr/files/${src##*/}
			[[ $f == *:* ]] && dst=${f#*:}
			[ -e "$src" ] || { echo "kmr-file '$src' does not exist"; return 1; }
			kmr_stage_file "$root" "$src" "$dst"
		done
	}

	# disk_end <disk.img> <console.log>: MiB of the results disk written.
	# Segments are MiB-aligned tars; the console's KMR-SEG lines say where the
	# last complete one ends, and any MiB after it that is not all zeros (a
	# segment whose line was lost with a dying guest) is kept too.  Reading
	# only that much beats letting tar -i scan a 1 GiB image of zeros.
	disk_end() {
		local img=$1 log=$2 end
		end=$(awk '{ sub(/\r$/, "") }
			match($0, /KMR-SEG [^ ]+ [0-9]+ [0-9]+/) {
				split(substr($0, RSTART), f, " ")
				e = int((f[3] + f[4] + 1048575) / 1048576); if (e > max) max = e
			} END { print max + 0 }' "$log")
		while [ "$end" -lt "$disk_mb" ] &&
			! dd if="$img" bs=1M skip="$end" count=1 2>/dev/null | cmp -s -n 1048576 - /dev/zero; do
			end=$((end + 1))
		done
		echo "$end"
	}

	# boot_group <alias> <smp> <icount> <mttcg 0|1> <attempt> <case path...>
	# Boots once for these cases; appends rows; on a hang with smp >= 2 on the
	# first attempt, reboots once for the cases that got no result.
	boot_group() {
		local alias=$1 smp=$2 ic=$3 mt=$4 attempt=$5
		shift 5
		local bn bdir root p n why rc=0 steps=() step_tmos=() planned=() m t0 tsv
		local boot_limit st
		BOOT_SEQ=$((BOOT_SEQ + 1))
		# label: how this boot shows in the table; bn: its directory
		local label=smp$smp${ic:+-icount}
		[ "$mt" = 1 ] && label=$label-mttcg
		bn=boot$BOOT_SEQ-$label-try$attempt
		bdir=$OUT/$alias/$bn
		root=$bdir/root
		mkdir -p "$root"
		t0=$(kmr_now)

		kmr_stage_busybox "$root"
		mkdir -p "$root/kmr/cases" "$root/kmr/lib" "$root/kmr/modules" "$root/kmr/bin" "$root/kmr/files" "$root/kmr/out"
		install -m 755 "$here/guest/init" "$root/init"
		# the guest's shell libraries: /kmr/lib/kmr.sh (init sources it for
		# every case), the others for the cases that source them
		install -m 644 "$here"/lib/guest/*.sh "$root/kmr/lib/"
		[ -z "$HOLD_BIN" ] || install -m 755 "$HOLD_BIN" "$root/kmr/bin/kmr-hold"
		# shellcheck disable=SC2086
		kmr_stage_kmod "$root" $KMODS
		# DWARF is not needed in the guest (oops traces use kallsyms); without
		# it kmemrec.ko shrinks several-fold and the initramfs with it.
		for m in "${MODULE_KOS[@]}"; do
			strip --strip-debug -o "$root/kmr/modules/${m##*/}" "$m"
		done
		for d in "${files_dirs[@]}"; do kmr_stage_file "$root" "$d/." /kmr/files; done
		for f in "${file_specs[@]}"; do
			local src=${f%%:*} dst
			dst=/kmr/files/${src##*/}
			[[ $f == *:* ]] && dst=${f#*:}
			kmr_stage_file "$root" "$(readlink -f "$src")" "$dst"
		done
		# kmr-kmod: modules of this kernel image the cases load themselves
		local kmods="" kf
		for p in "$@"; do kmods="$kmods $(kmr_case_directive "$p" kmod)"; done
		if [ -n "${kmods// /}" ]; then
			# shellcheck disable=SC2086
			kf=$(kmr_kmod_resolve $kmods) || kmr_die "kmr-kmod:$kmods: not in this kernel"
			# shellcheck disable=SC2086
			kmr_stage_kmod_dir "$root" /kmr/kmod-extra $kf
		fi
		for p in "$@"; do
			n=$(kmr_case_name "$p")
			if ! why=$(stage_case_inputs "$root" "$p"); then
				row "$alias" "$n" FAIL - "not run: $why"
				continue
			fi
			cp "$p" "$root/kmr/cases/$n.sh"
			local ctmo
			ctmo=$(($(kmr_case_directive "$p" timeout "$case_tmo") * KMR_TIME_SCALE))
			echo "$n $ctmo $(kmr_case_directive "$p" smp 1)" >>"$root/kmr/plan"
			step_tmos+=("$ctmo")
			planned+=("$p")
			steps+=("$n")
		done
		touch "$root/kmr/plan"
		cat >"$root/kmr/config" <<-EOF
			KMR_KERNEL='$alias'
			KMR_KREL='$KMR_KREL'
			KMR_AUTOLOAD='${AUTOLOAD[*]}'
			KMR_DISK_MB='$disk_mb'
			KMR_TIME_SCALE='$KMR_TIME_SCALE'
		EOF
		for m in "${AUTOLOAD[@]}"; do
			steps=("_load:$m" "${steps[@]}" "_unload:$m")
			step_tmos=("$((60 * KMR_TIME_SCALE))" "${step_tmos[@]}" "$((60 * KMR_TIME_SCALE))")
		done
		[ ${#planned[@]} -gt 0 ] || { rm -rf "$bdir"; return 0; }

		kmr_pack_cpio "$root" "$bdir/initramfs.cpio"
		rm -rf "$root"
		truncate -s "${disk_mb}M" "$bdir/disk.img"
		local mtnote=""
		[ "$mt" = 1 ] && mtnote=" mttcg"
		kmr_log "$alias ($KMR_KREL) $bn: ${#planned[@]} case(s), smp=$smp${ic:+ icount=$ic}$mtnote," \
			"initramfs $(du -h "$bdir/initramfs.cpio" | cut -f1)"
		# The hard limit is a backstop: every step's own limit (the guest's
		# init enforces it) plus the boot, never less than --timeout.  A
		# guest that stops making progress is caught sooner, by the step
		# watchdog in kmr_boot (KMR_BOOT_STEP_TMOS): a busy CI machine runs
		# the same cases slower without either firing.
		# An explicit --timeout is kept as given (the self-test's hang cases).
		if [ -n "$boot_tmo" ]; then
			boot_limit=$((boot_tmo * KMR_TIME_SCALE))
		else
			boot_limit=$((900 * KMR_TIME_SCALE))
			st=$((120 * KMR_TIME_SCALE))
			for m in "${step_tmos[@]}"; do st=$((st + m + 30)); done
			[ "$st" -le "$boot_limit" ] || boot_limit=$st
		fi
		KMR_BOOT_STEP_TMOS="${step_tmos[*]}" KMR_BOOT_MARGIN=$((120 * KMR_TIME_SCALE)) \
			kmr_boot "$KMR_VMLINUZ" "$bdir/initramfs.cpio" "$bdir/disk.img" "$bdir/console.log" \
			"$smp" "${mem:-$KMR_KMEM}" "$boot_limit" "$ic" \
			"$KMR_KAPPEND${append:+ $append}" "$mt" || rc=$?
		tsv=$bdir/results.tsv
		: >"$tsv"
		kmr_verdict "$bdir/console.log" "$rc" "$tsv" "${steps[@]}"

		# Files back from the guest: tar segments on the results disk.
		mkdir -p "$bdir/files" "$OUT/$alias/cases"
		local end_mb
		end_mb=$(disk_end "$bdir/disk.img" "$bdir/console.log")
		if [ "$end_mb" -gt 0 ] && ! head -c $((end_mb * 1048576)) "$bdir/disk.img" |
			tar -x -i -f - -C "$bdir/files" 2>"$bdir/untar.log"; then
			kmr_log "warning: results disk partly unreadable (see $bdir/untar.log)"
		fi
		rm -f "$bdir/disk.img" "$bdir/initramfs.cpio"
		for d in "$bdir/files"/*; do
			[ -d "$d" ] || continue
			rm -rf "$OUT/$alias/cases/${d##*/}"
			mv "$d" "$OUT/$alias/cases/"
		done
		timing "$alias $bn: QEMU start -> init ${KMR_BOOT_SECS}s, whole boot ${KMR_RUN_SECS}s" \
			"(with staging and collecting $(kmr_elapsed "$t0")s, of which ${KMR_LOCK_SECS}s" \
			"waiting for a QEMU slot; $KMR_BOOT_STATE)"

		local retry=()
		if [ "$KMR_BOOT_STATE" = hang ] && [ "$smp" -ge 2 ] && [ "$attempt" = 1 ]; then
			# docs/kernel-hooks.md §9: TCG SMP may hang on cross-modifying code.
			# Keep the results we have, rerun the cases that have none.
			for p in "${planned[@]}"; do
				n=$(kmr_case_name "$p")
				grep -q "^$n	.*	no result: " "$tsv" && retry+=("$p")
			done
			while IFS=$'\t' read -r n st s det; do
				case $n in
				_boot) row "$alias" "_boot:$label#1" RETRIED "$s" "$det; retrying once" ;;
				_load:* | _unload:*) row "$alias" "$n#1" RETRIED "$s" "$st: $det" ;;
				*) [[ $det == "no result: "* ]] || row "$alias" "$n" "$st" "$s" "$det" ;;
				esac
			done <"$tsv"
			kmr_log "$alias: guest hung with -smp $smp; retrying ${#retry[@]} case(s) once"
			[ ${#retry[@]} -gt 0 ] || retry=("${planned[@]}")
			boot_group "$alias" "$smp" "$ic" "$mt" 2 "${retry[@]}"
			return 0
		fi
		while IFS=$'\t' read -r n st s det; do
			[ "$n" = _boot ] && n="_boot:$label"
			row "$alias" "$n" "$st" "$s" "$det"
		done <"$tsv"
	}

	# host_checks <alias>: run cases/<name>.host.sh for cases that passed.
	host_checks() {
		local alias=$1 tmp n st s det hs dir hrc
		tmp=$(mktemp)
		while IFS=$'\t' read -r k n st s det; do
			if [ "$k" = "$alias" ] && [ "$st" = PASS ] && [ -n "${CASE_PATH[$n]:-}" ]; then
				hs=${CASE_PATH[$n]%.sh}.host.sh
				if [ -f "$hs" ]; then
					dir=$OUT/$alias/cases/$n
					mkdir -p "$dir"
					hrc=0
					KMR_KERNEL=$alias KMR_KREL=$KMR_KREL KMR_CASE=$n KMR_CASE_OUT=$dir \
						KMR_RUN_DIR=$OUT KMR_REPO=$KMR_REPO KMR_BIN_DIRS="${bin_dirs[*]}" \
						timeout 600 bash "$hs" "$dir" >"$dir/host.log" 2>&1 || hrc=$?
					case $hrc in
					0) det="$det; host: $(tail -n1 "$dir/host.log" | cut -c1-150)" ;;
					77) st=SKIP; det="host check skipped: $(tail -n1 "$dir/host.log")" ;;
					*) st=FAIL; det="host check failed (exit $hrc): $(tail -n1 "$dir/host.log" | cut -c1-150)" ;;
					esac
					kmr_log "$alias $n: host check exit $hrc"
				fi
			fi
			printf '%s\t%s\t%s\t%s\t%s\n' "$k" "$n" "$st" "$s" "$det" >>"$tmp"
		done <"$RESULTS"
		mv "$tmp" "$RESULTS"
	}

	declare -A CASE_PATH=()
	for p in "${case_paths[@]}"; do CASE_PATH[$(kmr_case_name "$p")]=$p; done
	BOOT_SEQ=0

	for alias in $kernels; do
		t0=$(kmr_now)
		kmr_kernel_setup "$alias"
		KMODS=$(kmr_kmod_resolve virtio_pci virtio_blk) || exit 2
		timing "$alias: kernel $KMR_KREL ($KMR_KPKGVER) ready in $(kmr_elapsed "$t0")s$KMR_KNOTE"

		t0=$(kmr_now)
		MODULE_KOS=() AUTOLOAD=()
		kbroot=$KMR_GUEST_BUILD/kbuild/$KMR_KREL
		if kos=$(kmr_kbuild "$here/smoke" "$KMR_KREL" "$kbroot/smoke" "$KMR_KHDR"); then
			mapfile -t -O "${#MODULE_KOS[@]}" MODULE_KOS <<<"$kos"
		else
			row "$alias" _build:smoke FAIL - "harness smoke module does not build warning-free"
		fi
		if [ $no_module = 0 ] && [ -f "$KMR_REPO/kernel/Kbuild" ]; then
			if kos=$(kmr_kbuild "$KMR_REPO/kernel" "$KMR_KREL" "$kbroot/kernel" "$KMR_KHDR"); then
				for m in $kos; do
					MODULE_KOS+=("$m")
					m=${m##*/}
					AUTOLOAD+=("${m%.ko}")
				done
				row "$alias" _build:kernel PASS - "W=1 clean: ${AUTOLOAD[*]}"
			else
				row "$alias" _build:kernel FAIL - "kernel/ does not build warning-free (W=1)"
			fi
		fi
		timing "$alias: modules built in $(kmr_elapsed "$t0")s"

		# Group the cases into as few boots as possible: one per (smp, icount).
		declare -A groups=()
		for p in "${case_paths[@]}"; do
			n=$(kmr_case_name "$p")
			ks=$(kmr_case_directive "$p" kernels)
			if [ -n "$ks" ] && ! kmr_kernel_listed "$alias" "$ks"; then
				row "$alias" "$n" SKIP - "kmr-kernels: $ks"
				continue
			fi
			s=${smp_force:-$(kmr_case_directive "$p" smp 1)}
			ic=$icount
			[ -n "$ic" ] || ic=$(kmr_case_directive "$p" icount)
			mt=$(kmr_case_directive "$p" mttcg 0)
			[ "$s" -ge 2 ] || mt=0	# --smp 1 overrides a race case
			groups["$s|$ic|$mt"]+="$p"$'\n'
		done
		for g in $(printf '%s\n' "${!groups[@]}" | sort); do
			mapfile -t gp < <(printf '%s' "${groups[$g]}")
			IFS='|' read -r s ic mt <<<"$g"
			boot_group "$alias" "$s" "$ic" "$mt" 1 "${gp[@]}"
		done
		unset groups
		host_checks "$alias"
	done

	# Summary: case x kernel.
	{
		printf '\n%-28s' "case"
		for k in $kernels; do printf ' %-18s' "$k"; done
		printf '\n'
		# _build rows first, _boot rows last, the rest in the order they ran.
		cut -f2 "$RESULTS" | awk '!seen[$0]++' |
			awk '{ print (/^_build/ ? 0 : /^_boot/ ? 2 : 1) "\t" NR "\t" $0 }' |
			sort -n -k1,1 -k2,2 | cut -f3 | while IFS= read -r step; do
			printf '%-28s' "$step"
			for k in $kernels; do
				cell=$(awk -F'\t' -v k="$k" -v s="$step" '$1 == k && $2 == s {
					print $3 ($4 != "-" && $4 != "" ? " (" $4 "s)" : "") }' "$RESULTS" | head -1)
				printf ' %-18s' "${cell:--}"
			done
			printf '\n'
		done
		echo
		awk -F'\t' '$3 != "PASS" { printf "%s %s %s: %s\n", $1, $2, $3, $5 }' "$RESULTS"
		echo
		cat "$TIMINGS"
		echo "total $(kmr_elapsed "$t_all")s; results in $OUT"
	} | tee "$OUT/summary.txt"

	npass=$(awk -F'\t' '$3 == "PASS"' "$RESULTS" | wc -l)
	nfail=$(awk -F'\t' '$3 == "FAIL"' "$RESULTS" | wc -l)
	nskip=$(awk -F'\t' '$3 == "SKIP"' "$RESULTS" | wc -l)
	echo "guest: $npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" -eq 0 ]
}

main "$@"
exit $?
