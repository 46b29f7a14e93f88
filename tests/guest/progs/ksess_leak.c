// SPDX-License-Identifier: GPL-2.0
/*
 * execleak N: N times, a target with 2000 threads execs while traced, and
 * the recorder closes its session once the exec waits in begin_new_exec()
 * for those threads to die (de_thread()); the last session gone, the hooks
 * are removed, maybe before begin_new_exec() returns.  Whatever the exec hook held must not
 * outlive that: once every session is closed and freed, no ring the module
 * allocated (/proc/vmallocinfo lines of callers in kmemrec) is left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksess.h"

#define KL_THREADS	2000

/* vmalloc areas allocated from the module's code */
static int kl_module_areas(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/vmallocinfo", "r");

	if (!f)
		kc_die("/proc/vmallocinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[kmemrec]"))
			n++;
	fclose(f);
	return n;
}

static void *kl_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void kl_threads(int wfd)
{
	pthread_attr_t attr;
	pthread_t t;
	int i;

	(void)wfd;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i < KL_THREADS; i++)
		if (pthread_create(&t, &attr, kl_sleeper, NULL))
			kc_die("thread %d: %s", i, strerror(errno));
}

/*
 * The target's main thread sleeps in begin_new_exec(), waiting for its
 * other threads to die (/proc/PID/wchan names de_thread, or
 * begin_new_exec where it is inlined).  Not /proc/PID/stack: unwinding a
 * running task through a kretprobe trampoline WARNs in rethook.
 */
static bool kl_in_exec(pid_t pid)
{
	char path[64], buf[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strcmp(buf, "de_thread") || !strcmp(buf, "begin_new_exec");
}

int ks_execleak(int argc, char **argv)
{
	const struct ks_spawn sp = { .uid = -1, .code = 2,
				     .setup = kl_threads };
	int n = argc > 0 ? atoi(argv[0]) : 10, i, rfd, base, left = 0;
	int caught = 0, tries;
	bool in;
	double exec_ms = 0;
	uint64_t t0;
	struct kc_sess k;
	struct ks_obs o;
	pid_t pid;

	base = kl_module_areas();
	for (i = 0; i < n; i++) {
		pid = ks_spawn_exec_ex(&sp, &rfd);
		ks_obs_init(&o);
		ks_session(&k, &o, pid);
		kill(pid, SIGUSR1);
		t0 = kc_now();
		while (!(in = kl_in_exec(pid)) && kc_now() - t0 < 5000000000ull)
			;
		caught += in;
		t0 = kc_now();
		kc_close(&k);
		ks_obs_free(&o);
		ks_wait_ready(NULL, NULL, 0, rfd, NULL, NULL);
		exec_ms += (kc_now() - t0) / 1e6;
		printf("execleak: %d: %s, %.0f ms to the new image\n", i,
		       in ? "closed while the exec waited" : "missed the exec",
		       (kc_now() - t0) / 1e6);
		ks_finish(pid);
		close(rfd);
	}
	/* sessions are freed from a worker, the hooks removed from another */
	for (tries = 0; tries < 100; tries++) {
		left = kl_module_areas() - base;
		if (!left)
			break;
		usleep(100000);
	}
	printf("execleak: %d execs of a %d-thread target (%d caught asleep in begin_new_exec() when the session closed; %.0f ms on average from there to the new image), %d vmalloc areas of kmemrec left (before: %d)\n",
	       n, KL_THREADS + 1, caught, exec_ms / n, left, base);
	if (left)
		kc_die("execleak: %d rings of closed sessions were never freed",
		       left);
	return 0;
}
