# Recorders and targets killed at random moments (issue 9; host half:
# .host.sh).  100 cycles on 2 vCPUs: kmemrec attaches to (or launches)
# kmrt-faultbench, then SIGINT, SIGTERM or SIGKILL goes to the recorder
# and/or SIGKILL to the target, at moments spread over the recorder's
# start-up (measured first, so most kills land before, during or just after
# START's snapshot).  Here: no cycle may abort (exit 134, "terminate
# called": the start thread left joinable when the target died during START
# and a SIGINT came) or hang (the recorder must end within 30 s of its
# signal or its target's death), and no session may be left (the module
# unloads).  The host checks every file left: after SIGINT/SIGTERM a
# finished trace or none; after SIGKILL a readable (maybe cut short) trace,
# or a file kmemreplay names as "the recorder stopped before writing
# anything".  The harness fails the case on any kernel warning.
# cycles.tsv: n, mode, signal, target killed, delays (ms), exit status,
# trace bytes (- = no file), the recorder's first stderr line.
# kmr-bin: kmemrec kmrt-faultbench
# kmr-smp: 2
# kmr-tier: stress
# kmr-timeout: 1200

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"
cycles=100
bad=0
: >cycles.tsv
mkdir -p traces

msleep() { usleep $(($1 * 1000)); }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# The launched target is kmemrec's child (exec'ed once START worked).
child_of() { awk '{ print $1 }' /proc/"$1"/task/"$1"/children 2>/dev/null || true; }
target_cmd="kmrt-faultbench -s 8M -k 1000"

# How long from exec to "recording" (START returned) on this guest: the
# kill delays are spread over twice that.
startup=0
for _ in 1 2 3; do
	t0=$(now_ms)
	kmemrec -o cal.kmr -- $target_cmd >/dev/null 2>cal.err &
	rec=$!
	i=0
	until grep -q "kmemrec: recording pid" cal.err || [ $i -ge 1000 ]; do
		msleep 10
		i=$((i + 1))
	done
	t=$(($(now_ms) - t0))
	kill -INT "$rec" 2>/dev/null || true
	wait "$rec" || true
	grep -q "kmemrec: recording pid" cal.err || kmr_fail "calibration: no recording: $(head -n1 cal.err)"
	[ "$t" -le "$startup" ] || startup=$t
done
# A loaded machine stretches the start-up, not what can go wrong: at most 4 s.
span=$((startup * 2 + 1))
[ "$span" -le 4000 ] || span=4000
kmr_note "kmemrec records ${startup} ms after its exec: kills spread over ${span} ms"
rm -f cal.kmr cal.err
began=$(now_ms)

for n in $(seq "$cycles"); do
	mode=attach
	[ $((RANDOM % 2)) = 0 ] && mode=launch
	case $((RANDOM % 4)) in
	0) sig=INT ;;
	1) sig=TERM ;;
	2) sig=KILL ;;
	*) sig=none ;;  # only the target dies
	esac
	kill_target=$((RANDOM % 2))
	[ "$sig" = none ] && kill_target=1
	d1=$((RANDOM % span)) d2=$((RANDOM % (span / 4 + 1)))
	out=traces/c$n.kmr

	target=
	if [ $mode = attach ]; then
		$target_cmd >/dev/null 2>&1 &
		target=$!
		msleep $((RANDOM % 100))
		kmemrec "$target" -q -o "$out" 2>rec.err &
		rec=$!
	else
		kmemrec -q -o "$out" -- $target_cmd >/dev/null 2>rec.err &
		rec=$!
	fi
	msleep "$d1"
	[ -n "$target" ] || target=$(child_of "$rec")
	# Target first or recorder first, d2 ms apart.
	if [ $((RANDOM % 2)) = 0 ]; then
		[ "$kill_target" = 0 ] || [ -z "$target" ] || kill -KILL "$target" 2>/dev/null || true
		msleep "$d2"
		[ "$sig" = none ] || kill -"$sig" "$rec" 2>/dev/null || true
	else
		[ "$sig" = none ] || kill -"$sig" "$rec" 2>/dev/null || true
		msleep "$d2"
		[ "$kill_target" = 0 ] || [ -z "$target" ] || kill -KILL "$target" 2>/dev/null || true
	fi
	why=
	i=0
	while kill -0 "$rec" 2>/dev/null && [ $i -lt 300 ]; do
		msleep 100
		i=$((i + 1))
	done
	if kill -0 "$rec" 2>/dev/null; then
		why="hang: the recorder had not ended 30 s after SIG$sig / its target's death"
		kill -KILL "$rec" 2>/dev/null || true
	fi
	rc=0
	wait "$rec" || rc=$?
	if [ -n "$target" ]; then
		kill -KILL "$target" 2>/dev/null || true
		wait "$target" 2>/dev/null || true
	fi

	grep -q "terminate called" rec.err && why="aborted: $(head -n1 rec.err)"
	[ "$rc" = 134 ] && why="exit 134 (abort): $(head -n1 rec.err)"
	size=-
	[ -e "$out" ] && size=$(wc -c <"$out")
	msg=$(head -n1 rec.err | tr '\t' ' ')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$mode" "$sig" "$kill_target" \
		"$d1" "$d2" "$rc" "$size" "$msg" >>cycles.tsv
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		kmr_note "cycle $n ($mode, SIG$sig, target killed: $kill_target, ${d1}+${d2} ms): $why"
	fi
done
rm -f rec.err

# No session is left: the module unloads (and loads again for the cases after).
kmr_rmmod kmemrec || kmr_fail "kmemrec does not unload after $cycles kill cycles"
kmr_insmod kmemrec
kmr_note "$cycles cycles in $((($(now_ms) - began) / 1000)) s"
kmr_note "signal:exit counts: $(awk -F'\t' '{ n[$3 ":" $7]++ } END { for (k in n) printf "%s=%d ", k, n[k] }' cycles.tsv)"
[ "$bad" = 0 ] || kmr_fail "$bad of $cycles cycles aborted or hung (see the notes and cycles.tsv)"
