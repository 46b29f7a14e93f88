/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwalk_check: guest tests of page-table walks, the privilege of physical
 * addresses, ring memory and snapshots (tests/guest/cases/kwalk_*.sh).
 * Built on the kcore reader and model (kcore_rec.h), which check the module
 * against /proc/<pid>/maps and pagemap.
 */
#ifndef KWALK_CHECK_H
#define KWALK_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "kcore_rec.h"

#define KW_PAGE		4096ull
#define KW_PMD		(2ull << 20)

/* Exit code for "cannot run here" (the case turns it into SKIP). */
#define KW_SKIP		77

/* Subcommands (0 = pass; failures exit through kc_die()). */
int kw_walkrace(int argc, char **argv);		/* kwalk_race.c */
int kw_churn(int argc, char **argv);		/* kwalk_race.c */
int kw_frozen(int argc, char **argv);		/* kwalk_snap.c */
int kw_vmas(int argc, char **argv);		/* kwalk_snap.c */
int kw_hotplug(int argc, char **argv);		/* kwalk_ring.c */
int kw_ringcap(int argc, char **argv);		/* kwalk_ring.c */
int kw_memcg(int argc, char **argv);		/* kwalk_ring.c */
int kw_pfns(int argc, char **argv);		/* kwalk_pfn.c */
int kw_as_uid(int argc, char **argv);		/* kwalk_pfn.c */

/* kwalk_util.c */
/* Write @val to a sysfs/procfs file; -errno. */
int kw_write_file(const char *path, const char *val);
/* Read an integer from a file; -1 if unreadable. */
long long kw_read_ll(const char *path);
/* Pin the calling thread to @cpu, or die. */
void kw_pin(int cpu);
/* CPUs this process may run on. */
int kw_ncpus(void);
/* /proc/<pid>/pagemap entry of @vaddr, or die. */
uint64_t kw_pagemap(pid_t pid, uint64_t vaddr);
/* The pfn pagemap shows for @vaddr (0 when not present). */
uint64_t kw_pagemap_pfn(pid_t pid, uint64_t vaddr);
/* Set the module's test_walk_delay_ms parameter; false if it has none. */
bool kw_set_walk_delay(unsigned int ms);
/* Map @len bytes at exactly @addr (MAP_FIXED_NOREPLACE), or die. */
void *kw_map_at(uint64_t addr, uint64_t len, int prot, int flags);
/* Milliseconds elapsed since @t0 (kc_now() units). */
double kw_ms_since(uint64_t t0);

#endif /* KWALK_CHECK_H */
