# `kmemrec --capture-pages cow` stores each page a CoW copies, and
# `kmemreplay --at T --page VADDR` shows its bytes: kmrt-fork's parent CoWs
# 4 pages of each region after the fork, whose contents are known (anon page
# i: byte i+1 then zeros; zero region: zeros; file-private: 'f').  With
# cow:hash the records carry xxh64 of the same bytes.  Every CoW record has
# its page-data record.  And a kmemfetch write into a recorded process shows
# up in the real recorder's trace as a mem-write event.
# kmr-bin: kmemrec kmemreplay kmemfetch fetch_check kmrt-fork kmrt-strlit
# kmr-timeout: 300

. /kmr/lib/fetch.sh
kmemrec --capture-pages cow -o cow.kmr -- kmrt-fork -v -n 8 -w 4 >fork.out 2>rec.err ||
	{ cat rec.err; kmr_fail "kmemrec --capture-pages cow failed"; }
kmemrec --capture-pages cow:hash -o hash.kmr -- kmrt-fork -v -n 8 -w 4 >fork-hash.out 2>rec-hash.err ||
	{ cat rec-hash.err; kmr_fail "kmemrec --capture-pages cow:hash failed"; }

# expected page contents
head -c 4096 /dev/zero >zero.page
head -c 4096 /dev/zero | tr '\0' f >f.page
for i in 0 1 2 3; do
	{ printf "\\$(printf '%03o' $((i + 1)))"; head -c 4095 /dev/zero; } >"anon$i.page"
done

check_trace() {	# TRACE TARGET-OUTPUT MODE(bytes|hash)
	kmemreplay "$1" --events --kind cow >"$1.cow.txt"
	kmemreplay "$1" --events --kind page-data >"$1.pd.txt"
	ncow=$(grep -c ' cow ' "$1.cow.txt" || true)
	npd=$(grep -c '(cow)$' "$1.pd.txt" || true)
	assert_ge "$ncow" 12 "$1: CoW events"
	assert_eq "$npd" "$ncow" "$1: page-data records (one per CoW)"
	for r in anon zero file-private; do
		set -- "$1" "$2" "$3" $(fk_region "$2" "$r")
		for i in 0 1 2 3; do
			va=$(printf '0x%x' $(($4 + 4096 * i)))
			case $r in anon) want=anon$i.page ;; zero) want=zero.page ;; *) want=f.page ;; esac
			kmemreplay "$1" --at end --page "$va" >page.txt 2>page.err ||
				{ cat page.err; kmr_fail "$1: --page $va failed"; }
			if [ "$3" = bytes ]; then
				assert_match "$(head -1 page.txt)" "^page ${va#0x} pfn [0-9a-f]+ captured at .*\\(cow\\)$" "$1 $r page $i header"
				# the hexdump back to bytes
				assert_eq "$(grep -Ec '^[0-9a-f]{12}: ' page.txt)" 256 "$1 $r page $i hexdump lines"
				grep -E '^[0-9a-f]{12}: ' page.txt | cut -c15-53 | tr -d ' \n' >page.hex
				assert_eq "$(cat page.hex)" "$(od -An -v -tx1 "$want" | tr -d ' \n')" "$1 $r page $i bytes"
			else
				assert_match "$(head -1 page.txt)" "^page ${va#0x} xxh64 $(fetch_check xxh64 "$want") captured at .*\\(cow\\)$" "$1 $r page $i hash"
			fi
		done
	done
}
check_trace cow.kmr fork.out bytes
check_trace hash.kmr fork-hash.out hash
# Before any CoW the page has no capture: a clear error.
set -- $(fk_region fork.out anon)
rc=0
kmemreplay cow.kmr --at start --page "$1" >none.txt 2>none.err || rc=$?
assert_eq "$rc" 1 "--page before any capture"
assert_grep "no contents captured for page" none.err

# kmemfetch writes in a real recording: launch mode records from the
# target's first instruction, so once it prints, the write is recorded.
kmemrec -o strlit.kmr -- kmrt-strlit -i 50 -c 60 >strlit.out 2>strlit-rec.err &
rec=$!
fk_wait_line strlit.out addr= 20 || kmr_fail "kmrt-strlit under kmemrec did not start"
pid=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' strlit.out | head -1)
lit=$(sed -n 's/.* addr=\(0x[0-9a-f]*\) .*/\1/p' strlit.out | head -1)
sh -c 'echo $$ >writer.pid; exec kmemfetch write --force "$0" "$1" 4a656c6c6f' "$pid" "$lit" >/dev/null
fk_wait_line strlit.out 'text="Jello' 10 || kmr_fail "forced write not seen"
wait "$rec" || { cat strlit-rec.err; kmr_fail "kmemrec of kmrt-strlit failed"; }
kmemreplay strlit.kmr --events --kind mem-write >mw.txt
cat mw.txt
assert_eq "$(grep -c "${lit#0x} 5 bytes by pid $(cat writer.pid) (gup)" mw.txt)" 1 "mem-write event in kmemrec's trace"
