# kmemrec --comm NAME (issue 11): every process of the name, those running
# when it starts and those that start later, each in its own stream, until
# stopped; processes of other names are not recorded.  With -f, children
# are followed by the tree (held at fork), not attached a second time as
# processes of the name.  --comm-once (the first only) is e2e_rec_modes's.
# The host half (.host.sh) checks the streams with kmr-oracle procs.
# kmr-bin: kmemrec kmrt-twecho kmrt-strlit kmrt-forkserver
# kmr-timeout: 400

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"

# 1. One running before kmemrec (A), two started later (B, then C), and a
#    process of another name (not recorded).  Each later one runs 3 s,
#    long enough to be attached under TCG.
kmrt-twecho --interval 100 -- a >a.out &
a=$!
kmr_wait_line a.out twecho 20 || kmr_fail "kmrt-twecho A printed nothing"
kmemrec --comm kmrt-twecho -o all.kmr 2>all.err &
rec=$!
kmr_wait_line all.err "^kmemrec: recording every process named 'kmrt-twecho'" 120 ||
	{ cat all.err; kmr_fail "kmemrec --comm did not start"; }
kmrt-twecho --count 30 --interval 100 -- b >b.out &
b=$!
kmrt-strlit --count 10 --interval 100 >strlit.out &
other=$!
wait "$b" || kmr_fail "kmrt-twecho B failed"
kmrt-twecho --count 30 --interval 100 -- c >c.out &
c=$!
wait "$c" || kmr_fail "kmrt-twecho C failed"
wait "$other" || true
kill -INT "$rec"
rc=0
wait "$rec" || rc=$?
kill "$a"
wait "$a" 2>/dev/null || true
cat all.err
assert_eq "$rc" 0 "kmemrec --comm exit status after SIGINT"
assert_grep "recorded 3 processes named 'kmrt-twecho'" all.err
assert_grep "stopped by SIGINT" all.err
assert_grep "^kmemrec: recording pid $b \\(kmrt-twecho\\) too" all.err
assert_grep "^kmemrec: recording pid $c \\(kmrt-twecho\\) too" all.err
echo "a=$a b=$b c=$c other=$other" >comm.env

# 2. --comm -f on a forking server: its savers (named like it) are its
#    followed children, each recorded once, with the server as parent.
#    The server holds (--hold) until kmemrec says it records it.
kmemrec --comm kmrt-forkserver -f -o tree.kmr 2>tree.err &
rec=$!
sleep 1
kmrt-forkserver -v --hold --pages 64 --write 16 --scratch 4 --rounds 3 >fs.out 2>&1 &
fs=$!
kmr_wait_line tree.err "^kmemrec: recording every process named 'kmrt-forkserver' and their descendants \\(the first: pid $fs\\)" 120 ||
	{ cat tree.err; kmr_fail "kmemrec --comm -f did not start"; }
kmr_wait_line fs.out "^hold ready" 60 || kmr_fail "kmrt-forkserver did not reach its hold"
kill -USR1 "$fs"
wait "$fs" || kmr_fail "kmrt-forkserver failed: $(cat fs.out)"
sleep 1
kill -INT "$rec"
rc=0
wait "$rec" || rc=$?
cat tree.err
assert_eq "$rc" 0 "kmemrec --comm -f exit status"
assert_grep "recorded 4 processes named 'kmrt-forkserver' and their descendants" tree.err
