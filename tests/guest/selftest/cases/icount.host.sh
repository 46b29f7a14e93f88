#!/bin/bash
# Host side of icount.sh: the five runs' ns-per-fault agree within 2 %.
set -eu
f=$1/per-fault.txt
[ "$(wc -l <"$f")" = 5 ] || { echo "expected 5 runs in $f"; exit 1; }
awk '{ v[NR] = $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	END {
		spread = (hi - lo) / lo * 100
		printf "per fault: %s; spread %.2f %%\n", v[1] " " v[2] " " v[3] " " v[4] " " v[5], spread
		exit (spread <= 2 && lo > 100) ? 0 : 1
	}' "$f"
