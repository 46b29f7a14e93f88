# Hostile input, every entry point: 100000+ calls of every ioctl, pread,
# pwrite and mmap on /dev/kmemrec with random and edge arguments (lengths
# {0,1,4095,2^63,~0} x addresses {TASK_SIZE-1,TASK_SIZE,2^47,2^56,~0}, NULL,
# kernel, read-only, PROT_NONE, unmapped and straddling pointers, random
# command numbers and struct sizes, nonzero reserved fields) on six session
# files in every state.  Every error must be one abi.h allows for the call
# (progs/kh_common.c kh_errno_allowed); unreadable arguments EFAULT,
# reserved fields EINVAL, unknown commands ENOTTY; a normal session works
# afterwards.  The seed is printed: "khostile ioctl N SEED" repeats a run.
# kmr-timeout: 900
# kmr-bin: khostile
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
kmr_note "seed $seed"
if ! khostile ioctl 100000 "$seed" >ioctl.log 2>&1; then
	grep -E '^(FAIL|ERROR)' ioctl.log | head -20
	tail -20 ioctl.log
	kmr_fail "khostile ioctl (seed $seed): $(grep -cE '^FAIL' ioctl.log) failed checks: $(grep -m1 -E '^(FAIL|ERROR)' ioctl.log | cut -c1-120)"
fi
tail -18 ioctl.log
