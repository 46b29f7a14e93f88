# Harness self-test and measurement: KMR_TRANSPORT_MB (default 32) MiB of
# incompressible data go back to the host through the results disk;
# transport.host.sh checks the checksum and reports the throughput.
# kmr-timeout: 300
mb=${KMR_TRANSPORT_MB:-32}
t0=$(kmr_uptime)
dd if=/dev/urandom of=blob.bin bs=1M count="$mb" 2>/dev/null
t1=$(kmr_uptime)
md5sum blob.bin | cut -d' ' -f1 >blob.md5
echo "generated $mb MiB in $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
