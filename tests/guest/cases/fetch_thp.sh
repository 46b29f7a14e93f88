# kmemfetch on a transparent huge page (kmrt-thp held after its writes):
# the walk stops at the PMD with a 2 MiB leaf whose pfn for each 4 KiB
# subpage equals /proc/PID/pagemap's; walk mode stays inside the 4 KiB
# page that holds the address (it does not copy to the end of the 2 MiB
# leaf); GUP reads across huge pages.  Every read equals process_vm_readv.
# kmr-bin: kmemfetch fetch_check kmrt-thp
# kmr-timeout: 120

. /kmr/lib/fetch.sh
echo always >/sys/kernel/mm/transparent_hugepage/enabled
fk_start thp.out kmrt-thp -v --hold -n 4
fk_wait_line thp.out '^hold ' 20 || kmr_fail "kmrt-thp did not reach --hold"
pid=$FK_PID
huge=$(awk '$1 == "expect" && $2 == "thp" { print $4 }' thp.out)
assert_ge "${huge:-0}" 1 "huge pages the kernel made (AnonHugePages)"
set -- $(fk_region thp.out region)
s=$1 n=$(($2 - $1))

w=$(fetch_check walk "$pid" "$s")
fk_expect "$w" "stop=pmd leaf=1 size=2097152 .* pagemap=match" "walk of a huge page"
base=$(fk_field "$w" pfn)
for k in 1 255 511; do
	a=$(printf '0x%x' $((s + 4096 * k + 123)))
	w=$(fetch_check walk "$pid" "$a")
	fk_expect "$w" "stop=pmd leaf=1 size=2097152 .* pagemap=match" "walk of subpage $k"
	assert_eq "$(fk_field "$w" pfn)" "$(printf '0x%x' $((base + k)))" "pfn of subpage $k"
done
kmemfetch walk "$pid" "$s" >walk.txt
assert_grep "pmd: 2M leaf$" walk.txt

a=$(printf '0x%x' $((s + 4096 * 5 + 10)))
fk_expect "$(fetch_check mem "$pid" walk r "$a" 8192)" "done=4086 pvr=same" "walk read inside a huge page stops at 4 KiB"
fk_expect "$(fetch_check mem "$pid" walk w "$a" 4 f00dfeed)" "done=4" "walk write into a huge page"
assert_eq "$(fk_pvr_hex "$pid" "$a" 4)" f00dfeed "bytes after the walk write"
# One KMR_IOC_MEM call reads at most 1024 pages (4 MiB); pread loops.
fk_expect "$(fetch_check mem "$pid" gup r "$s" "$n")" "done=4194304 pvr=same" "one gup call: capped at 1024 pages"
fk_expect "$(fetch_check pread "$pid" "$s" "$n")" "done=$n pvr=same" "pread of all huge pages"
kmemfetch read --walk-only --raw "$pid" "$s" 65536 >walk.bin
fk_same_as_pvr "$pid" "$s" 65536 walk.bin
fk_release "$pid"
