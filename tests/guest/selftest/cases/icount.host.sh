#!/bin/bash
# Host side of icount.sh: the last four of eight runs' ns-per-fault agree
# within 0.5 % (the first ones are warm-up).
set -eu
f=$1/per-fault.txt
[ "$(wc -l <"$f")" = 8 ] || { echo "expected 8 runs in $f"; exit 1; }
awk '{ all = all " " $1 }
	NR > 4 { if (lo == "" || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	END {
		spread = (hi - lo) / lo * 100
		printf "per fault:%s; last 4 spread %.2f %%\n", all, spread
		exit (spread <= 0.5 && lo > 100) ? 0 : 1
	}' "$f"
