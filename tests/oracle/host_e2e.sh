# shellcheck shell=bash
# Host side of the end-to-end proof, sourced by
# tests/guest/cases/e2e_targets*.host.sh.  The guest half (tests/guest/lib/guest/e2e.sh) left
# the trace, the checkpoints, the target's output and ftrace's fault list in
# one directory per target.
#
# e2e_host_check_list DIR LIST VCPUS runs e2e_host_check on DIR/NAME for
# every target of LIST (tests/oracle/e2e_targets.txt) that needs VCPUS.
#
# e2e_host_check DIR checks, with kmr-oracle (tests/oracle):
#   1. at every checkpoint's mono_before and mono_after, the trace's state
#      equals the kernel's maps and pagemap exactly (rebuilt in-process, and
#      as `kmemreplay --at mono:<ns> --json` prints it once kmemreplay can);
#   2. every "expect" line of the target (CoW copies per region, THP leaves);
#   3. user page faults in the trace = ftrace's exceptions:page_fault_user
#      for the target in the same span.
# Needs kmr-oracle (and kmemreplay) under $KMR_BIN_DIRS (the CMake build dir).

# An executable under the build dirs, not a copy staged for a guest.
. "$(dirname "${BASH_SOURCE[0]}")/../guest/lib/find_bin.sh"
e2e_find_bin() { kmr_find_bin "$1" ${KMR_BIN_DIRS:-}; }

# e2e_state_compared TRACE CKPTDIR: every checkpoint of CKPTDIR that the
# trace covers (a flight-recorder file holds only its window) equals the
# trace's state, and at least one was compared.  Prints the oracle's last
# lines, or all of them on a failure.
e2e_state_compared() {
	local oracle out
	oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; return 1; }
	out=$("$oracle" state "$1" "$2"/ckpt-*.txt 2>&1) || { echo "$out"; return 1; }
	echo "$out" | tail -2
	if ! echo "$out" | grep -v 'not compared' | grep -q 'checkpoint'; then
		echo "$1: no checkpoint was compared"
		return 1
	fi
}

# Prints every check; the last line says ok, or names the first failure
# (the harness shows that line).  Returns 0 when every check passed.
e2e_host_check() {
	local log rc=0
	log=$(mktemp)
	e2e_host_checks "$1" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		echo "e2e host check ok: $(grep -c '^ok ' "$log") checks passed"
	else
		echo "e2e host check FAILED: $(grep -m1 -A1 -E '^FAIL|error|not found' "$log" | tr '\n' ' ' | tr -s ' ' | cut -c1-200)"
	fi
	rm -f "$log"
	return "$rc"
}

e2e_host_checks() {
	local dir=$1 oracle replay pid rc=0 c t
	oracle=$(e2e_find_bin kmr-oracle) ||
		{ echo "kmr-oracle not found under '${KMR_BIN_DIRS:-}' (build tests/oracle)"; return 2; }
	[ -s "$dir/trace.kmr" ] || { echo "no trace.kmr in $dir"; return 1; }
	pid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$dir/e2e.env")
	[ -n "$pid" ] || { echo "no pid in $dir/e2e.env"; return 1; }

	echo "== state at every checkpoint (in-process replay)"
	"$oracle" state "$dir/trace.kmr" "$dir"/ckpt/ckpt-*.txt || rc=1

	if replay=$(e2e_find_bin kmemreplay) && "$replay" --help 2>/dev/null | grep -q -- --json; then
		echo "== state at every checkpoint (kmemreplay --at mono:<ns> --json)"
		for c in "$dir"/ckpt/ckpt-*.txt; do
			for t in $(sed -n 's/^mono_\(before\|after\) //p' "$c"); do
				j=$dir/replay-mono-$t.json
				if ! "$replay" "$dir/trace.kmr" --at "mono:$t" --json >"$j" 2>"$dir/replay.err"; then
					echo "FAIL  kmemreplay --at mono:$t: $(head -n1 "$dir/replay.err")"
					rc=1
					continue
				fi
				"$oracle" json "$j" "$c" >"$dir/json-check.txt" || rc=1
				grep -v '^1 checks' "$dir/json-check.txt"
				rm -f "$j"
			done
		done
		rm -f "$dir/replay.err" "$dir/json-check.txt"
	else
		echo "== kmemreplay --json not available: in-process replay only"
	fi

	echo "== the target's expectations"
	"$oracle" expect "$dir/trace.kmr" "$dir/target.out" || rc=1

	echo "== user page faults against ftrace"
	"$oracle" faults "$dir/trace.kmr" "$dir/ftrace-faults.txt" "$pid" || rc=1
	return $rc
}

# Every target of the list must have been recorded and must pass; the last
# line names the targets that failed (the harness shows it).
e2e_host_check_list() {
	local dir=$1 list=$2 want=$3 name vcpus _ n=0 failed="" first=""
	while read -r name vcpus _; do
		case $name in '' | '#'*) continue ;; esac
		[ "$vcpus" = "$want" ] || continue
		n=$((n + 1))
		echo "=== kmrt-$name"
		if [ ! -d "$dir/$name" ]; then
			echo "e2e host check FAILED: no directory $name (the guest did not record it)"
			failed="$failed $name"
		elif ! e2e_host_check "$dir/$name" >"$dir/$name/host-check.txt" 2>&1; then
			failed="$failed $name"
		fi
		[ -f "$dir/$name/host-check.txt" ] && cat "$dir/$name/host-check.txt"
		[ -n "$failed" ] && [ -z "$first" ] &&
			first="$name: $(tail -n1 "$dir/$name/host-check.txt" 2>/dev/null)"
	done <"$list"
	if [ "$n" -eq 0 ]; then
		echo "e2e host check FAILED: no target in $list needs $want vCPU(s)"
		return 1
	fi
	if [ -n "$failed" ]; then
		echo "e2e host check FAILED for:$failed; first: $first"
		return 1
	fi
	echo "e2e host check ok: $n targets"
}
