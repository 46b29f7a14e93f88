/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the hostile and race guest programs (khostile, krace):
 * sessions on /dev/kmemrec, a ring drainer thread that checks what it
 * reads, child targets, a fast PRNG and the errno sets abi.h allows.
 */
#ifndef KH_COMMON_H
#define KH_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <kmemrec/abi.h>

/*
 * Where user space ends (TASK_SIZE_MAX): 2^47 - 4096 with 4-level paging,
 * 2^56 - 4096 when the kernel runs 5-level paging (QEMU's -cpu max has
 * LA57, and Debian's kernels enable it).  Probed once with a mapping above
 * 2^47.
 */
uint64_t kh_task_size(void);
#define KH_TASK_SIZE	kh_task_size()

extern int kh_failures;

/* Print "FAIL ..." and count it (the program exits 1 at the end). */
void kh_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print and exit 2: the test itself could not run. */
void kh_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A progress line on the kernel log (so on the guest console as it
 * happens; a case's own output reaches the console only when it ends). */
void kh_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint64_t kh_rand(void);			/* xorshift64*, per thread */
void kh_seed(uint64_t seed);
static inline uint64_t kh_below(uint64_t n) { return n ? kh_rand() % n : 0; }
double kh_now(void);			/* CLOCK_MONOTONIC seconds */
void kh_sleep_us(unsigned int us);
/* Multiply by $KMR_TIME_SCALE (the harness's slowdown of this kernel). */
double kh_scaled(double secs);

/* One session and its mapping.  fd < 0 until kh_open(). */
struct kh_sess {
	int fd;
	struct kmr_attach a;
	void *map;
	struct kmr_ctl *ctl;
	/* drainer */
	pthread_t thr;
	bool draining;
	volatile int stop;
	bool nopoll;		/* drain by the clock: the fd may be closed */
	/* what the drainer saw */
	uint64_t records, bytes, exits, lost_records, lost_count, max_seq;
	/* FAULT records with vaddr in [watch_lo, watch_hi): set before draining */
	uint64_t watch_lo, watch_hi, watch_faults;
	bool hup, err, corrupt;
	char why[160];
};

int kh_open(struct kh_sess *k);		/* 0 or -errno */
/* ATTACH with the given pid, ring size and mask; 0 or -errno. */
int kh_attach(struct kh_sess *k, pid_t pid, uint64_t ring_size, uint64_t mask);
int kh_map(struct kh_sess *k);		/* mmap everything; 0 or -errno */
int kh_ioctl(struct kh_sess *k, unsigned long cmd, void *arg);	/* 0 / -errno */
/* The drainer consumes every ring (tail = head after checking the records)
 * until kh_drain_stop(); it also notes POLLHUP and EXIT records. */
void kh_drain_start(struct kh_sess *k);
void kh_drain_stop(struct kh_sess *k);
/* Unmap, close, reset (the drainer must be stopped). */
void kh_close(struct kh_sess *k);
/* Read every ring once from the calling thread (drainer not running). */
void kh_drain_once(struct kh_sess *k);

/* A child that touches @pages anonymous pages and then sleeps (pause) until
 * killed.  Returns its pid once the pages are touched. */
pid_t kh_spawn_idle(unsigned int pages);
/* Kill and reap; returns the wait status. */
int kh_reap(pid_t pid);

/* Errno sets, from abi.h and the module's documented behaviour. */
enum kh_call {
	KH_VERSION, KH_ATTACH, KH_START, KH_STOP, KH_DETACH, KH_STATS,
	KH_WALK, KH_MEM, KH_PAGE, KH_UNKNOWN, KH_PREAD, KH_PWRITE, KH_MMAP,
	KH_NR_CALLS
};
extern const char *const kh_call_name[KH_NR_CALLS];
bool kh_errno_allowed(enum kh_call c, int err);
const char *kh_errname(int err);

#endif
