# kmemfetch's module side refuses every bad request with the documented
# errno and changes nothing (tests/guest/progs/fetch_check.c "errors" and
# "page" list the cases), and the kmemfetch CLI explains each failure.
# kmr-bin: kmemfetch fetch_check kmrt-strlit
# kmr-timeout: 120

. /kmr/lib/fetch.sh
fk_start strlit.out kmrt-strlit -i 50
pid=$FK_PID
addr=$(sed -n 's/.* addr=\(0x[0-9a-f]*\) .*/\1/p' strlit.out | head -1)

fetch_check errors "$pid" "$addr" >errors.txt || { cat errors.txt; kmr_fail "error cases: $(grep -c ^FAIL errors.txt) failed"; }
cat errors.txt
fetch_check page "$pid" "$addr" >page.txt || { cat page.txt; kmr_fail "KMR_IOC_PAGE cases failed"; }
cat page.txt

# The CLI: errors a user understands, exit 1 (2 for a bad command line).
gone=$(sh -c 'echo $$')
fk_fails_with "no such process: $gone" kmemfetch read "$gone" 0x1000 16
fk_fails_with "no such process: 2 \(or it has no user memory: a kernel thread" kmemfetch walk 2 0x1000
fk_fails_with "cannot read 0x1000 in process $pid: address not mapped" kmemfetch read "$pid" 0x1000 16
fk_fails_with "cannot read 0x1000 in process $pid: not present in its page tables" \
	kmemfetch read --walk-only "$pid" 0x1000 16
fk_fails_with "0x100000000000000 is not a user address" kmemfetch walk "$pid" 0x100000000000000
fk_usage_fails "no mapping named \[nosuch\] in process $pid" kmemfetch read "$pid" '[nosuch]' 16
fk_usage_fails "no mapped file named 'libnosuch'" kmemfetch read "$pid" libnosuch+0x10 16
fk_usage_fails "length must not be zero" kmemfetch read "$pid" "$addr" 0
fk_usage_fails "bad hex data '4g'" kmemfetch write "$pid" "$addr" 4g
fk_usage_fails "bad pid 'x1'" kmemfetch walk x1 "$addr"
fk_usage_fails "unknown subcommand .frobnicate." kmemfetch frobnicate

# A read that runs into a hole stops there and says so (exit 0): the last
# 16 bytes of the first readable mapping that has a gap after it.
from="" hole=""
prev_end="" prev_ok=""
while read -r range perms _ _ _ name; do
	s=$((0x${range%-*}))
	e=$((0x${range#*-}))
	if [ -n "$prev_ok" ] && [ "$s" != "$prev_end" ]; then
		hole=$(printf '0x%x' "$prev_end")
		from=$(printf '0x%x' $((prev_end - 16)))
		break
	fi
	prev_end=$e
	prev_ok=""
	case $perms$name in r*\[v*) ;; r*) prev_ok=1 ;; esac
done <"/proc/$pid/maps"
[ -n "$from" ] || kmr_fail "no readable mapping followed by a gap in /proc/$pid/maps"
kmemfetch read --raw "$pid" "$from" 64 >hole.bin 2>hole.err
assert_eq "$(stat -c %s hole.bin)" 16 "bytes read before the hole at $hole"
assert_grep "note: read 16 of 64 bytes; stopped at $hole" hole.err
fk_same_as_pvr "$pid" "$from" 16 hole.bin
kmemfetch read --walk-only --raw "$pid" "$from" 64 >hole-walk.bin 2>hole-walk.err
assert_eq "$(stat -c %s hole-walk.bin)" 16 "walk-only bytes read before the hole"
fk_expect "$(fetch_check mem "$pid" gup r "$from" 64)" "done=16 pvr=same" "one GUP call across the hole"

# Module not loaded: the message says how to load it.
kmr_rmmod kmemrec
fk_fails_with "insmod kernel/kmemrec.ko" kmemfetch read "$pid" "$addr" 16
kmr_insmod kmemrec
fk_stop "$pid"
