# --lossless and --flight-recorder combined with --range, --events and
# --capture-pages (issue 12).  kmrt-faultbench maps its 8 MiB region at a
# fixed address (--addr), so the range can be named before it exists;
# everything else it maps (the churn phase's 64 KiB mappings, libc) is
# outside the range.
# (1) lossless: --lossless --range REGION --capture-pages cow, the recorder
#     stopped (SIGSTOP) for 2 s while the target touches and CoW-copies the
#     region: 0 lost, the target held meanwhile;
# (2) flight: launched with --flight-recorder 256K --range REGION --events
#     vma,pte,cow --capture-pages cow:hash; the file is written at the
#     target's exit;
# (3) both: --lossless --flight-recorder 256K --range REGION, the recorder
#     stopped for 2 s: 0 lost, the file written at exit.
# The host half (.host.sh) checks every event lies in the range, the kinds
# --events excluded are absent, one page capture per CoW copy (4096 bytes,
# or an 8-byte hash), and every checkpoint (inside the window) equals the
# kernel's maps and pagemap within the range.
# kmr-bin: kmemrec kmrt-faultbench
# kmr-timeout: 600

. /kmr/lib/lossless.sh
[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"

R=0x200000000
RE=0x200800000
FB="-s 8M -k 256 --addr $R"
echo "range_start=$R range_end=$RE" >combos.env

# stopped DIR: ll_start'ed, stop the recorder for 2 s after the release
# (the target must be held by then), then both must end well with nothing
# lost
stopped() {
	kill -STOP "$LL_REC"
	ll_go
	sleep 1
	ll_held "$LL_TARGET" && held=yes || held=no
	kill -CONT "$LL_REC"
	rc=0
	wait "$LL_TARGET" || rc=$?
	assert_eq "$rc" 0 "kmrt-faultbench's exit status ($1)"
	rc=0
	wait "$LL_REC" || rc=$?
	cat "$1/kmemrec.err"
	assert_eq "$rc" 0 "kmemrec's exit status ($1; 3: events lost)"
	ll_summary "$1"
	assert_eq "$held" yes "target held (no page fault) while kmemrec was stopped ($1)"
	assert_grep '^note phase churn ' "$1/target.out" "kmrt-faultbench's last phase ($1)"
	assert_grep "^region region 0x0*200000000 " "$1/target.out" "the region at --addr ($1)"
}

# (1) lossless + range + page contents
LL_REC_ARGS="--range $R-$RE --capture-pages cow"
ll_start lossless $FB
stopped lossless

# (2) flight recorder + range + events + page hashes
mkdir -p flight/ckpt
rc=0
kmemrec --flight-recorder 256K --range "$R-$RE" --events vma,pte,cow --capture-pages cow:hash \
	-o flight/trace.kmr -- kmrt-faultbench -v -C "$PWD/flight/ckpt" $FB \
	>flight/target.out 2>flight/kmemrec.err || rc=$?
cat flight/kmemrec.err
assert_eq "$rc" 0 "kmemrec's exit status (flight)"
assert_file flight/trace.kmr
assert_grep 'written on: the target exited' flight/kmemrec.err "the flight file's trigger"
assert_grep ' 0 lost; ' flight/kmemrec.err "nothing lost (flight)"

# (3) lossless + flight recorder + range
LL_REC_ARGS="--flight-recorder 256K --range $R-$RE"
ll_start both $FB
stopped both
assert_file both/trace.kmr
assert_grep 'written on: the target exited' both/kmemrec.err "the flight file's trigger (both)"
echo "combos ok"
