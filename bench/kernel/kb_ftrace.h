/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace as kb_speed's reference tracer: exceptions:page_fault_user plus the
 * mmap/munmap/brk/mprotect syscall events, filtered to one pid, drained
 * from per_cpu/cpuN/trace_pipe_raw by one of two readers (kb_ftrace.c
 * explains what each one costs the traced task and why):
 *
 *   KB_FT_READ      one blocking reader process per CPU copying with
 *                   read()/write() into a file: what GNU cat does
 *                   (`cat per_cpu/cpuN/trace_pipe_raw > file`)
 *   KB_FT_POLL      non-blocking reads from the benchmark process itself,
 *                   poll() with a 20 ms timeout, data discarded
 */
#ifndef KB_FTRACE_H
#define KB_FTRACE_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

enum kb_ft_reader { KB_FT_READ, KB_FT_POLL };

#define KB_FT_MAX_CPUS	64

struct kb_ft {
	enum kb_ft_reader reader;
	int ncpu;
	int fd[KB_FT_MAX_CPUS];		/* KB_FT_POLL: our non-blocking fds */
	pid_t pid[KB_FT_MAX_CPUS];	/* KB_FT_READ: reader processes */
	int res[KB_FT_MAX_CPUS];	/* their result pipes */
	uint64_t ev0, lost0;		/* per_cpu stats at start */
};

struct kb_ft_result {
	uint64_t events;		/* events read (per_cpu stats) */
	uint64_t lost;			/* overrun + dropped events */
	uint64_t bytes;			/* written to the readers' files */
	uint64_t cpu_ns;		/* reader processes' user + system time */
};

/* Trace @pid, start the readers.  0 or -errno. */
int kb_ft_start(struct kb_ft *f, int pid, enum kb_ft_reader reader);
/* KB_FT_POLL: fill @pf with the fds to poll (returns how many). */
int kb_ft_pollfds(const struct kb_ft *f, struct pollfd *pf, int max);
/* KB_FT_POLL: read everything available now (discarded). */
void kb_ft_drain(struct kb_ft *f);
/*
 * Stop tracing, let the readers copy what is left and exit, count.  The
 * readers' files are deleted.  0 or -errno.
 */
int kb_ft_stop(struct kb_ft *f, struct kb_ft_result *r);

#endif /* KB_FTRACE_H */
