// SPDX-License-Identifier: GPL-2.0
/*
 * kprobes_check's target: known memory operations, a checkpoint after
 * each (the checker then compares the records with the kernel's view).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kprobes_check.h"

int c2p[2], p2c[2];

static void checkpoint(uint64_t step, uint64_t a, uint64_t b, uint64_t c)
{
	struct msg m = { step, a, b, c };
	char go;

	if (write(c2p[1], &m, sizeof(m)) != sizeof(m) ||
	    read(p2c[0], &go, 1) != 1)
		_exit(90);
}

static volatile char sink;

/*
 * KP_KHUGEPAGED=1 (a second pass of the case, khugepaged tuned to scan
 * fast): wait until khugepaged has collapsed the half-dropped huge page
 * back, so the checker sees that kthread's collapse of this mm.
 */
static void wait_khugepaged(uintptr_t a)
{
	const char *want = getenv("KP_KHUGEPAGED");
	uint64_t ent = 0;
	int fd, tries;

	if (!want || strcmp(want, "1"))
		return;
	fd = open("/proc/self/pagemap", O_RDONLY);
	for (tries = 0; fd >= 0 && tries < 1500; tries++) {
		if (pread(fd, &ent, sizeof(ent), (off_t)(a / PG) * 8) ==
		    sizeof(ent) && (ent >> 63))
			break;		/* present again: collapsed */
		usleep(20000);
	}
	if (fd >= 0)
		close(fd);
}

static void __attribute__((noinline)) deep(int n)
{
	volatile char buf[4000];

	buf[0] = (char)n;
	buf[sizeof(buf) - 1] = (char)n;
	if (n > 0)
		deep(n - 1);
	sink = buf[0];
}

void target(const char *self)
{
	char *p, *dst, *z, *f, *brk0;
	int gc[2], fd, i;
	pid_t g;
	char fds[32];

	checkpoint(ST_START, 0, 0, 0);

	p = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < NPAGES; i++)
		p[i * PG] = 1;
	checkpoint(ST_ANON, (uintptr_t)p, NPAGES, 0);

	if (pipe(gc))
		_exit(91);
	g = fork();
	if (!g) {
		char c;

		close(gc[1]);
		if (read(gc[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	for (i = 0; i < NPAGES; i++)
		p[i * PG] = 2;
	checkpoint(ST_COW, (uintptr_t)p, NPAGES, g);
	close(gc[1]);
	waitpid(g, NULL, 0);

	munmap(p + 16 * PG, 16 * PG);
	checkpoint(ST_MUNMAP, (uintptr_t)p + 16 * PG, 16, 0);

	mprotect(p, 8 * PG, PROT_READ);
	checkpoint(ST_MPROT_SPLIT, (uintptr_t)p, 8, 0);
	mprotect(p, 8 * PG, PROT_READ | PROT_WRITE);
	checkpoint(ST_MPROT_MERGE, (uintptr_t)p, 8, 0);

	/*
	 * Move the last 16 pages into a PROT_NONE reservation (covered by a
	 * VMA before the move, as allocators do), away from p.
	 */
	dst = mmap(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(dst + 32 * PG, 32 * PG);	/* room to grow in place below */
	dst += 16 * PG;
	if (mremap(p + 48 * PG, 16 * PG, 16 * PG,
		   MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst)
		_exit(92);
	checkpoint(ST_MREMAP, (uintptr_t)p + 48 * PG, (uintptr_t)dst, 16);
	/* grow in place (the hole has room), then a flags-only madvise */
	if (mremap(dst, 16 * PG, 24 * PG, 0) != dst)
		_exit(95);
	checkpoint(ST_MREMAP_GROW, (uintptr_t)dst, 24, 0);
	if (madvise(dst, 8 * PG, MADV_DONTFORK))
		_exit(96);
	checkpoint(ST_MADVISE, (uintptr_t)dst, 8, 0);

	brk0 = sbrk(0);
	sbrk(16 * PG);
	for (i = 0; i < 16; i++)
		brk0[i * PG] = 3;
	checkpoint(ST_BRK_GROW, (uintptr_t)brk0, 16, 0);
	sbrk(-16 * (long)PG);
	checkpoint(ST_BRK_SHRINK, (uintptr_t)brk0, 16, 0);

	deep(128);	/* ~512 KiB of stack */
	checkpoint(ST_STACK, 0, 0, 0);

	z = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 8; i++)
		sink = z[i * PG];
	checkpoint(ST_ZERO_READ, (uintptr_t)z, 8, 0);
	for (i = 0; i < 8; i++)
		z[i * PG] = 4;
	checkpoint(ST_ZERO_WRITE, (uintptr_t)z, 8, 0);

	fd = open(self, O_RDONLY);
	f = mmap(NULL, 64 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	sink = f[32 * PG];
	checkpoint(ST_FILE, (uintptr_t)f, 64, 0);

	/* THP: a PMD-aligned 2 MiB anonymous range, one write */
	z = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	z = (char *)(((uintptr_t)z + (2 << 20) - 1) & ~((2ul << 20) - 1));
	madvise(z, 2 << 20, MADV_HUGEPAGE);
	z[0] = 6;
	checkpoint(ST_THP, (uintptr_t)z, 512, 0);
	/* half the huge page dropped: split, then CLEAR of the range */
	madvise(z, 1 << 20, MADV_DONTNEED);
	wait_khugepaged((uintptr_t)z);
	checkpoint(ST_DONTNEED, (uintptr_t)z, 256, 0);
	/* and collapsed again, synchronously (MADV_COLLAPSE, 6.1+) */
	i = madvise(z, 2 << 20, 25 /* MADV_COLLAPSE */);
	checkpoint(ST_COLLAPSE, (uintptr_t)z, 512, i ? 1 : 0);
	/*
	 * Soft-offline (root, CONFIG_MEMORY_FAILURE) migrates a page to a
	 * new frame: the new PTE comes from remove_migration_pte, with no
	 * notifier.  The old frames are retired; fine in a test guest.
	 */
	z = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 4; i++)
		z[i * PG] = 7;
	checkpoint(ST_PREMIGRATE, (uintptr_t)z, 4, 0);
	i = madvise(z, 4 * PG, 101 /* MADV_SOFT_OFFLINE */);
	checkpoint(ST_MIGRATE, (uintptr_t)z, 4, i ? 1 : 0);

	/*
	 * KSM: ksmd (a kthread) merges 8 identical pages into one frame
	 * (notifier CLEAR + re-read from another task); a write breaks it.
	 */
	z = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 8; i++)
		memset(z + i * PG, 0x5a, PG);
	i = madvise(z, 8 * PG, MADV_MERGEABLE);
	checkpoint(ST_KSM, (uintptr_t)z, 8, i ? 1 : 0);
	z[0] = 1;
	checkpoint(ST_KSM_COW, (uintptr_t)z, 8, 0);

	snprintf(fds, sizeof(fds), "%d,%d", c2p[1], p2c[0]);
	execl(self, self, "exec-child", fds, (char *)NULL);
	_exit(93);
}

/* After execve: the new image is traced from its first instruction. */
int exec_child(const char *fds)
{
	char *q;
	int i;

	if (sscanf(fds, "%d,%d", &c2p[1], &p2c[0]) != 2)
		return 94;
	q = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 8; i++)
		q[i * PG] = 5;
	checkpoint(ST_EXECED, (uintptr_t)q, 8, 0);
	return 7;
}

