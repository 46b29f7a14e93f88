// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace for kb_speed (see kb_ftrace.h).
 *
 * What a reader of trace_pipe_raw costs the traced task depends on how it
 * waits.  From the kernel sources (kernel/trace/trace.c,
 * kernel/trace/ring_buffer.c; 6.1 and 6.12 behave the same here):
 *
 * read() (GNU cat: copy_file_range() fails across file systems, then a
 * read()/write() loop; a sendfile() loop as busybox cat's was tried too
 * and moved no byte with sendfile() in the guest, so it was this loop
 * again, with the same figures): tracing_buffers_read() copies whatever
 * the reader page holds, a partial page too (ring_buffer_read_page(...,
 * full = 0)), and hands out a whole page each time.  When the buffer is
 * empty it sleeps in wait_on_pipe(iter, 0), i.e. ring_buffer_wait(buffer,
 * cpu, full = 0), which sets rbwork->waiters_pending.  The next event
 * committed on that CPU sees the flag in rb_wakeups(), clears it and
 * queues the irq_work that wakes the reader.  The reader copies the one or
 * few events now there, writes out a page and sleeps again, setting the
 * flag again.  So while the reader keeps up, every few traced events cost
 * an irq_work, a wakeup, on the traced task's CPU a context switch to the
 * reader and back, and a 4 KiB page in the file.
 *
 * poll() (KB_FT_POLL, our own minimal reader): trace_poll() on a
 * trace_pipe_raw fd waits through ring_buffer_poll_wait() with
 * buffer_percent, and we poll with a 20 ms timeout, then read with
 * O_NONBLOCK until EAGAIN: about one drain per 20 ms, no per-event wakeup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kb_ftrace.h"

#define TRACEFS		"/sys/kernel/tracing"
#define KB_FT_BUF_KB	"4096"		/* per CPU */
#define KB_FT_COPY	(128 << 10)	/* GNU cat's buffer (io_blksize) */

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

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

static int ft_enable(int pid, int on)
{
	char buf[32];
	size_t i;
	int ret = 0;

	if (on) {
		tracefs("tracing_on", "0");
		ret = tracefs("buffer_size_kb", KB_FT_BUF_KB);
		tracefs("trace", "");
		snprintf(buf, sizeof(buf), "%d", pid);
		if (!ret)
			ret = tracefs("set_event_pid", buf);
	}
	for (i = 0; i < sizeof(ft_events) / sizeof(ft_events[0]); i++) {
		char f[96];
		int r;

		snprintf(f, sizeof(f), "events/%s/enable", ft_events[i]);
		r = tracefs(f, on ? "1" : "0");
		if (r && on) {
			fprintf(stderr, "kb_speed: cannot enable %s: %s\n", f,
				strerror(-r));
			ret = r;
		}
	}
	tracefs("tracing_on", on ? "1" : "0");
	return ret;
}

/* "read events", "overrun" and "dropped events" of every CPU. */
static void ft_stats(uint64_t *read_ev, uint64_t *lost)
{
	char path[96], line[128];
	int cpu;

	*read_ev = 0;
	*lost = 0;
	for (cpu = 0; cpu < KB_FT_MAX_CPUS; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), TRACEFS "/per_cpu/cpu%d/stats",
			 cpu);
		f = fopen(path, "re");
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

static int ft_open_pipe(int cpu, int flags)
{
	char path[96];

	snprintf(path, sizeof(path), TRACEFS "/per_cpu/cpu%d/trace_pipe_raw",
		 cpu);
	return open(path, O_RDONLY | O_CLOEXEC | flags);
}

static int ft_count_cpus(void)
{
	int n;

	for (n = 0; n < KB_FT_MAX_CPUS; n++) {
		int fd = ft_open_pipe(n, O_NONBLOCK);

		if (fd < 0)
			break;
		close(fd);
	}
	return n;
}

/* ------------------------------------------------------------------------ */
/* Reader processes (KB_FT_READ)                                            */
/* ------------------------------------------------------------------------ */

static int rd_in = -1;

/*
 * Stop request: make the input non-blocking.  A read() asleep in the ring
 * buffer returns EINTR (no SA_RESTART); every later call returns what is left and then EAGAIN, so no stop is missed whatever
 * the reader was doing when the signal came.  fcntl() is async-signal-safe.
 */
static void rd_stop(int sig)
{
	(void)sig;
	fcntl(rd_in, F_SETFL, O_NONBLOCK);
}

static int rd_write_all(int out, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(out, buf, n);

		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

/*
 * Copy trace_pipe_raw of @cpu to a file in /tmp until stopped, as `cat >`
 * would.  The file is unlinked at once (its pages are still written): a
 * reader that fails leaves nothing behind.  Never returns.
 */
static void rd_main(int cpu, int res)
{
	static char buf[KB_FT_COPY];
	struct sigaction sa = { .sa_handler = rd_stop };
	uint64_t tot = 0;	/* bytes written */
	char path[64];
	int out;

	snprintf(path, sizeof(path), "/tmp/kb_ftrace.%d.cpu%d", getpid(), cpu);
	rd_in = ft_open_pipe(cpu, 0);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (rd_in < 0 || out < 0)
		_exit(20);
	unlink(path);
	sigaction(SIGUSR1, &sa, NULL);
	if (write(res, "r", 1) != 1)	/* ready: the handler is in place */
		_exit(21);
	for (;;) {
		ssize_t n = read(rd_in, buf, sizeof(buf));

		if (n > 0) {
			if (rd_write_all(out, buf, n))
				_exit(22);
			tot += n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			break;	/* EAGAIN: stopped and drained */
		}
	}
	close(out);
	if (write(res, &tot, sizeof(tot)) != sizeof(tot))
		_exit(23);
	_exit(0);
}

static int rd_spawn(struct kb_ft *f, int cpu)
{
	int p[2];
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	f->pid[cpu] = fork();
	if (f->pid[cpu] < 0)
		return -errno;
	if (!f->pid[cpu]) {
		close(p[0]);
		rd_main(cpu, p[1]);
	}
	close(p[1]);
	f->res[cpu] = p[0];
	if (read(p[0], &c, 1) != 1)
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* API                                                                      */
/* ------------------------------------------------------------------------ */

int kb_ft_start(struct kb_ft *f, int pid, enum kb_ft_reader reader)
{
	int cpu, ret;

	memset(f, 0, sizeof(*f));
	f->reader = reader;
	f->ncpu = ft_count_cpus();
	if (!f->ncpu)
		return -ENOENT;
	ret = ft_enable(pid, 1);
	if (ret)
		return ret;
	for (cpu = 0; cpu < f->ncpu; cpu++) {
		f->fd[cpu] = -1;
		f->res[cpu] = -1;
		if (reader == KB_FT_POLL) {
			f->fd[cpu] = ft_open_pipe(cpu, O_NONBLOCK);
			ret = f->fd[cpu] < 0 ? -errno : 0;
		} else {
			ret = rd_spawn(f, cpu);
		}
		if (ret)
			return ret;
	}
	ft_stats(&f->ev0, &f->lost0);
	return 0;
}

int kb_ft_pollfds(const struct kb_ft *f, struct pollfd *pf, int max)
{
	int i, n = 0;

	for (i = 0; i < f->ncpu && n < max; i++) {
		if (f->fd[i] < 0)
			continue;
		pf[n].fd = f->fd[i];
		pf[n++].events = POLLIN;
	}
	return n;
}

void kb_ft_drain(struct kb_ft *f)
{
	static char buf[1 << 16];
	int i;

	for (i = 0; i < f->ncpu; i++)
		while (f->fd[i] >= 0 && read(f->fd[i], buf, sizeof(buf)) > 0)
			;
}

int kb_ft_stop(struct kb_ft *f, struct kb_ft_result *r)
{
	uint64_t ev, lost;
	int cpu, ret = 0;

	memset(r, 0, sizeof(*r));
	ft_enable(0, 0);	/* the buffer keeps what was not read yet */
	kb_ft_drain(f);
	for (cpu = 0; cpu < f->ncpu; cpu++) {
		struct rusage ru;
		uint64_t tot;
		int st;

		if (f->fd[cpu] >= 0)
			close(f->fd[cpu]);
		if (f->res[cpu] < 0)
			continue;
		kill(f->pid[cpu], SIGUSR1);
		if (read(f->res[cpu], &tot, sizeof(tot)) == sizeof(tot)) {
			r->bytes += tot;
		} else {
			ret = -EIO;
		}
		close(f->res[cpu]);
		if (wait4(f->pid[cpu], &st, 0, &ru) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			ret = -EIO;
		else
			r->cpu_ns += (uint64_t)(ru.ru_utime.tv_sec +
						ru.ru_stime.tv_sec) * 1000000000ull +
				     (uint64_t)(ru.ru_utime.tv_usec +
						ru.ru_stime.tv_usec) * 1000;
	}
	ft_stats(&ev, &lost);
	r->events = ev - f->ev0;
	r->lost = lost - f->lost0;
	tracefs("set_event_pid", "");
	return ret;
}
