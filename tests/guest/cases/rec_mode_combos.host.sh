#!/bin/bash
# Host half of rec_mode_combos: each trace is finished and replays; its
# header names the range; every event lies in the range; kinds --events
# left out are absent; each CoW copy has its page capture (4096 bytes for
# --capture-pages cow, an 8-byte xxh64 for cow:hash); every checkpoint
# (inside a flight window) equals the kernel's maps and pagemap within the
# range.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
. "$KMR_REPO/tests/guest/lib/find_bin.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
replay=$(kmr_find_bin kmemreplay ${KMR_BIN_DIRS:-}) || { echo "kmemreplay not found"; exit 2; }
. "$dir/combos.env"
rc=0

# events_check TRACE CAPTURE_BYTES ABSENT_KINDS: the event-level checks
events_check() {
	local t=$1
	"$replay" "$t" --events --json >"$t.events.json" || { echo "$t: kmemreplay --events failed"; rc=1; return; }
	"$replay" "$t" --json >"$t.summary.json" || { echo "$t: kmemreplay failed"; rc=1; return; }
	python3 - "$t" "$range_start" "$range_end" "$2" "$3" <<'EOF' || rc=1
import json, sys
t, lo, hi, cap, absent = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3], 16), int(sys.argv[4]), sys.argv[5]
evs = json.load(open(t + ".events.json"))
summ = json.load(open(t + ".summary.json"))
bad = []
if summ["range"] != [lo, hi]:
    bad.append("header range %s, want [%#x, %#x]" % (summ["range"], lo, hi))
kinds = {}
for e in evs:
    if "op" in e:  # a VMA operation derived from the windows
        if e["end"] <= lo or e["start"] >= hi:
            bad.append("VMA %s %#x-%#x outside the range" % (e["op"], e["start"], e["end"]))
        continue
    k = e["kind"]
    kinds[k] = kinds.get(k, 0) + 1
    if k == "pte":
        span = 1 << e["shift"]
        a, b = e["vaddr"], e["vaddr"] + span * len(e["entries"])
    elif k == "pte-unmap":
        a, b = e["start"], e["end"]
    elif k in ("fault", "cow", "page-data"):
        a = e["vaddr"]; b = a + 1
    elif k == "vma":
        a, b = e["start"], e["end"]
        if b <= lo or a >= hi:
            bad.append("VMA %#x-%#x outside the range" % (a, b))
        continue
    else:
        continue
    if a < lo or b > hi:
        bad.append("%s at %#x-%#x outside the range" % (k, a, b))
for k in filter(None, absent.split(",")):
    if kinds.get(k):
        bad.append("%d %s events, but --events left them out" % (kinds[k], k))
cows = kinds.get("cow", 0)
pages = [e for e in evs if e.get("kind") == "page-data"]
if cows < 2048 and "flight" not in summ:
    bad.append("%d CoW copies, want the region's 2048 pages" % cows)
if cap and len(pages) != cows:
    bad.append("%d page captures for %d CoW copies" % (len(pages), cows))
sizes = set(p["bytes"] for p in pages)
if pages and sizes != {cap}:
    bad.append("page captures of %s bytes, want %d" % (sorted(sizes), cap))
captures = " with %d-byte captures" % cap if cap else ""
print("%s: %s" % (t, "; ".join(bad[:10]) if bad else
      "ok (%d events, in range; %d CoW copies%s; kinds %s)" %
      (len(evs), cows, captures, ",".join(sorted(kinds)))))
sys.exit(1 if bad else 0)
EOF
}

for run in lossless flight both; do
	t=$dir/$run/trace.kmr
	[ -s "$t" ] || { echo "no $t"; rc=1; continue; }
	"$oracle" info "$t" --finished --exited || rc=1
	case $run in
	lossless) events_check "$t" 4096 "" ;;
	flight) events_check "$t" 8 fault ;;
	both) events_check "$t" 0 page-data ;;
	esac
	e2e_state_compared "$t" "$dir/$run/ckpt" || rc=1
done
[ $rc = 0 ] && echo "rec_mode_combos host check ok" || echo "rec_mode_combos host check FAILED"
exit $rc
