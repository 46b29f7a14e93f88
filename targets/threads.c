// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-threads: many threads faulting at once.  After a barrier, every
 * thread writes its own slice of one shared mapping page by page, then all
 * of them write the same "race" pages, so that faults on one page happen on
 * several CPUs at the same time.  The threads are joined before the
 * checkpoint (a checkpoint needs a quiescent process).
 */
#define _GNU_SOURCE
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

static const char usage_text[] =
	"Threads write one mapping concurrently.\n"
	"  -t, --threads T   threads (default 8)\n"
	"  -n, --pages N     pages per thread (default 256)\n"
	"  -r, --race R      pages every thread writes (default 16)\n"
	"  -k, --rounds K    map, write, unmap K times (default 1)\n";

static pthread_barrier_t barrier;
static char *region, *race;
static size_t slice_len, race_len;

static void *worker(void *arg)
{
	long id = (long)arg;

	pthread_barrier_wait(&barrier);
	kt_touch(region + (size_t)id * slice_len, slice_len, 1);
	kt_touch(race, race_len, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "threads", required_argument, NULL, 't' },
		{ "pages", required_argument, NULL, 'n' },
		{ "race", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'k' },
		{ 0 }
	};
	long nthreads = 8, pages = 256, race_pages = 16, rounds = 1;
	pthread_t tid[256];
	char label[32];
	int c;

	kt_init("kmrt-threads", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "t:n:r:k:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		switch (c) {
		case 't': nthreads = kt_parse_long("--threads", optarg, 1, 256); break;
		case 'n': pages = kt_parse_long("--pages", optarg, 1, 1 << 20); break;
		case 'r': race_pages = kt_parse_long("--race", optarg, 1, 1 << 20); break;
		case 'k': rounds = kt_parse_long("--rounds", optarg, 1, 1 << 20); break;
		}
	}
	kt_start();
	slice_len = (size_t)pages * KT_PAGE;
	race_len = (size_t)race_pages * KT_PAGE;
	for (long r = 0; r < rounds; r++) {
		size_t len = (size_t)nthreads * slice_len;

		region = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		race = kt_mmap(NULL, race_len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* One 4 KiB fault per page: THP would make it one per 2 MiB. */
		madvise(region, len, MADV_NOHUGEPAGE);
		madvise(race, race_len, MADV_NOHUGEPAGE);
		kt_region("slices", region, len);
		kt_region("race", race, race_len);
		if (pthread_barrier_init(&barrier, NULL, (unsigned)nthreads))
			kt_die("barrier");
		for (long i = 0; i < nthreads; i++)
			if (pthread_create(&tid[i], NULL, worker, (void *)i))
				kt_die("pthread_create");
		for (long i = 0; i < nthreads; i++)
			pthread_join(tid[i], NULL);
		pthread_barrier_destroy(&barrier);
		kt_pages("slices", region, len);
		snprintf(label, sizeof(label), "joined-%ld", r);
		kt_ckpt(label);
		if (r + 1 < rounds && (munmap(region, len) || munmap(race, race_len)))
			kt_die("munmap");
	}
	return 0;
}
