# shellcheck shell=sh
# Helpers of kmemfetch's guest cases (tests/guest/cases/fetch_*.sh),
# installed as /kmr/lib/fetch.sh.  busybox ash.

# fk_start OUT CMD [ARGS...]: start a target in the background, its output
# in OUT; wait until it printed a line.  Sets FK_PID.
fk_start() {
	_out=$1
	shift
	"$@" >"$_out" 2>&1 &
	FK_PID=$!
	fk_wait_line "$_out" '.' 20 || kmr_fail "$1 printed nothing in 20 s"
}

# fk_wait_line FILE ERE [SECONDS]: kmr_wait_line (kmr.sh).
fk_wait_line() { kmr_wait_line "$@"; }

# fk_stop PID: kill a target started with fk_start and reap it.
fk_stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# fk_hex STRING: the bytes of STRING as hex pairs.
fk_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# fk_same_as_pvr PID ADDR LEN FILE: FILE holds exactly the LEN bytes
# process_vm_readv reads at ADDR (hex) in PID.
fk_same_as_pvr() {
	fetch_check pvr "$1" "$2" "$3" >"$4.pvr" || kmr_fail "process_vm_readv of $2+$3 failed"
	cmp "$4" "$4.pvr" || kmr_fail "$4: differs from process_vm_readv of $1 at $2 (+$3)"
}

# fk_expect_line OUTPUT ERE WHAT: one helper line must match exactly.
fk_expect() {
	printf '%s\n' "$1" | grep -Eq -- "^$2\$" || kmr_fail "$3: got '$1', want /^$2\$/"
}

# fk_fails_with ERE CMD...: CMD must exit 1 (an error) and say ERE on
# stderr.  fk_usage_fails ERE CMD...: the same with exit 2 (bad command line).
fk_fails_with() { fk_exits 1 "$@"; }
fk_usage_fails() { fk_exits 2 "$@"; }
fk_exits() {
	_want=$1 _re=$2
	shift 2
	_rc=0
	"$@" >fk.out 2>fk.err || _rc=$?
	[ "$_rc" = "$_want" ] || { cat fk.out fk.err; kmr_fail "$* exited $_rc, want $_want"; }
	grep -Eq -- "$_re" fk.err || { cat fk.err; kmr_fail "$*: stderr lacks /$_re/"; }
}

# fk_region OUT NAME: "START END" of a target's "region NAME START END" line.
fk_region() {
	_r=$(awk -v n="$2" '$1 == "region" && $2 == n { print $3, $4; exit }' "$1")
	[ -n "$_r" ] || kmr_fail "no region '$2' in $1"
	echo "$_r"
}

# fk_field LINE KEY: the value of KEY=value in a helper output line.
fk_field() { printf '%s\n' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p; s/^$2=\([^ ]*\).*/\1/p" | head -1; }

# fk_hexat ADDR PID LEN: bytes at ADDR as hex, read with process_vm_readv.
fk_pvr_hex() { fetch_check pvr "$1" "$2" "$3" | od -An -v -tx1 | tr -d ' \n'; }

# fk_end_target PID: SIGTERM a --hold target and wait; it must exit 0.
fk_release() {
	kill -TERM "$1"
	_rc=0
	wait "$1" || _rc=$?
	[ "$_rc" = 0 ] || kmr_fail "target $1 exited $_rc after --hold"
}
