// SPDX-License-Identifier: GPL-2.0
/*
 * pidns: sessions across pid namespaces.  The module compares the target
 * with current->tgid (global numbers) to tell the target's own exec and
 * exit from a vfork child's; what it shows the recorder (the snapshot's
 * pid, FORK's child, FAULT's tid) is numbered as the recorder's pid
 * namespace numbers it.
 *   inside:  recorder and target in a new pid namespace: the target forks,
 *            execs (followed: EXEC + snapshot) and exits with a code.
 *   outside: recorder in the initial namespace, target the init of a new
 *            one: the same, numbered globally.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksess.h"

/* In the target after SIGUSR1: fork a child that waits, say its pid. */
static void ks_pidns_fork(int wfd)
{
	char line[32];
	pid_t f;
	int n;

	f = fork();
	if (f < 0)
		kc_die("pidns: fork: %s", strerror(errno));
	if (!f) {
		pause();
		_exit(0);
	}
	n = snprintf(line, sizeof(line), "f %d\n", f);
	if (write(wfd, line, n) != n)
		kc_die("pidns: write");
}

/* "NSpid:" of /proc/@pid/status: the pid in each namespace, outermost first. */
static int ks_nspid(pid_t pid, long *ns, int max)
{
	char path[64], line[256], *p, *end;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		for (p = line + 6; n < max; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			ns[n++] = v;
		}
	}
	fclose(f);
	return n;
}

/*
 * Trace @pid (as we number it) through fork, exec and exit.  @other_ns:
 * the target is in another pid namespace than ours (its own numbers are
 * not ours).
 */
static void ks_pidns_trace(const char *what, pid_t pid, int rfd,
			   bool other_ns, int want_code)
{
	struct kc_sess k;
	struct ks_obs o;
	char line[32];
	pid_t child, ipid, itid;
	int st;

	ks_obs_init(&o);
	/* its only thread, as we number it */
	o.want_tid = pid;
	ks_session(&k, &o, pid);
	kill(pid, SIGUSR1);
	ks_read_line(rfd, line, sizeof(line));
	if (sscanf(line, "f %d", &child) != 1)
		kc_die("%s: the target said '%s'", what, line);
	ks_wait_ready(&k, &o, 1, rfd, &ipid, &itid);
	if (kc_drain(&k, ks_apply, &o) < 0)
		kc_die("malformed ring");
	if (o.nforks != 1)
		kc_die("%s: %u FORK records", what, o.nforks);
	if (!other_ns && o.fork_pid[0] != (uint32_t)child)
		kc_die("%s: FORK names child %u, fork() returned %d", what,
		       o.fork_pid[0], child);
	if (other_ns) {
		long ns[4];
		int n = ks_nspid(o.fork_pid[0], ns, 4);

		/* globally numbered: /proc (ours) knows it, 2 in its ns */
		if (n != 2 || ns[0] != o.fork_pid[0] || ns[1] != child)
			kc_die("%s: FORK names child %u, whose NSpid is %s%ld %ld",
			       what, o.fork_pid[0], n == 2 ? "" : "not ",
			       n > 0 ? ns[0] : -1, n > 1 ? ns[1] : -1);
	}
	if (!other_ns && (ipid != pid || itid != pid))
		kc_die("%s: the image is pid %d tid %d in our namespace, not %d",
		       what, ipid, itid, pid);
	st = ks_finish(pid);
	if (kc_drain_final(&k, ks_apply, &o))
		kc_die("%s: stream not whole", what);
	printf("pidns: %s: target %d (image says pid %d tid %d): snapshot pids START %u EXEC %u, FORK child %u (fork said %d), %" PRIu64 " EXEC, %" PRIu64 " EXEC snapshot, EXIT %#x (status %#x)\n",
	       what, pid, ipid, itid, o.snap_pid[KMR_SNAP_START],
	       o.snap_pid[KMR_SNAP_EXEC], o.nforks ? o.fork_pid[0] : 0,
	       child, o.m.execs, o.m.snapshots[KMR_SNAP_EXEC], o.m.exit_code,
	       st);
	if (o.m.execs != 1 || o.m.snapshots[KMR_SNAP_EXEC] != 1 ||
	    o.m.exits != 1 || o.m.exit_flags)
		kc_die("%s: the exec was not followed (EXIT flags %#x)", what,
		       o.m.exit_flags);
	if (o.m.exit_code != st || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != want_code)
		kc_die("%s: EXIT code %#x, wait status %#x", what,
		       o.m.exit_code, st);
	if (o.snap_pid[KMR_SNAP_START] != (uint32_t)pid ||
	    o.snap_pid[KMR_SNAP_EXEC] != (uint32_t)pid)
		kc_die("%s: snapshots name pid %u/%u, the recorder knows it as %d",
		       what, o.snap_pid[KMR_SNAP_START],
		       o.snap_pid[KMR_SNAP_EXEC], pid);
	if (o.faults_want < 32 || o.faults_want != o.faults)
		kc_die("%s: %" PRIu64 " of %" PRIu64 " FAULT records name tid %d (the image wrote 32 pages)",
		       what, o.faults_want, o.faults, o.want_tid);
	kc_close(&k);
	ks_obs_free(&o);
}

/* In a new pid namespace: we are its init, the target our child. */
static int ks_pidns_inside(void)
{
	const struct ks_spawn sp = { .uid = -1, .code = 7,
				     .before_exec = ks_pidns_fork };
	int rfd;
	pid_t pid;

	if (getpid() != 1)
		kc_die("inside: pid %d, not 1 in a new namespace", getpid());
	pid = ks_spawn_exec_ex(&sp, &rfd);
	ks_pidns_trace("inside", pid, rfd, false, 7);
	close(rfd);
	return 0;
}

int ks_pidns(int argc, char **argv)
{
	const struct ks_spawn sp = { .uid = -1, .code = 6,
				     .before_exec = ks_pidns_fork };
	int st, rfd;
	pid_t c;

	(void)argc;
	(void)argv;
	/* recorder and target inside */
	c = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (c < 0)
		kc_die("clone(CLONE_NEWPID): %s", strerror(errno));
	if (!c)
		_exit(ks_pidns_inside());
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		kc_die("inside: failed (status %#x)", st);

	/* the target is the init of a new namespace, the recorder outside */
	{
		struct ks_spawn out = sp;

		out.clone_flags = CLONE_NEWPID;
		c = ks_spawn_exec_ex(&out, &rfd);
		ks_pidns_trace("outside", c, rfd, true, 6);
		close(rfd);
	}
	return 0;
}
