// SPDX-License-Identifier: GPL-2.0
/*
 * kb_start: what starting and stopping a recording costs (issue 10).  Run
 * in a guest under `qemu -icount shift=0` on one vCPU: guest time is then
 * an instruction count (idle time included, at the pace of the timers),
 * and "busy" is the whole machine's non-idle time from /proc/stat (the
 * recorder, the target, the module's workers), at the clock tick's
 * resolution (10 ms = 10 M instructions).  Busy is read until the machine
 * has settled after the run (SETTLE_NS): the module's deferred work after
 * the recorder exited counts too.
 *
 *   kb_start [-n RUNS] true
 *       kmemrec -q -o FILE -- /bin/true: wall (launch to exit) and busy,
 *       cold (no hook registered) and warm (at once after: the hooks
 *       still linger)
 *   kb_start [-n RUNS] attach K
 *       K targets that fault a new page every millisecond, then K
 *       recorders launched at once (`kmemrec -o FILE PID`), cold and
 *       warm as above: each one's
 *       time from launch to its "recording pid" line (START returned:
 *       live events flow from then on), the machine's busy time until the
 *       last one printed it; each records 100 ms more, then SIGINT
 *   kb_start fault PAGES ROUNDS
 *       the fault workload (ROUNDS x mmap PAGES pages, write each, munmap)
 *       untraced and under `kmemrec -q -o FILE --`, hooks cold: whole
 *       run (launch to exit; busy until the hooks are gone again) and per
 *       fault inside the task
 *   kb_start lossless PAGES ROUNDS
 *       the same, untraced, under kmemrec, kmemrec --lossless and kmemrec
 *       --lossless --buffer-size 256K (held now and then): what lossless
 *       mode costs (issue 12)
 *   kb_start work PAGES ROUNDS
 *       the workload itself; prints "task_ns N faults N cpu_ns N": its
 *       own clock from start to end, and the CPU time it was charged
 *       (the hooks run in its context and count; on one vCPU the
 *       recorder's threads run inside task_ns but not inside cpu_ns)
 *
 * Output: one "key value..." line per figure, for bench/kernel/start_bench.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kb_spawn.h"

#define SETTLE_NS	3000000000ull	/* deferred work after a run */
#define MAX_K		8

static const char *kmemrec_bin = "kmemrec";
static char self_path[256];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The CPU time this process was charged: the scheduler's, ns-precise. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ull, ns % 1000000000ull };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Non-idle time of the whole machine, ns (/proc/stat, clock ticks). */
static uint64_t busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	char line[512];
	FILE *f = fopen("/proc/stat", "re");

	if (!f || !fgets(line, sizeof(line), f)) {
		perror("kb_start: /proc/stat");
		exit(1);
	}
	fclose(f);
	sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	/* user nice system [idle iowait] irq softirq steal */
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
	       (1000000000ull / sysconf(_SC_CLK_TCK));
}

/*
 * The same to the nanosecond: the time every CPU's tasks other than idle
 * ran, /proc/schedstat's rq_cpu_time (kept by the scheduler at every
 * switch whether schedstats is on or not).  The task reading it has its
 * current slice left out: microseconds here, against busy_ns()'s 10 ms
 * steps.  0 when the kernel has no /proc/schedstat.
 */
static uint64_t run_ns(void)
{
	unsigned long long v[7], sum = 0;
	char line[512];
	FILE *f = fopen("/proc/schedstat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "cpu", 3) &&
		    sscanf(line, "cpu%*u %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6]) == 7)
			sum += v[6];
	fclose(f);
	return sum;
}

static pid_t spawn(char *const argv[], int out_fd, int err_fd)
{
	pid_t pid = kb_spawn(argv, out_fd, err_fd);

	if (pid < 0) {
		perror("kb_start: fork");
		exit(1);
	}
	return pid;
}

static int wait_ok(pid_t pid, const char *what)
{
	int st;

	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "kb_start: %s failed (status 0x%x)\n", what, st);
		return -1;
	}
	return 0;
}

/*
 * 1 while the module's hooks are registered, 0 when they are not, -1 when
 * the module does not say (before its hooks_registered parameter).
 */
static int module_hooked(void)
{
	FILE *f = fopen("/sys/module/kmemrec/parameters/hooks_registered", "re");
	int c;

	if (!f)
		return -1;
	c = fgetc(f);
	fclose(f);
	return c == 'Y';
}

/*
 * Until the module's hooks are gone (the linger after the last session
 * ended, and the unregistration after it, are over), so that the next run
 * starts cold.  The module's hooks_registered parameter says so; without
 * it, until no function is ftrace-hooked at all, which another tracer
 * (start_profile.sh's function_graph, a kprobe event) keeps from
 * happening.
 */
static void wait_unhooked(void)
{
	int tries;

	for (tries = 0;; tries++) {
		int param = module_hooked();
		char line[256];
		FILE *f;

		if (param == 0)
			return;
		if (param < 0) {
			f = fopen("/sys/kernel/tracing/enabled_functions", "re");
			if (!f)
				return;	/* no tracefs: nothing to wait for */
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			fclose(f);
			if (!line[0])
				return;
		}
		/* the module's linger is 2 s: anything longer is someone else's */
		if (tries == 100)
			fprintf(stderr, "kb_start: still waiting for the hooks to go (%s)\n",
				param < 0 ? "no hooks_registered parameter: any ftrace-hooked function counts" :
				"hooks_registered is Y");
		sleep_ns(100000000);
	}
}

/* ---------------------------------------------------------------------- */

static int true_run(const char *mode, int i)
{
	char *argv[] = { (char *)kmemrec_bin, "-q", "-o", "/tmp/kb_start.kmr",
			 "--", "/bin/true", NULL };
	uint64_t b0, t0, t1, b1, b2;
	pid_t pid;

	unlink("/tmp/kb_start.kmr");
	b0 = busy_ns();
	t0 = now_ns();
	pid = spawn(argv, -1, -1);
	if (wait_ok(pid, "kmemrec -- /bin/true"))
		return 1;
	t1 = now_ns();
	b1 = busy_ns();
	/* a warm run follows at once: what it leaves is the cold run's */
	if (!strcmp(mode, "warm")) {
		sleep_ns(SETTLE_NS);
		wait_unhooked();
	}
	b2 = busy_ns();
	printf("true %s run %d wall_ns %" PRIu64 " busy_ns %" PRIu64
	       " after_exit_busy_ns %" PRIu64 "\n", mode, i, t1 - t0,
	       b2 - b0, b2 - b1);
	fflush(stdout);
	return 0;
}

/*
 * cold: no hook registered (the first recording after the linger); warm:
 * at once after it, the hooks still lingering.  The cold run's busy time
 * is until its exit, the warm run's includes the hooks' removal after it.
 */
static int cmd_true(int runs)
{
	int i;

	for (i = 0; i < runs; i++) {
		wait_unhooked();
		sleep_ns(200000000);
		if (true_run("cold", i) || true_run("warm", i))
			return 1;
	}
	unlink("/tmp/kb_start.kmr");
	return 0;
}

/* ---------------------------------------------------------------------- */

/* A running service: faults a new page every millisecond until killed. */
static void pager(void)
{
	const size_t pages = 4096;
	char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i = 0;

	if (p == MAP_FAILED)
		_exit(1);
	for (;;) {
		p[i * 4096] = 1;
		if (++i == pages) {
			madvise(p, pages * 4096, MADV_DONTNEED);
			i = 0;
		}
		sleep_ns(1000000);
	}
}

static int attach_run(const char *mode, int r, int k);

/* cold: no hook registered; warm: at once after, the hooks lingering */
static int cmd_attach(int runs, int k)
{
	int r;

	if (k < 1 || k > MAX_K)
		return fprintf(stderr, "kb_start: 1..%d recorders\n", MAX_K), 2;
	for (r = 0; r < runs; r++) {
		wait_unhooked();
		sleep_ns(200000000);
		if (attach_run("cold", r, k) || attach_run("warm", r, k))
			return 1;
	}
	return 0;
}

static int attach_run(const char *mode, int r, int k)
{
	int i;

	{
		pid_t tgt[MAX_K], rec[MAX_K];
		int fd[MAX_K];
		uint64_t lat[MAX_K] = { 0 }, t0, b0, b1, last = 0;
		int started = 0;

		for (i = 0; i < k; i++) {
			tgt[i] = fork();
			if (!tgt[i])
				pager();
		}
		sleep_ns(200000000);	/* the targets run */
		b0 = busy_ns();
		t0 = now_ns();
		for (i = 0; i < k; i++) {
			char pid[16], out[64];
			char *argv[] = { (char *)kmemrec_bin, "-o", out, pid,
					 NULL };
			int p[2];

			snprintf(pid, sizeof(pid), "%d", tgt[i]);
			snprintf(out, sizeof(out), "/tmp/kb_start.%d.kmr", i);
			unlink(out);
			if (pipe2(p, O_CLOEXEC))
				return perror("pipe"), 1;
			rec[i] = spawn(argv, -1, p[1]);
			close(p[1]);
			fd[i] = p[0];
			fcntl(fd[i], F_SETFL, O_NONBLOCK);
		}
		/* each recorder's "recording pid" line, polled every 0.1 ms */
		while (started < k && now_ns() - t0 < 60000000000ull) {
			for (i = 0; i < k; i++) {
				char buf[512];
				ssize_t n;

				if (lat[i])
					continue;
				n = read(fd[i], buf, sizeof(buf) - 1);
				if (n <= 0)
					continue;
				buf[n] = 0;
				if (strstr(buf, "kmemrec: recording pid")) {
					lat[i] = now_ns() - t0;
					last = lat[i];
					started++;
				} else {
					fprintf(stderr, "kb_start: %s", buf);
				}
			}
			sleep_ns(100000);
		}
		b1 = busy_ns();
		sleep_ns(100000000);
		for (i = 0; i < k; i++)
			kill(rec[i], SIGINT);
		for (i = 0; i < k; i++) {
			waitpid(rec[i], NULL, 0);
			close(fd[i]);
			kill(tgt[i], SIGKILL);
			waitpid(tgt[i], NULL, 0);
		}
		printf("attach %s k %d run %d started %d busy_until_last_ns %" PRIu64
		       " last_ns %" PRIu64, mode, k, r, started, b1 - b0, last);
		for (i = 0; i < k; i++)
			printf(" lat%d_ns %" PRIu64, i, lat[i]);
		printf("\n");
		fflush(stdout);
		if (started < k)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */

static int cmd_work(long pages, int rounds)
{
	uint64_t t0 = now_ns(), c0 = cpu_ns();
	long faults = 0;
	int r;

	for (r = 0; r < rounds; r++) {
		char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long i;

		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		/* one fault per page, as the workload: no THP */
		madvise(p, pages * 4096, MADV_NOHUGEPAGE);
		for (i = 0; i < pages; i++)
			p[i * 4096] = 1;
		faults += pages;
		munmap(p, pages * 4096);
	}
	printf("task_ns %" PRIu64 " faults %ld cpu_ns %" PRIu64 "\n",
	       now_ns() - t0, faults, cpu_ns() - c0);
	return 0;
}

/*
 * One run of the workload, traced or not: whole-run and in-task figures.
 * Modes: untraced, kmemrec, lossless (kmemrec --lossless), lossless-256k
 * (with 256 KiB rings, so that the target is held now and then).
 */
static int fault_run(const char *mode, long pages, int rounds)
{
	char ps[32], rs[32];
	char *plain[] = { self_path, "work", ps, rs, NULL };
	char *traced[] = { (char *)kmemrec_bin, "-q", "-o", "/tmp/kb_start.kmr",
			   "--", self_path, "work", ps, rs, NULL };
	char *lossless[] = { (char *)kmemrec_bin, "-q", "--lossless", "-o",
			     "/tmp/kb_start.kmr", "--", self_path, "work", ps,
			     rs, NULL };
	char *lossless_small[] = { (char *)kmemrec_bin, "-q", "--lossless",
				   "--buffer-size", "256K", "-o",
				   "/tmp/kb_start.kmr", "--", self_path, "work",
				   ps, rs, NULL };
	char **argv = !strcmp(mode, "untraced") ? plain :
		      !strcmp(mode, "lossless") ? lossless :
		      !strcmp(mode, "lossless-256k") ? lossless_small : traced;
	unsigned long long task = 0, cpu = 0;
	long faults = 0;
	uint64_t b0, t0, t1, b2, r0, r2;
	char buf[256] = "";
	int p[2];
	pid_t pid;
	ssize_t n;

	snprintf(ps, sizeof(ps), "%ld", pages);
	snprintf(rs, sizeof(rs), "%d", rounds);
	unlink("/tmp/kb_start.kmr");
	if (pipe2(p, O_CLOEXEC))
		return perror("pipe"), 1;
	b0 = busy_ns();
	r0 = run_ns();
	t0 = now_ns();
	pid = spawn(argv, p[1], -1);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (wait_ok(pid, mode))
		return 1;
	t1 = now_ns();
	/* the hooks' removal after the recording counts too */
	sleep_ns(SETTLE_NS);
	wait_unhooked();
	r2 = run_ns();
	b2 = busy_ns();
	if (n > 0)
		buf[n] = 0;
	if (sscanf(buf, "task_ns %llu faults %ld cpu_ns %llu", &task, &faults,
		   &cpu) != 3 || !faults)
		return fprintf(stderr, "kb_start: workload said '%s'\n", buf), 1;
	printf("fault mode %s wall_ns %" PRIu64 " busy_ns %" PRIu64
	       " task_ns %llu faults %ld per_fault %llu run_ns %" PRIu64
	       " cpu_per_fault %llu\n",
	       mode, t1 - t0, b2 - b0, task, faults, task / faults, r2 - r0,
	       cpu / faults);
	fflush(stdout);
	unlink("/tmp/kb_start.kmr");
	return 0;
}

static int cmd_fault(int runs, long pages, int rounds)
{
	int i;

	/* first touches of guest memory cost more: warm up once */
	if (fault_run("untraced", pages, rounds))
		return 1;
	for (i = 0; i < runs; i++)
		if (fault_run("untraced", pages, rounds) ||
		    fault_run("kmemrec", pages, rounds))
			return 1;
	return 0;
}

/* --lossless's cost on the same workload, beside the plain recording. */
static int cmd_lossless(int runs, long pages, int rounds)
{
	int i;

	if (fault_run("untraced", pages, rounds))
		return 1;
	for (i = 0; i < runs; i++)
		if (fault_run("untraced", pages, rounds) ||
		    fault_run("kmemrec", pages, rounds) ||
		    fault_run("lossless", pages, rounds) ||
		    fault_run("lossless-256k", pages, rounds))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 1, a = 1;
	ssize_t n;

	if (getenv("KB_KMEMREC"))
		kmemrec_bin = getenv("KB_KMEMREC");
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0)
		return perror("readlink"), 1;
	self_path[n] = 0;
	if (a + 1 < argc && !strcmp(argv[a], "-n")) {
		runs = atoi(argv[a + 1]);
		a += 2;
	}
	if (a < argc && !strcmp(argv[a], "true"))
		return cmd_true(runs);
	if (a + 1 < argc && !strcmp(argv[a], "attach"))
		return cmd_attach(runs, atoi(argv[a + 1]));
	if (a + 2 < argc && !strcmp(argv[a], "fault"))
		return cmd_fault(runs, atol(argv[a + 1]), atoi(argv[a + 2]));
	if (a + 2 < argc && !strcmp(argv[a], "lossless"))
		return cmd_lossless(runs, atol(argv[a + 1]), atoi(argv[a + 2]));
	if (a + 2 < argc && !strcmp(argv[a], "work"))
		return cmd_work(atol(argv[a + 1]), atoi(argv[a + 2]));
	fprintf(stderr, "usage: kb_start [-n RUNS] true | attach K | "
		"fault PAGES ROUNDS | lossless PAGES ROUNDS | work PAGES ROUNDS\n");
	return 2;
}
