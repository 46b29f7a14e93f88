#!/bin/bash
# Host half of comm_record: the streams of the --comm traces.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
. "$dir/comm.env"
rc=0

"$oracle" procs "$dir/all.kmr" >"$dir/all.procs" || { echo "FAIL  kmr-oracle procs all.kmr"; exit 1; }
cat "$dir/all.procs"
python3 - "$dir/all.procs" "$a" "$b" "$c" "$other" <<'EOF2' || rc=1
import sys
p = [dict(zip(l.split()[0::2], l.split()[1::2])) for l in open(sys.argv[1])]
a, b, c, other = sys.argv[2:6]
pids = [x["pid"] for x in p]
bad = []
if sorted(pids) != sorted([a, b, c]):
    bad.append("pids %s, want A %s, B %s, C %s (and not %s)" % (pids, a, b, c, other))
for x in p:
    if x["comm"] != "kmrt-twecho":
        bad.append("pid %s is %s" % (x["pid"], x["comm"]))
    if x["parent"] != "-":
        bad.append("pid %s has a parent stream %s" % (x["pid"], x["parent"]))
    if int(x["events"]) < 10:
        bad.append("pid %s has only %s events" % (x["pid"], x["events"]))
    want_exit = "-" if x["pid"] == a else "0"
    if x["exit"] != want_exit:
        bad.append("pid %s exit %s, want %s" % (x["pid"], x["exit"], want_exit))
print("--comm: " + ("; ".join(bad) if bad else "ok (%d processes)" % len(p)))
sys.exit(1 if bad else 0)
EOF2

"$oracle" procs "$dir/tree.kmr" >"$dir/tree.procs" || { echo "FAIL  kmr-oracle procs tree.kmr"; exit 1; }
cat "$dir/tree.procs"
python3 - "$dir/tree.procs" <<'EOF2' || rc=1
import sys
p = [dict(zip(l.split()[0::2], l.split()[1::2])) for l in open(sys.argv[1])]
bad = []
if len(p) != 4:
    bad.append("%d processes, want 4 (the server and 3 savers)" % len(p))
root = p[0] if p else {}
kids = [x for x in p[1:] if x["parent"] == root.get("stream") and x["ppid"] == root.get("pid")]
if len(kids) != len(p) - 1:
    bad.append("not every saver is a followed child of the server")
if len(set(x["pid"] for x in p)) != len(p):
    bad.append("a process recorded twice")
print("--comm -f: " + ("; ".join(bad) if bad else "ok (%d processes)" % len(p)))
sys.exit(1 if bad else 0)
EOF2
"$oracle" expect "$dir/tree.kmr" "$dir/fs.out" || rc=1
[ $rc = 0 ] && echo "comm_record host check ok" || echo "comm_record host check FAILED"
exit $rc
