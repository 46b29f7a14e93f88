// SPDX-License-Identifier: GPL-2.0
/*
 * race: proves that two vCPUs really run at the same instant.  One thread
 * per CPU (pinned) increments a shared counter with a plain load and store,
 * N times each.  Increments are lost only when the two threads interleave
 * between the load and the store of one increment: under multi-threaded
 * TCG (one host thread per vCPU) that happens thousands of times; under
 * round-robin TCG the vCPUs switch only between translation blocks, so the
 * load-add-store of one increment never interleaves.
 * Prints "lost L of T increments".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long counter;
static volatile int go;
static unsigned long n;

static void *bump(void *arg)
{
	cpu_set_t set;
	unsigned long i;

	CPU_ZERO(&set);
	CPU_SET((int)(long)arg, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
	while (!go)
		;
	for (i = 0; i < n; i++)
		counter = counter + 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	long c;

	n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000000;
	for (c = 0; c < 2; c++)
		if (pthread_create(&t[c], NULL, bump, (void *)c)) {
			perror("pthread_create");
			return 1;
		}
	go = 1;
	for (c = 0; c < 2; c++)
		pthread_join(t[c], NULL);
	printf("lost %lu of %lu increments\n", 2 * n - counter, 2 * n);
	return 0;
}
