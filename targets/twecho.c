// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-twecho: prints its arguments (their addresses on the initial stack
 * and their text) in a loop until killed (or --count iterations), so that
 * kmemfetch can read or change another process's argv.
 * Arguments after "--" (or every non-option) are echoed.
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <unistd.h>

static const char usage_text[] =
	"Prints its non-option arguments in a loop: kmrt-twecho [options] [--] words...\n"
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
	long interval = 500, count = 0;
	int c;

	kt_init("kmrt-twecho", usage_text);
	/* '+': stop at the first word, so words may start with '-' after it. */
	while ((c = getopt_long(argc, argv, "+" KT_COMMON_SHORT "i:c:", opts,
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
	for (long i = 0; !count || i < count; i++) {
		printf("twecho pid=%d", (int)getpid());
		for (int a = optind; a < argc; a++)
			printf(" argv[%d]@%p=\"%s\"", a, (void *)argv[a],
			       argv[a]);
		putchar('\n');
		fflush(stdout);
		kt_sleep_ms(interval);
	}
	kt_ckpt("end");
	return 0;
}
