/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real recorder as kb_speed's kmemrec reader: `kmemrec PID -o FILE`
 * (the static build, found on PATH or in $KB_KMEMREC), started before the
 * timed part and stopped with SIGINT after it, as a user would run it and
 * press Ctrl-C: it then stops the session, drains what is left, finishes
 * the trace file and exits.
 */
#ifndef KB_RECORDER_H
#define KB_RECORDER_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct kb_rec {
	pid_t pid;
	int err;		/* its stderr */
	char path[64];		/* the trace it writes */
	char text[4096];	/* its stderr so far */
	size_t len;
};

struct kb_rec_result {
	uint64_t events;	/* records the recorder read (its summary) */
	uint64_t lost;
	uint64_t bytes;		/* trace file size */
	uint64_t cpu_ns;	/* kmemrec's user + system CPU time */
};

/*
 * Start recording @pid (@follow: `kmemrec -f`, its descendants too);
 * returns once kmemrec says the session runs (START and its snapshot done).  0 or -errno (kmemrec's output is printed).
 */
int kb_rec_start(struct kb_rec *r, int pid, int follow);
/*
 * Stop kmemrec (SIGINT), wait for it to exit, parse its summary (also
 * copied to stderr if @echo).
 */
int kb_rec_finish(struct kb_rec *r, struct kb_rec_result *res, int echo);

/* User + system time of @ru in ns. */
static inline uint64_t kb_rusage_ns(const struct rusage *ru)
{
	return (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) *
		       1000000000ull +
	       (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000;
}

#endif /* KB_RECORDER_H */
