/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksess_check: guest tests of the session life cycle of kmemrec.ko (end of
 * stream, exec, exit, the hooks' limits), tests/guest/cases/ksess_*.sh.
 * Built on the kcore reader and model (kcore_rec.h); each subcommand prints
 * what it measured and exits 0, or says why it failed and exits 1.
 */
#ifndef KSESS_H
#define KSESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "kcore_rec.h"

/* ---- subcommands ---- */
int ks_endrace(int argc, char **argv);	/* ksess_end.c */
int ks_many(int argc, char **argv);	/* ksess_exec.c */
int ks_secure(int argc, char **argv);
int ks_lsm(int argc, char **argv);
int ks_oldmm(int argc, char **argv);
int ks_ptexec(int argc, char **argv);
int ks_execloop(int argc, char **argv);
int ks_pidns(int argc, char **argv);	/* ksess_pidns.c */
int ks_missed(int argc, char **argv);	/* ksess_missed.c */
int ks_execleak(int argc, char **argv);	/* ksess_leak.c */
int ks_execd(int argc, char **argv);	/* the exec'ed image */
int ks_chain(int argc, char **argv);	/* exec'ing itself N times */

/* ---- an observer: the kcore model plus what these tests look at ---- */
#define KS_MAX_FORKS	16

struct ks_obs {
	struct km_model m;
	/* set by the test before reading */
	pid_t want_tid;			/* count FAULT records of this tid */
	pid_t old_tid;			/* a tid of the old mm (exec tests) */
	uint64_t old_lo, old_hi;	/* an address range only the old mm has */
	/* seen */
	uint32_t snap_pid[3];		/* pid of the last BEGIN per cause */
	uint32_t fork_pid[KS_MAX_FORKS];
	unsigned int nforks;
	uint64_t faults, faults_want;	/* FAULT records, of want_tid */
	uint64_t exec_seq, exit_seq;
	bool in_exec_gap;		/* after EXEC, before its snapshot BEGIN */
	uint64_t exec_gap;		/* records in that gap */
	uint64_t after_exec_old;	/* old-mm records after EXEC */
	uint64_t lost_kinds;		/* OR of every LOST's kinds */
	uint64_t lost_count;
};

void ks_obs_init(struct ks_obs *o);
void ks_obs_free(struct ks_obs *o);
/* kc_rec_fn: note, then apply to o->m. */
void ks_apply(const struct kmr_event *ev, uint32_t ring, void *priv);

/*
 * A child that, on SIGUSR1, execs @path as "ksess_check execd <fd> <code>"
 * (@path NULL: /proc/self/exe).  *@rfd reads what the child and the image
 * say.  @uid: >= 0 to drop to that uid/gid first (then made dumpable
 * again).  @setup (may be NULL) runs in the child before it waits,
 * @before_exec after SIGUSR1, right before the exec; both get the write
 * end of the pipe.
 */
struct ks_spawn {
	const char *path;
	int uid;
	int code;
	void (*setup)(int wfd);
	void (*before_exec)(int wfd);
	unsigned long clone_flags;	/* e.g. CLONE_NEWPID; 0: fork() */
};

pid_t ks_spawn_exec_ex(const struct ks_spawn *sp, int *rfd);
pid_t ks_spawn_exec(const char *path, int *rfd, int uid, int code);
/* One line from @fd (blocking), without its newline. */
void ks_read_line(int fd, char *buf, size_t size);
/*
 * Read the image's "r <pid> <tid>" line, draining @n sessions meanwhile
 * (NULL: none).  Returns the pid and tid it reported.
 */
void ks_wait_ready(struct kc_sess *k, struct ks_obs *o, int n, int rfd,
		   pid_t *pid, pid_t *tid);
/* Drain @n sessions until @done() or @ms pass; 0 when done. */
int ks_drain_until(struct kc_sess *k, struct ks_obs *o, int n,
		   bool (*done)(void *), void *arg, int ms);
/* The same for one session read with @fn. */
int ks_drain_until_fn(struct kc_sess *k, kc_rec_fn fn, void *priv,
		      bool (*done)(void *), void *arg, int ms);
/* SIGUSR1 to the image (it exits with its code); wait; returns status. */
int ks_finish(pid_t pid);
/* Attach and start a session on @pid (0 ring = default), or die. */
void ks_session(struct kc_sess *k, struct ks_obs *o, pid_t pid);
/* Copy /proc/self/exe to @path with mode @mode, owned by root. */
void ks_copy_self(const char *path, mode_t mode);
/* Busy-wait about @us microseconds (no sleep: keeps this CPU). */
void ks_spin_us(unsigned int us);

#endif /* KSESS_H */
