// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the test targets; see common.h. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int kt_verbose;
static int kt_hold_enabled;
static volatile sig_atomic_t kt_released;
static const char *kt_name = "kmrt";
static const char *kt_usage_text = "";
static const char *kt_ckpt_dir;

void kt_init(const char *name, const char *usage)
{
	kt_name = name;
	kt_usage_text = usage;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options]\n%s"
		"common options:\n"
		"  -v, --verbose          print what the target does (region/expect/pages lines)\n"
		"  -C, --checkpoint DIR   write checkpoints into DIR (default: $" KMRT_CKPT_ENV ")\n"
		"  -H, --hold             stop at the hold points until SIGTERM/SIGINT/SIGUSR1\n"
		"  -h, --help             this text\n",
		kt_name, kt_usage_text);
}

int kt_common_opt(int c, const char *arg)
{
	switch (c) {
	case 'v':
		kt_verbose = 1;
		return 1;
	case 'C':
		kt_ckpt_dir = arg;
		return 1;
	case 'H':
		kt_hold_enabled = 1;
		return 1;
	case 'h':
		usage(stdout);
		exit(0);
	case '?':
		usage(stderr);
		exit(1);
	}
	return 0;
}

void kt_start(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Exported so that an exec'd image (kmrt-exec) keeps checkpointing. */
	if (kt_ckpt_dir && setenv(KMRT_CKPT_ENV, kt_ckpt_dir, 1))
		kt_die("setenv");
	if (ckpt_init(kt_ckpt_dir))
		kt_die("checkpoint directory");
	if (kt_verbose && ckpt_enabled()) {
		uint64_t s, e;

		ckpt_buffer_range(&s, &e);
		printf("region ckptbuf 0x%llx 0x%llx\n", (unsigned long long)s,
		       (unsigned long long)e);
	}
}

void kt_say(const char *fmt, ...)
{
	va_list ap;

	if (!kt_verbose)
		return;
	fputs("note ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void kt_region(const char *name, const void *start, size_t len)
{
	if (kt_verbose)
		printf("region %s %p 0x%llx\n", name, start,
		       (unsigned long long)((uintptr_t)start + len));
}

void kt_expect(const char *key, const char *name, long value)
{
	if (kt_verbose)
		printf("expect %s %s %ld\n", key, name, value);
}

void kt_pages(const char *name, const void *start, size_t len)
{
	uint64_t first_pfn = 0, e;
	size_t present = 0;
	int fd;

	if (!kt_verbose)
		return;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		kt_die("open /proc/self/pagemap");
	for (size_t off = 0; off < len; off += KT_PAGE) {
		uint64_t vpn = ((uintptr_t)start + off) / KT_PAGE;

		if (pread(fd, &e, 8, (off_t)(vpn * 8)) != 8)
			kt_die("read /proc/self/pagemap");
		if (!(e >> 63))
			continue;
		if (!present++)
			first_pfn = e & ((1ULL << 55) - 1);
	}
	close(fd);
	printf("pages %s %zu 0x%llx\n", name, present,
	       (unsigned long long)first_pfn);
}

void kt_die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "%s: ", kt_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(2);
}

void kt_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", kt_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(1);
}

static void on_release(int sig)
{
	(void)sig;
	kt_released = 1;
}

void kt_hold(const char *label)
{
	struct sigaction sa = { .sa_handler = on_release }, old[3];
	static const int sigs[3] = { SIGTERM, SIGINT, SIGUSR1 };
	sigset_t block, prev;

	if (!kt_hold_enabled)
		return;
	/* Block first, so a signal cannot slip in before sigsuspend. */
	sigemptyset(&block);
	for (int i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &prev);
	sigemptyset(&sa.sa_mask);
	kt_released = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	printf("hold %s pid=%d\n", label, (int)getpid());
	fflush(stdout);
	while (!kt_released)
		sigsuspend(&prev);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &prev, NULL);
}

void kt_ckpt(const char *label)
{
	if (!ckpt_enabled())
		return;
	/* stdout first, so the output order matches the order of events. */
	fflush(stdout);
	if (ckpt_take(label))
		kt_die("checkpoint %s", label);
	if (kt_verbose)
		printf("ckpt %s\n", label);
}

void kt_touch(void *p, size_t len, int write)
{
	volatile unsigned char *b = p;

	for (size_t off = 0; off < len; off += KT_PAGE) {
		if (write)
			b[off] = (unsigned char)(off / KT_PAGE + 1);
		else
			(void)b[off];
	}
}

size_t kt_parse_size(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		kt_usage_error("%s: not a size: %s", opt, s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		kt_usage_error("%s: not a size: %s", opt, s);
	return (size_t)v;
}

long kt_parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		kt_usage_error("%s: expected a number in [%ld, %ld]: %s", opt,
			       min, max, s);
	return v;
}

uint64_t kt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void kt_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void *kt_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		kt_die("mmap %zu bytes", len);
	return p;
}
