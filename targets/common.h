/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test target shares: option parsing for the common flags,
 * "what I did" output, page touching, checkpoints.
 *
 * Verbose output (-v) is line oriented and meant for scripts as well as
 * people; every line starts with a keyword:
 *
 *   region NAME START END        a memory region the target works on (hex)
 *   expect KEY NAME VALUE        a count the trace must show, e.g.
 *                                "expect cow anon 48": 48 CoW copies in
 *                                the VMA of region "anon"
 *   pages NAME PRESENT FIRSTPFN  pagemap view of a region (pfn 0 unless root)
 *   ckpt LABEL                   a checkpoint was taken
 *   hold LABEL pid=PID           waiting for a signal (--hold, even without -v)
 *   note TEXT                    anything else
 */
#ifndef KMRT_COMMON_H
#define KMRT_COMMON_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"

#define KT_PAGE 4096u

#define KT_COMMON_SHORT "vhHC:"
#define KT_COMMON_LONG                                   \
	{ "verbose", no_argument, NULL, 'v' },           \
	{ "help", no_argument, NULL, 'h' },              \
	{ "hold", no_argument, NULL, 'H' },              \
	{ "checkpoint", required_argument, NULL, 'C' }

/* Call once first: @name is the program name used in messages. */
void kt_init(const char *name, const char *usage);

/* Handles the common options; returns 1 if @c was one of them. */
int kt_common_opt(int c, const char *arg);

/* Call after option parsing: enables checkpoints, line-buffers stdout. */
void kt_start(void);

extern int kt_verbose;

void kt_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kt_region(const char *name, const void *start, size_t len);
void kt_expect(const char *key, const char *name, long value);
void kt_pages(const char *name, const void *start, size_t len);
_Noreturn void kt_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
_Noreturn void kt_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * With --hold: prints "hold LABEL pid=PID" (always), flushes stdout and
 * waits for SIGTERM, SIGINT or SIGUSR1, then returns so the program goes
 * on.  For kmemfetch's tests, which read the target while it holds.
 */
void kt_hold(const char *label);

/* Takes checkpoint @label (when enabled); dies on failure. */
void kt_ckpt(const char *label);

/* Writes (or reads) one byte in every page of [p, p + len). */
void kt_touch(void *p, size_t len, int write);

/* Parses "123", "64K", "256M", "1G"; dies on bad input. */
size_t kt_parse_size(const char *opt, const char *s);
long kt_parse_long(const char *opt, const char *s, long min, long max);

uint64_t kt_mono_ns(void);
void kt_sleep_ms(long ms);

/* mmap that dies on failure. */
void *kt_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);

#endif
