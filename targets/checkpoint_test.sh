#!/bin/sh
# Runs every target with checkpoints on this machine (no module needed) and
# checks what can be checked without a trace: each target exits 0, writes
# one checkpoint file per "ckpt" line it prints, every file is complete
# (ends with mono_after and faults_during), its pagemap lines lie inside
# the VMAs of its maps, and no checkpoint took a page fault of its own.
# usage: checkpoint_test.sh BINDIR
set -eu
bindir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

run() {
	name=$1; shift
	dir=$work/$name
	mkdir -p "$dir"
	if ! TMPDIR=$dir "$bindir/kmrt-$name" -v -C "$dir" "$@" >"$dir/out" 2>&1; then
		echo "FAIL $name: exit status $?"; cat "$dir/out"; fail=1; return
	fi
	want=$(grep -c '^ckpt ' "$dir/out" || true)
	got=$(ls "$dir"/ckpt-*.txt 2>/dev/null | wc -l)
	if [ "$want" -eq 0 ] || [ "$want" -ne "$got" ]; then
		echo "FAIL $name: $want checkpoints announced, $got files"; fail=1; return
	fi
	for f in "$dir"/ckpt-*.txt; do
		if ! awk '
			function hex(s,   i, v) {
				sub(/^0x/, "", s); v = 0
				for (i = 1; i <= length(s); i++)
					v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
				return v
			}
			BEGIN { n = 0 }
			/^maps [0-9]+$/ { inmaps = 1; next }
			/^pagemap$/ { inmaps = 0; inpm = 1; next }
			/^end$/ { inpm = 0; ended = 1; next }
			inmaps {
				split($1, r, "-")
				lo[n] = hex(r[1]); hi[n] = hex(r[2]); n++
				next
			}
			inpm {
				va = hex($1); ok = 0
				for (i = 0; i < n; i++) if (va >= lo[i] && va < hi[i]) ok = 1
				if (!ok) { print "page outside every VMA: " $1; bad = 1 }
				next
			}
			/^faults_during / { faults = $2; seen = 1 }
			END {
				if (!ended || !seen) { print "truncated"; exit 1 }
				if (faults != 0) { print "faults during checkpoint: " faults; exit 1 }
				exit bad
			}' "$f"; then
			echo "FAIL $name: $(basename "$f")"; fail=1
		fi
	done
	[ $fail -ne 0 ] || echo "ok $name ($got checkpoints)"
}

run mmap
run malloc
run fork
run stack
run brk
run mprotect
run mremap
run exec
run thp
run strlit -c 2 -i 1
run twecho -c 2 -i 1 -- a b
run threads -t 4 -n 64 -k 2
run faultbench -s 16M -k 64
run crash -r 4 -i 0 -e exit
# --hold: the target stops at its hold point until a signal, then finishes.
hold_test() {
	out=$work/hold.out
	"$bindir/kmrt-mmap" -H >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do grep -q '^hold populated pid=' "$out" && break; sleep 0.1; done
	if ! grep -q "^hold populated pid=$pid\$" "$out"; then
		echo "FAIL hold: no 'hold populated pid=$pid' line"; kill "$pid"; fail=1; return
	fi
	sleep 0.2
	if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL hold: did not wait"; fail=1; return; fi
	kill -USR1 "$pid"
	if wait "$pid"; then echo "ok hold"; else echo "FAIL hold: exit status $?"; fail=1; fi
}
hold_test
exit $fail
