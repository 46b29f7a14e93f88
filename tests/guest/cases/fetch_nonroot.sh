# Permission: a non-root caller (uid 65534) cannot open the root-only
# device; with the device opened up (mode 0666), the module's own
# ptrace-attach check still refuses another user's process (EPERM) for
# every access path, and allows the caller's own process.
# kmr-bin: kmemfetch fetch_check kmrt-strlit
# kmr-timeout: 120

. /kmr/lib/fetch.sh
trap 'chmod 0600 /dev/kmemrec' EXIT
nobody() { fetch_check as-uid 65534 "$@"; }

fk_start root.out kmrt-strlit -i 50
pid=$FK_PID
addr=$(sed -n 's/.* addr=\(0x[0-9a-f]*\) .*/\1/p' root.out | head -1)
assert_eq "$(stat -c %a /dev/kmemrec)" 600 "device mode"
fk_fails_with "permission denied opening /dev/kmemrec" nobody kmemfetch read "$pid" "$addr" 16

chmod 0666 /dev/kmemrec
msg="permission denied: not allowed to access the memory of process $pid"
fk_fails_with "$msg" nobody kmemfetch read "$pid" "$addr" 16
fk_fails_with "$msg" nobody kmemfetch read --walk-only "$pid" "$addr" 16
fk_fails_with "$msg" nobody kmemfetch write --force "$pid" "$addr" 4142
fk_fails_with "$msg" nobody kmemfetch walk "$pid" "$addr"
fk_fails_with "permission denied: not allowed to trace process $pid" nobody kmemfetch read --pread "$pid" "$addr" 16
fk_expect "$(nobody fetch_check mem "$pid" gup r "$addr" 16)" "err=EPERM" "gup read as nobody"
fk_expect "$(nobody fetch_check mem "$pid" walk r "$addr" 16)" "err=EPERM" "walk read as nobody"
fk_expect "$(nobody fetch_check mem "$pid" gup wf "$addr" 2 4142)" "err=EPERM" "forced write as nobody"
fk_expect "$(nobody fetch_check walk "$pid" "$addr")" "err=EPERM" "walk as nobody"
rc=0
nobody fetch_check pread "$pid" "$addr" 16 >pread.out 2>&1 || rc=$?
assert_eq "$rc" 1 "pread attach as nobody"
assert_grep "attach $pid: EPERM" pread.out
kmemfetch read --raw "$pid" "$addr" 28 >lit.bin
assert_eq "$(cat lit.bin)" "Hello from a string literal!" "root process unchanged"

# The caller's own process: allowed.
fetch_check as-uid 65534 kmrt-strlit -i 50 >own.out 2>&1 &
own=$!
fk_wait_line own.out addr= 10 || kmr_fail "kmrt-strlit as nobody did not start"
oaddr=$(sed -n 's/.* addr=\(0x[0-9a-f]*\) .*/\1/p' own.out | head -1)
assert_eq "$(stat -c %u /proc/$own)" 65534 "owner of the second target"
nobody kmemfetch read --raw "$own" "$oaddr" 28 >own.bin
assert_eq "$(cat own.bin)" "Hello from a string literal!" "own process read as nobody"
fk_expect "$(nobody fetch_check mem "$own" walk r "$oaddr" 28)" "done=28 pvr=same" "own walk read"
printf 'Changed by its own user!!!!!' >new.txt
nobody kmemfetch write --force "$own" "$oaddr" @new.txt >w.out
fk_wait_line own.out 'text="Changed by its own user!!!!!"' 10 || kmr_fail "own forced write not seen"
fk_stop "$own"
fk_stop "$pid"
