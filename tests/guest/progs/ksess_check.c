// SPDX-License-Identifier: GPL-2.0
/*
 * ksess_check: subcommand dispatch, the observer and the helpers the
 * session tests share (ksess.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ksess.h"
#include "kring.h"
#include "time_scale.h"

void ks_obs_init(struct ks_obs *o)
{
	memset(o, 0, sizeof(*o));
	km_init(&o->m);
}

void ks_obs_free(struct ks_obs *o)
{
	km_free(&o->m);
}

static bool ks_in_old(const struct ks_obs *o, uint64_t lo, uint64_t hi)
{
	return o->old_hi && lo < o->old_hi && hi > o->old_lo;
}

void ks_apply(const struct kmr_event *ev, uint32_t ring, void *priv)
{
	struct ks_obs *o = priv;
	/* FAULT, or a PTE record that carries its fault (ABI 3) */
	const struct kmr_fault_info *f = kring_fault(ev);

	if (f) {
		o->faults++;
		if (o->want_tid && f->tid == (uint32_t)o->want_tid)
			o->faults_want++;
		if (o->exec_seq && ((o->old_tid && f->tid == (uint32_t)o->old_tid) ||
				    ks_in_old(o, f->vaddr, f->vaddr + 1)))
			o->after_exec_old++;
	}
	switch (ev->kind) {
	case KMR_EV_SNAPSHOT_BEGIN:
		o->snap_pid[ev->flags % 3] =
			((const struct kmr_ev_snapshot *)ev)->pid;
		if (ev->flags == KMR_SNAP_EXEC)
			o->in_exec_gap = false;
		break;
	case KMR_EV_FORK:
		if (o->nforks < KS_MAX_FORKS)
			o->fork_pid[o->nforks++] =
				((const struct kmr_ev_fork *)ev)->child_pid;
		break;
	case KMR_EV_PTE: {
		const struct kmr_ev_pte *e = (const void *)ev;
		uint64_t end = e->vaddr + ((uint64_t)e->nr << e->shift);

		if (o->exec_seq && ks_in_old(o, e->vaddr, end))
			o->after_exec_old++;
		break;
	}
	case KMR_EV_EXEC:
		o->exec_seq = ev->seq;
		o->in_exec_gap = true;
		break;
	case KMR_EV_EXIT:
		o->exit_seq = ev->seq;
		break;
	case KMR_EV_LOST: {
		const struct kmr_ev_lost *e = (const void *)ev;

		o->lost_kinds |= e->kinds;
		o->lost_count += e->count;
		break;
	}
	default:
		break;
	}
	if (o->in_exec_gap && ev->kind != KMR_EV_EXEC)
		o->exec_gap++;
	km_apply(ev, ring, &o->m);
}

/* ---- the exec'ed image ---- */

static volatile sig_atomic_t ks_go;

static void ks_on_usr1(int sig)
{
	(void)sig;
	ks_go = 1;
}

/*
 * execd <fd> <code>: 32 written pages, "r <pid> <tid>" on fd, then exit
 * with @code on SIGUSR1.
 */
int ks_execd(int argc, char **argv)
{
	int fd = argc > 0 ? atoi(argv[0]) : -1;
	int code = argc > 1 ? atoi(argv[1]) : 0;
	volatile char *p;
	char line[64];
	int i, n;

	signal(SIGUSR1, ks_on_usr1);
	p = mmap(NULL, 32 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (i = 0; i < 32; i++)
		p[i * 4096] = (char)i;
	n = snprintf(line, sizeof(line), "r %d %ld\n", getpid(),
		     (long)syscall(SYS_gettid));
	if (write(fd, line, n) != n)
		return 1;
	while (!ks_go)
		pause();
	return code;
}

pid_t ks_spawn_exec(const char *path, int *rfd, int uid, int code)
{
	const struct ks_spawn sp = { .path = path, .uid = uid, .code = code };

	return ks_spawn_exec_ex(&sp, rfd);
}

void ks_read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	while (n + 1 < size) {
		if (read(fd, &c, 1) != 1)
			kc_die("the target died before it said a line");
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
}

pid_t ks_spawn_exec_ex(const struct ks_spawn *sp, int *rfd)
{
	sigset_t set, old;
	int p[2];
	pid_t pid;

	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	/* blocked until the child waits for it: no lost wakeup */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (sp->clone_flags)
		pid = syscall(SYS_clone, sp->clone_flags | SIGCHLD, NULL, NULL,
			      NULL, NULL);
	else
		pid = fork();
	if (pid < 0)
		kc_die("fork: %s", strerror(errno));
	if (!pid) {
		char fd[16], c[16];
		int sig;

		close(p[0]);
		if (sp->uid >= 0) {
			if (setgid(sp->uid) || setuid(sp->uid))
				kc_die("setuid(%d): %s", sp->uid,
				       strerror(errno));
			prctl(PR_SET_DUMPABLE, 1);
		}
		snprintf(fd, sizeof(fd), "%d", p[1]);
		snprintf(c, sizeof(c), "%d", sp->code);
		if (sp->setup)
			sp->setup(p[1]);
		sigwait(&set, &sig);
		if (sp->before_exec)
			sp->before_exec(p[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execl(sp->path ? sp->path : "/proc/self/exe", "ksess_check",
		      "execd", fd, c, (char *)NULL);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* @ms times $KMR_TIME_SCALE (the harness's slowdown of this kernel), in ns */
static uint64_t ks_scaled_ns(uint64_t ms)
{
	return (uint64_t)(ms * 1e6 * kmr_time_scale());
}

void ks_wait_ready(struct kc_sess *k, struct ks_obs *o, int n, int rfd,
		   pid_t *pid, pid_t *tid)
{
	struct pollfd pf = { .fd = rfd, .events = POLLIN };
	uint64_t deadline = kc_now() + ks_scaled_ns(60000);
	char line[64];
	ssize_t len;
	long a, b;
	int i;

	for (;;) {
		for (i = 0; i < n; i++)
			if (kc_drain(&k[i], ks_apply, &o[i]) < 0)
				kc_die("malformed ring %d", i);
		if (poll(&pf, 1, 1) == 1)
			break;
		if (kc_now() > deadline)
			kc_die("the exec'ed image never became ready");
	}
	len = read(rfd, line, sizeof(line) - 1);
	if (len <= 0)
		kc_die("the exec'ed image died before it was ready");
	line[len] = 0;
	if (sscanf(line, "r %ld %ld", &a, &b) != 2)
		kc_die("the exec'ed image said '%s'", line);
	if (pid)
		*pid = a;
	if (tid)
		*tid = b;
}

int ks_drain_until(struct kc_sess *k, struct ks_obs *o, int n,
		   bool (*done)(void *), void *arg, int ms)
{
	uint64_t deadline = kc_now() + ks_scaled_ns((uint64_t)ms);
	int i;

	for (;;) {
		for (i = 0; i < n; i++)
			if (kc_drain(&k[i], ks_apply, &o[i]) < 0)
				kc_die("malformed ring %d", i);
		if (done(arg))
			return 0;
		if (kc_now() > deadline)
			return -1;
		usleep(500);
	}
}

int ks_drain_until_fn(struct kc_sess *k, kc_rec_fn fn, void *priv,
		      bool (*done)(void *), void *arg, int ms)
{
	uint64_t deadline = kc_now() + ks_scaled_ns((uint64_t)ms);

	for (;;) {
		if (kc_drain(k, fn, priv) < 0)
			kc_die("malformed ring");
		if (done(arg))
			return 0;
		if (kc_now() > deadline)
			return -1;
		usleep(500);
	}
}

int ks_finish(pid_t pid)
{
	int st;

	kill(pid, SIGUSR1);
	if (waitpid(pid, &st, 0) != pid)
		kc_die("waitpid %d: %s", pid, strerror(errno));
	return st;
}

void ks_session(struct kc_sess *k, struct ks_obs *o, pid_t pid)
{
	int r;

	kc_session(k, pid, 0, 0);
	r = kc_start_draining(k, ks_apply, o);
	if (r)
		kc_die("START on %d: %s", pid, strerror(-r));
}

void ks_copy_self(const char *path, mode_t mode)
{
	char buf[1 << 16];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;

	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	if (in < 0 || out < 0)
		kc_die("copy to %s: %s", path, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			kc_die("write %s", path);
	close(in);
	if (fchown(out, 0, 0) || fchmod(out, mode))
		kc_die("chmod %s: %s", path, strerror(errno));
	close(out);
}

void ks_spin_us(unsigned int us)
{
	uint64_t end = kc_now() + (uint64_t)us * 1000;

	while (kc_now() < end)
		;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} ks_cmds[] = {
	{ "endrace", ks_endrace, "N: target exit racing STOP/DETACH/close" },
	{ "many", ks_many, "N: N sessions on one target through exec and exit" },
	{ "secure", ks_secure, "set-uid and file-capability exec under a non-root recorder" },
	{ "lsm", ks_lsm, "an AppArmor domain change under a non-root recorder" },
	{ "oldmm", ks_oldmm, "no record of the old mm after EXEC" },
	{ "ptexec", ks_ptexec, "target stopped at PTRACE_EVENT_EXEC" },
	{ "execloop", ks_execloop, "N: a traced target exec'ing N times" },
	{ "pidns", ks_pidns, "recorder and target in pid namespaces" },
	{ "missed", ks_missed, "THREADS: fault returns that cannot be probed" },
	{ "execleak", ks_execleak, "N: sessions detached while their target execs" },
	{ "execd", ks_execd, "(the exec'ed image)" },
	{ "chain", ks_chain, "(N more execs of itself)" },
};

int main(int argc, char **argv)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < sizeof(ks_cmds) / sizeof(ks_cmds[0]); i++) {
		if (strcmp(argv[1], ks_cmds[i].name))
			continue;
		/* the images' exit codes are their own */
		if (!strcmp(argv[1], "execd") || !strcmp(argv[1], "chain"))
			return ks_cmds[i].fn(argc - 2, argv + 2);
		if (ks_cmds[i].fn(argc - 2, argv + 2))
			return 1;
		printf("ksess_check %s: PASS\n", argv[1]);
		return 0;
	}
	fprintf(stderr, "usage: ksess_check CMD [ARGS]\n");
	for (i = 0; i < sizeof(ks_cmds) / sizeof(ks_cmds[0]); i++)
		fprintf(stderr, "  %-9s %s\n", ks_cmds[i].name, ks_cmds[i].help);
	return 2;
}
