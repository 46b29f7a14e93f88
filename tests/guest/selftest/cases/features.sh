# Harness self-test: what every case may rely on.  Must PASS.
# kmr-timeout: 120

# Environment and kernel filesystems.
assert_eq "$(uname -r)" "$KMR_KREL" "uname -r"
assert_match "$KMR_KERNEL" '^6\.(1|12)$' "KMR_KERNEL"
assert_eq "$(pwd)" "$KMR_OUT" "cwd"
assert_eq "$(cat /proc/sys/kernel/pid_max >/dev/null && echo y)" y "procfs"
for fs in proc sysfs devtmpfs debugfs tracefs; do
	grep -q " $fs " /proc/mounts || kmr_fail "$fs not mounted"
done
assert_ok grep -q '^exceptions:page_fault_user$' /sys/kernel/tracing/available_events
assert_ok test -e /proc/self/pagemap

# Files from the host: --files DIR and --file HOST:GUEST (see selftest.sh).
assert_eq "$(cat /kmr/files/hello.txt)" "hello from the host" "--files"
assert_eq "$(cat /kmr/data/renamed.txt)" "hello from the host" "--file HOST:GUEST"
assert_eq "$(hello-static)" "hello static" "static binary on PATH"
assert_eq "$(/kmr/files/bin/hello-dynamic)" "hello dynamic" "dynamic binary with its libs"

# Helpers behave (each failing form runs in a subshell so this case goes on).
( assert_eq a b "x" ) >/dev/null && kmr_fail "assert_eq a b passed"
( assert_ge 3 4 ) >/dev/null && kmr_fail "assert_ge 3 4 passed"
( assert_match abc '^b' ) >/dev/null && kmr_fail "assert_match passed"
( assert_ok false ) >/dev/null && kmr_fail "assert_ok false passed"
( assert_fails true ) >/dev/null && kmr_fail "assert_fails true passed"
rm -f .kmr-reason
assert_ge 4 4

# Files left in $KMR_OUT come back to the host (checked by features.host.sh).
echo "guest wrote this on $KMR_KERNEL" >note.txt
mkdir -p sub/dir
head -c 100000 /dev/urandom >sub/dir/random.bin
md5sum sub/dir/random.bin | cut -d' ' -f1 >random.md5

# THP stays enabled at the default -m 1024 (off below 512 MiB, docs/kernel-hooks.md §0).
assert_grep '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled "THP"
