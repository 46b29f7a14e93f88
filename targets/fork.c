// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-fork: copy-on-write after fork, with exact expected counts.
 *
 * Three regions of N pages, all present before the fork:
 *   anon          written before the fork (private anonymous pages)
 *   zero          read before the fork (the shared zero page)
 *   file-private  read before the fork (page-cache pages, MAP_PRIVATE)
 * After the fork the child waits; the parent writes the first W pages of
 * each region, so each region's VMA in the parent sees exactly W CoW
 * copies.  Then the child writes all of "anon" (its own copies, in its own
 * address space) and exits; the parent waits for it.
 *
 * --loop is for kmemfetch: parent and child each print their own copy of a
 * one-page buffer (address and text) every --interval ms until killed or
 * --count; the child writes its copy first unless --shared.
 */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
	"Forks; parent and child write after the fork (copy-on-write).\n"
	"  -n, --pages N     pages per region (default 64)\n"
	"  -w, --write W     pages the parent writes after the fork (default N/2)\n"
	"  -d, --dir DIR     directory for the backing file (default $TMPDIR or /tmp)\n"
	"  -l, --loop        kmemfetch mode: both print their data in a loop\n"
	"  -s, --shared      with --loop: the child does not write its copy\n"
	"  -i, --interval MS loop period (default 500)\n"
	"  -c, --count K     loop iterations, 0 = until killed (default 0)\n";

/*
 * The buffer --loop prints lives in its own page (an anonymous mapping
 * written before the fork), so its PTE in each process is exactly what the
 * loop does to it: shared copy-on-write until someone writes.
 */
static void loop_mode(long interval, long count, int shared)
{
	char *data = kt_mmap(NULL, KT_PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t child;
	const char *who;

	snprintf(data, KT_PAGE, "data written before fork");
	kt_region("loop", data, KT_PAGE);
	fflush(stdout);
	child = fork();
	if (child < 0)
		kt_die("fork");
	who = child ? "parent" : "child";
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* --shared: the child keeps the parent's page until one writes. */
		if (!shared)
			snprintf(data, KT_PAGE, "child %d wrote this", (int)getpid());
	}
	for (long i = 0; !count || i < count; i++) {
		printf("%s pid=%d addr=%p text=\"%s\"\n", who, (int)getpid(),
		       (void *)data, data);
		fflush(stdout);
		kt_sleep_ms(interval);
	}
	if (child)
		waitpid(child, NULL, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ "write", required_argument, NULL, 'w' },
		{ "dir", required_argument, NULL, 'd' },
		{ "loop", no_argument, NULL, 'l' },
		{ "shared", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ 0 }
	};
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	long pages = 64, wpages = -1, interval = 500, count = 0;
	int loop = 0, shared = 0, c, fd, go[2], status;
	char path[4096], page[KT_PAGE];
	char *anon, *zero, *fpriv;
	size_t len, wlen;
	pid_t child;

	kt_init("kmrt-fork", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:w:d:lsi:c:",
				opts, NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		switch (c) {
		case 'n': pages = kt_parse_long("--pages", optarg, 1, 1 << 20); break;
		case 'w': wpages = kt_parse_long("--write", optarg, 0, 1 << 20); break;
		case 'd': dir = optarg; break;
		case 'l': loop = 1; break;
		case 's': shared = 1; break;
		case 'i': interval = kt_parse_long("--interval", optarg, 1, 3600000); break;
		case 'c': count = kt_parse_long("--count", optarg, 0, 1L << 40); break;
		}
	}
	if (wpages < 0)
		wpages = pages / 2;
	if (wpages > pages)
		kt_usage_error("--write must not exceed --pages");
	kt_start();
	if (loop) {
		loop_mode(interval, count, shared);
		return 0;
	}
	len = (size_t)pages * KT_PAGE;
	wlen = (size_t)wpages * KT_PAGE;

	snprintf(path, sizeof(path), "%s/kmrt-fork-%d.dat", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		kt_die("create %s", path);
	memset(page, 'f', sizeof(page));
	for (long i = 0; i < pages; i++)
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			kt_die("write %s", path);

	anon = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	zero = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fpriv = kt_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	kt_region("anon", anon, len);
	kt_region("zero", zero, len);
	kt_region("file-private", fpriv, len);
	kt_touch(anon, len, 1);
	kt_touch(zero, len, 0);
	kt_touch(fpriv, len, 0);
	kt_pages("anon", anon, len);
	kt_ckpt("before-fork");

	if (pipe2(go, O_CLOEXEC))
		kt_die("pipe");
	fflush(stdout);
	child = fork();
	if (child < 0)
		kt_die("fork");
	if (!child) {
		char b;

		ckpt_disable();
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(3);
		kt_touch(anon, len, 1);
		kt_say("child %d wrote %ld pages of anon", (int)getpid(), pages);
		kt_pages("child-anon", anon, len);
		fflush(stdout);
		_exit(0);
	}
	close(go[0]);
	kt_say("forked child %d", (int)child);

	/* The child holds every page: each write below copies. */
	kt_touch(anon, wlen, 1);
	kt_touch(zero, wlen, 1);
	kt_touch(fpriv, wlen, 1);
	kt_expect("cow", "anon", wpages);
	kt_expect("cow", "zero", wpages);
	kt_expect("cow", "file-private", wpages);
	kt_pages("anon", anon, len);
	kt_ckpt("parent-wrote");

	if (write(go[1], "g", 1) != 1)
		kt_die("wake child");
	close(go[1]);
	if (waitpid(child, &status, 0) != child)
		kt_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		kt_usage_error("child failed (status 0x%x)", status);
	kt_ckpt("child-exited");

	munmap(anon, len);
	munmap(zero, len);
	munmap(fpriv, len);
	close(fd);
	unlink(path);
	kt_ckpt("unmapped");
	return 0;
}
