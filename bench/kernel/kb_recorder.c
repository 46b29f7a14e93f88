// SPDX-License-Identifier: GPL-2.0
/* See kb_recorder.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kb_recorder.h"

/* Append what kmemrec wrote; false at EOF or error. */
static int rec_read_more(struct kb_rec *r)
{
	ssize_t n;

	if (r->len + 1 >= sizeof(r->text))
		return 0;
	n = read(r->err, r->text + r->len, sizeof(r->text) - 1 - r->len);
	if (n <= 0)
		return 0;
	r->len += n;
	r->text[r->len] = 0;
	return 1;
}

int kb_rec_start(struct kb_rec *r, int pid, int follow)
{
	const char *bin = getenv("KB_KMEMREC");
	char pidstr[16];
	int p[2];

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "/tmp/kb_speed.%d.kmr", pid);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (!r->pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 2);
		if (null >= 0)
			dup2(null, 1);
		if (follow)
			execlp(bin ? bin : "kmemrec", "kmemrec", "-f", pidstr,
			       "-o", r->path, (char *)NULL);
		else
			execlp(bin ? bin : "kmemrec", "kmemrec", pidstr, "-o",
			       r->path, (char *)NULL);
		fprintf(stderr, "kb_speed: cannot run kmemrec: %s\n",
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	r->err = p[0];
	/* "kmemrec: recording pid N (...) into FILE" once START returned */
	while (!strstr(r->text, "kmemrec: recording pid"))
		if (!rec_read_more(r)) {
			fprintf(stderr, "kb_speed: kmemrec did not start:\n%s",
				r->text);
			return -EIO;
		}
	return 0;
}

int kb_rec_finish(struct kb_rec *r, struct kb_rec_result *res, int echo)
{
	unsigned long long ev, lost;
	struct rusage ru;
	char kept[sizeof(r->path) + 256];
	const char *s, *keep;
	struct stat st;
	int status;

	memset(res, 0, sizeof(*res));
	kill(r->pid, SIGINT);	/* Ctrl-C: STOP, drain the rest, finish */
	while (rec_read_more(r))
		;
	close(r->err);
	if (wait4(r->pid, &status, 0, &ru) < 0)
		return -errno;
	res->cpu_ns = kb_rusage_ns(&ru);
	if (echo)
		fputs(r->text, stderr);
	if (!stat(r->path, &st))
		res->bytes = st.st_size;
	keep = getenv("KB_KEEP_TRACES");
	if (keep && *keep) {
		/* for bench/recorder's --trace: the guest's own event mix */
		snprintf(kept, sizeof(kept), "%s/%s", keep, strrchr(r->path, '/') + 1);
		if (rename(r->path, kept))
			unlink(r->path);
	} else {
		unlink(r->path);
	}
	/* kExitOk 0, kExitLost 3: both leave a finished trace */
	if (!WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
		fprintf(stderr, "kb_speed: kmemrec failed (status %#x):\n%s",
			status, r->text);
		return -EIO;
	}
	/*
	 * "  N events from R ring records (E/s), L lost; module saw ...": R,
	 * the figure kmemrec-min counts (a fault's PTE record holds two
	 * events); before ABI 3 "  N events (E/s), L lost".
	 */
	for (s = r->text; (s = strchr(s, '\n')); s++)
		if (sscanf(s + 1, " %*u events from %llu ring records (%*[^)]), %llu lost",
			   &ev, &lost) == 2 ||
		    sscanf(s + 1, " %llu events (%*[^)]), %llu lost", &ev,
			   &lost) == 2) {
			res->events = ev;
			res->lost = lost;
			return 0;
		}
	/* -f: "  FILE: SIZE, N events (R from the rings)", a WARNING if lost */
	for (s = r->text; (s = strchr(s, '\n')); s++)
		if (sscanf(s + 1, " %*[^:]: %*[^,], %*u events (%llu from the rings)",
			   &ev) == 1) {
			res->events = ev;
			s = strstr(r->text, "WARNING: ");
			res->lost = s ? strtoull(s + 9, NULL, 10) : 0;
			return 0;
		}
	fprintf(stderr, "kb_speed: no event count in kmemrec's summary:\n%s",
		r->text);
	return -EIO;
}
