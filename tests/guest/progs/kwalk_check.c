// SPDX-License-Identifier: GPL-2.0
/*
 * kwalk_check: guest tests of page-table walks, the privilege of physical
 * addresses, ring memory and snapshots.  One subcommand per check
 * (tests/guest/cases/kwalk_*.sh); each prints what it measured and
 * "kwalk_check <cmd>: PASS", or why it failed.  Exit 77: cannot run here.
 */
#include <stdio.h>
#include <string.h>
#include "kwalk_check.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} kw_cmds[] = {
	{ "walkrace", kw_walkrace, "[iters] [ms]: WALK vs munmap, stalled walks" },
	{ "churn", kw_churn, "[s] [snaps]: walks, snapshots, resyncs vs churn" },
	{ "frozen", kw_frozen, "[frozen|garbage] [pages]: START vs a stuck reader" },
	{ "vmas", kw_vmas, "[n]: 2n VMAs through 64 KiB rings == maps" },
	{ "hotplug", kw_hotplug, ": drops of a CPU gone offline reported" },
	{ "ringcap", kw_ringcap, "[MiB]: ATTACHes past the ring cap: ENOSPC" },
	{ "memcg", kw_memcg, "[MiB]: rings charged to the caller's cgroup" },
	{ "pfns", kw_pfns, ": pfns for root's file only, none for nobody's" },
	{ "as-uid", kw_as_uid, "UID CMD...: run CMD as UID:UID" },
};

int main(int argc, char **argv)
{
	size_t i;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc >= 2 && i < sizeof(kw_cmds) / sizeof(kw_cmds[0]); i++) {
		if (strcmp(argv[1], kw_cmds[i].name))
			continue;
		r = kw_cmds[i].fn(argc - 2, argv + 2);
		printf("kwalk_check %s: %s\n", argv[1], r ? "FAIL" : "PASS");
		return r ? 1 : 0;
	}
	fprintf(stderr, "usage: kwalk_check <command> [args]\n");
	for (i = 0; i < sizeof(kw_cmds) / sizeof(kw_cmds[0]); i++)
		fprintf(stderr, "  %s %s\n", kw_cmds[i].name, kw_cmds[i].help);
	return 2;
}
