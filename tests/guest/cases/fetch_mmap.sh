# kmemfetch on kmrt-mmap's regions (anonymous written, zero page, private
# file read-only, shared file, shared anonymous, MAP_POPULATE), held alive
# with --hold: a full-page walk-mode fetch returns 4096 bytes and one that
# starts inside a page stops at its end; GUP and pread read whole regions;
# walk mode writes only through writable entries (anon, shared), refuses the
# zero page and the read-only file mapping, which GUP (forced for the
# latter) CoWs; a shared-file write reaches the page cache; a page not
# present fails in walk mode until GUP faults it in.  Every read equals
# process_vm_readv, every walk /proc/PID/pagemap.
# kmr-bin: kmemfetch fetch_check kmrt-mmap
# kmr-timeout: 200

. /kmr/lib/fetch.sh
fk_start mmap.out kmrt-mmap -v --hold -n 16
fk_wait_line mmap.out '^hold ' 20 || kmr_fail "kmrt-mmap did not reach --hold"
pid=$FK_PID

# kmrt-mmap unmapped the middle half of "anon" (pages 4..11) before holding:
# whole-region reads there stop at that hole after 4 pages.
for r in anon zero file-private file-shared anon-shared populated; do
	set -- $(fk_region mmap.out "$r")
	s=$1 e=$2 n=$(($2 - $1)) readable=$(($2 - $1)) pages="0 3 7 12 15"
	assert_eq "$n" 65536 "$r size"
	[ "$r" = anon ] && readable=16384 pages="0 3 12 15"
	fk_expect "$(fetch_check mem "$pid" walk r "$s" 4096)" "done=4096 pvr=same" "$r: walk read of a full page"
	mid=$(printf '0x%x' $((s + 4096 * 3 + 100)))
	fk_expect "$(fetch_check mem "$pid" walk r "$mid" 4096)" "done=3996 pvr=same" "$r: walk read stops at the page end"
	fk_expect "$(fetch_check mem "$pid" gup r "$s" "$n")" "done=$readable pvr=same" "$r: one GUP call for the region"
	fk_expect "$(fetch_check pread "$pid" "$s" "$n")" "done=$readable pvr=same" "$r: pread of the region"
	kmemfetch read --raw "$pid" "$s" "$n" >"$r.bin" 2>"$r.err"
	assert_eq "$(stat -c %s "$r.bin")" "$readable" "$r: bytes kmemfetch read"
	fk_same_as_pvr "$pid" "$s" "$readable" "$r.bin"
	kmemfetch read --walk-only --raw "$pid" "$s" "$n" >"$r-walk.bin" 2>"$r-walk.err"
	cmp "$r.bin" "$r-walk.bin" || kmr_fail "$r: walk-only read differs"
	for p in $pages; do
		w=$(fetch_check walk "$pid" "$(printf '0x%x' $((s + 4096 * p + 8)))")
		fk_expect "$w" "stop=pte leaf=1 size=4096 .* pagemap=match" "$r: walk of page $p"
	done
	eval "s_$(echo "$r" | tr - _)=$s"
done
# The hole in "anon": reads stop there and say so; no VMA maps it, so the
# walk reads no page table there (stop=none: they may be being freed).
assert_grep "note: read 16384 of 65536 bytes; stopped at $(printf '0x%x' $((s_anon + 16384)))" anon.err
fk_expect "$(fetch_check walk "$pid" "$(printf '0x%x' $((s_anon + 4096 * 7)))")" \
	"stop=none leaf=0 .* pagemap=match" "walk inside the hole"
fk_expect "$(fetch_check mem "$pid" gup r "$(printf '0x%x' $((s_anon + 4096 * 7)))" 16)" "err=EFAULT" "gup read inside the hole"
kmemfetch walk "$pid" "$s_anon" "$s_zero" "$s_file_private" "$s_file_shared" >walk.txt
cat walk.txt
assert_eq "$(grep -c 'pte$' walk.txt)" 4 "kmemfetch walk rows that reached a PTE"

flags() { fk_field "$(fetch_check walk "$pid" "$1")" flags; }
pfn() { fk_field "$(fetch_check walk "$pid" "$1")" pfn; }
# The zero region maps the shared zero page everywhere, read-only.
z=$(flags "$s_zero")
[ $((z & 0x40)) != 0 ] && [ $((z & 0x2)) = 0 ] || kmr_fail "zero region flags $z"
assert_eq "$(pfn "$(printf '0x%x' $((s_zero + 4096 * 9)))")" "$(pfn "$s_zero")" "zero pages share one pfn"

# Walk-mode writes: only through writable entries.
a=$(printf '0x%x' $((s_anon + 8)))
fk_expect "$(fetch_check mem "$pid" walk w "$a" 4 4b4d4601)" "done=4" "walk write into anon"
assert_eq "$(fk_pvr_hex "$pid" "$a" 4)" 4b4d4601 "anon bytes after the walk write"
zz=$(printf '0x%x' $((s_zero + 4096 + 8)))
fk_expect "$(fetch_check mem "$pid" walk w "$zz" 4 4b4d4602)" "err=EFAULT" "walk write into the zero page"
zpfn=$(pfn "$zz")
fk_expect "$(fetch_check mem "$pid" gup w "$zz" 4 4b4d4602)" "done=4" "gup write into the zero page"
assert_eq "$(fk_pvr_hex "$pid" "$zz" 4)" 4b4d4602 "zero-region bytes after the gup write"
z=$(flags "$zz")
[ $((z & 0x40)) = 0 ] && [ $((z & 0x20)) != 0 ] || kmr_fail "page after zero-page CoW: flags $z"
assert_ne "$(pfn "$zz")" "$zpfn" "pfn after the zero-page CoW"
fp=$(printf '0x%x' $((s_file_private + 4096 * 2)))
fk_expect "$(fetch_check mem "$pid" walk w "$fp" 2 4b4d)" "err=EFAULT" "walk write into read-only file-private"
fk_expect "$(fetch_check mem "$pid" gup w "$fp" 2 4b4d)" "err=EFAULT" "gup write into read-only file-private"
fk_expect "$(fetch_check mem "$pid" gup wf "$fp" 2 4b4d)" "done=2" "forced write into file-private"
assert_eq "$(fk_pvr_hex "$pid" "$fp" 3)" 4b4d63 "file-private bytes after the forced write ('c' page)"
f=$(flags "$fp")
[ $((f & 0x20)) != 0 ] || kmr_fail "file-private page not anonymous after the forced write ($f)"
# A shared file page: the write lands in the page cache (the file shows it).
fs=$(printf '0x%x' $((s_file_shared + 4096 * 5 + 16)))
fk_expect "$(fetch_check mem "$pid" walk w "$fs" 4 4b4d4603)" "done=4" "walk write into file-shared"
file=/tmp/kmrt-mmap-$pid.dat
assert_eq "$(dd if="$file" bs=1 skip=$((4096 * 5 + 16)) count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
	4b4d4603 "backing file after the shared write"
as=$(printf '0x%x' $((s_anon_shared + 4096 * 15 + 4092)))
fk_expect "$(fetch_check mem "$pid" walk w "$as" 8 0102030405060708)" "done=4" "walk write stops at the page end"
fk_expect "$(fetch_check mem "$pid" gup w "$as" 8 0102030405060708)" "done=8" "gup write across the page end"
fk_expect "$(fetch_check pwrite "$pid" "$(printf '0x%x' $((s_populated + 4000)))" 0a0b0c0d0e0f)" "done=6" "pwrite"
assert_eq "$(fk_pvr_hex "$pid" "$(printf '0x%x' $((s_populated + 4000)))" 6)" 0a0b0c0d0e0f "bytes after pwrite"

# A page not present: the lowest page of [stack].
st=$(printf '0x%x' "0x$(awk '/\[stack\]/ { split($1, r, "-"); print r[1] }' "/proc/$pid/maps")")
assert_eq "$(fetch_check pfn "$pid" "$st")" none "lowest [stack] page present"
# The walk stops at the PTE when the page's PTE table exists, which it must
# when a page in the same 2 MiB is present; else (a stack VMA reaching
# below a 2 MiB boundary) the walk may stop at any empty level above.
se=$(printf '0x%x' "0x$(awk '/\[stack\]/ { split($1, r, "-"); print r[2] }' "/proc/$pid/maps")")
lvl='(pte|pmd|pud|p4d)'
p=$st
while [ $((p)) -lt $((se)) ] && [ $((p >> 21)) = $((st >> 21)) ]; do
	[ "$(fetch_check pfn "$pid" "$p")" = none ] || { lvl=pte; break; }
	p=$(printf '0x%x' $((p + 4096)))
done
fk_expect "$(fetch_check walk "$pid" "$st")" "stop=$lvl leaf=0 .* pagemap=match" "walk of a page not present"
fk_expect "$(fetch_check mem "$pid" walk r "$st" 64)" "err=EFAULT" "walk read of a page not present"
fk_fails_with "not present in its page tables" kmemfetch read --walk-only "$pid" '[stack]' 64
fk_expect "$(fetch_check mem "$pid" gup r "$st" 64)" "done=64 pvr=same" "gup read faults it in"
fk_expect "$(fetch_check mem "$pid" walk r "$st" 64)" "done=64 pvr=same" "walk read once present"

fk_release "$pid"
