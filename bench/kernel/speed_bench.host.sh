#!/bin/bash
# Host side of speed_bench.sh (tests/guest runs it after the guest part
# passed): counts the events of LTTng's traces (lttng-<work>/, CTF) with
# babeltrace2's counter sink, which the guest has not got (its plugins are
# dlopen()ed), and puts them into figures.txt's lttng rows (events,
# events/s, lost = discarded-events notices); the guest's table stays as
# figures.guest.txt.  The traces are deleted afterwards (tens of MB),
# babeltrace2's counts kept as lttng-<work>.count.
set -euo pipefail
dir=$1
cd "$dir"
shopt -s nullglob
traces=(lttng-*/)
if [ ${#traces[@]} -eq 0 ]; then
	echo "no LTTng trace to count"
	exit 0
fi
command -v babeltrace2 >/dev/null || { echo "babeltrace2 missing (apt-get install babeltrace2)"; exit 1; }
[ -f figures.guest.txt ] || cp figures.txt figures.guest.txt
counts=""
for t in "${traces[@]}"; do
	w=${t#lttng-}
	w=${w%/}
	babeltrace2 "$t" --component=sink.utils.counter >"lttng-$w.count" 2>&1 ||
		{ cat "lttng-$w.count"; echo "babeltrace2 failed on $t"; exit 1; }
	# It prints running totals; the last block is the whole trace:
	# "N Event messages", "N Discarded event messages" (the tracer's
	# notices of discarded events: their count, not the events')
	ev=$(awk '$2 == "Event" && $3 ~ /^messages?$/ { n = $1 } END { print n }' "lttng-$w.count")
	lost=$(awk '$2 == "Discarded" && $3 == "event" { n = $1 } END { print n }' "lttng-$w.count")
	[ -n "$ev" ] || { cat "lttng-$w.count"; echo "no event count for $t"; exit 1; }
	counts="$counts $w=$ev/${lost:-0}"
	rm -rf "$t"
done
# columns: work mode time_ns ratio task cpu tail_ms ns/op events events/s lost file_B rd_ms
awk -v counts="$counts" '
BEGIN { n = split(counts, c, " "); for (i = 1; i <= n; i++) { split(c[i], kv, "="); split(kv[2], el, "/"); ev[kv[1]] = el[1]; lo[kv[1]] = el[2] } }
$2 == "lttng" && ($1 in ev) && NF == 13 {
	printf "%-6s %-16s %13s %6s %6s %6s %7s %9s %9d %9.0f %6d %10s %7s\n",
	       $1, $2, $3, $4, $5, $6, $7, $8, ev[$1], ev[$1] / ($3 / 1e9), lo[$1], $12, $13
	next
}
{ print }' figures.guest.txt >figures.txt
echo "LTTng events counted by babeltrace2:$counts (events/lost)"
