// SPDX-License-Identifier: GPL-2.0
/*
 * kmr-prof-mark on|off: the guest's side of kmr_prof.c's windows.  Maps
 * a page of code at the mark's fixed address and calls it; the plugin
 * sees that block run and zeroes (on) or writes out (off) its counters.
 * Outside the plugin it does nothing.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	unsigned long addr;
	void *p;

	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		fprintf(stderr, "usage: kmr-prof-mark on|off\n");
		return 2;
	}
	addr = strcmp(argv[1], "on") ? 0x13371000ul : 0x13370000ul;
	p = mmap((void *)addr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)addr) {
		perror("kmr-prof-mark: mmap");
		return 1;
	}
	((unsigned char *)p)[0] = 0xc3;	/* ret */
	((void (*)(void))p)();
	return 0;
}
