# kmemfetch after fork (kmrt-fork --loop: parent and child print their own
# copy of one page-aligned anonymous page).  The fork write-protects the
# parent's entry; walk mode therefore refuses to write it (EFAULT), which is
# what keeps a write from landing in a page the child may still share, while
# GUP breaks CoW and writes the process's own copy.  With --shared neither
# has written yet: both map the same pfn, walk mode refuses both, and a GUP
# write gives the written process its own page while the other keeps the
# old one.  Every read equals process_vm_readv, every walk the pagemap.
# kmr-bin: kmemfetch fetch_check kmrt-fork
# kmr-timeout: 150

. /kmr/lib/fetch.sh
field() { sed -n "s/^$1 pid=\([0-9]*\) addr=\(0x[0-9a-f]*\) .*/\\$2/p" fork.out | head -1; }
# text_of PID TEXT: the bytes at addr, as long as TEXT (followed by a NUL).
text_of() { kmemfetch read --raw "$1" "$addr" $((${#2} + 1)) | tr -d '\0'; }
wait_text() { fk_wait_line fork.out "^$1 pid=$2 addr=$addr text=\"$3\"$" 10 || kmr_fail "$1 never printed '$3'"; }
walkf() { fetch_check walk "$1" "$addr"; }

# 1. The child wrote its copy before we look.
fk_start fork.out kmrt-fork --loop -i 20
fk_wait_line fork.out '^child ' 10 || kmr_fail "no child line"
fk_wait_line fork.out '^parent ' 10 || kmr_fail "no parent line"
ppid=$(field parent 1) cpid=$(field child 1) addr=$(field parent 2)
assert_eq "$(field child 2)" "$addr" "same virtual address in both"
assert_eq "$((addr & 4095))" 0 "buffer page aligned"
assert_eq "$(text_of "$ppid" "data written before fork")" "data written before fork" "parent's text"
assert_eq "$(text_of "$cpid" "child $cpid wrote this")" "child $cpid wrote this" "child's text"
for p in "$ppid" "$cpid"; do
	fk_expect "$(fetch_check mem "$p" walk r "$addr" 4096)" "done=4096 pvr=same" "walk read in $p"
	fk_expect "$(fetch_check mem "$p" gup r "$addr" 4096)" "done=4096 pvr=same" "gup read in $p"
done
wp=$(walkf "$ppid") wc=$(walkf "$cpid")
fk_expect "$wp" "stop=pte leaf=1 .* pagemap=match" "parent walk"
fk_expect "$wc" "stop=pte leaf=1 .* pagemap=match" "child walk"
assert_ne "$(fk_field "$wp" pfn)" "$(fk_field "$wc" pfn)" "parent and child pfn after the child's write"
[ $(($(fk_field "$wp" flags) & 2)) = 0 ] || kmr_fail "parent's entry writable after fork: $wp"
[ $(($(fk_field "$wc" flags) & 2)) != 0 ] || kmr_fail "child's entry read-only after its write: $wc"

fk_fails_with "walk mode never .*copy-on-write page after fork" \
	kmemfetch write --walk-only "$ppid" "$addr" "$(fk_hex PARENT-WALK)"
orig="child $cpid wrote this"
kmemfetch write --walk-only "$cpid" "$addr" "$(fk_hex CHILD-WALK!)" >/dev/null
wait_text child "$cpid" "CHILD-WALK!${orig#???????????}"
kmemfetch write "$ppid" "$addr" "$(fk_hex PARENT-GUP)" >/dev/null
wait_text parent "$ppid" "PARENT-GUPen before fork"
assert_eq "$(text_of "$cpid" "CHILD-WALK!${orig#???????????}")" "CHILD-WALK!${orig#???????????}" "child after the parent's write"
fk_expect "$(walkf "$ppid")" "stop=pte leaf=1 .* pagemap=match" "parent walk after GUP write"
fk_stop "$ppid"

# 2. --shared: one page, two processes, until a write.
: >fork.out
fk_start fork.out kmrt-fork --loop --shared -i 20
fk_wait_line fork.out '^child ' 10 || kmr_fail "no child line (--shared)"
fk_wait_line fork.out '^parent ' 10 || kmr_fail "no parent line (--shared)"
ppid=$(field parent 1) cpid=$(field child 1) addr=$(field parent 2)
wp=$(walkf "$ppid") wc=$(walkf "$cpid")
pfn=$(fk_field "$wp" pfn)
assert_eq "$(fk_field "$wc" pfn)" "$pfn" "one shared pfn before any write"
for p in "$ppid" "$cpid"; do
	[ $(($(fk_field "$(walkf "$p")" flags) & 2)) = 0 ] || kmr_fail "$p: shared page writable"
	fk_expect "$(fetch_check mem "$p" walk w "$addr" 4 58585858)" "err=EFAULT" "walk write into the shared page of $p"
done
assert_eq "$(text_of "$ppid" "data written before fork")" "data written before fork" "parent after refused writes"
assert_eq "$(text_of "$cpid" "data written before fork")" "data written before fork" "child after refused writes"
kmemfetch write "$cpid" "$addr" "$(fk_hex CHILD)" >/dev/null
wait_text child "$cpid" "CHILDwritten before fork"
assert_eq "$(fk_field "$(walkf "$ppid")" pfn)" "$pfn" "parent keeps the old page"
assert_ne "$(fk_field "$(walkf "$cpid")" pfn)" "$pfn" "child got its own page"
assert_eq "$(text_of "$ppid" "data written before fork")" "data written before fork" "parent untouched by the child's write"
fk_expect "$(fetch_check mem "$ppid" gup r "$addr" 4096)" "done=4096 pvr=same" "parent read"
fk_expect "$(fetch_check mem "$cpid" gup r "$addr" 4096)" "done=4096 pvr=same" "child read"
fk_stop "$ppid"
