// SPDX-License-Identifier: GPL-2.0
/*
 * khostile: hostile input for kmemrec.ko in the guest (cases khostile_*).
 *   khostile ioctl [CALLS [SEED]]     every call with random and edge
 *                                     arguments (khostile_ioctl.c)
 *   khostile ctl [ROUNDS [--progress]] a control page whose ring tails
 *                                     jump around during START
 *                                     (khostile_ctl.c)
 * Exit status: 0 all checks passed, 1 a check failed (FAIL lines), 2 the
 * test could not run.
 */
#include <stdio.h>
#include <string.h>
#include "khostile.h"

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "ioctl"))
		return khostile_ioctl(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "ctl"))
		return khostile_ctl(argc - 2, argv + 2);
	fprintf(stderr, "usage: khostile ioctl [CALLS [SEED]] | ctl [ROUNDS [--progress]]\n");
	return 2;
}
