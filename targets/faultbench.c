// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-faultbench: the fault-heavy workload the recorder must keep up with.
 *   touch  write a --size region page by page
 *   fork   fork; the child waits, the parent rewrites every page (one CoW
 *          copy per page); the child exits
 *   churn  --churn times: mmap 64 KiB, write every page, munmap
 * -v prints each phase's duration and page count; -H holds before the
 * first phase; --addr puts the region at a fixed address, so that a
 * recording launched with it can name the region in --range beforehand.
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
	"Touches, CoW-rewrites and churns memory as fast as it can.\n"
	"  -s, --size SIZE   region to touch (default 256M)\n"
	"  -k, --churn K     mmap/munmap iterations (default 4096)\n"
	"      --no-fork     skip the fork phase\n"
	"      --addr ADDR   map the region at ADDR (page aligned; fails if taken)\n";

static uint64_t phase_start;

static void phase_end(const char *name, long pages)
{
	uint64_t ns = kt_mono_ns() - phase_start;

	kt_say("phase %s pages %ld ms %.1f", name, pages, ns / 1e6);
	phase_start = kt_mono_ns();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "size", required_argument, NULL, 's' },
		{ "churn", required_argument, NULL, 'k' },
		{ "no-fork", no_argument, NULL, 'F' },
		{ "addr", required_argument, NULL, 'A' },
		{ 0 }
	};
	size_t size = 256u << 20, churn_len = 64u << 10;
	long churn = 4096, pages;
	int do_fork = 1, c, go[2], map_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *addr = NULL;
	char *p;
	pid_t child;

	kt_init("kmrt-faultbench", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "s:k:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		switch (c) {
		case 's': size = kt_parse_size("--size", optarg); break;
		case 'k': churn = kt_parse_long("--churn", optarg, 0, 1L << 30); break;
		case 'F': do_fork = 0; break;
		case 'A':
			addr = (void *)(uintptr_t)kt_parse_size("--addr", optarg);
			if (!addr || ((uintptr_t)addr & (KT_PAGE - 1)))
				kt_usage_error("--addr must be a non-zero page-aligned address: %s",
					       optarg);
			map_flags |= MAP_FIXED_NOREPLACE;
			break;
		}
	}
	if (size < KT_PAGE)
		kt_usage_error("--size must be at least one page");
	kt_start();
	/* --hold: wait here until a recorder attached (the --lossless cases) */
	kt_hold("start");
	pages = (long)(size / KT_PAGE);
	p = kt_mmap(addr, size, PROT_READ | PROT_WRITE, map_flags, -1, 0);
	if (addr && p != addr)
		kt_die("--addr: the kernel put the region at %p", (void *)p);
	/* Keep THP out: a 4 KiB fault per page is the point. */
	madvise(p, size, MADV_NOHUGEPAGE);
	kt_region("region", p, size);
	phase_start = kt_mono_ns();
	kt_touch(p, size, 1);
	phase_end("touch", pages);
	kt_ckpt("touched");

	if (do_fork) {
		if (pipe(go))
			kt_die("pipe");
		fflush(stdout);
		child = fork();
		if (child < 0)
			kt_die("fork");
		if (!child) {
			char b;

			ckpt_disable();
			close(go[1]);
			_exit(read(go[0], &b, 1) == 1 ? 0 : 3);
		}
		close(go[0]);
		phase_start = kt_mono_ns();
		kt_touch(p, size, 1);
		phase_end("cow", pages);
		kt_expect("cow", "region", pages);
		if (write(go[1], "g", 1) != 1)
			kt_die("wake child");
		close(go[1]);
		waitpid(child, NULL, 0);
		kt_ckpt("rewritten");
	}

	phase_start = kt_mono_ns();
	for (long i = 0; i < churn; i++) {
		char *q = kt_mmap(NULL, churn_len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		kt_touch(q, churn_len, 1);
		if (munmap(q, churn_len))
			kt_die("munmap");
	}
	phase_end("churn", churn * (long)(churn_len / KT_PAGE));
	kt_ckpt("churned");
	return 0;
}
