#!/bin/bash
# Host half of signal_record: each trace's signal and exit events.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
. "$KMR_REPO/tests/guest/lib/find_bin.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
replay=$(kmr_find_bin kmemreplay ${KMR_BIN_DIRS:-}) || { echo "kmemreplay not found"; exit 2; }
. "$dir/signal.env"
rc=0
# check NAME WANT_SIGNO WANT_CODE WANT_COREDUMP TID: WANT_SIGNO 0 = no SIGNAL
check() {
	local t=$dir/$1.kmr
	"$oracle" info "$t" --finished --exited || rc=1
	"$replay" "$t" --events --kind signal,exit --json >"$t.json" || { echo "$t: kmemreplay failed"; rc=1; return; }
	python3 - "$t.json" "$@" <<'EOF2' || rc=1
import json, sys
path, name, signo, code, core, tid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1", int(sys.argv[6] or 0)
evs = json.load(open(path))
kinds = [e["kind"] for e in evs]
bad = []
want = (["signal"] if signo else []) + ["exit"]
if kinds != want:
    bad.append("events %s, want %s" % (kinds, want))
elif signo:
    s = evs[0]
    if s["signo"] != signo or s["code"] != code or s["coredump"] != core or s["addr"] != 0:
        bad.append("signal %s, want signo %d code %d coredump %s addr 0" % (s, signo, code, core))
    if tid and s["tid"] != tid:
        bad.append("signal tid %d, want the target's pid %d" % (s["tid"], tid))
    if s["seq"] >= evs[1]["seq"]:
        bad.append("the signal does not come before the exit")
print("%s: %s" % (name, "; ".join(bad) if bad else "ok (%s)" % ", ".join(kinds)))
sys.exit(1 if bad else 0)
EOF2
}
# si_code: SI_USER 0 (kill), SI_TKILL -6 (abort's raise)
check quit 11 0 1 "$quit_pid"
check abort 6 -6 1 "$abort_pid"
check term 0 0 0 ""
[ $rc = 0 ] && echo "signal_record host check ok" || echo "signal_record host check FAILED"
exit $rc
