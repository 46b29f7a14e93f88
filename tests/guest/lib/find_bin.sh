# shellcheck shell=bash
# kmr_find_bin NAME DIR...: the first (sorted) executable NAME under the
# DIRs (CMake build dirs).  Skipped: CMakeFiles, the guest harness's build
# dir and runs, and $KMR_RUN_DIR (a run's --out): they hold copies staged
# for earlier guests, and a clean clone's build/ contains them.  Functions
# only; sourced by tests/guest/run.sh and tests/oracle/host_e2e.sh.
kmr_find_bin() {
	local name=$1 d f gb=/nonexistent run=${KMR_RUN_DIR:-/nonexistent}
	shift
	[ -n "${KMR_GUEST_BUILD:-}" ] && gb=$(readlink -f "$KMR_GUEST_BUILD" 2>/dev/null || echo "$KMR_GUEST_BUILD")
	for d in "$@"; do
		f=$(find "$d" \( -path "$gb" -o -path '*/guest/runs' -o -path "$run" \
			-o -path '*/CMakeFiles' \) -prune -o \
			-type f -name "$name" -perm -u+x -print 2>/dev/null |
			LC_ALL=C sort | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
