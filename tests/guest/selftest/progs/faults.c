// SPDX-License-Identifier: GPL-2.0
/*
 * faults: touch N fresh anonymous pages and print the CLOCK_MONOTONIC
 * nanoseconds per page fault.  Under QEMU -icount shift=0 guest time
 * advances one nanosecond per instruction, so this prints instructions per
 * fault; the harness self-test checks that it repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 1000;
	long i;
	char *p;
	long long t0, t1;

	if (pages <= 0)
		return 2;
	p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise(p, pages * 4096, MADV_NOHUGEPAGE);
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		p[i * 4096] = 1;
	t1 = now_ns();
	printf("%lld\n", (t1 - t0) / pages);
	return 0;
}
