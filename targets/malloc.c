// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-malloc: what malloc does to the address space.  Small blocks come
 * from the brk heap, large ones (above the mmap threshold) get their own
 * mapping; freeing a large block unmaps it, freeing the small ones lets
 * the heap shrink (trim).
 */
#define _GNU_SOURCE
#include "common.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"Allocates, writes and frees small and large blocks.\n"
	"  -s, --small N     number of small blocks (default 4096)\n"
	"  -S, --small-size B  bytes per small block (default 256)\n"
	"  -l, --large SIZE  bytes of the large block (default 1M)\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "small", required_argument, NULL, 's' },
		{ "small-size", required_argument, NULL, 'S' },
		{ "large", required_argument, NULL, 'l' },
		{ 0 }
	};
	long nsmall = 4096;
	size_t small_size = 256, large_size = 1 << 20;
	char **small;
	char *large;
	int c;

	kt_init("kmrt-malloc", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "s:S:l:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 's')
			nsmall = kt_parse_long("--small", optarg, 1, 1 << 24);
		else if (c == 'S')
			small_size = kt_parse_size("--small-size", optarg);
		else if (c == 'l')
			large_size = kt_parse_size("--large", optarg);
	}
	if (small_size < 1 || small_size > 4096)
		kt_usage_error("--small-size must be in [1, 4096]");
	if (large_size < 256 << 10)
		kt_usage_error("--large must be at least 256K (above the mmap threshold)");
	kt_start();
	/* Fixed thresholds: glibc's dynamic mmap threshold would move them. */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	kt_say("brk before %p", sbrk(0));

	small = malloc((size_t)nsmall * sizeof(*small));
	if (!small)
		kt_die("malloc");
	for (long i = 0; i < nsmall; i++) {
		small[i] = malloc(small_size);
		if (!small[i])
			kt_die("malloc small");
		memset(small[i], (int)i, small_size);
	}
	kt_say("small blocks %p .. %p, brk %p", small[0], small[nsmall - 1],
	       sbrk(0));
	kt_ckpt("small-allocated");

	large = malloc(large_size);
	if (!large)
		kt_die("malloc large");
	memset(large, 0x5a, large_size);
	kt_region("large", large, large_size);
	kt_pages("large", large, large_size);
	kt_ckpt("large-allocated");
	kt_hold("large-allocated");

	free(large);
	kt_ckpt("large-freed");

	for (long i = nsmall - 1; i >= 0; i--)
		free(small[i]);
	free(small);
	malloc_trim(0);
	kt_say("brk after %p", sbrk(0));
	kt_ckpt("small-freed");
	return 0;
}
