// SPDX-License-Identifier: GPL-2.0
/*
 * kcore_dump: attach to a process, print every record as text until the
 * target exits (POLLHUP) or the time runs out, then a summary.  A debugging
 * aid and the reader the kill test kills.
 *
 *   kcore_dump [-r ring_bytes] [-m event_mask] [-t seconds] [-q] <pid>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcore_rec.h"

static void kd_apply(const struct kmr_event *ev, uint32_t ring, void *priv)
{
	km_apply(ev, ring, priv);
}

int main(int argc, char **argv)
{
	uint64_t ring = 0, mask = 0, deadline, t0;
	double secs = 0;
	struct kc_sess k;
	struct km_model m;
	int opt, quiet = 0, r;

	while ((opt = getopt(argc, argv, "r:m:t:q")) != -1) {
		switch (opt) {
		case 'r': ring = strtoull(optarg, NULL, 0); break;
		case 'm': mask = strtoull(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'q': quiet = 1; break;
		default: goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	kc_session(&k, atoi(argv[optind]), ring, mask);
	km_init(&m);
	m.dump = quiet ? NULL : stdout;
	t0 = kc_now();
	r = kc_start_draining(&k, kd_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	fprintf(stderr, "kcore_dump: started (START took %.1f ms, %" PRIu64 " records)\n",
		(kc_now() - t0) / 1e6, k.delivered);
	deadline = secs > 0 ? kc_now() + (uint64_t)(secs * 1e9) : UINT64_MAX;
	while (kc_now() < deadline) {
		struct pollfd p = { .fd = k.fd, .events = POLLIN };

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			kc_die("poll: %s", strerror(errno));
		if (kc_drain(&k, kd_apply, &m) < 0)
			kc_die("malformed ring");
		if ((p.revents & POLLHUP) && !kc_pending(&k))
			break;
	}
	fflush(stdout);
	fprintf(stderr, "kcore_dump: %" PRIu64 " records, last seq %" PRIu64 ", lost %" PRIu64 ", exit %d\n",
		k.delivered, k.last, m.lost, m.exits ? m.exit_code : -1);
	kc_close(&k);
	return 0;
usage:
	fprintf(stderr, "usage: kcore_dump [-r ring_bytes] [-m event_mask] [-t seconds] [-q] <pid>\n");
	return 2;
}
