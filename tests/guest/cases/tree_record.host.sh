#!/bin/bash
# Host half of tree_record: the process trees, CoW per process, states.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
. "$dir/tree.env"
rc=0

# procs TRACE: the oracle's process lines, shown
procs() {
	"$oracle" procs "$1" >"$1.procs" || { echo "FAIL  kmr-oracle procs $1"; rc=1; return 1; }
	cat "$1.procs"
}

# The pipeline: a root sh and 4 children, each with the root as parent and
# stream 0 as parent stream, each exec'ing busybox (busybox sh execs its
# applets as /proc/self/exe), each exited 0.
procs "$dir/pipe.kmr"
python3 - "$dir/pipe.kmr.procs" "$bb" <<'EOF2' || rc=1
import sys
lines = [l.split() for l in open(sys.argv[1])]
p = [dict(zip(l[0::2], l[1::2])) for l in lines]
bad = []
if len(p) != 5:
    bad.append("%d processes, want 5 (sh and its 4 pipeline children)" % len(p))
root = p[0] if p else {}
kids = [x for x in p[1:] if x["ppid"] == root.get("pid") and x["parent"] == "0"]
if len(kids) != 4:
    bad.append("%d children of the root sh, want 4" % len(kids))
for k in kids:
    if not set(k["execs"].split(",")) & {sys.argv[2], "/proc/self/exe"}:
        bad.append("pid %s exec'ed %s, want %s" % (k["pid"], k["execs"], sys.argv[2]))
    if k["exit"] != "0":
        bad.append("pid %s exit %s" % (k["pid"], k["exit"]))
    if int(k["events"]) < 10:
        bad.append("pid %s has only %s events" % (k["pid"], k["events"]))
print("pipeline tree: " + ("; ".join(bad) if bad else "ok (%d processes)" % len(p)))
sys.exit(1 if bad else 0)
EOF2

# The forking server: the server, 2 savers and the spawned busybox; CoW
# per process; every checkpoint.  The spawned child shared the server's mm
# until its exec: its stream starts in its new image (no EXEC of its own).
procs "$dir/fs.kmr"
python3 - "$dir/fs.kmr.procs" <<'EOF2' || rc=1
import sys
p = [dict(zip(l.split()[0::2], l.split()[1::2])) for l in open(sys.argv[1])]
bad = []
if len(p) != 4:
    bad.append("%d processes, want 4 (server, 2 savers, spawned busybox)" % len(p))
root = p[0] if p else {}
kids = [x for x in p[1:] if x["ppid"] == root.get("pid")]
if len(kids) != len(p) - 1:
    bad.append("not every process is the server's child")
spawned = [x for x in kids if x["comm"] == "busybox"]
if len(spawned) != 1 or spawned[0]["execs"] != "-" or spawned[0]["exit"] != "0":
    bad.append("the spawned busybox: %s" % spawned)
print("forkserver tree: " + ("; ".join(bad) if bad else "ok (%d processes)" % len(p)))
sys.exit(1 if bad else 0)
EOF2
"$oracle" expect "$dir/fs.kmr" "$dir/fs.out" || rc=1
"$oracle" state "$dir/fs.kmr" "$dir"/ckpt/ckpt-*.txt || rc=1

# Sharing: each saver's "saver-final" checkpoint and the server's
# "server-wrote" before it show both processes at one instant (the server
# waits in waitpid); kmemreplay --at that instant --sharing must count, per
# VMA, exactly the pages whose pfn the other process's pagemap holds.
replay=$(e2e_find_bin kmemreplay) || { echo "kmemreplay not found"; exit 2; }
finals=$(ls "$dir"/ckpt/ckpt-*-saver-final.txt 2>/dev/null)
[ "$(echo "$finals" | grep -c .)" = 2 ] || { echo "FAIL  want 2 saver-final checkpoints: $finals"; rc=1; }
for b in $finals; do
	tb=$(sed -n 's/^mono_before //p' "$b")
	t=$(sed -n 's/^mono_after //p' "$b")
	# the server's last "server-wrote" ending before this one began
	a=$(for f in "$dir"/ckpt/ckpt-*-server-wrote.txt; do
		echo "$(sed -n 's/^mono_after //p' "$f") $f"
	done | awk -v tb="$tb" '$1 <= tb' | sort -n | tail -1 | cut -d' ' -f2)
	[ -n "$a" ] || { echo "FAIL  no server-wrote checkpoint before $b"; rc=1; continue; }
	"$replay" "$dir/fs.kmr" --at "mono:$t" --sharing --json >"$b.sharing.json" ||
		{ echo "FAIL  kmemreplay --sharing at mono:$t"; rc=1; continue; }
	"$oracle" sharing "$b.sharing.json" "$a" "$b" || rc=1
done
"$replay" "$dir/fs.kmr" --at "mono:$t" --sharing | head -30

# Grandchildren: root sh -> sh -> {busybox true}; the child sh execs sleep.
procs "$dir/grand.kmr"
python3 - "$dir/grand.kmr.procs" <<'EOF2' || rc=1
import sys
p = [dict(zip(l.split()[0::2], l.split()[1::2])) for l in open(sys.argv[1])]
by = {x["stream"]: x for x in p}
depth = lambda x: 0 if x["parent"] == "-" else 1 + depth(by[x["parent"]])
bad = []
if len(p) < 3:
    bad.append("%d processes, want 3 or more" % len(p))
if max((depth(x) for x in p), default=0) < 2:
    bad.append("no grandchild")
if not any(x["execs"] != "-" for x in p if depth(x) >= 1):
    bad.append("no child exec'ed")
print("grandchildren: " + ("; ".join(bad) if bad else "ok (%d processes)" % len(p)))
sys.exit(1 if bad else 0)
EOF2
[ $rc = 0 ] && echo "tree_record host check ok" || echo "tree_record host check FAILED"
exit $rc
