// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-stack: grows the main stack by recursion (page-sized frames, each
 * written), takes a checkpoint at the deepest point and again after
 * returning (the stack VMA stays grown; its pages stay present).
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>

static const char usage_text[] =
	"Grows the stack by recursion.\n"
	"  -k, --depth KIB   stack to grow, KiB (default 512)\n";

static volatile char *deepest;

static __attribute__((noinline)) void recurse(long frames)
{
	volatile char frame[KT_PAGE];

	frame[0] = (char)frames;
	frame[sizeof(frame) - 1] = (char)frames;
	if (frames > 1) {
		recurse(frames - 1);
	} else {
		deepest = frame;
		kt_ckpt("deepest");
	}
	/* Use the frame after the call: no tail call, every frame stays. */
	frame[1] = frame[0];
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "depth", required_argument, NULL, 'k' },
		{ 0 }
	};
	long kib = 512;
	volatile char top;
	int c;

	kt_init("kmrt-stack", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "k:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'k')
			kib = kt_parse_long("--depth", optarg, 4, 6 << 10);
	}
	kt_start();
	top = 0;
	kt_say("stack top near %p", (void *)&top);
	kt_ckpt("before");
	recurse(kib / 4);
	kt_region("grown", (const void *)deepest,
		  (size_t)((const char *)&top - (const char *)deepest));
	kt_ckpt("returned");
	return top;
}
