# Errors a user understands: every one is one line "kmemrec: error: ...",
# exit status 1 (2 for a bad command line), and no trace file is left.
# kmr-bin: kmemrec kmrt-strlit
# kmr-timeout: 120

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"

# expect_error <status> <regex> <command...>
expect_error() {
	want=$1 re=$2
	shift 2
	rc=0
	"$@" >err.out 2>&1 || rc=$?
	cat err.out
	assert_eq "$rc" "$want" "exit status of: $*"
	grep -Eq -- "$re" err.out || kmr_fail "'$*' said '$(head -n1 err.out)', expected /$re/"
}

expect_error 1 "kmemrec: error: no such process: 999999" kmemrec 999999 -o x.kmr
[ ! -e x.kmr ] || kmr_fail "a failed run left x.kmr behind"
expect_error 1 "kmemrec: error: cannot write the trace to /nonexistent/x.kmr" \
	kmemrec 1 -o /nonexistent/x.kmr
expect_error 1 "kmemrec: error: cannot run 'no-such-prog': not found in PATH" \
	kmemrec -o x.kmr -- no-such-prog
expect_error 2 "kmemrec: error: bad pid 'abc'" kmemrec abc -o x.kmr
expect_error 2 "buffer-size must be a power of two" kmemrec 1 -o x.kmr --buffer-size 3M
# Not root: the device is 0600 (the output directory is writable for them).
mkdir -p /tmp/user
chmod 1777 /tmp/user
grep -q '^kmruser:' /etc/passwd || echo 'kmruser:x:1000:1000::/tmp/user:/bin/sh' >>/etc/passwd
expect_error 1 "permission denied opening /dev/kmemrec" \
	su kmruser -c "$(command -v kmemrec) 1 -o /tmp/user/x.kmr"
# The module not loaded: say how to load it.  (Loaded again afterwards.)
kmr_rmmod kmemrec
expect_error 1 "the kmemrec module is not loaded: load it with" kmemrec 1 -o x.kmr
kmr_insmod kmemrec
[ ! -e x.kmr ] || kmr_fail "a failed run left x.kmr behind"
