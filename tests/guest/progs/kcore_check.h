/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands of kcore_check, the kcore guest tests. */
#ifndef KCORE_CHECK_H
#define KCORE_CHECK_H

#include "kcore_rec.h"

/* Every subcommand: 0 on success; a failure exits through kc_die(). */

int check_errno(int argc, char **argv);	/* kcore_errno.c */
int check_perm(int argc, char **argv);	/* kcore_errno.c */
int check_snapshot(int argc, char **argv);
int check_lost(int argc, char **argv);
int check_exit(int argc, char **argv);
int check_two(int argc, char **argv);
int check_cycles(int argc, char **argv);
int check_rate(int argc, char **argv);
int check_stats(int argc, char **argv);
int check_exec(int argc, char **argv);	/* kcore_exec.c */
int check_execd(int argc, char **argv);
int check_follow(int argc, char **argv);	/* kcore_follow.c */
int check_followd(int argc, char **argv);

#endif /* KCORE_CHECK_H */
