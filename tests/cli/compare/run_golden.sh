#!/bin/bash
# Golden tests of `kmemreplay compare`: the same workload at other
# addresses (every VMA matched, no change), the workload with 25 more faults
# in the heap (exactly that delta), resident pages at 50 %, and the JSON of
# the perturbed case (summary and changed matches).
#
#   run_golden.sh KMEMREPLAY KMEMSYNTH KMR_PERTURB GOLDEN_DIR
#   KMR_UPDATE_GOLDEN=1 ...   rewrite the goldens instead of comparing
set -euo pipefail
kmemreplay=$1 kmemsynth=$2 perturb=$3 golden=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

other=0x455555554000              # the default base minus 16 TiB
heap=$((other + 0x100000))        # kmemsynth's heap start at that base
"$kmemsynth" -q -n 20000 -p churn --seed 4 -o a.kmr
"$kmemsynth" -q -n 20000 -p churn --seed 4 --base $other -o b.kmr
"$perturb" b.kmr heap.kmr --add-faults 25 --range $(printf '0x%x-0x%x' $heap $((heap + 0x40000000)))
"$kmemsynth" -q -n 20000 -p fork --seed 4 -o fa.kmr
"$perturb" fa.kmr fb.kmr --slide 0x555555554000-0x565555554000:-0x1000000000 \
	--slide 0x7e0000000000-0x7f0000100000:-0x2002000000 --slide 0x7ffb00000000-0x7ffd00000000:0x4000000

run() {  # name, then the command's arguments
	local name=$1
	shift
	NO_COLOR= "$kmemreplay" "$@" > "$name.out"
}
run same compare a.kmr b.kmr
run heap compare a.kmr heap.kmr
run at50 compare fa.kmr fb.kmr --at-relative 50%
"$kmemreplay" compare a.kmr heap.kmr --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
j["matched"] = [m for m in j["matched"] if m["changed"]]
json.dump(j, sys.stdout, indent=1, sort_keys=True)
print()' > heap-json.out

fail=0
for f in same heap at50 heap-json; do
	if [ "${KMR_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$f.out" "$golden/$f.txt"
	elif ! diff -u "$golden/$f.txt" "$f.out"; then
		echo "golden mismatch: $f (KMR_UPDATE_GOLDEN=1 rewrites it after review)" >&2
		fail=1
	fi
done
exit $fail
