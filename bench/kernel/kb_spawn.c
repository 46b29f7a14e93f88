// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "kb_spawn.h"

pid_t kb_spawn(char *const argv[], int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (!pid) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run %s: %s\n",
			program_invocation_short_name, argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}
