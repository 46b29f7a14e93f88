# kmemrec core: 100 insmod/rmmod cycles and 100 attach/start/detach cycles
# (orderly, detach while mapped, plain close) leave no leak: VmallocUsed and
# Slab come back, nothing WARNs.
# kmr-timeout: 900
# kmr-bin: kcore_check

kmr_module_loaded kmemrec && kmr_rmmod kmemrec
slab0=$(awk '/^Slab:/ {print $2}' /proc/meminfo)
i=0
while [ $i -lt 100 ]; do
	insmod "$KMR_MODULES/kmemrec.ko" || kmr_fail "insmod #$i"
	test -c /dev/kmemrec || kmr_fail "no /dev/kmemrec after insmod #$i"
	rmmod kmemrec || kmr_fail "rmmod #$i"
	i=$((i + 1))
done
slab1=$(awk '/^Slab:/ {print $2}' /proc/meminfo)
echo "insmod/rmmod x100: Slab $slab0 -> $slab1 kB"
[ $((slab1 - slab0)) -lt 2048 ] || kmr_fail "slab grew by $((slab1 - slab0)) kB over 100 load cycles"

kmr_insmod kmemrec
kcore_check cycles 100 >cycles.log 2>&1 || { cat cycles.log; kmr_fail "kcore_check cycles"; }
cat cycles.log
# rmmod refused while a session is open, accepted after.
exec 3</dev/kmemrec
assert_fails rmmod kmemrec
exec 3<&-
kmr_rmmod kmemrec
kmr_insmod kmemrec
