// SPDX-License-Identifier: GPL-2.0
/*
 * kcore_check follow: KMR_ATTACH_F_FOLLOW (issue 11), against what the
 * processes themselves do.
 *
 * A target T writes FL_PAGES pages and then, on command, forks children
 * that write every one of those pages again (each write is a CoW fault)
 * and only then say so on a pipe.  The checks:
 *   held      FORK (HELD) names the child; the child says nothing while
 *             held; a session attached to it and then RELEASE: the child
 *             runs, and its session holds all FL_PAGES CoW copies (its
 *             very first writes) and its EXIT; RELEASE again is ENOENT
 *   grand     the same one level down: a FOLLOW session on the child gets
 *             the grandchild's FORK, and the grandchild's CoW copies
 *   kill      SIGKILL ends a held child's wait at once; RELEASE: ENOENT
 *   vfork     vfork + exec: FORK (HELD | EXEC) at the exec, the new image
 *             says nothing until released, its session starts in the new
 *             image
 *   errors    RELEASE's EINVAL/ENOENT cases
 *   timeout   a child nobody releases runs after KMR_FOLLOW_WAIT_MS
 *   stop      STOP lets every held child go
 *   orphan    a parent that forks and exits at once: its EXIT comes, the
 *             child stays held until released, and is followed
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_check.h"
#include "kring.h"

#define FL_PAGES	64
#define FL_PAGE		4096ul
#define FL_MAX_FORKS	32

/* What a session's records said that these checks look at. */
struct fl_seen {
	uint64_t lo, hi;		/* the written buffer */
	unsigned int forks;
	uint32_t fork_pid[FL_MAX_FORKS];
	uint32_t fork_flags[FL_MAX_FORKS];
	unsigned int cow;		/* COW records in [lo, hi) */
	unsigned int wfaults;		/* write faults in [lo, hi) */
	int exit_seen;
	int exit_code;
};

static void fl_rec(const struct kmr_event *ev, uint32_t ring, void *priv)
{
	struct fl_seen *s = priv;
	const struct kmr_fault_info *fi = kring_fault(ev);

	(void)ring;
	if (fi && (fi->fault_flags & KMR_FAULT_WRITE) && fi->vaddr >= s->lo &&
	    fi->vaddr < s->hi)
		s->wfaults++;
	switch (ev->kind) {
	case KMR_EV_FORK: {
		const struct kmr_ev_fork *f = (const void *)ev;

		if (s->forks < FL_MAX_FORKS) {
			s->fork_pid[s->forks] = f->child_pid;
			s->fork_flags[s->forks] = f->h.flags;
		}
		s->forks++;
		break;
	}
	case KMR_EV_COW: {
		const struct kmr_ev_cow *c = (const void *)ev;

		if (c->vaddr >= s->lo && c->vaddr < s->hi)
			s->cow++;
		break;
	}
	case KMR_EV_EXIT:
		s->exit_seen = 1;
		s->exit_code = ((const struct kmr_ev_exit *)ev)->exit_code;
		break;
	}
}

struct fl_sess {
	struct kc_sess k;
	struct fl_seen seen;
};

/* Open, ATTACH @pid with @flags, map and START (draining meanwhile). */
static void fl_session(struct fl_sess *s, int pid, uint32_t flags,
		       uint64_t lo)
{
	struct kmr_attach a = {
		.pid = pid, .flags = flags, .ring_size = 1 << 20,
	};
	int r;

	memset(s, 0, sizeof(*s));
	s->seen.lo = lo;
	s->seen.hi = lo + FL_PAGES * FL_PAGE;
	r = kc_open(&s->k);
	if (r)
		kc_die("open: %s", strerror(-r));
	r = kc_attach(&s->k, &a);
	if (r)
		kc_die("ATTACH pid %d flags %u: %s", pid, flags, strerror(-r));
	r = kc_map(&s->k);
	if (r)
		kc_die("mmap: %s", strerror(-r));
	r = kc_start_draining(&s->k, fl_rec, &s->seen);
	if (r)
		kc_die("START pid %d: %s", pid, strerror(-r));
}

static void fl_drain(struct fl_sess *s)
{
	if (kc_drain(&s->k, fl_rec, &s->seen) < 0)
		kc_die("malformed ring");
}

/* The next FORK @s reports (index @i), within 10 s; its child pid. */
static uint32_t fl_wait_fork(struct fl_sess *s, unsigned int i,
			     uint32_t want_flags)
{
	uint64_t deadline = kc_now() + 10000000000ull;

	while (s->seen.forks <= i) {
		if (kc_now() > deadline)
			kc_die("no FORK record #%u within 10 s", i + 1);
		fl_drain(s);
		usleep(1000);
	}
	if (s->seen.fork_flags[i] != want_flags)
		kc_die("FORK #%u of pid %u: flags %#x, want %#x", i + 1,
		       s->seen.fork_pid[i], s->seen.fork_flags[i], want_flags);
	return s->seen.fork_pid[i];
}

static int fl_release(struct fl_sess *s, uint32_t pid)
{
	struct kmr_release r = { .pid = pid };

	return kc_ioctl(&s->k, KMR_IOC_RELEASE, &r);
}

/* A byte on @fd within @ms; -1 if none came. */
static int fl_byte(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) <= 0 || read(fd, &c, 1) != 1)
		return -1;
	return (unsigned char)c;
}

static void fl_expect_quiet(int fd, const char *who)
{
	int c = fl_byte(fd, 400);

	if (c >= 0)
		kc_die("%s ran while held (said '%c')", who, c);
}

static void fl_expect(int fd, char want, int ms, const char *who)
{
	int c = fl_byte(fd, ms);

	if (c != want)
		kc_die("%s: wanted '%c' within %d ms, got %d", who, want, ms, c);
}

/* ---- the target ---------------------------------------------------- */

struct fl_target {
	pid_t pid;
	int cmd;		/* write: commands */
	int say;		/* read: what T and its children say */
	uint64_t buf;
};

static void fl_write_all(volatile char *buf, char v)
{
	for (unsigned long i = 0; i < FL_PAGES; i++)
		buf[i * FL_PAGE] = v;
}

static void fl_say(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(90);
}

/*
 * T: on 'f' fork a child that writes the buffer then says 'c'; on 'g' a
 * child that forks a grandchild that writes and says 'g'; on 'v' vfork
 * and exec "kcore_check followd <fd>" (says 'e'); on 'x' fork a writing
 * child and exit at once; on 'q' exit.
 */
static void fl_target_main(int cmd, int say, volatile char *buf)
{
	char c;
	pid_t p;

	signal(SIGCHLD, SIG_IGN);	/* children are reaped by the kernel */
	fl_write_all(buf, 1);
	fl_say(say, 'r');
	while (read(cmd, &c, 1) == 1) {
		switch (c) {
		case 'f':
		case 'x':
			if (fork() == 0) {
				fl_write_all(buf, 2);
				fl_say(say, 'c');
				_exit(0);
			}
			if (c == 'x')
				_exit(3);
			break;
		case 'g':
			if (fork() == 0) {
				if (fork() == 0) {
					fl_write_all(buf, 3);
					fl_say(say, 'g');
					_exit(0);
				}
				_exit(0);
			}
			break;
		case 'v': {
			char fd[16];

			snprintf(fd, sizeof(fd), "%d", say);
			p = vfork();
			if (p == 0) {
				execl("/proc/self/exe", "kcore_check", "followd",
				      fd, (char *)NULL);
				_exit(91);
			}
			break;
		}
		case 'q':
			_exit(0);
		}
	}
	_exit(0);
}

static void fl_spawn(struct fl_target *t)
{
	int cmd[2], say[2];
	char *buf;

	buf = mmap(NULL, FL_PAGES * FL_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || pipe(cmd) || pipe(say))
		kc_die("setup: %s", strerror(errno));
	madvise(buf, FL_PAGES * FL_PAGE, MADV_NOHUGEPAGE);
	t->pid = fork();
	if (t->pid < 0)
		kc_die("fork: %s", strerror(errno));
	if (t->pid == 0) {
		close(cmd[1]);
		close(say[0]);
		fl_target_main(cmd[0], say[1], buf);
	}
	close(cmd[0]);
	close(say[1]);
	munmap(buf, FL_PAGES * FL_PAGE);
	t->cmd = cmd[1];
	t->say = say[0];
	t->buf = (uint64_t)(unsigned long)buf;
	fl_expect(t->say, 'r', 10000, "target");
}

static void fl_cmd(struct fl_target *t, char c)
{
	if (write(t->cmd, &c, 1) != 1)
		kc_die("command '%c': %s", c, strerror(errno));
}

/*
 * A followed child's whole stream: a write fault for every page it wrote,
 * its EXIT, and (@all_cow) a CoW copy for each: the pages were still
 * mapped by its parent.  An orphan's parent may have unmapped some before
 * the child wrote them: the kernel then reuses the page, no copy.
 */
static void fl_child_done(struct fl_sess *c, const char *who, int all_cow)
{
	uint64_t deadline = kc_now() + 10000000000ull;

	while (!c->seen.exit_seen) {
		if (kc_now() > deadline)
			kc_die("%s: no EXIT within 10 s", who);
		fl_drain(c);
		usleep(1000);
	}
	if (kc_drain_final(&c->k, fl_rec, &c->seen))
		kc_die("%s: stream not whole", who);
	if (c->seen.wfaults < FL_PAGES)
		kc_die("%s: %u write faults recorded in the buffer, it wrote %d pages",
		       who, c->seen.wfaults, FL_PAGES);
	if (all_cow ? c->seen.cow != FL_PAGES : c->seen.cow > FL_PAGES)
		kc_die("%s: %u CoW copies recorded in the buffer, it wrote %d shared pages",
		       who, c->seen.cow, FL_PAGES);
	printf("  %s: %u write faults, %u CoW copies, EXIT %d\n", who,
	       c->seen.wfaults, c->seen.cow, c->seen.exit_code);
}

/* ---- the checks ---------------------------------------------------- */

static void fl_check_held(struct fl_target *t, struct fl_sess *a)
{
	struct fl_sess c;
	unsigned int i = a->seen.forks;
	uint32_t pid;
	int r;

	fl_cmd(t, 'f');
	pid = fl_wait_fork(a, i, KMR_FORK_F_HELD);
	fl_expect_quiet(t->say, "the child");
	fl_session(&c, pid, KMR_ATTACH_F_FOLLOW, t->buf);
	r = fl_release(a, pid);
	if (r)
		kc_die("RELEASE %u: %s", pid, strerror(-r));
	fl_expect(t->say, 'c', 10000, "the released child");
	fl_child_done(&c, "held: child", 1);
	r = fl_release(a, pid);
	if (r != -ENOENT)
		kc_die("second RELEASE %u: %d, want -ENOENT", pid, r);
	kc_close(&c.k);
	printf("held: PASS (child %u waited, then recorded from its first write)\n", pid);
}

static void fl_check_grand(struct fl_target *t, struct fl_sess *a)
{
	struct fl_sess c, g;
	unsigned int i = a->seen.forks;
	uint32_t cpid, gpid;

	fl_cmd(t, 'g');
	cpid = fl_wait_fork(a, i, KMR_FORK_F_HELD);
	fl_session(&c, cpid, KMR_ATTACH_F_FOLLOW, t->buf);
	if (fl_release(a, cpid))
		kc_die("RELEASE child %u", cpid);
	gpid = fl_wait_fork(&c, 0, KMR_FORK_F_HELD);
	fl_expect_quiet(t->say, "the grandchild");
	fl_session(&g, gpid, KMR_ATTACH_F_FOLLOW, t->buf);
	if (fl_release(&c, gpid))
		kc_die("RELEASE grandchild %u", gpid);
	fl_expect(t->say, 'g', 10000, "the released grandchild");
	fl_child_done(&g, "grand: grandchild", 1);
	kc_close(&g.k);
	kc_close(&c.k);
	printf("grand: PASS (child %u, grandchild %u)\n", cpid, gpid);
}

static void fl_check_kill(struct fl_target *t, struct fl_sess *a)
{
	unsigned int i = a->seen.forks;
	uint64_t t0;
	uint32_t pid;
	int r;

	fl_cmd(t, 'f');
	pid = fl_wait_fork(a, i, KMR_FORK_F_HELD);
	t0 = kc_now();
	if (kill(pid, SIGKILL))
		kc_die("kill %u: %s", pid, strerror(errno));
	/* reaped by T (SIGCHLD ignored): gone from /proc */
	for (;;) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%u", pid);
		if (access(path, F_OK))
			break;
		if (kc_now() - t0 > 3000000000ull)
			kc_die("held child %u still there 3 s after SIGKILL", pid);
		usleep(2000);
	}
	r = fl_release(a, pid);
	if (r != -ENOENT)
		kc_die("RELEASE of a killed child: %d, want -ENOENT", r);
	fl_expect_quiet(t->say, "the killed child");
	printf("kill: PASS (gone %.0f ms after SIGKILL)\n",
	       (kc_now() - t0) / 1e6);
}

static void fl_check_vfork(struct fl_target *t, struct fl_sess *a)
{
	unsigned int i = a->seen.forks;
	struct fl_sess c;
	uint32_t pid;

	fl_cmd(t, 'v');
	pid = fl_wait_fork(a, i, KMR_FORK_F_HELD | KMR_FORK_F_EXEC);
	fl_expect_quiet(t->say, "the vfork child's new image");
	fl_session(&c, pid, KMR_ATTACH_F_FOLLOW, 0);
	if (fl_release(a, pid))
		kc_die("RELEASE vfork child %u", pid);
	fl_expect(t->say, 'e', 10000, "the released vfork child");
	{
		uint64_t deadline = kc_now() + 10000000000ull;

		while (!c.seen.exit_seen && kc_now() < deadline) {
			fl_drain(&c);
			usleep(1000);
		}
	}
	if (!c.seen.exit_seen || c.seen.exit_code != (5 << 8))
		kc_die("vfork child: EXIT seen %d code %#x, want exit(5)",
		       c.seen.exit_seen, c.seen.exit_code);
	kc_close(&c.k);
	printf("vfork: PASS (child %u held in its new image)\n", pid);
}

static void fl_check_errors(struct fl_target *t, struct fl_sess *a)
{
	struct kmr_release r = { .pid = 1 };
	struct kc_sess plain, fresh;
	int e;

	r.flags = 1;
	if ((e = kc_ioctl(&a->k, KMR_IOC_RELEASE, &r)) != -EINVAL)
		kc_die("RELEASE flags 1: %d", e);
	r.flags = 0;
	r.reserved[1] = 1;
	if ((e = kc_ioctl(&a->k, KMR_IOC_RELEASE, &r)) != -EINVAL)
		kc_die("RELEASE reserved: %d", e);
	r.reserved[1] = 0;
	r.pid = 0;
	if ((e = kc_ioctl(&a->k, KMR_IOC_RELEASE, &r)) != -ENOENT)
		kc_die("RELEASE pid 0: %d", e);
	r.pid = ~0u;
	if ((e = kc_ioctl(&a->k, KMR_IOC_RELEASE, &r)) != -ENOENT)
		kc_die("RELEASE pid ~0: %d", e);
	r.pid = 1;	/* init: not a held child */
	if ((e = kc_ioctl(&a->k, KMR_IOC_RELEASE, &r)) != -ENOENT)
		kc_die("RELEASE pid 1: %d", e);
	if ((e = kc_ioctl(&a->k, KMR_IOC_RELEASE, NULL)) != -EFAULT)
		kc_die("RELEASE NULL: %d", e);
	if (kc_open(&fresh))
		kc_die("open");
	if ((e = kc_ioctl(&fresh, KMR_IOC_RELEASE, &r)) != -EINVAL)
		kc_die("RELEASE before ATTACH: %d", e);
	kc_close(&fresh);
	kc_session(&plain, t->pid, 1 << 20, 0);
	if ((e = kc_ioctl(&plain, KMR_IOC_RELEASE, &r)) != -EINVAL)
		kc_die("RELEASE without FOLLOW: %d", e);
	kc_close(&plain);
	printf("errors: PASS\n");
}

static void fl_check_timeout(struct fl_target *t, struct fl_sess *a)
{
	unsigned int i = a->seen.forks;
	uint64_t t0;
	double ms;

	fl_cmd(t, 'f');
	fl_wait_fork(a, i, KMR_FORK_F_HELD);
	t0 = kc_now();
	fl_expect(t->say, 'c', KMR_FOLLOW_WAIT_MS + 20000, "the unreleased child");
	ms = (kc_now() - t0) / 1e6;
	if (ms < KMR_FOLLOW_WAIT_MS * 0.8)
		kc_die("unreleased child ran after %.0f ms, before the %d ms wait",
		       ms, KMR_FOLLOW_WAIT_MS);
	printf("timeout: PASS (ran on after %.0f ms)\n", ms);
}

static void fl_check_stop(struct fl_target *t, struct fl_sess *a)
{
	unsigned int i = a->seen.forks;
	uint64_t t0;
	int r;

	fl_cmd(t, 'f');
	fl_wait_fork(a, i, KMR_FORK_F_HELD);
	fl_expect_quiet(t->say, "the child");
	t0 = kc_now();
	r = kc_ioctl(&a->k, KMR_IOC_STOP, NULL);
	if (r)
		kc_die("STOP: %s", strerror(-r));
	fl_expect(t->say, 'c', 5000, "the child after STOP");
	printf("stop: PASS (ran %.0f ms after STOP)\n", (kc_now() - t0) / 1e6);
}

static void fl_check_orphan(struct fl_target *t)
{
	struct fl_sess a, c;
	uint32_t pid;

	fl_session(&a, t->pid, KMR_ATTACH_F_FOLLOW, t->buf);
	fl_cmd(t, 'x');
	pid = fl_wait_fork(&a, 0, KMR_FORK_F_HELD);
	{
		uint64_t deadline = kc_now() + 10000000000ull;

		while (!a.seen.exit_seen && kc_now() < deadline) {
			fl_drain(&a);
			usleep(1000);
		}
	}
	if (!a.seen.exit_seen)
		kc_die("orphan: the parent's EXIT did not come");
	fl_expect_quiet(t->say, "the orphaned child");
	fl_session(&c, pid, KMR_ATTACH_F_FOLLOW, t->buf);
	if (fl_release(&a, pid))
		kc_die("RELEASE after the parent's exit");
	fl_expect(t->say, 'c', 10000, "the orphan");
	fl_child_done(&c, "orphan: child", 0);
	kc_close(&c.k);
	kc_close(&a.k);
	waitpid(t->pid, NULL, 0);
	printf("orphan: PASS (parent exited first, child %u followed)\n", pid);
}

int check_follow(int argc, char **argv)
{
	struct fl_target t;
	struct fl_sess a;
	int quick = argc > 0 && !strcmp(argv[0], "quick");

	signal(SIGPIPE, SIG_IGN);
	fl_spawn(&t);
	fl_session(&a, t.pid, KMR_ATTACH_F_FOLLOW, t.buf);
	fl_check_held(&t, &a);
	fl_check_grand(&t, &a);
	fl_check_kill(&t, &a);
	fl_check_vfork(&t, &a);
	fl_check_errors(&t, &a);
	if (!quick)
		fl_check_timeout(&t, &a);
	fl_check_stop(&t, &a);
	kc_close(&a.k);
	fl_check_orphan(&t);
	return 0;
}

/* The image a vfork child of check_follow execs: say 'e', exit 5. */
int check_followd(int argc, char **argv)
{
	char c = 'e';

	if (argc < 1)
		return 2;
	if (write(atoi(argv[0]), &c, 1) != 1)
		return 3;
	_exit(5);
}
