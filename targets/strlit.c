// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-strlit: prints a string literal in a loop until killed (or --count
 * iterations), so that kmemfetch can overwrite the read-only literal in
 * this process (FOLL_FORCE) and the change shows in the output.
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <unistd.h>

static const char usage_text[] =
	"Prints a string literal, its address and pid in a loop.\n"
	"  -i, --interval MS  period (default 500)\n"
	"  -c, --count K      iterations, 0 = until killed (default 0)\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ 0 }
	};
	/*
	 * A volatile pointer: the compiler knows nothing about the text, so
	 * printf reads the literal's bytes every time (they may change).
	 */
	const char *volatile lit = "Hello from a string literal!";
	long interval = 500, count = 0;
	int c;

	kt_init("kmrt-strlit", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "i:c:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'i')
			interval = kt_parse_long("--interval", optarg, 1, 3600000);
		else if (c == 'c')
			count = kt_parse_long("--count", optarg, 0, 1L << 40);
	}
	kt_start();
	kt_ckpt("start");
	kt_region("literal", lit, 29);
	for (long i = 0; !count || i < count; i++) {
		printf("strlit pid=%d addr=%p text=\"%s\"\n", (int)getpid(),
		       (const void *)lit, lit);
		fflush(stdout);
		kt_sleep_ms(interval);
	}
	kt_ckpt("end");
	return 0;
}
