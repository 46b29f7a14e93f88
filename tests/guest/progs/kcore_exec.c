// SPDX-License-Identifier: GPL-2.0
/*
 * kcore_check exec: the session follows an execve (EXEC record, then a
 * snapshot of the new image equal to its maps/pagemap) and stops at a
 * set-uid one it may not follow (EXIT flagged KMR_EXIT_F_EXEC_DENIED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_check.h"

#define KX_SUID		"/tmp/kcore_check_suid"

/* The exec'ed image: 32 written pages, "r" on fd argv[0], then wait. */
int check_execd(int argc, char **argv)
{
	volatile char *p;
	int fd = argc > 0 ? atoi(argv[0]) : -1, i;

	p = mmap(NULL, 32 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (i = 0; i < 32; i++)
		p[i * 4096] = (char)i;
	if (write(fd, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
}

static volatile sig_atomic_t kx_go;

static void kx_on_usr1(int sig)
{
	(void)sig;
	kx_go = 1;
}

/* A child that execs @path execd <pipe> on SIGUSR1. */
static pid_t kx_spawn(const char *path, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	signal(SIGUSR1, kx_on_usr1);
	pid = fork();
	if (pid < 0)
		kc_die("fork: %s", strerror(errno));
	if (!pid) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		while (!kx_go)
			pause();
		execl(path, "kcore_check", "execd", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Drain until the exec'ed image said "r" (it runs after the snapshot). */
static void kx_wait_ready(struct kc_sess *k, struct km_model *m, int rfd)
{
	struct pollfd pf = { .fd = rfd, .events = POLLIN };
	uint64_t deadline = kc_now() + 30000000000ull;
	char c;

	for (;;) {
		if (kc_drain(k, km_apply, m) < 0)
			kc_die("malformed ring");
		if (poll(&pf, 1, 1) == 1)
			break;
		if (kc_now() > deadline)
			kc_die("the exec'ed image never became ready");
	}
	if (read(rfd, &c, 1) != 1)
		kc_die("the exec'ed image died");
}

static void kx_follow(void)
{
	struct kc_sess k;
	struct km_model m;
	uint64_t pages;
	int rfd, st, r;
	long d;
	pid_t pid = kx_spawn("/proc/self/exe", &rfd);

	kc_session(&k, pid, 0, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	kill(pid, SIGUSR1);
	kx_wait_ready(&k, &m, rfd);
	kill(pid, SIGSTOP);
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		kc_die("exec'ed target did not stop");
	r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
	if (r || kc_drain_final(&k, km_apply, &m))
		kc_die("STOP/drain failed");
	d = km_compare(&m, pid, 30, &pages);
	printf("exec: followed: %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshots, %" PRIu64 " present pages, %ld differences\n",
	       m.execs, m.snapshots[KMR_SNAP_EXEC], pages, d);
	if (m.execs != 1 || m.snapshots[KMR_SNAP_EXEC] != 1 || m.exits)
		kc_die("expected one EXEC, one EXEC snapshot, no EXIT");
	if (m.snap_vmas != m.end_vmas || m.snap_ptes != m.end_ptes)
		kc_die("EXEC snapshot END counts differ from its records");
	if (d)
		kc_die("the new image differs from maps/pagemap");
	kc_close(&k);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(rfd);
	km_free(&m);
}

/* nobody traces its child, which execs a set-uid root copy of us. */
static void kx_denied(void)
{
	struct kc_sess k;
	int st, r;
	pid_t c;

	r = kc_open(&k);
	if (r)
		kc_die("open: %s", strerror(-r));
	c = fork();
	if (!c) {
		struct km_model m;
		struct pollfd pf;
		int rfd;
		pid_t g;

		if (setgid(65534) || setuid(65534))
			kc_die("setuid(nobody): %s", strerror(errno));
		prctl(PR_SET_DUMPABLE, 1);
		g = kx_spawn(KX_SUID, &rfd);
		{
			struct kmr_attach a = { .pid = g };

			r = kc_attach(&k, &a);
			if (r || kc_map(&k))
				kc_die("ATTACH as nobody to its child: %s", strerror(-r));
		}
		km_init(&m);
		r = kc_start_draining(&k, km_apply, &m);
		if (r)
			kc_die("START: %s", strerror(-r));
		kill(g, SIGUSR1);
		kx_wait_ready(&k, &m, rfd);
		if (kc_drain_final(&k, km_apply, &m))
			kc_die("stream not whole after the denied exec");
		pf = (struct pollfd){ .fd = k.fd, .events = POLLIN };
		poll(&pf, 1, 1000);
		printf("exec: set-uid: %" PRIu64 " EXEC, %" PRIu64 " EXIT flags %#x code %d, state %#x, revents %#x\n",
		       m.execs, m.exits, m.exit_flags, m.exit_code,
		       k.ctl->state, pf.revents);
		/* the reasons (SECUREEXEC, ...) come with EXEC_DENIED */
		if (m.execs != 1 || m.exits != 1 ||
		    !(m.exit_flags & KMR_EXIT_F_EXEC_DENIED) ||
		    m.snapshots[KMR_SNAP_EXEC])
			kc_die("expected EXEC then EXIT(EXEC_DENIED), no snapshot");
		if (!(k.ctl->state & KMR_STATE_EXITED) || pf.revents != POLLHUP)
			kc_die("session not ended after the denied exec");
		kill(g, SIGKILL);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		kc_die("set-uid exec check failed (status %#x)", st);
	kc_close(&k);
}

static void kx_make_suid(void)
{
	char buf[1 << 16];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;

	out = open(KX_SUID, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		kc_die("copy to %s: %s", KX_SUID, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			kc_die("write %s", KX_SUID);
	close(in);
	if (fchown(out, 0, 0) || fchmod(out, 04755))
		kc_die("chmod u+s %s: %s", KX_SUID, strerror(errno));
	close(out);
}

int check_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	kx_follow();
	kx_make_suid();
	kx_denied();
	unlink(KX_SUID);
	return 0;
}
