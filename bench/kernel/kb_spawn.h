/* SPDX-License-Identifier: GPL-2.0 */
/* Starting helper programs from the kernel benchmarks (kb_start, kb_speed). */
#ifndef KB_SPAWN_H
#define KB_SPAWN_H

#include <sys/types.h>

/*
 * fork + exec @argv (PATH searched) with stdout on @out_fd and stderr on
 * @err_fd (-1: inherited); does not wait.  The child's pid, or -1 with
 * errno when fork fails.  A failed exec exits 127 after saying why.
 */
pid_t kb_spawn(char *const argv[], int out_fd, int err_fd);

#endif /* KB_SPAWN_H */
