# kmemrec -f (issue 11): a whole process tree into one trace.
#   pipe.kmr   sh -c 'busybox seq 1 200000 | busybox sort -n | busybox uniq
#              -c | busybox wc -l': every process, with its parent and the
#              binary it exec'ed
#   fs.kmr     kmrt-forkserver: a server forking two savers (BGSAVE) while
#              it writes its data; CoW copies per process and VMA equal what
#              each process says it did; every checkpoint of every process
#              (server and savers) equals its own maps + pagemap; then it
#              posix_spawns busybox (CLONE_VM | CLONE_VFORK, then exec),
#              which is followed from its new image
#   grand.kmr  grandchildren (sh -c 'sh -c ...'), a child that execs at once
# busybox sh runs an applet by exec'ing /proc/self/exe: that is the name
# the kernel's exec reports for those.
# The host half (.host.sh) checks the trees, the counts and the states.
# kmr-bin: kmemrec kmrt-forkserver
# kmr-timeout: 600

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"
# an absolute path: posix_spawn() does not search PATH
bb=$(which busybox)
case $bb in /*) ;; *) kmr_fail "busybox not found on PATH ($bb)" ;; esac

kmemrec -f -o pipe.kmr -- sh -c "$bb seq 1 200000 | $bb sort -n | $bb uniq -c | $bb wc -l" \
	>pipe.out 2>pipe.err || kmr_fail "kmemrec -f pipeline: $(cat pipe.err)"
cat pipe.err
[ "$(tr -d ' ' <pipe.out)" = 200000 ] || kmr_fail "the pipeline printed '$(cat pipe.out)'"

mkdir -p ckpt
kmemrec -f -o fs.kmr -- kmrt-forkserver -v -S -C "$PWD/ckpt" --pages 128 --write 32 --scratch 8 \
	--spawn "$bb" true \
	>fs.out 2>fs.err || kmr_fail "kmemrec -f forkserver: $(cat fs.err)"
cat fs.err
grep -c '^expect' fs.out

kmemrec -f -o grand.kmr -- sh -c "sh -c '$bb true; exec $bb sleep 0.1'; exec $bb true" \
	2>grand.err || kmr_fail "kmemrec -f grandchildren: $(cat grand.err)"
cat grand.err
echo "bb=$bb" >tree.env
