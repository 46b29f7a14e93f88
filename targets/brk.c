// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-brk: moves the program break directly: grow and write, shrink,
 * grow again (the re-grown pages are new, zero-filled pages).
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <unistd.h>

static const char usage_text[] =
	"Grows and shrinks the heap with sbrk().\n"
	"  -n, --pages N     pages to grow by (default 64)\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ 0 }
	};
	long pages = 64;
	char *base, *top;
	size_t len;
	int c;

	kt_init("kmrt-brk", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'n')
			pages = kt_parse_long("--pages", optarg, 2, 1 << 20);
	}
	kt_start();
	/* Let stdio allocate its buffer now, not between the sbrk calls. */
	kt_say("start");
	len = (size_t)pages * KT_PAGE;
	base = sbrk(0);
	/* Start on a page boundary so every page below is wholly ours. */
	if (sbrk((intptr_t)(-(uintptr_t)base & (KT_PAGE - 1))) == (void *)-1)
		kt_die("sbrk align");
	base = sbrk(0);
	kt_ckpt("before");

	if (sbrk((intptr_t)len) == (void *)-1)
		kt_die("sbrk grow");
	kt_region("grown", base, len);
	kt_touch(base, len, 1);
	kt_pages("grown", base, len);
	kt_ckpt("grown");

	if (sbrk(-(intptr_t)(len / 2)) == (void *)-1)
		kt_die("sbrk shrink");
	top = sbrk(0);
	kt_region("shrunk", base, (size_t)(top - base));
	kt_ckpt("shrunk");

	if (sbrk((intptr_t)(len / 2)) == (void *)-1)
		kt_die("sbrk regrow");
	kt_touch(base + len / 2, len / 2, 0);	/* zero page reads */
	kt_pages("regrown", base, len);
	kt_ckpt("regrown");
	return 0;
}
