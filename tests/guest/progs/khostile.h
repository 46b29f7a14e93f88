/* SPDX-License-Identifier: GPL-2.0 */
/* khostile's subcommands (one file each). */
#ifndef KHOSTILE_H
#define KHOSTILE_H

int khostile_ioctl(int argc, char **argv);
int khostile_ctl(int argc, char **argv);

#endif
