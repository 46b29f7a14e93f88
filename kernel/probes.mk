# SPDX-License-Identifier: GPL-2.0
# Hooks (kprobes): registration and one file per subsystem.
# (KMR_KV, the kernel's major * 100 + minor used by compat/probes.h, is
# defined for every object by Kbuild.)
kmemrec-y += probes.o probe_faults.o probe_migrate.o probe_mmu.o \
	     probe_vma.o probe_vma_shadow.o probe_proc.o
