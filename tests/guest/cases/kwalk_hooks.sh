# The module refuses, loudly, to hook a function this kernel does not have
# under its name (issue 9, finding 14).  GCC turns static functions into
# clones (NAME.isra.N, .constprop.N, .part.N) with their own calling
# convention; a clone's callers bypass the function a hook is on.  With the
# test hook test_hook_alias=do_wp_page=OTHER the registration's check of
# do_wp_page looks at OTHER, taken from this kernel's /proc/kallsyms: a
# function that exists only as a clone, one that exists beside a clone of
# itself, and a name that does not exist.  Each ATTACH must fail with
# EOPNOTSUPP, the recorder must say why in one line, and the kernel log
# must name the clone; a function without clones is accepted.
# kmr-timeout: 240
# kmr-bin: kmemrec

kmr_module_loaded kmemrec || kmr_insmod kmemrec
P=/sys/module/kmemrec/parameters/test_hook_alias
[ -w $P ] || kmr_fail "the module has no test_hook_alias parameter"
trap 'echo "" >$P' EXIT

# Function symbols of vmlinux (no [module] column), without the padding
# (__pfx_) and CFI (__cfi_) symbols 6.12 puts before functions.
awk 'NF == 3 && $2 ~ /^[tT]$/ && $3 !~ /^__(pfx|cfi)_/ { print $3 }' \
	/proc/kallsyms >syms.txt
awk '
	/\.(isra|constprop|part)\.[0-9]+$/ {
		b = $0; sub(/\.(isra|constprop|part)\.[0-9]+$/, "", b)
		if (b !~ /\./ && !(b in clone)) clone[b] = $0
		next
	}
	!/\./ { plain[$0] = 1 }
	END {
		for (b in clone) if (!(b in plain) && !only) only = b " " clone[b]
		for (b in clone) if ((b in plain) && !both) both = b " " clone[b]
		print "only", only; print "both", both
	}' syms.txt >clones.txt
cat clones.txt
only=$(sed -n 's/^only \([^ ]*\) .*/\1/p' clones.txt)
only_clone=$(sed -n 's/^only [^ ]* //p' clones.txt)
both=$(sed -n 's/^both \([^ ]*\) .*/\1/p' clones.txt)
both_clone=$(sed -n 's/^both [^ ]* //p' clones.txt)
[ -n "$only" ] && [ -n "$both" ] || kmr_fail "no clone examples in /proc/kallsyms"
grep -qx do_wp_page syms.txt || kmr_fail "do_wp_page missing from kallsyms"

# The hooks register at the first ATTACH, and go shortly after the last.
unhooked() {
	i=0
	while kmr_hooks_registered; do
		i=$((i + 1))
		[ $i -lt 100 ] || kmr_fail "the hooks stayed registered"
		sleep 0.1
	done
}

# refused OTHER REGEX: with do_wp_page checked as OTHER, ATTACH fails.
refused() {
	echo "do_wp_page=$1" >$P
	unhooked
	n=$(dmesg | wc -l)
	rc=0
	kmemrec -o refused.kmr -- true >rec.out 2>&1 || rc=$?
	cat rec.out
	dmesg | tail -n +$((n + 1)) >dmesg.out
	assert_eq "$rc" 1 "kmemrec exit status with do_wp_page checked as $1"
	assert_grep "kmemrec: error: the module cannot hook this kernel" rec.out
	assert_grep "kmemrec: cannot hook do_wp_page: $2" dmesg.out
	[ ! -e refused.kmr ] || kmr_fail "a refused recording left refused.kmr"
	grep "cannot hook do_wp_page" dmesg.out
}

refused "$only" "this kernel has it only as the compiler clone $only_clone"
refused "$both" "this kernel also has $both_clone"
refused kmr_no_such_function "this kernel has no function kmr_no_such_function"

echo "do_wp_page=do_wp_page" >$P
unhooked
kmemrec -o ok.kmr -- true >ok.out 2>&1 || { cat ok.out; kmr_fail "do_wp_page itself was refused"; }
echo "" >$P
echo "accepted: do_wp_page (no clone); refused: $only (only $only_clone), $both (beside $both_clone), a missing name"
