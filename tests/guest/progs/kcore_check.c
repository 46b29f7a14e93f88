// SPDX-License-Identifier: GPL-2.0
/*
 * kcore_check: the kmemrec core against the kernel's own truth, inside the
 * guest.  One subcommand per case (tests/guest/cases/kcore_*.sh); each
 * prints what it measured and "kcore_check <cmd>: PASS", or why it failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_check.h"
#include "kcore_target.h"

static uint64_t kc_lost_total(const struct kc_sess *k)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < k->at.nr_rings; i++)
		sum += __atomic_load_n(&k->ctl->ring[i].lost, __ATOMIC_RELAXED);
	return sum;
}

/* "Name:   N kB" from a /proc file, -1 when absent. */
static long kc_proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static void kc_count_flags(const struct km_model *m, uint32_t flag,
			   uint64_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < m->cap; i++)
		if (m->pvpn[i] && (KMR_PTE_FLAGS(m->pent[i]) & flag))
			(*n)++;
}

/* The CPU and kernel run 5-level paging (la57 in /proc/cpuinfo's flags). */
static bool kc_la57(void)
{
	char line[4096];
	bool yes = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		yes = !strncmp(line, "flags", 5) && strstr(line, " la57");
	fclose(f);
	return yes;
}

/*
 * snapshot [pages] [rich|plain|sparse] [ring bytes]: START's snapshot ==
 * maps + pagemap.  "plain" targets have only their anon pages, as 4 KiB
 * pages; "sparse" writes every other one of them (one record per page); a
 * ring smaller than the snapshot makes START wait for the reader.
 */
int check_snapshot(int argc, char **argv)
{
	unsigned long pages = argc > 0 ? strtoul(argv[0], NULL, 0) : 64;
	const char *mode = argc > 1 ? argv[1] : "rich";
	int rich = !strcmp(mode, "rich");
	int flags = rich ? KT_RICH : !strcmp(mode, "sparse") ?
		    KT_NOHUGE | KT_SPARSE : KT_NOHUGE;
	uint64_t ring = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	uint64_t t0, t1, cmp_pages, zero, huge, anon;
	char path[64];
	long diffs, thp_kb;
	int r;

	kt_spawn(&t, pages, flags, KT_PAUSE);
	kt_stop(&t);
	kc_session(&k, t.pid, ring, 0);
	km_init(&m);
	t0 = kc_now();
	r = kc_start_draining(&k, km_apply, &m);
	t1 = kc_now();
	if (r)
		kc_die("START: %s", strerror(-r));
	r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
	if (r || kc_drain_final(&k, km_apply, &m))
		kc_die("STOP/drain failed");
	if (m.snapshots[KMR_SNAP_START] != 1 || m.kinds[KMR_EV_LOST])
		kc_die("expected one START snapshot and no loss: %" PRIu64 " snapshots, %" PRIu64 " LOST",
		       m.snapshots[KMR_SNAP_START], m.kinds[KMR_EV_LOST]);
	if (m.snap_vmas != m.end_vmas || m.snap_ptes != m.end_ptes)
		kc_die("SNAPSHOT_END counts %" PRIu64 " VMAs %" PRIu64 " PTEs, records %" PRIu64 " / %" PRIu64,
		       m.end_vmas, m.end_ptes, m.snap_vmas, m.snap_ptes);
	diffs = km_compare(&m, t.pid, 30, &cmp_pages);
	kc_count_flags(&m, KMR_PTE_ZERO, &zero);
	kc_count_flags(&m, KMR_PTE_HUGE, &huge);
	kc_count_flags(&m, KMR_PTE_ANON, &anon);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", t.pid);
	thp_kb = kc_proc_kb(path, "AnonHugePages");
	printf("snapshot: %" PRIu64 " VMAs, %" PRIu64 " present pages (%" PRIu64 " anon, %" PRIu64 " zero, %" PRIu64 " in huge leaves; AnonHugePages %ld kB), %" PRIu64 " records, %llu-byte rings, START took %.1f ms\n",
	       m.end_vmas, cmp_pages, anon, zero, huge, thp_kb,
	       k.delivered, (unsigned long long)k.ctl->ring_size,
	       (t1 - t0) / 1e6);
	if (rich)
		printf("snapshot: 5-level paging %s, page above 47 bits %s\n",
		       kc_la57() ? "on" : "off",
		       km_pte(&m, KT_HIGH_ADDR) ? "traced" : "absent");
	printf("snapshot: %.0f records/s, %.0f present pages/s through START\n",
	       k.delivered / ((t1 - t0) / 1e9), cmp_pages / ((t1 - t0) / 1e9));
	if (diffs)
		kc_die("snapshot differs from maps/pagemap in %ld places", diffs);
	if (flags & KT_SPARSE)
		pages /= 2;
	if (cmp_pages < pages || anon < pages)
		kc_die("fewer present pages than the target wrote");
	if (rich && zero < 16)
		kc_die("the 16 zero-page reads are not marked KMR_PTE_ZERO");
	if (rich && kc_la57() &&
	    !(KMR_PTE_FLAGS(km_pte(&m, KT_HIGH_ADDR)) & KMR_PTE_PRESENT))
		kc_die("5-level paging: the page at %#llx above 47 bits is not in the snapshot",
		       KT_HIGH_ADDR);
	if (thp_kb >= 0 && huge * 4 != (uint64_t)thp_kb)
		kc_die("huge-leaf pages %" PRIu64 " != AnonHugePages %ld kB / 4",
		       huge, thp_kb);
	kc_close(&k);
	kt_kill(&t);
	km_free(&m);
	return 0;
}

/*
 * lost: a 64 KiB ring nobody reads overflows while the target faults; every
 * drop is counted and reported by LOST records placed at the gaps, and once
 * the reader catches up a RESYNC snapshot brings the model back to the
 * kernel's truth.
 */
int check_lost(int argc, char **argv)
{
	struct kmr_stats st = { 0 };
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	uint64_t lost1, deadline, cmp_pages;
	long diffs;
	int r;

	(void)argc;
	(void)argv;
	kt_spawn(&t, 16, 0, KT_TOUCH);
	kt_stop(&t);
	kc_session(&k, t.pid, KMR_RING_SIZE_MIN, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	/* The target faults for 1.5 s while nobody reads. */
	kt_cont(&t);
	kill(t.pid, SIGUSR1);
	usleep(1500 * 1000);
	kt_stop(&t);
	lost1 = kc_lost_total(&k);
	if (!lost1)
		kc_die("no record was dropped with a %llu-byte ring",
		       (unsigned long long)KMR_RING_SIZE_MIN);
	/* Read: every drop reported, then a resync that saw no new drop. */
	deadline = kc_now() + 30000000000ull;
	while (m.lost != kc_lost_total(&k) || m.unknown || m.in_snapshot ||
	       !m.snapshots[KMR_SNAP_RESYNC]) {
		if (kc_now() > deadline)
			kc_die("no complete resync within 30 s: %" PRIu64 " of %" PRIu64 " drops reported, %" PRIu64 " resyncs, unknown %d",
			       m.lost, kc_lost_total(&k),
			       m.snapshots[KMR_SNAP_RESYNC], m.unknown);
		if (kc_drain(&k, km_apply, &m) < 0)
			kc_die("malformed ring");
		usleep(1000);
	}
	r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
	if (r || kc_drain_final(&k, km_apply, &m))
		kc_die("STOP/drain failed");
	if (kc_ioctl(&k, KMR_IOC_STATS, &st))
		kc_die("STATS failed");
	diffs = km_compare(&m, t.pid, 30, &cmp_pages);
	printf("lost: %" PRIu64 " dropped, %" PRIu64 " reported by %" PRIu64 " LOST records, STATS %" PRIu64 "; %" PRIu64 " records read, %" PRIu64 " resyncs; model vs target: %ld differences over %" PRIu64 " pages\n",
	       kc_lost_total(&k), m.lost, m.lost_records, (uint64_t)st.lost,
	       k.delivered, m.snapshots[KMR_SNAP_RESYNC], diffs, cmp_pages);
	if (m.lost != kc_lost_total(&k) || st.lost != m.lost)
		kc_die("drops %" PRIu64 ", LOST records %" PRIu64 ", STATS %" PRIu64 " must agree",
		       kc_lost_total(&k), m.lost, (uint64_t)st.lost);
	if (m.unknown || diffs)
		kc_die("after the resync the model differs in %ld places", diffs);
	kc_close(&k);
	kt_kill(&t);
	km_free(&m);
	return 0;
}

static int check_faulter(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	kt_touch_loop();
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} kc_cmds[] = {
	{ "snapshot", check_snapshot, "[pages] [plain]: START == maps + pagemap" },
	{ "lost", check_lost, ": overflow, LOST positioned, resync heals" },
	{ "exit", check_exit, ": target exit -> EXIT record, POLLHUP" },
	{ "two", check_two, ": three sessions on two targets at once" },
	{ "cycles", check_cycles, "[n]: attach/detach n times, no leak" },
	{ "errno", check_errno, ": every bad call's errno" },
	{ "perm", check_perm, ": EPERM for nobody on root's process" },
	{ "stats", check_stats, ": per-VMA faults/writes/CoW of a known workload" },
	{ "rate", check_rate, "[seconds]: records/s sustained, then exact" },
	{ "exec", check_exec, ": follow an exec; stop at a set-uid one" },
	{ "execd", check_execd, "<fd>: the image check_exec execs" },
	{ "faulter", check_faulter, ": a target that faults until killed" },
	{ "follow", check_follow, "[quick]: KMR_ATTACH_F_FOLLOW holds, releases, follows" },
	{ "followd", check_followd, "<fd>: the image check_follow's vfork child execs" },
};

int main(int argc, char **argv)
{
	size_t i;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc >= 2 && i < sizeof(kc_cmds) / sizeof(kc_cmds[0]); i++) {
		if (strcmp(argv[1], kc_cmds[i].name))
			continue;
		r = kc_cmds[i].fn(argc - 2, argv + 2);
		printf("kcore_check %s: %s\n", argv[1], r ? "FAIL" : "PASS");
		return r ? 1 : 0;
	}
	fprintf(stderr, "usage: kcore_check <command> [args]\n");
	for (i = 0; i < sizeof(kc_cmds) / sizeof(kc_cmds[0]); i++)
		fprintf(stderr, "  %s %s\n", kc_cmds[i].name, kc_cmds[i].help);
	return 2;
}
