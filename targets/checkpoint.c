// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoints: /proc/self/maps and /proc/self/pagemap at a known instant.
 * See checkpoint.h for the file format and why nothing here may allocate,
 * write a global, or fault between the two timestamps.
 */
#define _GNU_SOURCE
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAPS_CAP	(1u << 20)	/* /proc/self/maps text */
#define PM_ENTRIES	8192u		/* pagemap entries read per pread */
#define OUT_CAP		(64u << 10)	/* output staging */
#define STACK_DEPTH	(32u << 10)	/* stack touched before a checkpoint */
#define PAGE		4096u

#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)

/* Read-only after ckpt_init, so reading it never faults after a fork. */
static struct {
	int enabled;
	char dir[512];
	uint64_t range_start, range_end;
	unsigned char *buf;		/* the checkpoint's own mapping */
	size_t buf_len;
} cfg;

/* Mutable state lives in the checkpoint buffer, which is rewritten first. */
struct ckpt_state {
	unsigned seq;
	long pid;
	size_t maps_len;
	size_t out_len;
	int out_fd;
	struct rusage ru_before, ru_after;
	char path[1024];
};

static struct ckpt_state *st(void)
{
	return (struct ckpt_state *)cfg.buf;
}

static char *maps_buf(void)
{
	return (char *)cfg.buf + PAGE;
}

static uint64_t *pm_buf(void)
{
	return (uint64_t *)(cfg.buf + PAGE + MAPS_CAP);
}

static char *out_buf(void)
{
	return (char *)cfg.buf + PAGE + MAPS_CAP + PM_ENTRIES * 8;
}

/* Raw system calls: glibc's wrappers may touch thread state (cancellation). */
static long sys_open(const char *path, int flags, int mode)
{
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static long sys_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static long sys_pread(int fd, void *buf, size_t len, uint64_t off)
{
	return syscall(SYS_pread64, fd, buf, len, off);
}

static long sys_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

static void sys_close(int fd)
{
	syscall(SYS_close, fd);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	/* Not the vDSO: its first use would fault in the vvar pages. */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ckpt_init(const char *dir)
{
	size_t len;
	void *p;

	if (!dir)
		dir = getenv(KMRT_CKPT_ENV);
	if (!dir || !*dir)
		return 0;
	len = strlen(dir);
	if (len >= sizeof(cfg.dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(cfg.dir, dir, len + 1);
	cfg.buf_len = PAGE + MAPS_CAP + PM_ENTRIES * 8 + OUT_CAP;
	p = mmap(NULL, cfg.buf_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	cfg.buf = p;
	cfg.enabled = 1;
	return 0;
}

void ckpt_set_range(uint64_t start, uint64_t end)
{
	cfg.range_start = start;
	cfg.range_end = end;
}

int ckpt_enabled(void)
{
	return cfg.enabled;
}

void ckpt_disable(void)
{
	cfg.enabled = 0;
}

void ckpt_buffer_range(uint64_t *start, uint64_t *end)
{
	*start = (uint64_t)(uintptr_t)cfg.buf;
	*end = *start + (cfg.enabled ? cfg.buf_len : 0);
}

/* ---- output staging, no allocation ---- */

static int out_flush(void)
{
	struct ckpt_state *s = st();
	size_t done = 0;

	while (done < s->out_len) {
		long n = sys_write(s->out_fd, out_buf() + done,
				   s->out_len - done);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	s->out_len = 0;
	return 0;
}

static int out_mem(const char *p, size_t len)
{
	struct ckpt_state *s = st();

	while (len) {
		size_t n = OUT_CAP - s->out_len;

		if (n > len)
			n = len;
		memcpy(out_buf() + s->out_len, p, n);
		s->out_len += n;
		p += n;
		len -= n;
		if (s->out_len == OUT_CAP && out_flush())
			return -1;
	}
	return 0;
}

static int out_str(const char *p)
{
	return out_mem(p, strlen(p));
}

static int out_u64(uint64_t v, int hex)
{
	char tmp[24];
	int i = sizeof(tmp);
	unsigned base = hex ? 16 : 10;

	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (hex) {
		tmp[--i] = 'x';
		tmp[--i] = '0';
	}
	return out_mem(tmp + i, sizeof(tmp) - i);
}

/* Appends @s to @dst at *@pos, bounded by @cap; 0 or -1 on overflow. */
static int path_add(char *dst, size_t *pos, size_t cap, const char *s)
{
	size_t len = strlen(s);

	if (*pos + len + 1 > cap)
		return -1;
	memcpy(dst + *pos, s, len + 1);
	*pos += len;
	return 0;
}

static int path_add_u64(char *dst, size_t *pos, size_t cap, uint64_t v,
			int width)
{
	char tmp[24];
	int i = sizeof(tmp) - 1;

	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
		width--;
	} while (v || width > 0);
	return path_add(dst, pos, cap, tmp + i);
}

static int label_ok(const char *label)
{
	size_t n = 0;

	for (; label[n]; n++) {
		char c = label[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return n > 0 && n <= 64;
}

/* ---- the checkpoint ---- */

static uint64_t parse_hex(const char **pp)
{
	const char *p = *pp;
	uint64_t v = 0;

	for (;; p++) {
		char c = *p;

		if (c >= '0' && c <= '9')
			v = v * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint64_t)(c - 'a' + 10);
		else
			break;
	}
	*pp = p;
	return v;
}

static int read_maps(void)
{
	struct ckpt_state *s = st();
	long fd = sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	s->maps_len = 0;
	for (;;) {
		long n = sys_read((int)fd, maps_buf() + s->maps_len,
				  MAPS_CAP - s->maps_len);
		if (n < 0) {
			sys_close((int)fd);
			return -1;
		}
		if (n == 0)
			break;
		s->maps_len += (size_t)n;
		if (s->maps_len == MAPS_CAP) {
			sys_close((int)fd);
			errno = EOVERFLOW;
			return -1;
		}
	}
	sys_close((int)fd);
	return 0;
}

/* Writes the present or swapped pages of [start, end). */
static int dump_pagemap(int pm_fd, uint64_t start, uint64_t end)
{
	uint64_t va = start;

	while (va < end) {
		uint64_t pages = (end - va) / PAGE;
		long n;

		if (pages > PM_ENTRIES)
			pages = PM_ENTRIES;
		n = sys_pread(pm_fd, pm_buf(), pages * 8, va / PAGE * 8);
		if (n < 0)
			return -1;
		if (n == 0)	/* beyond the task size ([vsyscall]) */
			return 0;
		for (long i = 0; i < n / 8; i++, va += PAGE) {
			uint64_t e = pm_buf()[i];

			if (!(e & (PM_PRESENT | PM_SWAP)))
				continue;
			if (out_u64(va, 1) || out_str(" ") || out_u64(e, 1) ||
			    out_str("\n"))
				return -1;
		}
	}
	return 0;
}

static int dump_all_pagemaps(void)
{
	struct ckpt_state *s = st();
	const char *p = maps_buf();
	const char *end = p + s->maps_len;
	long fd = sys_open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -1;
	while (p < end && !ret) {
		uint64_t vs, ve;

		vs = parse_hex(&p);
		p++;			/* '-' */
		ve = parse_hex(&p);
		if (cfg.range_end) {
			if (vs < cfg.range_start)
				vs = cfg.range_start;
			if (ve > cfg.range_end)
				ve = cfg.range_end;
		}
		if (vs < ve)
			ret = dump_pagemap((int)fd, vs, ve);
		while (p < end && *p != '\n')
			p++;
		p++;
	}
	sys_close((int)fd);
	return ret;
}

/* Touches the stack the checkpoint will use, so it cannot grow during one. */
static __attribute__((noinline)) void touch_stack(void)
{
	volatile char pad[STACK_DEPTH];

	for (size_t i = 0; i < sizeof(pad); i += PAGE / 2)
		pad[i] = 0;
	pad[sizeof(pad) - 1] = 0;
}

/*
 * One attempt at a checkpoint; *faults is what it took.  The file is
 * opened with O_TRUNC, so a retried attempt replaces the last one.
 */
static __attribute__((noinline)) int take_once(const char *label,
					       uint64_t *faults_out)
{
	struct ckpt_state *s = st();
	size_t pos = 0;
	uint64_t before, after, faults;
	long fd;
	int ret = -1;

	if (path_add(s->path, &pos, sizeof(s->path), cfg.dir) ||
	    path_add(s->path, &pos, sizeof(s->path), "/ckpt-") ||
	    path_add_u64(s->path, &pos, sizeof(s->path), (uint64_t)s->pid, 0) ||
	    path_add(s->path, &pos, sizeof(s->path), "-") ||
	    path_add_u64(s->path, &pos, sizeof(s->path), s->seq, 3) ||
	    path_add(s->path, &pos, sizeof(s->path), "-") ||
	    path_add(s->path, &pos, sizeof(s->path), label) ||
	    path_add(s->path, &pos, sizeof(s->path), ".txt")) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = sys_open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	s->out_fd = (int)fd;
	s->out_len = 0;

	syscall(SYS_getrusage, RUSAGE_SELF, &s->ru_before);
	before = mono_ns();
	if (read_maps())
		goto close_file;
	if (out_str("kmr-checkpoint 1\nlabel ") || out_str(label) ||
	    out_str("\npid ") || out_u64((uint64_t)s->pid, 0) ||
	    out_str("\nseq ") || out_u64(s->seq, 0) ||
	    out_str("\nrange ") || out_u64(cfg.range_start, 1) ||
	    out_str(" ") || out_u64(cfg.range_end, 1) ||
	    out_str("\nmono_before ") || out_u64(before, 0) ||
	    out_str("\nmaps ") || out_u64(s->maps_len, 0) || out_str("\n") ||
	    out_mem(maps_buf(), s->maps_len) || out_str("pagemap\n") ||
	    dump_all_pagemaps())
		goto close_file;
	after = mono_ns();
	syscall(SYS_getrusage, RUSAGE_SELF, &s->ru_after);
	/* Self-check: a faithful checkpoint took no fault of its own. */
	faults = (uint64_t)(s->ru_after.ru_minflt - s->ru_before.ru_minflt +
			    s->ru_after.ru_majflt - s->ru_before.ru_majflt);
	if (out_str("end\nmono_after ") || out_u64(after, 0) ||
	    out_str("\nfaults_during ") || out_u64(faults, 0) ||
	    out_str("\n") || out_flush())
		goto close_file;
	*faults_out = faults;
	ret = 0;
close_file:
	sys_close(s->out_fd);
	return ret;
}

/*
 * The checkpoint touches only memory it wrote beforehand, so it cannot
 * fault by itself; but the kernel's background work can make it fault:
 * compaction or khugepaged migrating one of its pages leaves a migration
 * entry the next access waits on (seen on a CI host whose THP allocations
 * fell back to compaction).  Such an attempt is retaken: its pagemap may
 * be torn.  A checkpoint that faults every time keeps its last count, and
 * the oracle refuses it.
 */
#define TAKE_ATTEMPTS 8

static int take(const char *label)
{
	uint64_t faults = 0;
	int ret = -1;

	for (int i = 0; i < TAKE_ATTEMPTS; i++) {
		ret = take_once(label, &faults);
		if (ret || faults == 0)
			break;
	}
	return ret;
}

int ckpt_take(const char *label)
{
	struct ckpt_state *s;

	if (!cfg.enabled)
		return 0;
	if (!label_ok(label)) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * Write every page of the buffer (after a fork they are shared
	 * copy-on-write), errno (a failing call writes it), and the stack,
	 * so that the checkpoint itself changes no PTE.
	 */
	for (size_t off = 0; off < cfg.buf_len; off += PAGE)
		((volatile unsigned char *)cfg.buf)[off] = cfg.buf[off];
	errno = 0;
	touch_stack();
	s = st();
	s->seq++;
	s->pid = syscall(SYS_getpid);
	return take(label);
}
