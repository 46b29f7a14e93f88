#!/bin/bash
# Kernel-code gate: build kernel/ against both Debian kernels with W=1
# (any compiler or modpost warning fails) and run the kernel's checkpatch.pl
# --strict on its sources (any ERROR, WARNING or CHECK fails).  The
# harness's own smoke module goes through the same gate.
# usage: tests/guest/kbuild.sh [--kernel 6.1|6.12|all] [MODULE_DIR...]
#   default MODULE_DIRs: kernel/ (when it has a Kbuild) and tests/guest/smoke
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/kernels.sh"
. "$here/lib/kbuild.sh"

# Everything runs inside main(): bash parses a function whole before running
# it, so editing this file while a run is in progress cannot derail that run.
main() {
	kernels="6.1 6.12"
	dirs=()
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) kernels=${2:?}; [ "$kernels" = all ] && kernels="6.1 6.12"; shift ;;
		-h | --help) sed -n '2,8p' "$0"; exit 0 ;;
		-*) kmr_die "unknown option $1" ;;
		*) dirs+=("$(readlink -f "$1")") ;;
		esac
		shift
	done
	if [ ${#dirs[@]} -eq 0 ]; then
		if [ -f "$KMR_REPO/kernel/Kbuild" ]; then
			dirs+=("$KMR_REPO/kernel")
		else
			kmr_log "kernel/Kbuild does not exist yet; checking the smoke module only"
		fi
		dirs+=("$here/smoke")
	fi
	mkdir -p "$KMR_GUEST_BUILD"
	kmr_apt_install make gcc pahole perl xz-utils linux-source-6.12
	t_all=$(kmr_now)
	fails=0 passes=0
	pass() { passes=$((passes + 1)); echo "PASS $*"; }
	fail() { fails=$((fails + 1)); echo "FAIL $*"; }

	# --- W=1 builds ----------------------------------------------------------
	for alias in $kernels; do
		kmr_kernel_headers "$alias"
		for d in "${dirs[@]}"; do
			t0=$(kmr_now)
			name=$(basename "$d")
			if kmr_kbuild "$d" "$KMR_KREL" "$KMR_GUEST_BUILD/kbuild/$KMR_KREL/$name" >/dev/null; then
				pass "build $name for $KMR_KREL (W=1, $(kmr_elapsed "$t0")s)"
			else
				fail "build $name for $KMR_KREL (W=1): see the log above"
			fi
		done
	done

	# --- checkpatch.pl --strict from the linux-source-6.12 package ------------
	src_ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	cp_dir=$KMR_GUEST_BUILD/checkpatch/$src_ver
	if [ ! -f "$cp_dir/scripts/checkpatch.pl" ]; then
		kmr_log "extracting checkpatch.pl from linux-source-6.12 $src_ver"
		rm -rf "$cp_dir.tmp"
		mkdir -p "$cp_dir.tmp"
		tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$cp_dir.tmp" --strip-components=1 \
			linux-source-6.12/scripts/checkpatch.pl linux-source-6.12/scripts/spelling.txt \
			linux-source-6.12/scripts/const_structs.checkpatch
		rm -rf "$cp_dir"
		mv "$cp_dir.tmp" "$cp_dir"
	fi
	for d in "${dirs[@]}"; do
		mapfile -t srcs < <(cd "$d" && { find . -maxdepth 1 -name '*.[ch]'
			if [ -d include ]; then find include -type f; fi; } | sed 's|^\./||' | LC_ALL=C sort)
		name=$(basename "$d")
		if [ ${#srcs[@]} -eq 0 ]; then
			fail "checkpatch $name: no *.c, *.h or include/ files"
			continue
		fi
		out=$KMR_GUEST_BUILD/checkpatch/$name.log
		# --no-tree: no kernel tree around us; -f: files, not patches.
		(cd "$d" && perl "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --color=never \
			--show-types -f "${srcs[@]}") >"$out" 2>&1 || true
		if grep -Eq '^(ERROR|WARNING|CHECK):' "$out" ||
			! grep -q '^total: 0 errors, 0 warnings, 0 checks' "$out"; then
			grep -E -A3 '^(ERROR|WARNING|CHECK):' "$out" || cat "$out"
			fail "checkpatch --strict $name (${#srcs[@]} files; log: $out)"
		else
			pass "checkpatch --strict $name (${#srcs[@]} files)"
		fi
	done
	echo "kbuild: $(kmr_elapsed "$t_all")s"
	echo "kbuild: $passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}

main "$@"
exit $?
