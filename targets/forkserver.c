// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-forkserver: a server that forks a child to save its data (Redis
 * BGSAVE, a PostgreSQL or Python multiprocessing worker), with exact
 * copy-on-write counts per process.
 *
 * The server holds two regions, all present before any fork:
 *   data     its data set, written by the server and read by each saver
 *   scratch  written once before the forks and never again by the server
 * Each round (--rounds, default 2): the server forks a saver.  While the
 * saver walks every page of data and writes it to a file, the server keeps
 * writing --write W pages of data (a different window each round): the
 * saver still maps every page, so each of those writes is one CoW copy in
 * the server's data VMA.  The saver writes --scratch S pages of scratch, its
 * own bookkeeping, which the server still maps: S CoW copies in the
 * saver's scratch VMA.  The saver waits until the server has done its
 * writes, and the server until the saver exited, so neither process ever
 * writes a page the other had stopped mapping: the counts are exact
 * whatever the scheduling.
 *
 * With -v it prints the server's "expect cow data <n>" line (what a
 * recording of the server alone checks) and, per saver, "expect-pid cow
 * scratch <n> <pid>" (what a recording of the tree, kmemrec -f, checks).
 * Checkpoints (KMR_CKPT_DIR) are taken by the server, and by each saver
 * with --saver-checkpoints (-S) only: a recording of the server alone has
 * nothing to compare a saver's with.  A saver's "saver-final" checkpoint
 * and the server's "server-wrote" before it describe both processes at the
 * same instant (the server is blocked in waitpid in between).
 */
#define _GNU_SOURCE
#include "common.h"
#include "checkpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
	"A forking server: a child saves the data while the parent writes it.\n"
	"  -n, --pages N     pages of data (default 256)\n"
	"  -w, --write W     pages the server writes each round (default N/4)\n"
	"  -s, --scratch S   pages of scratch each saver writes (default 16)\n"
	"  -r, --rounds R    forks (default 2)\n"
	"  -d, --dir DIR     directory for the saved files (default $TMPDIR or /tmp)\n"
	"  -S, --saver-checkpoints  savers take checkpoints too (for kmemrec -f)\n"
	"  -p, --spawn PROG  at the end, posix_spawn PROG (a vfork-style child,\n"
	"                    CLONE_VM until its exec) with the remaining arguments\n";

static void expect_pid(const char *region, long n)
{
	if (kt_verbose)
		printf("expect-pid cow %s %ld %d\n", region, n, (int)getpid());
}

/* The saver: dump @data to a file, write its scratch, wait, exit. */
static void saver(const char *dir, int round, char *data, size_t len,
		  char *scratch, size_t slen, int go, int ckpts)
{
	char path[4096], b;
	int fd;

	if (!ckpts)
		ckpt_disable();
	snprintf(path, sizeof(path), "%s/kmrt-forkserver-%d-%d.rdb", dir,
		 (int)getppid(), round);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		kt_die("create %s", path);
	for (size_t off = 0; off < len; off += KT_PAGE)
		if (write(fd, data + off, KT_PAGE) != KT_PAGE)
			kt_die("write %s", path);
	close(fd);
	unlink(path);
	kt_touch(scratch, slen, 1);
	expect_pid("scratch", (long)(slen / KT_PAGE));
	kt_ckpt("saver-saved");
	fflush(stdout);
	/* the server writes while we still map every page */
	if (read(go, &b, 1) != 1)
		_exit(3);
	/*
	 * The server has written and taken its "server-wrote" checkpoint and
	 * now only waits for us: its memory is that checkpoint's, so this one
	 * and that one show both processes at one instant (what the oracle
	 * needs to check kmemreplay --sharing against two pagemaps).
	 */
	kt_ckpt("saver-final");
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ "write", required_argument, NULL, 'w' },
		{ "scratch", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "dir", required_argument, NULL, 'd' },
		{ "saver-checkpoints", no_argument, NULL, 'S' },
		{ "spawn", required_argument, NULL, 'p' },
		{ 0 }
	};
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	long pages = 256, wpages = -1, spages = 16, rounds = 2, total = 0;
	char *data, *scratch;
	size_t len, slen;
	int c, status, saver_ckpts = 0;
	const char *spawn = NULL;

	kt_init("kmrt-forkserver", usage_text);
	while ((c = getopt_long(argc, argv, "+" KT_COMMON_SHORT "n:w:s:r:d:Sp:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		switch (c) {
		case 'n': pages = kt_parse_long("--pages", optarg, 1, 1 << 20); break;
		case 'w': wpages = kt_parse_long("--write", optarg, 0, 1 << 20); break;
		case 's': spages = kt_parse_long("--scratch", optarg, 0, 1 << 20); break;
		case 'r': rounds = kt_parse_long("--rounds", optarg, 1, 1000); break;
		case 'd': dir = optarg; break;
		case 'S': saver_ckpts = 1; break;
		case 'p': spawn = optarg; break;
		}
	}
	if (wpages < 0)
		wpages = pages / 4;
	if (wpages > pages)
		kt_usage_error("--write must not exceed --pages");
	kt_start();
	len = (size_t)pages * KT_PAGE;
	slen = (size_t)spages * KT_PAGE;
	data = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	scratch = kt_mmap(NULL, slen ? slen : KT_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* 4 KiB pages: a THP would make one copy of 512 */
	madvise(data, len, MADV_NOHUGEPAGE);
	madvise(scratch, slen ? slen : KT_PAGE, MADV_NOHUGEPAGE);
	kt_region("data", data, len);
	kt_region("scratch", scratch, slen);
	kt_touch(data, len, 1);
	kt_touch(scratch, slen, 1);
	kt_ckpt("server-ready");
	/* --hold: a recorder that attaches late (kmemrec --comm) sees the forks */
	kt_hold("ready");

	for (int r = 0; r < rounds; r++) {
		/* a different window each round, wrapping around */
		size_t first = (size_t)(r * wpages) % (size_t)pages;
		int go[2];
		pid_t child;

		if (pipe2(go, O_CLOEXEC))
			kt_die("pipe");
		fflush(stdout);
		child = fork();
		if (child < 0)
			kt_die("fork");
		if (!child) {
			close(go[1]);
			saver(dir, r, data, len, scratch, slen, go[0], saver_ckpts);
		}
		close(go[0]);
		kt_say("round %d: saver %d", r, (int)child);
		for (long i = 0; i < wpages; i++)
			data[((first + (size_t)i) % (size_t)pages) * KT_PAGE] = (char)(r + 2);
		total += wpages;
		kt_ckpt("server-wrote");
		if (write(go[1], "g", 1) != 1)
			kt_die("wake saver");
		close(go[1]);
		if (waitpid(child, &status, 0) != child)
			kt_die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			kt_usage_error("saver failed (status 0x%x)", status);
	}
	kt_expect("cow", "data", total);
	kt_ckpt("server-done");
	if (spawn) {
		/* glibc's posix_spawn: clone(CLONE_VM | CLONE_VFORK), then exec */
		char **args = argv + optind - 1;
		extern char **environ;
		pid_t p;
		int err;

		args[0] = (char *)spawn;
		fflush(stdout);
		err = posix_spawn(&p, spawn, NULL, NULL, args, environ);
		if (err)
			kt_die("posix_spawn %s: %s", spawn, strerror(err));
		kt_say("spawned %d", (int)p);
		if (waitpid(p, &status, 0) != p)
			kt_die("waitpid");
	}
	return 0;
}
