// SPDX-License-Identifier: GPL-2.0
/*
 * kmrt-mmap: anonymous and file-backed mappings, private and shared, a
 * split by partial munmap, MAP_POPULATE, and the final unmap, with a
 * checkpoint after each step.
 */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char usage_text[] =
	"Maps and touches anonymous and file-backed memory.\n"
	"  -n, --pages N     pages per region (default 16)\n"
	"  -d, --dir DIR     directory for the backing file (default $TMPDIR or /tmp)\n";

static int make_file(const char *dir, size_t len, char *path, size_t cap)
{
	char page[KT_PAGE];
	int fd;

	snprintf(path, cap, "%s/kmrt-mmap-%d.dat", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		kt_die("create %s", path);
	for (size_t off = 0; off < len; off += KT_PAGE) {
		memset(page, (int)(off / KT_PAGE) + 'a', sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			kt_die("write %s", path);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KT_COMMON_LONG,
		{ "pages", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ 0 }
	};
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	long pages = 16;
	char path[4096];
	size_t len;
	int c, fd;
	char *anon, *zero, *fpriv, *fshared, *ashared, *pop;

	kt_init("kmrt-mmap", usage_text);
	while ((c = getopt_long(argc, argv, KT_COMMON_SHORT "n:d:", opts,
				NULL)) != -1) {
		if (kt_common_opt(c, optarg))
			continue;
		if (c == 'n')
			pages = kt_parse_long("--pages", optarg, 4, 1 << 20);
		else if (c == 'd')
			dir = optarg;
	}
	kt_start();
	len = (size_t)pages * KT_PAGE;
	fd = make_file(dir, len, path, sizeof(path));

	anon = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kt_region("anon", anon, len);
	kt_touch(anon, len, 1);
	kt_pages("anon", anon, len);
	kt_ckpt("anon-written");

	zero = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kt_region("zero", zero, len);
	kt_touch(zero, len, 0);		/* read faults map the zero page */
	kt_pages("zero", zero, len);
	kt_ckpt("zero-read");

	fpriv = kt_mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	kt_region("file-private", fpriv, len);
	kt_touch(fpriv, KT_PAGE, 0);	/* one fault, fault-around maps more */
	kt_pages("file-private", fpriv, len);
	kt_ckpt("file-private-one-read");
	kt_touch(fpriv, len, 0);
	kt_ckpt("file-private-read");

	fshared = kt_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	kt_region("file-shared", fshared, len);
	kt_touch(fshared, len, 1);
	kt_pages("file-shared", fshared, len);
	kt_ckpt("file-shared-written");

	ashared = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	kt_region("anon-shared", ashared, len);
	kt_touch(ashared, len, 1);
	kt_pages("anon-shared", ashared, len);
	kt_ckpt("anon-shared-written");

	/* A hole in the middle splits the VMA in two. */
	if (munmap(anon + len / 4, len / 2))
		kt_die("munmap middle");
	kt_say("unmapped %p-%p", anon + len / 4, anon + len / 4 + len / 2);
	kt_ckpt("anon-split");

	pop = kt_mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	kt_region("populated", pop, len);
	kt_pages("populated", pop, len);
	kt_ckpt("populated");
	kt_hold("populated");

	if (munmap(anon, len / 4) || munmap(anon + 3 * len / 4, len / 4) ||
	    munmap(zero, len) || munmap(fpriv, len) || munmap(fshared, len) ||
	    munmap(ashared, len) || munmap(pop, len))
		kt_die("munmap");
	close(fd);
	unlink(path);
	kt_ckpt("unmapped");
	return 0;
}
