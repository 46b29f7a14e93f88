# Every write made through the module (walk mode, GUP mode, forced GUP,
# pwrite on a session fd) appears as one KMR_EV_MEM_WRITE, with the writer's
# pid, address, length and mode, in EVERY running session tracing the
# target; refused writes and reads appear in none.
# kmr-bin: kmemfetch fetch_check kmrt-strlit
# kmr-timeout: 120

. /kmr/lib/fetch.sh
fk_start strlit.out kmrt-strlit -i 50
pid=$FK_PID
lit=$(sed -n 's/.* addr=\(0x[0-9a-f]*\) .*/\1/p' strlit.out | head -1)
# argv[0]'s text on the stack: fields 48 and 49 of /proc/PID/stat
# (arg_start, arg_end); the comm field has no spaces here.
arg=$(printf '0x%x' "$(cut -d' ' -f48 "/proc/$pid/stat")")
argv0=$(fk_hex kmrt)

cat >writes.sh <<EOS
set -e
run() { sh -c 'echo \$\$ >>writers.txt; exec "\$@"' sh "\$@"; }
run kmemfetch write --force $pid $lit $(fk_hex Jell)
run kmemfetch write --walk-only $pid $arg $argv0
run kmemfetch write $pid $arg $argv0
run kmemfetch write --pread $pid $arg $argv0
run kmemfetch read $pid $lit 16 >/dev/null
run fetch_check mem $pid walk w $lit 4 $(fk_hex Mell) >refused.txt
EOS
: >writers.txt
fetch_check record "$pid" 2 rec.txt -- sh writes.sh
cat rec.txt
fk_expect "$(cat refused.txt)" "err=EFAULT" "walk-mode write of the literal"
fk_wait_line strlit.out 'text="Jello from a string literal!"' 10 || kmr_fail "forced write not seen"
set -- $(cat writers.txt)
for s in 0 1; do
	cat >want.txt <<EOW
s$s mem_write vaddr=$lit len=4 writer=$1 mode=gup
s$s mem_write vaddr=$arg len=4 writer=$2 mode=walk
s$s mem_write vaddr=$arg len=4 writer=$3 mode=gup
s$s mem_write vaddr=$arg len=4 writer=$4 mode=prw
EOW
	grep "^s$s " rec.txt >got.txt || true
	cmp got.txt want.txt || { diff want.txt got.txt; kmr_fail "session $s: MEM_WRITE records differ"; }
done
fk_stop "$pid"
