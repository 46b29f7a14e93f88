// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-mremap: grows a mapping in place, shrinks it, then moves it to a
 * chosen address (the pages keep their frames: the pfns at the new address
 * are the old ones).
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <sys/mman.h>

static const char usage_text[] =
	"Grows, shrinks and moves a mapping with mremap().\n"
	"  -n, --pages N     pages in the mapping (default 16)\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ 0 }
	};
	long pages = 16;
	char *p, *q, *dst;
	size_t len;
	int c;

	kt_init("kmrt-mremap", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'n')
			pages = kt_parse_long("--pages", optarg, 1, 1 << 20);
	}
	kt_start();
	len = (size_t)pages * KT_PAGE;

	/* Reserve room to grow and a destination, then free the room. */
	p = kt_mmap(NULL, 6 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = p + 4 * len;
	if (munmap(p, 4 * len))
		kt_die("munmap reserve");
	p = kt_mmap(p, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	kt_region("map", p, len);
	kt_touch(p, len, 1);
	kt_pages("map", p, len);
	kt_ckpt("mapped");

	q = mremap(p, len, 2 * len, 0);
	if (q == MAP_FAILED)
		kt_die("mremap grow in place");
	kt_region("grown", q, 2 * len);
	kt_touch(q + len, len, 1);
	kt_ckpt("grown");

	q = mremap(p, 2 * len, len, 0);
	if (q == MAP_FAILED)
		kt_die("mremap shrink");
	kt_region("shrunk", q, len);
	kt_ckpt("shrunk");

	/* dst is still reserved PROT_NONE: MREMAP_FIXED replaces it. */
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (q == MAP_FAILED)
		kt_die("mremap move");
	kt_region("moved", q, len);
	kt_pages("moved", q, len);
	kt_ckpt("moved");

	if (munmap(q, 2 * len))
		kt_die("munmap");
	kt_ckpt("unmapped");
	return 0;
}
