// SPDX-License-Identifier: GPL-2.0
/*
 * Exec tests of the session life cycle:
 *   many N    N sessions on one target follow its exec and see its exit
 *   secure    a non-root recorder follows a plain exec and stops at a
 *             set-uid and a file-capability one (EXIT, EXEC_DENIED and
 *             the reason)
 *   oldmm     a process sharing the target's mm keeps faulting on it
 *             while the target execs: no record of the old mm follows EXEC
 *   ptexec    a target stopped by its tracer at PTRACE_EVENT_EXEC has been
 *             followed already, and does not keep the module from unloading
 *   execloop  rmmod right after the recorder closes, while the target execs
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksess.h"

#define KS_MODULE	"kmemrec"
#define KS_MODULE_KO	"/kmr/modules/kmemrec.ko"

static short ks_revents(struct kc_sess *k, int ms)
{
	struct pollfd pf = { .fd = k->fd, .events = POLLIN };

	if (poll(&pf, 1, ms) < 0)
		kc_die("poll: %s", strerror(errno));
	return pf.revents;
}

/* ---- many ---- */

int ks_many(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 12, i, rfd, st;
	struct kc_sess *k = calloc(n, sizeof(*k));
	struct ks_obs *o = calloc(n, sizeof(*o));
	pid_t pid;

	if (!k || !o)
		kc_die("out of memory");
	pid = ks_spawn_exec(NULL, &rfd, -1, 5);
	for (i = 0; i < n; i++) {
		ks_obs_init(&o[i]);
		ks_session(&k[i], &o[i], pid);
	}
	kill(pid, SIGUSR1);
	ks_wait_ready(k, o, n, rfd, NULL, NULL);
	st = ks_finish(pid);
	for (i = 0; i < n; i++) {
		if (kc_drain_final(&k[i], ks_apply, &o[i]))
			kc_die("session %d: stream not whole", i);
		if (o[i].m.execs != 1 || o[i].m.snapshots[KMR_SNAP_EXEC] != 1 ||
		    o[i].m.exits != 1 || o[i].m.exit_code != st ||
		    o[i].m.exit_flags || o[i].m.lost)
			kc_die("session %d of %d: %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshots, %" PRIu64 " EXIT (code %#x flags %#x, status %#x), %" PRIu64 " lost",
			       i, n, o[i].m.execs,
			       o[i].m.snapshots[KMR_SNAP_EXEC], o[i].m.exits,
			       o[i].m.exit_code, o[i].m.exit_flags, st,
			       o[i].m.lost);
		if (!(k[i].ctl->state & KMR_STATE_EXITED) ||
		    ks_revents(&k[i], 1000) != POLLHUP)
			kc_die("session %d: state %#x, not ended", i,
			       k[i].ctl->state);
	}
	printf("many: %d sessions on pid %d: each saw 1 EXEC, 1 EXEC snapshot and EXIT status %#x\n",
	       n, pid, st);
	for (i = 0; i < n; i++) {
		kc_close(&k[i]);
		ks_obs_free(&o[i]);
	}
	close(rfd);
	free(k);
	free(o);
	return 0;
}

/* ---- secure ---- */

#define KS_NOBODY	65534
#define KS_SUID		"/tmp/ksess_suid"

static const char *ks_reason(uint32_t f)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
		 f & KMR_EXIT_F_EXEC_DENIED ? "denied " : "",
		 f & KMR_EXIT_F_SECUREEXEC ? "secureexec " : "",
		 f & KMR_EXIT_F_EXEC_CREDS ? "creds " : "",
		 f & KMR_EXIT_F_EXEC_NODUMP ? "nodump " : "",
		 f & KMR_EXIT_F_EXEC_UNFOLLOWED ? "unfollowed " : "");
	return buf;
}

/*
 * As nobody, trace a child of ours that execs @path; @deny: the session
 * must end at the exec with at least these EXIT flags, else follow it.
 */
static void ks_secure_one_ex(const char *what, const char *path,
			     uint32_t deny, void (*setup)(int wfd))
{
	struct kc_sess k;
	int st, r;
	pid_t c;

	r = kc_open(&k);
	if (r)
		kc_die("open: %s", strerror(-r));
	c = fork();
	if (c < 0)
		kc_die("fork: %s", strerror(errno));
	if (!c) {
		struct ks_spawn sp = { .path = path, .uid = -1, .code = 9,
				       .setup = setup };
		struct kmr_attach a = { 0 };
		struct ks_obs o;
		int rfd, status;
		pid_t g;

		if (setgid(KS_NOBODY) || setuid(KS_NOBODY))
			kc_die("setuid(nobody): %s", strerror(errno));
		prctl(PR_SET_DUMPABLE, 1);
		g = ks_spawn_exec_ex(&sp, &rfd);
		a.pid = g;
		r = kc_attach(&k, &a);
		if (r || kc_map(&k))
			kc_die("%s: ATTACH as nobody to its child: %s", what,
			       strerror(-r));
		ks_obs_init(&o);
		r = kc_start_draining(&k, ks_apply, &o);
		if (r)
			kc_die("%s: START: %s", what, strerror(-r));
		kill(g, SIGUSR1);
		ks_wait_ready(&k, &o, 1, rfd, NULL, NULL);
		if (!deny) {
			status = ks_finish(g);
			if (kc_drain_final(&k, ks_apply, &o))
				kc_die("%s: stream not whole", what);
			printf("secure: %s: %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshot, EXIT code %#x (status %#x)\n",
			       what, o.m.execs, o.m.snapshots[KMR_SNAP_EXEC],
			       o.m.exit_code, status);
			if (o.m.execs != 1 || o.m.snapshots[KMR_SNAP_EXEC] != 1 ||
			    o.m.exits != 1 || o.m.exit_code != status ||
			    o.m.exit_flags)
				kc_die("%s: the exec was not followed to the exit",
				       what);
			_exit(0);
		}
		if (kc_drain_final(&k, ks_apply, &o))
			kc_die("%s: stream not whole after the exec", what);
		printf("secure: %s: %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshot, %" PRIu64 " EXIT flags %#x (%s), state %#x, revents %#x\n",
		       what, o.m.execs, o.m.snapshots[KMR_SNAP_EXEC], o.m.exits,
		       o.m.exit_flags, ks_reason(o.m.exit_flags), k.ctl->state,
		       ks_revents(&k, 1000));
		if (o.m.execs != 1 || o.m.exits != 1 ||
		    (o.m.exit_flags & deny) != deny ||
		    (o.m.exit_flags & KMR_EXIT_F_EXEC_UNFOLLOWED) ||
		    o.m.snapshots[KMR_SNAP_EXEC])
			kc_die("%s: expected EXEC, then EXIT with flags %#x (%s) among others, no EXEC snapshot",
			       what, deny, ks_reason(deny));
		if (!(k.ctl->state & KMR_STATE_EXITED) ||
		    ks_revents(&k, 1000) != POLLHUP)
			kc_die("%s: session not ended at the exec", what);
		kill(g, SIGKILL);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		kc_die("%s: failed (status %#x)", what, st);
	kc_close(&k);
}

static void ks_secure_one(const char *what, const char *path, uint32_t deny)
{
	ks_secure_one_ex(what, path, deny, NULL);
}

/* secure FCAP_COPY: FCAP_COPY is a copy of us with a file capability. */
int ks_secure(int argc, char **argv)
{
	const uint32_t denied = KMR_EXIT_F_EXEC_DENIED | KMR_EXIT_F_SECUREEXEC;

	if (argc < 1)
		kc_die("usage: secure FILE_CAPABILITY_COPY");
	ks_secure_one("plain", "/proc/self/exe", 0);
	ks_copy_self(KS_SUID, 04755);
	ks_secure_one("set-uid root", KS_SUID, denied);
	unlink(KS_SUID);
	ks_secure_one("file capability", argv[0], denied);
	return 0;
}

/*
 * lsm: an AppArmor domain change.  The child, confined by profile
 * ksess_outer (loaded by the case), execs /tmp/ksess_aa_img, which that
 * profile sends to ksess_inner with an environment-scrubbing transition
 * (Px): AppArmor marks the exec secure, though uids, gids, capabilities
 * and dumpability stay what they were.  A non-root recorder must not
 * follow it.
 */
#define KS_AA_IMG	"/tmp/ksess_aa_img"

static void ks_aa_confine(int wfd)
{
	static const char cmd[] = "changeprofile ksess_outer";
	int fd = open("/proc/self/attr/current", O_WRONLY);

	(void)wfd;
	if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		kc_die("lsm: %s: %s", cmd, strerror(errno));
	close(fd);
}

int ks_lsm(int argc, char **argv)
{
	const uint32_t denied = KMR_EXIT_F_EXEC_DENIED | KMR_EXIT_F_SECUREEXEC;

	(void)argc;
	(void)argv;
	ks_copy_self(KS_AA_IMG, 0755);
	ks_secure_one_ex("AppArmor domain change", KS_AA_IMG, denied,
			 ks_aa_confine);
	unlink(KS_AA_IMG);
	return 0;
}

/* ---- oldmm ---- */

#define KS_OLD_ADDR	0x6e0000000000ul
#define KS_OLD_PAGES	64ul
#define KS_SIB_STACK	(64ul << 10)

/* The sibling: shares the target's mm, faults on its own region forever. */
static int ks_sibling(void *arg)
{
	volatile char *p = arg;
	unsigned long i;

	for (;;) {
		for (i = 0; i < KS_OLD_PAGES; i++)
			p[i * 4096] = (char)i;
		syscall(SYS_madvise, p, KS_OLD_PAGES * 4096, MADV_DONTNEED);
	}
	return 0;
}

/* In the target before it is traced: start the sibling, say its pid. */
static void ks_oldmm_setup(int wfd)
{
	char *stack, *region, line[32];
	int n;
	pid_t sib;

	region = mmap((void *)KS_OLD_ADDR, KS_OLD_PAGES * 4096,
		      PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	stack = mmap(NULL, KS_SIB_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region != (void *)KS_OLD_ADDR || stack == MAP_FAILED)
		kc_die("oldmm: mmap: %s", strerror(errno));
	sib = clone(ks_sibling, stack + KS_SIB_STACK, CLONE_VM | SIGCHLD,
		    region);
	if (sib < 0)
		kc_die("oldmm: clone: %s", strerror(errno));
	n = snprintf(line, sizeof(line), "s %d\n", sib);
	if (write(wfd, line, n) != n)
		kc_die("oldmm: write");
}

static bool ks_time_up(void *arg)
{
	return kc_now() > *(const uint64_t *)arg;
}

int ks_oldmm(int argc, char **argv)
{
	const struct ks_spawn sp = { .uid = -1, .code = 3,
				     .setup = ks_oldmm_setup };
	uint64_t until, before;
	struct kc_sess k;
	struct ks_obs o;
	char line[32];
	pid_t pid, sib;
	int rfd, st;

	(void)argc;
	(void)argv;
	pid = ks_spawn_exec_ex(&sp, &rfd);
	ks_read_line(rfd, line, sizeof(line));
	if (sscanf(line, "s %d", &sib) != 1)
		kc_die("oldmm: the target said '%s'", line);
	ks_obs_init(&o);
	o.want_tid = sib;
	o.old_tid = sib;
	o.old_lo = KS_OLD_ADDR;
	o.old_hi = KS_OLD_ADDR + KS_OLD_PAGES * 4096;
	ks_session(&k, &o, pid);
	/* the sibling's faults on the shared mm are traced */
	until = kc_now() + 300000000ull;
	ks_drain_until(&k, &o, 1, ks_time_up, &until, 1000);
	before = o.faults_want;
	kill(pid, SIGUSR1);
	ks_wait_ready(&k, &o, 1, rfd, NULL, NULL);
	/* the sibling goes on faulting on the old mm, now untraced */
	until = kc_now() + 500000000ull;
	ks_drain_until(&k, &o, 1, ks_time_up, &until, 1000);
	kill(sib, SIGKILL);
	st = ks_finish(pid);
	if (kc_drain_final(&k, ks_apply, &o))
		kc_die("oldmm: stream not whole");
	printf("oldmm: sibling %d: %" PRIu64 " faults traced before the exec, %" PRIu64 " records of the old mm after EXEC, %" PRIu64 " records between EXEC and its snapshot; %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshot, EXIT %#x (status %#x)\n",
	       sib, before, o.after_exec_old, o.exec_gap, o.m.execs,
	       o.m.snapshots[KMR_SNAP_EXEC], o.m.exit_code, st);
	if (!before)
		kc_die("oldmm: the sibling's faults on the shared mm were not traced");
	if (o.m.execs != 1 || o.m.snapshots[KMR_SNAP_EXEC] != 1 ||
	    o.m.exits != 1 || o.m.exit_code != st)
		kc_die("oldmm: the exec was not followed to the exit");
	if (o.after_exec_old)
		kc_die("oldmm: %" PRIu64 " records of the old mm after EXEC",
		       o.after_exec_old);
	if (o.exec_gap)
		kc_die("oldmm: %" PRIu64 " records between EXEC and the EXEC snapshot",
		       o.exec_gap);
	kc_close(&k);
	ks_obs_free(&o);
	close(rfd);
	return 0;
}

/* ---- ptexec, execloop: the module unloads around exec ---- */

/* delete_module(O_NONBLOCK) in a child; -errno, or -ETIMEDOUT (hung). */
static int ks_rmmod(int limit_s, double *secs)
{
	uint64_t t0 = kc_now();
	pid_t c = fork();
	int st;

	if (c < 0)
		kc_die("fork: %s", strerror(errno));
	if (!c)
		_exit(syscall(SYS_delete_module, KS_MODULE, O_NONBLOCK) ?
		      errno : 0);
	for (;;) {
		pid_t w = waitpid(c, &st, WNOHANG);

		if (w == c)
			break;
		if (kc_now() - t0 > (uint64_t)limit_s * 1000000000ull) {
			*secs = (kc_now() - t0) / 1e9;
			return -ETIMEDOUT;	/* left in D state: the case fails */
		}
		usleep(10000);
	}
	*secs = (kc_now() - t0) / 1e9;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
}

static void ks_insmod(void)
{
	int fd = open(KS_MODULE_KO, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
		kc_die("insmod %s: %s", KS_MODULE_KO, strerror(errno));
	close(fd);
}

static bool ks_refused(int r)
{
	return r == -EAGAIN || r == -EBUSY;
}

/*
 * ptexec: a tracee with PTRACE_O_TRACEEXEC stops at PTRACE_EVENT_EXEC.
 * The session has followed the exec by then (task_work runs before a
 * ptrace stop); with the recorder closed the module unloads promptly
 * while the target stays stopped.
 */
int ks_ptexec(int argc, char **argv)
{
	struct kc_sess k;
	struct ks_obs o;
	double secs;
	int p[2], st, r;
	pid_t c;

	(void)argc;
	(void)argv;
	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	c = fork();
	if (c < 0)
		kc_die("fork: %s", strerror(errno));
	if (!c) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			kc_die("PTRACE_TRACEME: %s", strerror(errno));
		raise(SIGSTOP);
		execl("/proc/self/exe", "ksess_check", "execd", fd, "4",
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
		kc_die("ptexec: the tracee did not stop (status %#x)", st);
	if (ptrace(PTRACE_SETOPTIONS, c, NULL,
		   (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)))
		kc_die("PTRACE_SETOPTIONS: %s", strerror(errno));
	ks_obs_init(&o);
	ks_session(&k, &o, c);
	if (ptrace(PTRACE_CONT, c, NULL, NULL))
		kc_die("PTRACE_CONT: %s", strerror(errno));
	if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st) ||
	    st >> 8 != (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
		kc_die("ptexec: no PTRACE_EVENT_EXEC stop (status %#x)", st);
	usleep(100000);
	if (kc_drain(&k, ks_apply, &o) < 0)
		kc_die("malformed ring");
	printf("ptexec: stopped at PTRACE_EVENT_EXEC: %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshot already recorded\n",
	       o.m.execs, o.m.snapshots[KMR_SNAP_EXEC]);
	if (o.m.execs != 1 || o.m.snapshots[KMR_SNAP_EXEC] != 1)
		kc_die("ptexec: the exec was not followed before the stop");
	r = ks_rmmod(20, &secs);
	printf("ptexec: rmmod with the recorder's fd open: %s (%.2f s)\n",
	       strerror(-r), secs);
	if (!ks_refused(r))
		kc_die("ptexec: rmmod with a session open was not refused");
	kc_close(&k);
	ks_obs_free(&o);
	/* the session frees itself from a worker: give it a moment */
	for (;;) {
		r = ks_rmmod(20, &secs);
		printf("ptexec: rmmod with the target stopped at exec, recorder closed: %s (%.2f s)\n",
		       r ? strerror(-r) : "unloaded", secs);
		if (!ks_refused(r))
			break;
		usleep(200000);
	}
	if (r)
		kc_die("ptexec: rmmod failed: %s", strerror(-r));
	ks_insmod();
	if (ptrace(PTRACE_DETACH, c, NULL, NULL))
		kc_die("PTRACE_DETACH: %s", strerror(errno));
	{
		char line[64];

		ks_read_line(p[0], line, sizeof(line));
	}
	st = ks_finish(c);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 4)
		kc_die("ptexec: the exec'ed image ended with %#x", st);
	close(p[0]);
	return 0;
}

/* chain N: exec ourselves N more times, then wait to be killed. */
int ks_chain(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 0;
	char next[16];

	if (n <= 0) {
		for (;;)
			pause();
	}
	snprintf(next, sizeof(next), "%d", n - 1);
	execl("/proc/self/exe", "ksess_check", "chain", next, (char *)NULL);
	return 1;
}

/*
 * execloop N: N times, a traced target execs itself 4 times in a row and
 * the recorder closes its fd at a random moment of that, then unloads the
 * module at once.  rmmod must either unload it or refuse (an exec still to
 * be followed holds a module reference), within a second, and the module
 * loads again.
 */
int ks_execloop(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 50, i, r, st;
	int unloaded = 0, refused = 0;
	double secs, worst = 0;
	struct kc_sess k;
	struct ks_obs o;
	sigset_t set, old;
	pid_t c;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (i = 0; i < n; i++) {
		sigprocmask(SIG_BLOCK, &set, &old);
		c = fork();
		if (c < 0)
			kc_die("fork: %s", strerror(errno));
		if (!c) {
			int sig;

			sigwait(&set, &sig);
			execl("/proc/self/exe", "ksess_check", "chain", "4",
			      (char *)NULL);
			_exit(127);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		ks_obs_init(&o);
		ks_session(&k, &o, c);
		kill(c, SIGUSR1);
		ks_spin_us(rand() % 20000);
		kc_close(&k);
		ks_obs_free(&o);
		for (;;) {
			r = ks_rmmod(20, &secs);
			if (secs > worst)
				worst = secs;
			if (r == -ETIMEDOUT)
				kc_die("execloop %d: rmmod hung", i);
			if (!ks_refused(r))
				break;
			refused++;
			usleep(20000);
		}
		if (r)
			kc_die("execloop %d: rmmod: %s", i, strerror(-r));
		unloaded++;
		ks_insmod();
		kill(c, SIGKILL);
		waitpid(c, &st, 0);
	}
	printf("execloop: %d runs: unloaded %d times, refused %d times while busy, slowest rmmod %.2f s\n",
	       n, unloaded, refused, worst);
	if (worst > 5)
		kc_die("execloop: an rmmod took %.2f s", worst);
	return 0;
}
