# kmemfetch on kmrt-twecho: its argv strings are found by reading its
# [stack] mapping by name, then rewritten through "[stack]+OFFSET"; the
# target prints the new words, and the kernel's /proc/PID/cmdline shows
# them too.  Every read is compared with process_vm_readv.
# kmr-bin: kmemfetch fetch_check kmrt-twecho
# kmr-timeout: 120

. /kmr/lib/fetch.sh
fk_start twecho.out kmrt-twecho -i 20 -- kmfalpha kmfbravo kmfcharlie
pid=$FK_PID
fk_wait_line twecho.out 'kmfcharlie' 10 || kmr_fail "kmrt-twecho did not echo"

kmemfetch maps "$pid" >maps.txt
cat maps.txt
line=$(grep ' \[stack\]$' maps.txt) || kmr_fail "no [stack] in kmemfetch maps"
start=$(echo "$line" | awk '{ print $1 }')
end=$(echo "$line" | awk '{ print $2 }')
size=$((end - start))
res=$(echo "$line" | awk '{ print $6 }')
assert_ge "$res" 1 "resident pages of [stack]"
# kmemfetch maps agrees with the kernel's maps, line for line.
assert_eq "$(grep -c . "/proc/$pid/maps")" "$(( $(grep -c . maps.txt) - 2 ))" "mapping count"

kmemfetch read --raw "$pid" '[stack]' "$size" >stack.bin
assert_eq "$(stat -c %s stack.bin)" "$size" "bytes of [stack]"

for word in kmfalpha kmfbravo kmfcharlie; do
	off=$(strings -t x -n 8 stack.bin | awk -v w="$word" '$2 == w { print $1; exit }')
	[ -n "$off" ] || kmr_fail "$word not found in [stack]"
	printed=$(sed -n "s/.*@\(0x[0-9a-f]*\)=\"$word\".*/\1/p" twecho.out | head -1)
	assert_eq "$(printf '0x%x' $((start + 0x$off)))" "$printed" "address of $word"
	eval "off_$word=$off"
done
# Above the argv strings the stack no longer changes (frames live below):
# that part must equal process_vm_readv.
tail -c $((size - 0x$off_kmfalpha)) stack.bin >top.bin
fk_same_as_pvr "$pid" "$(printf '0x%x' $((start + 0x$off_kmfalpha)))" $((size - 0x$off_kmfalpha)) top.bin

# Rewrite two words in place (same length), one by name and offset, one
# walk-only (the stack page is present and writable).
kmemfetch write "$pid" "[stack]+$off_kmfalpha" "$(fk_hex KMFOMEGA)" >w1.out
assert_grep "^wrote 8 bytes at " w1.out
kmemfetch write --walk-only "$pid" "[stack]+$off_kmfbravo" "$(fk_hex KMFDELTA)" >w2.out
assert_grep "\(walk\)$" w2.out
fk_wait_line twecho.out '="KMFOMEGA" .*="KMFDELTA" .*="kmfcharlie"' 10 ||
	kmr_fail "kmrt-twecho did not print the rewritten words"
tr '\0' ' ' <"/proc/$pid/cmdline" >cmdline.txt
assert_grep "KMFOMEGA KMFDELTA kmfcharlie" cmdline.txt

# Read back through every mode, compared with process_vm_readv.
a=$(printf '0x%x' $((start + 0x$off_kmfalpha)))
fk_expect "$(fetch_check mem "$pid" walk r "$a" 8)" "done=8 pvr=same" "walk read of argv"
fk_expect "$(fetch_check mem "$pid" gup r "$a" 8)" "done=8 pvr=same" "gup read of argv"
fk_expect "$(fetch_check pread "$pid" "$a" 8)" "done=8 pvr=same" "pread of argv"
kmemfetch read --raw "$pid" "$a" 8 >omega.bin
assert_eq "$(cat omega.bin)" KMFOMEGA "argv[1] read back"
fk_stop "$pid"
