# kmemfetch on kmrt-malloc held after its large block is allocated: the
# block starts 16 bytes into a page (malloc's header), so a full-page walk
# fetch from it stops at the page end, unlike the page-aligned mmap regions
# (fetch_mmap); GUP reads the whole block; [heap] by name; the small blocks'
# fill bytes.  Every read equals process_vm_readv.
# kmr-bin: kmemfetch fetch_check kmrt-malloc
# kmr-timeout: 120

. /kmr/lib/fetch.sh
fk_start malloc.out kmrt-malloc -v --hold
fk_wait_line malloc.out '^hold ' 20 || kmr_fail "kmrt-malloc did not reach --hold"
pid=$FK_PID
set -- $(fk_region malloc.out large)
s=$1 n=$(($2 - $1))
assert_eq "$n" 1048576 "large block size"
in_page=$((s & 4095))
[ "$in_page" != 0 ] || kmr_fail "large block is page aligned ($s): expected malloc's header before it"
fk_expect "$(fetch_check mem "$pid" walk r "$s" 4096)" "done=$((4096 - in_page)) pvr=same" "walk fetch from the block start"
fk_expect "$(fetch_check mem "$pid" walk r "$(printf '0x%x' $((s - in_page + 4096)))" 4096)" "done=4096 pvr=same" "walk fetch of the block's second page"
fk_expect "$(fetch_check mem "$pid" gup r "$s" "$n")" "done=$n pvr=same" "gup read of the block"
kmemfetch read --raw "$pid" "$s" "$n" >large.bin
fk_same_as_pvr "$pid" "$s" "$n" large.bin
assert_eq "$(od -An -v -tx1 large.bin | tr -s ' \n' '\n\n' | grep -v '^$' | sort -u)" 5a "large block bytes"
kmemfetch read "$pid" "$s" 32 >large.hex
cat large.hex
assert_eq "$(head -1 large.hex | cut -c1-14)" "$(printf '%012x: ' $((s & ~15)))" "hexdump's first line address"
assert_eq "$(cut -c56- large.hex | tr -d ' \n')" ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ "hexdump ASCII of 32 x 0x5a"

# The heap by name, and the last small block (filled with byte 4095 & 0xff).
heap=$(printf '0x%x' "0x$(awk '/\[heap\]/ { split($1, r, "-"); print r[1] }' "/proc/$pid/maps")")
kmemfetch read --raw "$pid" '[heap]' 4096 >heap.bin
fk_same_as_pvr "$pid" "$heap" 4096 heap.bin
fk_expect "$(fetch_check mem "$pid" walk r "$heap" 4096)" "done=4096 pvr=same" "walk fetch of the heap's first page"
last=$(sed -n 's/.*small blocks 0x[0-9a-f]* \.\. \(0x[0-9a-f]*\),.*/\1/p' malloc.out)
assert_match "$last" '^0x' "last small block"
assert_eq "$(kmemfetch read --raw "$pid" "$last" 256 | od -An -v -tx1 | tr -s ' \n' '\n\n' | grep -v '^$' | sort -u)" ff "last small block bytes"
fk_release "$pid"
