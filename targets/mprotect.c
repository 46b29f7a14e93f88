// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-mprotect: splits a VMA with mprotect (read-only middle, then a
 * PROT_NONE part), merges it back, and writes it again.
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <sys/mman.h>

static const char usage_text[] =
	"Splits and merges a mapping with mprotect().\n"
	"  -n, --pages N     pages in the mapping, multiple of 4 (default 16)\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ 0 }
	};
	long pages = 16;
	size_t len, q;
	char *p;
	int c;

	kt_init("kmrt-mprotect", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'n')
			pages = kt_parse_long("--pages", optarg, 4, 1 << 20);
	}
	if (pages % 4)
		kt_usage_error("--pages must be a multiple of 4");
	kt_start();
	len = (size_t)pages * KT_PAGE;
	q = len / 4;
	p = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kt_region("map", p, len);
	kt_touch(p, len, 1);
	kt_ckpt("written");

	if (mprotect(p + q, q, PROT_READ))
		kt_die("mprotect read-only");
	kt_region("readonly", p + q, q);
	kt_ckpt("split-readonly");

	if (mprotect(p + 2 * q, q, PROT_NONE))
		kt_die("mprotect none");
	kt_region("none", p + 2 * q, q);
	kt_ckpt("split-none");

	if (mprotect(p, len, PROT_READ | PROT_WRITE))
		kt_die("mprotect back");
	kt_ckpt("merged");

	kt_touch(p, len, 1);
	kt_pages("map", p, len);
	kt_ckpt("rewritten");

	if (mprotect(p, len, PROT_READ | PROT_EXEC))
		kt_die("mprotect exec");
	kt_ckpt("exec");
	return 0;
}
