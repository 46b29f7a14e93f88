#!/bin/bash
# Host check of kwalk_pfn: kmemreplay copes with a trace whose pfns are all
# 0 and says so; root's trace does not say it and has pfns.
set -eu
dir=$1
. "$KMR_REPO/tests/guest/lib/find_bin.sh"
replay=$(kmr_find_bin kmemreplay ${KMR_BIN_DIRS:-}) || { echo "kmemreplay not found"; exit 2; }
for who in nobody root; do
	t=$dir/rec/$who.kmr
	"$replay" "$t" >"$dir/$who.summary" 2>&1 || { echo "kmemreplay $who.kmr failed: $(tail -1 "$dir/$who.summary")"; exit 1; }
	"$replay" "$t" --at end >"$dir/$who.at" 2>&1 || { echo "kmemreplay $who.kmr --at end failed: $(tail -1 "$dir/$who.at")"; exit 1; }
	"$replay" "$t" --hist >"$dir/$who.hist" 2>&1 || { echo "kmemreplay $who.kmr --hist failed"; exit 1; }
	"$replay" "$t" --events >"$dir/$who.events" 2>&1 || { echo "kmemreplay $who.kmr --events failed"; exit 1; }
done
grep -q "PFNs.*hidden" "$dir/nobody.summary" || { echo "nobody's trace: the summary does not say PFNs are hidden"; exit 1; }
if grep -q "PFNs.*hidden" "$dir/root.summary"; then echo "root's trace says PFNs are hidden"; exit 1; fi
# Every pfn kmemreplay shows: all 0 in nobody's trace, none 0 in root's.
pfns() { grep -oE 'pfn [0-9a-f]+( -> [0-9a-f]+)?' "$1" | grep -oE '[0-9a-f]+$|pfn [0-9a-f]+' | grep -oE '[0-9a-f]+$'; }
n_nobody=$(pfns "$dir/nobody.events" | wc -l)
nz_nobody=$(pfns "$dir/nobody.events" | grep -vc '^0$' || true)
n_root=$(pfns "$dir/root.events" | wc -l)
z_root=$(pfns "$dir/root.events" | grep -c '^0$' || true)
[ "$n_nobody" -gt 0 ] && [ "$nz_nobody" = 0 ] || { echo "nobody's trace: $nz_nobody of $n_nobody pfns are not 0"; exit 1; }
[ "$n_root" -gt 0 ] && [ "$z_root" = 0 ] || { echo "root's trace: $z_root of $n_root pfns are 0"; exit 1; }
echo "kmemreplay: nobody's trace replays, says 'PFNs hidden' and shows $n_nobody pfns all 0; root's shows $n_root, none 0"
