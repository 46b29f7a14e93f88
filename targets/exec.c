// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-exec: maps and writes memory, then execs itself (/proc/self/exe)
 * with --stage2; the new image maps and writes memory again.  The trace
 * must show the old address space vanish and the new one appear, with a
 * checkpoint on each side.
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char usage_text[] =
	"Writes memory, execs itself, writes memory again.\n"
	"  -n, --pages N     pages written on each side (default 32)\n"
	"      --stage2      (internal) the image after exec\n";

static void work(const char *stage, long pages)
{
	size_t len = (size_t)pages * KT_PAGE;
	char *p = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char label[32];

	kt_region(stage, p, len);
	kt_touch(p, len, 1);
	kt_pages(stage, p, len);
	snprintf(label, sizeof(label), "%s-written", stage);
	kt_ckpt(label);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ "stage2", no_argument, NULL, '2' },
		{ 0 }
	};
	long pages = 32;
	int stage2 = 0, c;
	char npages[32];

	kt_init("kmrt-exec", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'n')
			pages = kt_parse_long("--pages", optarg, 1, 1 << 20);
		else if (c == '2')
			stage2 = 1;
	}
	kt_start();
	if (stage2) {
		kt_say("stage2 pid %d", (int)getpid());
		work("after-exec", pages);
		return 0;
	}
	kt_say("stage1 pid %d", (int)getpid());
	work("before-exec", pages);

	snprintf(npages, sizeof(npages), "%ld", pages);
	char *args[] = { argv[0], "--stage2", "--pages", npages,
			 kt_verbose ? "-v" : NULL, NULL };
	fflush(stdout);
	/* The checkpoint directory travels in the environment (kt_start). */
	execv("/proc/self/exe", args);
	kt_die("exec /proc/self/exe");
}
