# The SIGNAL record (ABI 2): the module reports a signal whose default action
# ends the target as the target takes it (one that dumps core), before the
# core dump and the exit; never a caught signal, nor SIGTERM or SIGKILL (the
# kernel makes those a group exit as they are sent: EXIT says them).  Three
# recordings of kmrt-crash:
#   quit.kmr   held at its start (-H): SIGUSR1 is caught by its handler (no
#              record), then `kill -SEGV` while it waits in pause(): SIGNAL
#              11, si_code SI_USER, no address, core dump action, then EXIT
#              (not SIGQUIT: a shell's background job ignores it)
#   abort.kmr  abort(): SIGNAL 6 (SI_TKILL), core dump action, then EXIT
#   term.kmr   SIGTERM: EXIT only
# The host half (.host.sh) checks each trace's signal and exit events and
# that the SIGNAL's tid is the target's pid (it is single-threaded).
# kmr-bin: kmemrec kmrt-crash
# kmr-timeout: 300

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"

# wait_line FILE ERE: the target printed it (30 s, scaled)
wait_line() {
	kmr_wait_line "$1" "$2" 30 || kmr_fail "never saw '$2' in $1: $(cat "$1")"
}

# target_pid FILE: the pid kmemrec's "recording pid N" line names
target_pid() {
	wait_line "$1" '^kmemrec: recording pid'
	sed -n 's/^kmemrec: recording pid \([0-9]*\).*/\1/p' "$1"
}

# quit: a caught SIGUSR1, then a SIGSEGV sent by kill
kmemrec -o quit.kmr -- kmrt-crash -v -H --rounds 1 --size 64K --end wait \
	>quit.out 2>quit.err &
rec=$!
wait_line quit.out '^hold start'
pid=$(target_pid quit.err)
kill -USR1 "$pid"
wait_line quit.out 'rounds done'
sleep 0.5
kill -SEGV "$pid"
rc=0
wait "$rec" || rc=$?
cat quit.err
assert_eq "$rc" 0 "kmemrec's exit status (kill -SEGV)"
assert_grep 'killed by SIGSEGV' quit.err "the summary's end of the target"
echo "quit_pid=$pid" >signal.env

# abort
rc=0
kmemrec -o abort.kmr -- kmrt-crash -v --rounds 1 --size 64K --end abort >abort.out 2>abort.err || rc=$?
cat abort.err
assert_eq "$rc" 0 "kmemrec's exit status (abort)"
assert_grep 'killed by SIGABRT' abort.err "the summary's end of the target"
echo "abort_pid=$(sed -n 's/^kmemrec: recording pid \([0-9]*\).*/\1/p' abort.err)" >>signal.env

# SIGTERM
kmemrec -o term.kmr -- kmrt-crash -v --rounds 1 --size 64K --end wait >term.out 2>term.err &
rec=$!
wait_line term.out 'rounds done'
pid=$(target_pid term.err)
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$rec" || rc=$?
cat term.err
assert_eq "$rc" 0 "kmemrec's exit status (SIGTERM)"
assert_grep 'killed by SIGTERM' term.err "the summary's end of the target"
echo "signal_record ok"
