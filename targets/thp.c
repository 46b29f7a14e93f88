// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-thp: transparent huge pages where the kernel offers them.  A
 * 2 MiB-aligned anonymous region with MADV_HUGEPAGE gets one write per
 * 2 MiB (a PMD fault maps a huge page when THP is enabled), then a
 * 4 KiB mprotect in the middle splits one huge mapping, then a partial
 * munmap.  "expect thp region N" reports how many huge pages the kernel's
 * own counter (AnonHugePages in /proc/self/smaps) saw after the writes.
 */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE (2u << 20)

static const char usage_text[] =
	"Maps and writes transparent huge pages.\n"
	"  -n, --huge N      2 MiB pages (default 4)\n";

static void read_setting(char *buf, size_t cap)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	snprintf(buf, cap, "unavailable");
	if (f) {
		if (!fgets(buf, (int)cap, f))
			snprintf(buf, cap, "unreadable");
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* AnonHugePages of the VMA starting at @start, in kB (from smaps). */
static long anon_huge_kb(const void *start)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in_vma = 0;
	long kb = -1;

	if (!f)
		kt_die("open /proc/self/smaps");
	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in_vma = 1;
		else if (in_vma && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "huge", required_argument, NULL, 'n' },
		{ 0 }
	};
	long nhuge = 4, kb;
	char setting[128], *raw, *p;
	size_t len;
	int c;

	kt_init("kmrt-thp", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'n')
			nhuge = kt_parse_long("--huge", optarg, 2, 4096);
	}
	kt_start();
	read_setting(setting, sizeof(setting));
	kt_say("thp enabled: %s", setting);
	len = (size_t)nhuge * HUGE;
	/* Over-allocate, then trim to a 2 MiB-aligned region. */
	raw = kt_mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = (char *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (p > raw && munmap(raw, (size_t)(p - raw)))
		kt_die("trim head");
	if (munmap(p + len, (size_t)(raw + HUGE - p)))
		kt_die("trim tail");
	if (madvise(p, len, MADV_HUGEPAGE))
		kt_say("madvise(MADV_HUGEPAGE) failed: THP not built in");
	kt_region("region", p, len);
	for (size_t off = 0; off < len; off += HUGE)
		p[off] = 1;
	kt_ckpt("written");
	kb = anon_huge_kb(p);
	kt_expect("thp", "region", kb < 0 ? 0 : kb / 2048);
	kt_pages("region", p, len);
	kt_hold("written");

	/* A 4 KiB permission change in the first huge page splits it. */
	if (mprotect(p + HUGE / 2, KT_PAGE, PROT_READ))
		kt_die("mprotect");
	kt_ckpt("split");

	if (munmap(p + len - HUGE, HUGE))
		kt_die("munmap last huge page");
	kt_ckpt("unmapped-last");
	return 0;
}
