// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-crash: runs a while, then dies the way --end says (the flight
 * recorder's triggers).
 *   --rounds N     N rounds (default 20), each: mmap --size (default 2M),
 *                  write every page, checkpoint "round-I", munmap every
 *                  other round's region, sleep --interval ms (default 100)
 *   --end segv     (default) write 'A' to a page, make it read-only, print
 *                  "crash-page ADDR", write to it: SIGSEGV
 *   --end abort    abort(): SIGABRT
 *   --end oom      allocate and write 4 MiB blocks until killed (run it in a
 *                  memory-limited cgroup: the OOM killer's SIGKILL)
 *   --end exit     exit 0
 *   --end wait     wait for a signal (SIGUSR1 tests: --interval apart)
 */
#define _GNU_SOURCE
#include "common.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char usage_text[] =
	"Runs a while, then crashes (the flight recorder's test target).\n"
	"  -r, --rounds N      rounds of mmap/write/munmap (default 20)\n"
	"  -s, --size SIZE     region per round (default 2M)\n"
	"  -i, --interval MS   sleep between rounds (default 100)\n"
	"  -e, --end HOW       segv, abort, oom, exit or wait (default segv)\n";

static void end_segv(void)
{
	char *p = kt_mmap(NULL, KT_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char *v = p;

	p[0] = 'A';
	if (mprotect(p, KT_PAGE, PROT_READ))
		kt_die("mprotect");
	kt_say("crash-page %lx", (unsigned long)p);
	fflush(stdout);
	v[1] = 'B';	/* SIGSEGV: the page is read-only */
	kt_die("the write to a read-only page did not fault");
}

static void end_oom(void)
{
	const size_t block = 4u << 20;

	kt_say("oom allocating");
	fflush(stdout);
	for (;;) {
		char *p = kt_mmap(NULL, block, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		kt_touch(p, block, 1);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "rounds", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "end", required_argument, NULL, 'e' },
		{ 0 }
	};
	long rounds = 20, interval = 100;
	size_t size = 2u << 20;
	const char *end = "segv";
	char label[32];
	int c;

	kt_init("kmrt-crash", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "r:s:i:e:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		switch (c) {
		case 'r': rounds = kt_parse_long("--rounds", optarg, 0, 1L << 20); break;
		case 's': size = kt_parse_size("--size", optarg); break;
		case 'i': interval = kt_parse_long("--interval", optarg, 0, 3600000); break;
		case 'e': end = optarg; break;
		}
	}
	if (strcmp(end, "segv") && strcmp(end, "abort") && strcmp(end, "oom") &&
	    strcmp(end, "exit") && strcmp(end, "wait"))
		kt_usage_error("--end takes segv, abort, oom, exit or wait");
	if (size < KT_PAGE)
		kt_usage_error("--size must be at least one page");
	kt_start();
	kt_hold("start");
	for (long i = 0; i < rounds; i++) {
		char *p = kt_mmap(NULL, size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		/* a 4 KiB fault per page: the trace's size follows --size */
		madvise(p, size, MADV_NOHUGEPAGE);
		kt_touch(p, size, 1);
		snprintf(label, sizeof(label), "round-%ld", i);
		kt_ckpt(label);
		if (i & 1 && munmap(p, size))
			kt_die("munmap");
		kt_sleep_ms(interval);
	}
	kt_say("rounds done");
	fflush(stdout);
	if (!strcmp(end, "segv"))
		end_segv();
	if (!strcmp(end, "abort"))
		abort();
	if (!strcmp(end, "oom"))
		end_oom();
	if (!strcmp(end, "wait"))
		pause();
	return 0;
}
