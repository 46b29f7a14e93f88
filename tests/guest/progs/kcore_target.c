// SPDX-License-Identifier: GPL-2.0
/* Targets for the kcore guest tests (kcore_target.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_rec.h"
#include "kcore_target.h"

#define KT_PAGE		4096ul
#define KT_HUGE		(2ul << 20)

static volatile sig_atomic_t kt_go;

static void kt_on_usr1(int sig)
{
	(void)sig;
	kt_go = 1;
}

static void *kt_map(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		kc_die("target: mmap %zu: %s", len, strerror(errno));
	return p;
}

/* A file whose name holds a newline: maps prints it as \012. */
static int kt_file(void)
{
	static const char name[] = "/tmp/kcore target\nfile";
	char buf[KT_PAGE];
	int fd, i;

	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		kc_die("target: %s: %s", name, strerror(errno));
	for (i = 0; i < 16; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			kc_die("target: write file");
	}
	return fd;
}

/*
 * With 5-level paging, two written pages above the 47-bit boundary (the
 * kernel hands them out only for an explicit hint): walks must not assume
 * 4 levels.  Without it the hint fails and nothing is mapped.
 */
static void kt_high(void)
{
	volatile char *p = mmap((void *)KT_HIGH_ADDR, 2 * KT_PAGE,
				PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS |
				MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	p[KT_PAGE] = 2;
}

static void kt_rich(void)
{
	volatile char *zero, *file, *shared, *thp;
	uintptr_t a;
	int fd = kt_file(), i;
	char sum = 0;

	/* Read-only touches of anon memory map the shared zero page. */
	zero = kt_map(16 * KT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	for (i = 0; i < 16; i++)
		sum += zero[i * KT_PAGE];
	/* A private file mapping: read faults map neighbours (fault-around). */
	file = kt_map(16 * KT_PAGE, PROT_READ, MAP_PRIVATE, fd);
	sum += file[0] + file[8 * KT_PAGE];
	close(fd);
	/* Shared anonymous memory is a shmem file: "/dev/zero (deleted)". */
	shared = kt_map(4 * KT_PAGE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1);
	for (i = 0; i < 4; i++)
		shared[i * KT_PAGE] = 1;
	/* Two PMD-aligned huge pages (when THP is enabled). */
	thp = kt_map(4 * KT_HUGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1);
	a = ((uintptr_t)thp + KT_HUGE - 1) & ~(KT_HUGE - 1);
	madvise((void *)a, 2 * KT_HUGE, MADV_HUGEPAGE);
	((volatile char *)a)[0] = 1;
	((volatile char *)a)[KT_HUGE] = 1;
	kt_high();
	(void)sum;
}

void kt_touch_loop(void)
{
	const size_t n = 256;
	volatile char *p;
	size_t i;

	for (;;) {
		p = kt_map(n * KT_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1);
		for (i = 0; i < n; i++)
			p[i * KT_PAGE] = 1;
		munmap((void *)p, n * KT_PAGE);
	}
}

static void kt_stats_work(int wfd)
{
	struct kt_stats_work w;
	volatile char *a, *b;
	char sum = 0;
	int i;

	a = kt_map(64 * KT_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1);
	b = kt_map(32 * KT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	for (i = 0; i < 64; i++)
		a[i * KT_PAGE] = 1;
	for (i = 0; i < 32; i++)
		sum += b[i * KT_PAGE];
	if (!fork()) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	for (i = 0; i < 16; i++)
		a[i * KT_PAGE] = 2;
	w.a = (uintptr_t)a;
	w.b = (uintptr_t)b;
	if (write(wfd, &w, sizeof(w)) != sizeof(w))
		_exit(2);
	(void)sum;
	for (;;)
		pause();
}

static void kt_child(int wfd, unsigned long pages, int flags,
		     enum kt_then then)
{
	volatile char *anon;
	unsigned long i;

	signal(SIGUSR1, kt_on_usr1);
	anon = kt_map(pages * KT_PAGE + KT_PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (flags & KT_NOHUGE)
		madvise((void *)anon, pages * KT_PAGE + KT_PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i += (flags & KT_SPARSE) ? 2 : 1)
		anon[i * KT_PAGE] = (char)i;
	if (flags & KT_RICH) {
		/* Split the anon VMA: its last 4 pages read-only. */
		mprotect((void *)(anon + (pages - 4) * KT_PAGE), 4 * KT_PAGE,
			 PROT_READ);
		kt_rich();
	}
	if (write(wfd, "r", 1) != 1)
		_exit(2);
	if (then == KT_PAUSE)
		for (;;)
			pause();
	while (!kt_go)
		pause();
	if (then == KT_EXIT)
		_exit(7);
	if (then == KT_STATS)
		kt_stats_work(wfd);
	kt_touch_loop();
}

void kt_spawn(struct kt_target *t, unsigned long pages, int flags,
	      enum kt_then then)
{
	int p[2];
	char c;

	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	t->pid = fork();
	if (t->pid < 0)
		kc_die("fork: %s", strerror(errno));
	if (!t->pid) {
		close(p[0]);
		kt_child(p[1], pages, flags, then);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		kc_die("target %d died before it was ready", t->pid);
	t->ready_fd = p[0];
}

void kt_stop(struct kt_target *t)
{
	int st;

	kill(t->pid, SIGSTOP);
	if (waitpid(t->pid, &st, WUNTRACED) != t->pid || !WIFSTOPPED(st))
		kc_die("target %d did not stop", t->pid);
}

void kt_cont(struct kt_target *t)
{
	kill(t->pid, SIGCONT);
}

void kt_kill(struct kt_target *t)
{
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(t->ready_fd);
	t->pid = 0;
}

int kt_wait(struct kt_target *t)
{
	int st = 0;

	if (waitpid(t->pid, &st, 0) != t->pid)
		kc_die("waitpid %d: %s", t->pid, strerror(errno));
	close(t->ready_fd);
	t->pid = 0;
	return st;
}
