// SPDX-License-Identifier: GPL-2.0
/*
 * kb_speed: a fault-heavy target untraced, recorded by kmemrec.ko (every
 * event kind, a reader draining the rings) and traced by ftrace
 * (exceptions:page_fault_user plus the mmap/munmap/brk/mprotect syscall
 * events, trace_pipe_raw drained), side by side.
 *
 * Workloads (each in a fresh child, timed inside the child from its start
 * to its end, plus the reader's drain of what it produced):
 *   touch   write one byte per page of 256 MiB (65,536 faults)
 *   cow     fork, then the parent rewrites the 256 MiB it had touched
 *           (65,536 CoW faults; the touch itself is not timed)
 *   churn   20,000 x (mmap 16 pages, touch them, munmap)
 *
 * Run it in a guest under `qemu -icount shift=0` (one vCPU): guest time is
 * then an instruction count and the figures repeat exactly; without
 * -icount TCG timing varies by +-30 %.
 *
 * usage: kb_speed [touch|cow|churn]...   (default: all three)
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kb_session.h"

#define MIB		(1024ul * 1024)
#define PG		4096ul

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
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

/* Returns the timed part's start; the end is taken by the caller. */
static uint64_t run_workload(const char *w, int go_fd)
{
	uint64_t t0;
	char c;

	if (!strcmp(w, "touch")) {
		char *p = map_anon(256 * MIB);

		if (read(go_fd, &c, 1) != 1)
			_exit(11);
		t0 = now_ns();
		touch(p, 256 * MIB, 1);
	} else if (!strcmp(w, "cow")) {
		char *p = map_anon(256 * MIB);
		int gate[2];
		pid_t pid;

		touch(p, 256 * MIB, 1);
		if (pipe(gate) || read(go_fd, &c, 1) != 1)
			_exit(12);
		t0 = now_ns();
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
		int i;

		if (read(go_fd, &c, 1) != 1)
			_exit(13);
		t0 = now_ns();
		for (i = 0; i < 20000; i++) {
			char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			touch(p, 16 * PG, 1);
			munmap(p, 16 * PG);
		}
	}
	return t0;
}

/* ------------------------------------------------------------------------ */
/* ftrace                                                                   */
/* ------------------------------------------------------------------------ */

static const char * const ft_events[] = {
	"exceptions/page_fault_user",
	"syscalls/sys_enter_mmap", "syscalls/sys_exit_mmap",
	"syscalls/sys_enter_munmap", "syscalls/sys_exit_munmap",
	"syscalls/sys_enter_brk", "syscalls/sys_exit_brk",
	"syscalls/sys_enter_mprotect", "syscalls/sys_exit_mprotect",
};

static int tracefs(const char *file, const char *val)
{
	char path[160];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

static void ft_enable(int pid, int on)
{
	char buf[32];
	size_t i;

	if (on) {
		tracefs("tracing_on", "0");
		tracefs("buffer_size_kb", "4096");
		tracefs("trace", "");
		snprintf(buf, sizeof(buf), "%d", pid);
		tracefs("set_event_pid", buf);
	}
	for (i = 0; i < sizeof(ft_events) / sizeof(ft_events[0]); i++) {
		char f[96];

		snprintf(f, sizeof(f), "events/%s/enable", ft_events[i]);
		if (tracefs(f, on ? "1" : "0") && on)
			fprintf(stderr, "kb_speed: cannot enable %s\n", f);
	}
	tracefs("tracing_on", on ? "1" : "0");
}

/* "read events: N" and "overrun: N" of per_cpu/cpuC/stats, all CPUs. */
static void ft_stats(uint64_t *read_ev, uint64_t *lost)
{
	char path[96], line[128];
	int cpu;

	*read_ev = 0;
	*lost = 0;
	for (cpu = 0; cpu < 64; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path),
			 "/sys/kernel/tracing/per_cpu/cpu%d/stats", cpu);
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "read events: %llu", &v) == 1)
				*read_ev += v;
			else if (sscanf(line, "overrun: %llu", &v) == 1)
				*lost += v;
			else if (sscanf(line, "dropped events: %llu", &v) == 1)
				*lost += v;
		}
		fclose(f);
	}
}

/* ------------------------------------------------------------------------ */
/* One run                                                                  */
/* ------------------------------------------------------------------------ */

enum mode { M_PLAIN, M_KMEMREC, M_FTRACE };
static const char * const mode_name[] = { "untraced", "kmemrec", "ftrace" };

struct result {
	double ns;
	uint64_t events, lost;
};

static int ft_open_pipes(int *fds, int max)
{
	char path[96];
	int n;

	for (n = 0; n < max; n++) {
		snprintf(path, sizeof(path),
			 "/sys/kernel/tracing/per_cpu/cpu%d/trace_pipe_raw", n);
		fds[n] = open(path, O_RDONLY | O_NONBLOCK);
		if (fds[n] < 0)
			break;
	}
	return n;
}

static void ft_drain(const int *fds, int n)
{
	static char buf[1 << 16];
	int i;

	for (i = 0; i < n; i++)
		while (read(fds[i], buf, sizeof(buf)) > 0)
			;
}

static struct result run(const char *w, enum mode m)
{
	int c2p[2], p2c[2], ftfd[64], nft = 0, i, ret;
	struct result r = { 0 };
	struct kb_session s;
	uint64_t t[2], t2, ev0 = 0, lost0 = 0;
	pid_t pid;

	if (pipe(c2p) || pipe(p2c))
		exit(1);
	pid = fork();
	if (!pid) {
		close(c2p[0]);
		close(p2c[1]);
		t[0] = run_workload(w, p2c[0]);
		t[1] = now_ns();
		if (write(c2p[1], t, sizeof(t)) != sizeof(t))
			_exit(14);
		_exit(0);
	}
	close(c2p[1]);
	close(p2c[0]);
	if (m == M_KMEMREC) {
		ret = kb_open(&s, pid, 0, 32 << 20, 0);
		if (ret) {
			fprintf(stderr, "kb_speed: attach: %s\n", strerror(-ret));
			exit(1);
		}
		kb_drain(&s);
		ev0 = s.records;
	} else if (m == M_FTRACE) {
		ft_enable(pid, 1);
		nft = ft_open_pipes(ftfd, 64);
		ft_stats(&ev0, &lost0);
	}
	usleep(200000);	/* let the child reach its gate (setup untimed) */
	if (write(p2c[1], "g", 1) != 1)
		exit(1);
	for (;;) {
		struct pollfd pf[65];
		int n = 1;

		pf[0].fd = c2p[0];
		pf[0].events = POLLIN;
		if (m == M_KMEMREC) {
			pf[n].fd = s.fd;
			pf[n++].events = POLLIN;
		}
		for (i = 0; i < nft; i++) {
			pf[n].fd = ftfd[i];
			pf[n++].events = POLLIN;
		}
		poll(pf, n, m == M_FTRACE ? 20 : -1);
		if (m == M_KMEMREC)
			kb_drain(&s);
		if (m == M_FTRACE)
			ft_drain(ftfd, nft);
		if (pf[0].revents & POLLIN)
			break;
	}
	if (read(c2p[0], t, sizeof(t)) != sizeof(t))
		exit(1);
	if (m == M_KMEMREC)
		kb_drain(&s);
	if (m == M_FTRACE)
		ft_drain(ftfd, nft);
	t2 = m == M_PLAIN ? t[1] : now_ns();
	r.ns = (double)(t2 - t[0]);
	if (m == M_KMEMREC) {
		r.events = s.records - ev0;
		r.lost = kb_lost(&s);
		kb_close(&s);
	} else if (m == M_FTRACE) {
		uint64_t ev, lost;

		ft_enable(pid, 0);
		ft_drain(ftfd, nft);
		ft_stats(&ev, &lost);
		r.events = ev - ev0;
		r.lost = lost - lost0;
		for (i = 0; i < nft; i++)
			close(ftfd[i]);
	}
	waitpid(pid, NULL, 0);
	close(c2p[0]);
	close(p2c[1]);
	return r;
}

int main(int argc, char **argv)
{
	static const char * const all[] = { "touch", "cow", "churn" };
	const char * const *w = all;
	int nw = 3, i;
	enum mode m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		w = (const char * const *)argv + 1;
		nw = argc - 1;
	}
	printf("%-6s %-9s %14s %7s %12s %12s %8s\n", "work", "mode", "time_ns",
	       "ratio", "events", "events/s", "lost");
	for (i = 0; i < nw; i++) {
		struct result base = run(w[i], M_PLAIN);

		for (m = M_PLAIN; m <= M_FTRACE; m++) {
			struct result r = m == M_PLAIN ? base : run(w[i], m);

			printf("%-6s %-9s %14.0f %7.2f %12" PRIu64 " %12.0f %8" PRIu64 "\n",
			       w[i], mode_name[m], r.ns, r.ns / base.ns, r.events,
			       r.events / (r.ns / 1e9), r.lost);
		}
	}
	return 0;
}
