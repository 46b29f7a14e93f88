// SPDX-License-Identifier: GPL-2.0
/*
 * krace kretprobe N [ROUNDS]: N threads (1000) of a traced target asleep in
 * page faults at the same time.
 *
 * The target registers N pages with userfaultfd (missing mode) and starts
 * N threads that each touch one of them: every thread sleeps inside
 * handle_mm_fault(), where kmemrec's kretprobe holds one instance per
 * sleeping call.  Once all N faults have arrived at the userfaultfd
 * handler, the test checks that the rest of the system still faults
 * normally, and the target's handler thread faults in 64 "witness" pages
 * while the N threads still sleep; then it resolves the N faults at once
 * and the threads exit.
 *
 * Checked: all N threads block and finish (no hang, no lost wake-up); the
 * session accounts for every witness fault, as a FAULT record or as a
 * reported loss (LOST).  Issue 9 finding 8: with every kretprobe instance
 * held by a sleeping fault, further faults are dropped with no LOST record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kh_common.h"
#include "krace.h"

#define PG 4096UL
#define WITNESS 64

static char *region;
static volatile uint64_t *witness_at;	/* shared page: the witness region */
static unsigned int nthreads;

static void *toucher(void *arg)
{
	volatile char *p = region + (unsigned long)arg * PG;

	return (void *)(long)*p;	/* sleeps in the fault until resolved */
}

/* The target: returns its exit code. */
static int target_main(int to_parent, int from_parent)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zp;
	pthread_attr_t attr;
	pthread_t *t;
	unsigned long i, seen = 0;
	char c, *witness;
	int uffd;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return 10;
	region = mmap(NULL, nthreads * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 11;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)region;
	reg.range.len = nthreads * PG;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return 12;
	witness = mmap(NULL, WITNESS * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (witness == MAP_FAILED)
		return 18;
	*witness_at = (uint64_t)witness;
	/* ready: the parent starts the session now */
	if (write(to_parent, "r", 1) != 1 || read(from_parent, &c, 1) != 1)
		return 13;
	t = calloc(nthreads, sizeof(*t));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], &attr, toucher, (void *)i))
			return 14;
	while (seen < nthreads) {
		struct uffd_msg msg;
		struct pollfd p = { .fd = uffd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return 15;
		if (read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT)
			seen++;
	}
	/* all N asleep in their faults: fault in the witness pages now */
	for (i = 0; i < WITNESS; i++)
		witness[i * PG] = 1;
	/* tell the parent, wait for its go */
	if (write(to_parent, "b", 1) != 1 || read(from_parent, &c, 1) != 1)
		return 16;
	zp.range.start = (unsigned long)region;
	zp.range.len = nthreads * PG;
	zp.mode = 0;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp))
		return 17;
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static bool read_byte(int fd, double limit, char want)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, (int)(limit * 1000)) != 1 || read(fd, &c, 1) != 1)
		return false;
	return c == want;
}

static void round_once(unsigned int r)
{
	double limit = kh_scaled(120), t0 = kh_now();
	int up[2], down[2], st, err;
	struct kmr_stats stats;
	struct kh_sess k;
	pid_t pid;
	char *probe;

	if (pipe(up) || pipe(down))
		kh_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		kh_die("fork: %s", strerror(errno));
	if (!pid) {
		close(up[0]);
		close(down[1]);
		_exit(target_main(up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	if (!read_byte(up[0], limit, 'r'))
		kh_die("round %u: the target did not get ready", r);
	if ((err = kh_open(&k)) || (err = kh_attach(&k, pid, KMR_RING_SIZE_MIN << 4, 0)) ||
	    (err = kh_map(&k)))
		kh_die("round %u: session: %s", r, kh_errname(-err));
	k.watch_lo = *witness_at;
	k.watch_hi = k.watch_lo + WITNESS * PG;
	kh_drain_start(&k);
	if ((err = kh_ioctl(&k, KMR_IOC_START, NULL)))
		kh_fail("round %u: START: %s", r, kh_errname(-err));
	if (write(down[1], "s", 1) != 1)
		kh_die("round %u: the target is gone", r);
	if (!read_byte(up[0], limit, 'b')) {
		kh_fail("round %u: %u threads did not all reach their fault within %.0f s",
			r, nthreads, limit);
		kill(pid, SIGKILL);
	} else {
		/* the rest of the system still faults: fresh memory here */
		probe = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (probe != MAP_FAILED) {
			memset(probe, 1, 64 * PG);
			munmap(probe, 64 * PG);
		}
		printf("round %u: %u threads asleep in their faults after %.1f s\n", r,
		       nthreads, kh_now() - t0);
		if (write(down[1], "g", 1) != 1)
			kh_fail("round %u: the target died while its threads slept", r);
	}
	if (waitpid(pid, &st, 0) != pid)
		kh_die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		kh_fail("round %u: the target ended with status %#x", r, st);
	kh_sleep_us(50000);
	kh_drain_stop(&k);
	kh_drain_once(&k);
	memset(&stats, 0, sizeof(stats));
	if ((err = kh_ioctl(&k, KMR_IOC_STATS, &stats)))
		kh_fail("round %u: STATS: %s", r, kh_errname(-err));
	printf("round %u: witness faults recorded %llu of %d; STATS faults %llu lost %llu; "
	       "LOST records %llu (count %llu); %.1f s\n", r,
	       (unsigned long long)k.watch_faults, WITNESS,
	       (unsigned long long)stats.faults, (unsigned long long)stats.lost,
	       (unsigned long long)k.lost_records, (unsigned long long)k.lost_count,
	       kh_now() - t0);
	if (k.watch_faults + k.lost_count < WITNESS)
		kh_fail("round %u: %d witness faults while %u faults slept, but the session "
			"recorded %llu of them and reported %llu lost: faults vanished "
			"without a LOST record", r, WITNESS, nthreads,
			(unsigned long long)k.watch_faults,
			(unsigned long long)k.lost_count);
	if (k.corrupt)
		kh_fail("round %u: %s", r, k.why);
	kh_close(&k);
	close(up[0]);
	close(down[1]);
}

int krace_kretprobe(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 3, r;

	nthreads = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 1000;
	witness_at = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (witness_at == MAP_FAILED)
		kh_die("mmap: %s", strerror(errno));
	if (!nthreads)
		kh_die("N must be positive");
	for (r = 1; r <= rounds; r++) {
		kh_progress("kretprobe: round %u of %u, %u threads", r, rounds, nthreads);
		round_once(r);
	}
	printf("krace kretprobe: %u rounds of %u sleeping faults; %d failures\n", rounds,
	       nthreads, kh_failures);
	return kh_failures ? 1 : 0;
}
