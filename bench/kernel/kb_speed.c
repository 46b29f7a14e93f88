// SPDX-License-Identifier: GPL-2.0
/*
 * kb_speed: a fault-heavy target untraced, recorded by kmemrec.ko (every
 * event kind) and traced by ftrace (exceptions:page_fault_user plus the
 * mmap/munmap/brk/mprotect syscall events, trace_pipe_raw drained), side by
 * side, each tracer with the reader a user would run and with a minimal one:
 *
 *   untraced
 *   kmemrec-rec    the real recorder, `kmemrec PID -o FILE` (static build):
 *                  drains, merges, encodes, compresses, writes the trace
 *   kmemrec-min    a minimal drain in this process: poll() at the module's
 *                  default watermark, walk every record, discard
 *   ftrace-cat     one blocking reader process per CPU copying
 *                  trace_pipe_raw to a file with read()/write(), as
 *                  `cat per_cpu/cpuN/trace_pipe_raw > file` (GNU cat) does
 *   ftrace-poll    non-blocking reads from this process, poll() with a
 *                  20 ms timeout, data discarded
 *   lttng          the strongest peers, the same events, each with its own
 *   bpftrace       tools and consumer writing to /tmp (kb_peers.h); "n/a"
 *                  with the reason when the case could not provide one
 *
 * Both kmemrec readers use the default ring size; ftrace gets 4 MiB per
 * CPU.  kb_ftrace.c explains from the kernel sources how each ftrace
 * reader waits, which is what it costs the traced task.
 *
 * Workloads, each in a fresh child.  The child does its untimed setup,
 * reports ready, the tracer is attached and started (untimed), then the
 * child is released and times itself.  Two figures:
 *   task   the child's start to its end (on one vCPU the reader's work
 *          while the workload runs is in it);
 *   cpu    the CPU time the child was charged over the same span
 *          (CLOCK_PROCESS_CPUTIME_ID, the scheduler's ns): what the
 *          traced program itself pays, its tracer's probes included, the
 *          reader's threads and processes not;
 *   time   the child's start until the tracer is stopped and torn down
 *          and its reader has drained everything and exited: for the
 *          recorder, SIGINT (as Ctrl-C) once the workload is done, then
 *          it drains the rings, finishes the trace, DETACHes and exits;
 *          kmemrec-min drains and DETACHes; ftrace disables its events
 *          and its readers drain and exit.  Tearing down includes
 *          unregistering the tracer's hooks (the module's ftrace_ops wait
 *          for RCU-tasks grace periods there).
 * The child exits only after that: its exit is in no figure.
 *   touch   write one byte per page of 256 MiB (65,536 faults)
 *   cow     (setup: touch 256 MiB) fork, then the parent rewrites it
 *           (65,536 CoW faults)
 *   churn   20,000 x (mmap 16 pages, touch them, munmap)
 *
 * Run it in a guest under `qemu -icount shift=0` (one vCPU): guest time is
 * then an instruction count, and the figures repeat; without -icount TCG
 * timing varies by +-30 %.
 *
 * usage: kb_speed [-v] [-f] [-m MODE,...] [touch|cow|churn]...
 *        (default: all three workloads, every mode; -m: only these modes
 *        besides untraced, e.g. -m lttng,bpftrace;
 *        -v: each run's name on stderr as it starts, kmemrec's summary,
 *        the bytes the ftrace readers copied; -f: also `kmemrec -f PID`,
 *        "kmemrec-rec-f", what following costs: the cow workload's fork
 *        is then a followed child with a session of its own)
 * Environment: KB_KEEP_TRACES=DIR moves kmemrec's traces there (same
 * filesystem as /tmp) instead of deleting them, for the host's
 * `recorder_bench --trace FILE --fold` (the recorder's cost on the
 * guest's own event mix, under callgrind; BENCHMARKS.md "The VMA path").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kb_ftrace.h"
#include "kb_peers.h"
#include "kb_recorder.h"
#include "kb_session.h"

#define MIB		(1024ul * 1024)
#define PG		4096ul
#define CHURN		20000

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* The calling process's CPU time (the cow workload's forked reader of the
 * gate does nothing and is another process). */
static uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* ------------------------------------------------------------------------ */
/* Workloads (in the child)                                                 */
/* ------------------------------------------------------------------------ */

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(10);
	madvise(p, len, MADV_NOHUGEPAGE);	/* one fault per page */
	return p;
}

static void touch(char *p, size_t len, char v)
{
	size_t i;

	for (i = 0; i < len; i += PG)
		p[i] = v;
}

/*
 * Setup, "ready" on @wr, wait for the go on @rd; returns the start time,
 * the CPU time at the start in @cpu0.
 */
static uint64_t run_workload(const char *w, int rd, int wr, uint64_t *cpu0)
{
	char *p = NULL, c;
	uint64_t t0;
	int i;

	if (strcmp(w, "churn")) {
		p = map_anon(256 * MIB);
		if (!strcmp(w, "cow"))
			touch(p, 256 * MIB, 1);
	}
	if (write(wr, "r", 1) != 1 || read(rd, &c, 1) != 1)
		_exit(11);
	*cpu0 = cpu_ns();
	t0 = now_ns();
	if (!strcmp(w, "touch")) {
		touch(p, 256 * MIB, 1);
	} else if (!strcmp(w, "cow")) {
		int gate[2];
		pid_t pid;

		if (pipe(gate))
			_exit(12);
		pid = fork();
		if (!pid) {
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		touch(p, 256 * MIB, 2);
		close(gate[1]);
		waitpid(pid, NULL, 0);
	} else {
		for (i = 0; i < CHURN; i++) {
			p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				_exit(13);
			touch(p, 16 * PG, 1);
			munmap(p, 16 * PG);
		}
	}
	return t0;
}

/* ------------------------------------------------------------------------ */
/* One run                                                                  */
/* ------------------------------------------------------------------------ */

enum mode {
	M_PLAIN, M_REC, M_MIN, M_FT_CAT, M_FT_POLL, M_LTTNG, M_BPFT, M_REC_F,
	M_NR
};
static const char * const mode_name[M_NR] = {
	"untraced", "kmemrec-rec", "kmemrec-min", "ftrace-cat",
	"ftrace-poll", "lttng", "bpftrace", "kmemrec-rec-f",
};
static int mode_on[M_NR];	/* -m */

static int is_peer(enum mode m)
{
	return m == M_LTTNG || m == M_BPFT;
}

static enum kb_peer peer_of(enum mode m)
{
	return m == M_LTTNG ? KB_LTTNG : KB_BPFTRACE;
}
static int follow;	/* -f: kmemrec -f runs too (the tree's cost) */
static const enum kb_ft_reader ft_reader[M_NR] = {
	[M_FT_CAT] = KB_FT_READ, [M_FT_POLL] = KB_FT_POLL,
};

struct result {
	double ns;		/* start to the end of the drain */
	double task_ns;		/* start to the workload's end, in the child */
	double cpu_ns;		/* the child's CPU time over that span */
	uint64_t events, lost, bytes;
	uint64_t rd_cpu_ns;	/* the reader's CPU time (user + system) */
	uint64_t snap;		/* kmemrec-min: records of the START snapshot */
	int failed;		/* a peer failed: its row says so, the rest runs */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "kb_speed: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* Wait for the child's times, draining what the mode drains from here. */
static void wait_child(int c2p, enum mode m, struct kb_session *s,
		       struct kb_ft *ft)
{
	for (;;) {
		struct pollfd pf[1 + KB_FT_MAX_CPUS];
		int n = 1;

		pf[0].fd = c2p;
		pf[0].events = POLLIN;
		if (m == M_MIN) {
			pf[n].fd = s->fd;
			pf[n++].events = POLLIN;
		} else if (m == M_FT_POLL) {
			n += kb_ft_pollfds(ft, pf + 1, KB_FT_MAX_CPUS);
		}
		poll(pf, n, m == M_FT_POLL ? 20 : -1);
		if (m == M_MIN)
			kb_drain(s);
		else if (m == M_FT_POLL)
			kb_ft_drain(ft);
		if (pf[0].revents & (POLLIN | POLLHUP))
			return;
	}
}

static int verbose;

static struct result run(const char *w, enum mode m)
{
	int c2p[2], p2c[2], ret = 0;
	struct result r = { 0 };
	struct kb_session s;
	struct kb_rec rec;
	struct kb_ft ft;
	struct kb_peer_run peer;
	uint64_t t[4], t2, self0;	/* t: start, end, CPU start, CPU end */
	struct rusage ru;
	pid_t pid;
	char c;

	if (verbose)
		fprintf(stderr, "kb_speed: %s %s\n", w, mode_name[m]);
	if (pipe2(c2p, O_CLOEXEC) || pipe2(p2c, O_CLOEXEC))
		die("pipe", -errno);
	pid = fork();
	if (!pid) {
		close(c2p[0]);
		close(p2c[1]);
		t[0] = run_workload(w, p2c[0], c2p[1], &t[2]);
		t[1] = now_ns();
		t[3] = cpu_ns();
		if (write(c2p[1], t, sizeof(t)) != sizeof(t))
			_exit(14);
		/* stay until the drain is over: our exit is not measured */
		if (read(p2c[0], &c, 1) < 0)
			_exit(15);
		_exit(0);
	}
	close(c2p[1]);
	close(p2c[0]);
	if (read(c2p[0], &c, 1) != 1)
		die("workload setup", -EIO);
	if (m == M_REC || m == M_REC_F) {
		ret = kb_rec_start(&rec, pid, m == M_REC_F);
	} else if (m == M_MIN) {
		ret = kb_open(&s, pid, 0, 0, 0);
		if (!ret)
			r.snap = kb_drain(&s);
	} else if (is_peer(m)) {
		ret = kb_peer_start(&peer, peer_of(m), pid);
	} else if (m != M_PLAIN) {
		ret = kb_ft_start(&ft, pid, ft_reader[m]);
	}
	if (ret) {
		kill(pid, SIGKILL);
		if (!is_peer(m))
			die(mode_name[m], ret);
		/* a peer is not what we test: say so and go on */
		fprintf(stderr, "kb_speed: %s %s: %s\n", w, mode_name[m],
			strerror(-ret));
		if (m == M_LTTNG)
			kb_peer_cleanup(&peer, w);
		waitpid(pid, NULL, 0);
		close(c2p[0]);
		close(p2c[1]);
		r.failed = 1;
		return r;
	}
	getrusage(RUSAGE_SELF, &ru);	/* our drain's cost: -min, -poll */
	self0 = kb_rusage_ns(&ru);
	if (write(p2c[1], "g", 1) != 1)
		die("go", -EIO);
	wait_child(c2p[0], m, &s, &ft);
	if (read(c2p[0], t, sizeof(t)) != sizeof(t))
		die("workload", -EIO);
	if (m == M_REC || m == M_REC_F) {
		struct kb_rec_result rr;

		ret = kb_rec_finish(&rec, &rr, verbose);
		r.rd_cpu_ns = rr.cpu_ns;
		r.events = rr.events;
		r.lost = rr.lost;
		r.bytes = rr.bytes;
	} else if (m == M_MIN) {
		kb_drain(&s);	/* records are written before the fault returns */
		r.events = s.records - r.snap;
		r.lost = kb_lost(&s);
		kb_close(&s);	/* timed, as the recorder's DETACH and ftrace's
				 * disabling of its events are */
	} else if (is_peer(m)) {
		struct kb_peer_result pr;

		ret = kb_peer_stop(&peer, &pr);
		r.rd_cpu_ns = pr.cpu_ns;
		r.events = pr.events;
		r.lost = pr.lost;
		r.bytes = pr.bytes;
	} else if (m != M_PLAIN) {
		struct kb_ft_result fr;

		ret = kb_ft_stop(&ft, &fr);
		if (verbose)
			fprintf(stderr, "kb_speed: %s: %" PRIu64
				" bytes copied\n", mode_name[m], fr.bytes);
		r.rd_cpu_ns = fr.cpu_ns;
		r.events = fr.events;
		r.lost = fr.lost;
		r.bytes = fr.bytes;
	}
	if (ret && is_peer(m)) {
		fprintf(stderr, "kb_speed: %s %s: %s\n", w, mode_name[m],
			strerror(-ret));
		r.failed = 1;
	} else if (ret) {
		die(mode_name[m], ret);
	}
	t2 = m == M_PLAIN ? t[1] : now_ns();
	if (m == M_MIN || m == M_FT_POLL) {
		getrusage(RUSAGE_SELF, &ru);
		r.rd_cpu_ns = kb_rusage_ns(&ru) - self0;
	}
	if (is_peer(m))
		kb_peer_cleanup(&peer, w);	/* untimed */
	r.ns = (double)(t2 - t[0]);
	r.task_ns = (double)(t[1] - t[0]);
	r.cpu_ns = (double)(t[3] - t[2]);
	close(p2c[1]);	/* the child may exit now */
	waitpid(pid, NULL, 0);
	close(c2p[0]);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Table                                                                    */
/* ------------------------------------------------------------------------ */

static double ops(const char *w)
{
	return strcmp(w, "churn") ? (double)(256 * MIB / PG) : CHURN;
}

static void print_row(const char *w, enum mode m, const struct result *r,
		      const struct result *base)
{
	printf("%-6s %-16s %13.0f %6.3f %6.3f %6.3f %7.0f %9.0f %9" PRIu64
	       " %9.0f %6" PRIu64 " %10" PRIu64 " %7.0f\n",
	       w, mode_name[m], r->ns, r->ns / base->ns,
	       r->task_ns / base->task_ns, r->cpu_ns / base->cpu_ns,
	       (r->ns - r->task_ns) / 1e6,
	       r->ns / ops(w), r->events,
	       r->events / (r->ns / 1e9), r->lost, r->bytes,
	       r->rd_cpu_ns / 1e6);
}

int main(int argc, char **argv)
{
	static const char * const all[] = { "touch", "cow", "churn" };
	const char * const *w = all;
	int nw = 3, i;
	enum mode m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		argv++;
		argc--;
	}
	if (argc > 1 && !strcmp(argv[1], "-f")) {
		follow = 1;
		argv++;
		argc--;
	}
	for (m = M_PLAIN; m < M_REC_F; m++)
		mode_on[m] = !is_peer(m) || kb_peer_wanted(peer_of(m));
	if (argc > 2 && !strcmp(argv[1], "-m")) {
		char *list = argv[2], *tok;

		for (m = M_REC; m < M_NR; m++)
			mode_on[m] = 0;
		for (tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
			for (m = M_REC; m < M_NR; m++)
				if (!strcmp(tok, mode_name[m]) &&
				    (!is_peer(m) || kb_peer_wanted(peer_of(m))))
					mode_on[m] = 1;
		argv += 2;
		argc -= 2;
	}
	if (follow)
		mode_on[M_REC_F] = 1;
	if (argc > 1) {
		w = (const char * const *)argv + 1;
		nw = argc - 1;
	}
	printf("# time_ns: guest ns (= instructions under -icount shift=0); ns/op per page (touch, cow) or per mmap+touch+munmap (churn)\n");
	printf("# kmemrec-rec events: the recorder's count minus the START snapshot's records (as kmemrec-min counted them)\n");
	printf("# ratio: time_ns / untraced; task: the workload alone / untraced (its clock: on one vCPU the reader runs inside it); cpu: the workload's own CPU time / untraced (the probes in it, not the reader); tail_ms: after the workload: stopping the tracer, the reader's last drain, teardown\n");
	printf("# rd_ms: the reader's CPU time (getrusage; tick-sampled in the guest); lttng: lttng-sessiond + lttng-consumerd, bpftrace: bpftrace, both from start to stop\n");
	printf("# lttng events, lost: counted on the host by babeltrace2 (speed_bench.host.sh); file_B: the trace directory; bpftrace events: its output's lines\n");
	printf("%-6s %-16s %13s %6s %6s %6s %7s %9s %9s %9s %6s %10s %7s\n",
	       "work", "mode", "time_ns", "ratio", "task", "cpu", "tail_ms", "ns/op",
	       "events",
	       "events/s", "lost", "file_B", "rd_ms");
	for (i = 0; i < nw; i++) {
		struct result r[M_NR];

		memset(r, 0, sizeof(r));
		run(w[i], M_PLAIN);	/* warm-up: first touches cost more */
		/* kmemrec-min first: its snapshot count corrects -rec's */
		r[M_PLAIN] = run(w[i], M_PLAIN);
		if (mode_on[M_REC] || mode_on[M_REC_F])
			mode_on[M_MIN] = 1;
		if (mode_on[M_MIN])
			r[M_MIN] = run(w[i], M_MIN);
		for (m = M_REC; m < M_NR; m++) {
			if (m == M_MIN || !mode_on[m] ||
			    (is_peer(m) && kb_peer_na(peer_of(m))))
				continue;
			r[m] = run(w[i], m);
			if ((m == M_REC || m == M_REC_F) &&
			    r[m].events >= r[M_MIN].snap)
				r[m].events -= r[M_MIN].snap;
		}
		for (m = M_PLAIN; m < M_NR; m++) {
			if (!mode_on[m])
				continue;
			if (is_peer(m) && kb_peer_na(peer_of(m)))
				printf("%-6s %-16s n/a: %s\n", w[i],
				       mode_name[m], kb_peer_na(peer_of(m)));
			else if (r[m].failed)
				printf("%-6s %-16s n/a: failed, see progress.txt and peers.log\n",
				       w[i], mode_name[m]);
			else
				print_row(w[i], m, &r[m], &r[M_PLAIN]);
		}
	}
	return 0;
}
