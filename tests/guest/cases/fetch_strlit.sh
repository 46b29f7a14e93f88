# kmemfetch on kmrt-strlit: the string literal lives in a read-only private
# file mapping.  Walk mode refuses to write it (EFAULT: its PTE is not
# writable), so does get_user_pages without FOLL_FORCE and pwrite on the
# session fd; a forced write (FOLL_FORCE) CoWs the page and the target
# prints the new text.  Every read is compared with process_vm_readv, every
# walk with /proc/PID/pagemap.
# kmr-bin: kmemfetch fetch_check kmrt-strlit
# kmr-timeout: 120

. /kmr/lib/fetch.sh
old="Hello from a string literal!"
new="Changed by kmemfetch, forced"
assert_eq "${#new}" "${#old}" "length of the new text"

fk_start strlit.out kmrt-strlit -i 20
pid=$FK_PID
addr=$(sed -n 's/.* addr=\(0x[0-9a-f]*\) .*/\1/p' strlit.out | head -1)
assert_match "$addr" '^0x[0-9a-f]+$' "literal address"
len=${#old}
kmr_note "pid $pid literal at $addr"

# Reads: every mode sees the literal, identical to process_vm_readv.
fk_expect "$(fetch_check mem "$pid" walk r "$addr" "$len")" "done=$len pvr=same" "walk read"
fk_expect "$(fetch_check mem "$pid" gup r "$addr" "$len")" "done=$len pvr=same" "gup read"
fk_expect "$(fetch_check pread "$pid" "$addr" "$len")" "done=$len pvr=same" "pread"
kmemfetch read --raw "$pid" "$addr" "$len" >lit.bin
assert_eq "$(cat lit.bin)" "$old" "kmemfetch read --raw"
fk_same_as_pvr "$pid" "$addr" "$len" lit.bin
# The hexdump: 16-byte aligned lines, 12-digit addresses, the text in the
# ASCII column (from column 56 on).
aligned=$(printf '0x%x' $((addr & ~15)))
kmemfetch read "$pid" "$aligned" 48 >lit.hex
cat lit.hex
assert_eq "$(grep -c . lit.hex)" 3 "hexdump lines"
assert_eq "$(head -1 lit.hex | cut -c1-14)" "$(printf '%012x: ' $((aligned)))" "first address"
cut -c56- lit.hex | tr -d '\n' | grep -qF "$old" || kmr_fail "hexdump ASCII column lacks the text"
kmemfetch read --walk-only --raw "$pid" "$addr" "$len" >lit-walk.bin
cmp lit.bin lit-walk.bin || kmr_fail "walk-only read differs"
kmemfetch read --pread --raw "$pid" "$addr" "$len" >lit-pread.bin
cmp lit.bin lit-pread.bin || kmr_fail "pread read differs"
# The literal is reachable by file name too (first mapping of the binary).
base=$(awk '/kmrt-strlit/ { split($1, r, "-"); print r[1]; exit }' "/proc/$pid/maps")
off=$(printf '%x' $((addr - 0x$base)))
kmemfetch read --raw "$pid" "kmrt-strlit+$off" "$len" >lit-name.bin
cmp lit.bin lit-name.bin || kmr_fail "kmrt-strlit+0x$off does not name the literal"

# The page before: a file page, present, read-only.
w0=$(fetch_check walk "$pid" "$addr")
kmr_note "walk before: $w0"
fk_expect "$w0" "stop=pte leaf=1 size=4096 pfn=0x[0-9a-f]+ phys=0x[0-9a-f]+ flags=0x[0-9a-f]+ levels=[45] pagemap=match" "walk before"
flags0=$(printf '%s\n' "$w0" | sed -n 's/.* flags=\(0x[0-9a-f]*\) .*/\1/p')
[ $((flags0 & 0x2)) = 0 ] || kmr_fail "literal's PTE is writable before the write ($flags0)"
[ $((flags0 & 0x20)) = 0 ] || kmr_fail "literal's page is anonymous before the write ($flags0)"
pfn0=$(printf '%s\n' "$w0" | sed -n 's/.* pfn=\(0x[0-9a-f]*\) .*/\1/p')
kmemfetch walk "$pid" "$addr" >walk-before.txt
assert_grep "pte$" walk-before.txt

# Writes that must be refused, leaving the text alone.
hex=$(fk_hex "$new")
fk_expect "$(fetch_check mem "$pid" walk w "$addr" "$len" "$hex")" "err=EFAULT" "walk-mode write"
fk_expect "$(fetch_check mem "$pid" gup w "$addr" "$len" "$hex")" "err=EFAULT" "gup write without force"
fk_expect "$(fetch_check pwrite "$pid" "$addr" "$hex")" "err=EFAULT" "pwrite"
fk_fails_with "walk mode never .*writes through a read-only entry" \
	kmemfetch write --walk-only "$pid" "$addr" "$hex"
fk_fails_with "--force writes read-only memory" kmemfetch write "$pid" "$addr" "$hex"
fk_usage_fails "--force needs get_user_pages" kmemfetch write --walk-only --force "$pid" "$addr" "$hex"
kmemfetch read --raw "$pid" "$addr" "$len" >lit2.bin
assert_eq "$(cat lit2.bin)" "$old" "text after refused writes"

# The forced write: kmemfetch write --force from a file.
printf '%s' "$new" >new.txt
kmemfetch write --force "$pid" "$addr" @new.txt >write.out
assert_grep "^wrote $len bytes at $addr in process $pid \(gup, forced\)$" write.out
fk_wait_line strlit.out "text=\"$new\"" 10 || kmr_fail "kmrt-strlit never printed the new text"
kmemfetch read --raw "$pid" "$addr" "$len" >lit3.bin
assert_eq "$(cat lit3.bin)" "$new" "text after the forced write"
fk_same_as_pvr "$pid" "$addr" "$len" lit3.bin

# The page is now the process's own anonymous copy (CoW), still read-only.
w1=$(fetch_check walk "$pid" "$addr")
kmr_note "walk after: $w1"
fk_expect "$w1" "stop=pte leaf=1 size=4096 pfn=0x[0-9a-f]+ phys=0x[0-9a-f]+ flags=0x[0-9a-f]+ levels=[45] pagemap=match" "walk after"
flags1=$(printf '%s\n' "$w1" | sed -n 's/.* flags=\(0x[0-9a-f]*\) .*/\1/p')
pfn1=$(printf '%s\n' "$w1" | sed -n 's/.* pfn=\(0x[0-9a-f]*\) .*/\1/p')
[ $((flags1 & 0x20)) != 0 ] || kmr_fail "literal's page is not anonymous after the forced write ($flags1)"
[ $((flags1 & 0x2)) = 0 ] || kmr_fail "forced write left a writable PTE ($flags1)"
assert_ne "$pfn1" "$pfn0" "pfn after the CoW"
# Walk mode still refuses (read-only PTE); a forced write in one page works.
fk_expect "$(fetch_check mem "$pid" walk w "$addr" 4 41424344)" "err=EFAULT" "walk-mode write after CoW"
fk_expect "$(fetch_check mem "$pid" gup wf "$addr" 7 "$(fk_hex "CHANGED")")" "done=7" "second forced write"
fk_wait_line strlit.out "text=\"CHANGED by kmemfetch, forced\"" 10 || kmr_fail "second forced write not seen"
fk_stop "$pid"
