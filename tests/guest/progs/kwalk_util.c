// SPDX-License-Identifier: GPL-2.0
/* Small helpers of the kwalk guest tests (kwalk_check.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kwalk_check.h"

int kw_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

long long kw_read_ll(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	long long v;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void kw_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		kc_die("pin to CPU %d: %s", cpu, strerror(errno));
}

int kw_ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

uint64_t kw_pagemap(pid_t pid, uint64_t vaddr)
{
	char path[64];
	uint64_t e;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		kc_die("%s: %s", path, strerror(errno));
	if (pread(fd, &e, 8, (off_t)(vaddr / KW_PAGE * 8)) != 8)
		kc_die("%s at %#llx: %s", path, (unsigned long long)vaddr,
		       strerror(errno));
	close(fd);
	return e;
}

uint64_t kw_pagemap_pfn(pid_t pid, uint64_t vaddr)
{
	uint64_t e = kw_pagemap(pid, vaddr);

	return (e >> 63) ? e & ((1ull << 55) - 1) : 0;
}

bool kw_set_walk_delay(unsigned int ms)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", ms);
	return !kw_write_file("/sys/module/kmemrec/parameters/test_walk_delay_ms",
			      v);
}

void *kw_map_at(uint64_t addr, uint64_t len, int prot, int flags)
{
	void *p = mmap((void *)addr, len, prot,
		       flags | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || p != (void *)addr)
		kc_die("mmap at %#llx: %s", (unsigned long long)addr,
		       p == MAP_FAILED ? strerror(errno) : "elsewhere");
	return p;
}

double kw_ms_since(uint64_t t0)
{
	return (kc_now() - t0) / 1e6;
}
