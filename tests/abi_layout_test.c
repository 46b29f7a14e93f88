// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of every struct in kernel/include/uapi/kmemrec/abi.h, as
 * userspace compiles it: sizes and field offsets written out by hand, so an
 * accidental change to the contract (a field moved, padding lost, a type
 * widened) fails the build here and is caught before a module and a
 * recorder disagree.  The module asserts the sizes too (kernel/main.c).
 * Compiles as C11 and runs as a ctest that prints what it checked.
 */
#include <stddef.h>
#include <stdio.h>
#include <kmemrec/abi.h>

#define SIZE(t, n)	_Static_assert(sizeof(struct t) == (n), #t " size")
#define OFF(t, f, n)	_Static_assert(offsetof(struct t, f) == (n), #t "." #f)

SIZE(kmr_event, 24);
OFF(kmr_event, kind, 0);
OFF(kmr_event, size, 2);
OFF(kmr_event, flags, 4);
OFF(kmr_event, seq, 8);
OFF(kmr_event, time_ns, 16);

SIZE(kmr_ev_snapshot, 56);
OFF(kmr_ev_snapshot, start, 24);
OFF(kmr_ev_snapshot, end, 32);
OFF(kmr_ev_snapshot, pid, 40);
OFF(kmr_ev_snapshot, nr_vmas, 44);
OFF(kmr_ev_snapshot, nr_ptes, 48);

SIZE(kmr_ev_vma_sync, 48);
OFF(kmr_ev_vma_sync, start, 24);
OFF(kmr_ev_vma_sync, end, 32);
OFF(kmr_ev_vma_sync, count, 40);
OFF(kmr_ev_vma_sync, __pad, 44);

SIZE(kmr_ev_vma, 80);
OFF(kmr_ev_vma, sync_seq, 24);
OFF(kmr_ev_vma, start, 32);
OFF(kmr_ev_vma, end, 40);
OFF(kmr_ev_vma, pgoff, 48);
OFF(kmr_ev_vma, ino, 56);
OFF(kmr_ev_vma, dev, 64);
OFF(kmr_ev_vma, vm_flags, 68);
OFF(kmr_ev_vma, name_len, 72);
OFF(kmr_ev_vma, __pad, 74);
OFF(kmr_ev_vma, name, 80);

SIZE(kmr_ev_pte, 40);
OFF(kmr_ev_pte, vaddr, 24);
OFF(kmr_ev_pte, nr, 32);
OFF(kmr_ev_pte, shift, 36);
OFF(kmr_ev_pte, entry, 40);
/* KMR_PTE_F_FAULT: the fault's fields after entry[nr] (issue 10) */
SIZE(kmr_fault_info, 24);
OFF(kmr_fault_info, vaddr, 0);
OFF(kmr_fault_info, ip, 8);
OFF(kmr_fault_info, fault_flags, 16);
OFF(kmr_fault_info, tid, 20);
_Static_assert(KMR_PTE_F_FAULT == (1u << 16), "KMR_PTE_F_FAULT");
_Static_assert((KMR_PTE_CAUSE_MASK & KMR_PTE_F_FAULT) == 0, "cause mask");
_Static_assert(KMR_PTE_CAUSE_OTHER <= KMR_PTE_CAUSE_MASK, "causes fit");

SIZE(kmr_ev_pte_unmap, 40);
OFF(kmr_ev_pte_unmap, start, 24);
OFF(kmr_ev_pte_unmap, end, 32);

SIZE(kmr_ev_cow, 56);
OFF(kmr_ev_cow, vaddr, 24);
OFF(kmr_ev_cow, old_pfn, 32);
OFF(kmr_ev_cow, new_pfn, 40);
OFF(kmr_ev_cow, tid, 48);
OFF(kmr_ev_cow, cow_flags, 52);

SIZE(kmr_ev_fault, 48);
OFF(kmr_ev_fault, vaddr, 24);
OFF(kmr_ev_fault, ip, 32);
OFF(kmr_ev_fault, fault_flags, 40);
OFF(kmr_ev_fault, tid, 44);

SIZE(kmr_ev_fork, 32);
OFF(kmr_ev_fork, child_pid, 24);
OFF(kmr_ev_fork, __pad, 28);

SIZE(kmr_ev_exec, 32);
OFF(kmr_ev_exec, filename_len, 24);
OFF(kmr_ev_exec, __pad, 26);
OFF(kmr_ev_exec, filename, 32);

SIZE(kmr_ev_exit, 32);
OFF(kmr_ev_exit, exit_code, 24);
OFF(kmr_ev_exit, __pad, 28);

SIZE(kmr_ev_lost, 56);
OFF(kmr_ev_lost, count, 24);
OFF(kmr_ev_lost, kinds, 32);
OFF(kmr_ev_lost, first_ns, 40);
OFF(kmr_ev_lost, last_ns, 48);

SIZE(kmr_ev_mem_write, 48);
OFF(kmr_ev_mem_write, vaddr, 24);
OFF(kmr_ev_mem_write, len, 32);
OFF(kmr_ev_mem_write, writer_pid, 40);
OFF(kmr_ev_mem_write, mode, 44);

SIZE(kmr_ev_page_data, 48);
OFF(kmr_ev_page_data, vaddr, 24);
OFF(kmr_ev_page_data, pfn, 32);
OFF(kmr_ev_page_data, len, 40);
OFF(kmr_ev_page_data, __pad, 44);
OFF(kmr_ev_page_data, data, 48);
SIZE(kmr_ev_signal, 48);
OFF(kmr_ev_signal, signo, 24);
OFF(kmr_ev_signal, code, 28);
OFF(kmr_ev_signal, addr, 32);
OFF(kmr_ev_signal, tid, 40);
OFF(kmr_ev_signal, __pad, 44);

/* The ring control: head and tail on separate 64-byte lines. */
SIZE(kmr_ring_ctl, 128);
OFF(kmr_ring_ctl, head, 0);
OFF(kmr_ring_ctl, lost, 8);
OFF(kmr_ring_ctl, events, 16);
OFF(kmr_ring_ctl, __pad0, 24);
OFF(kmr_ring_ctl, tail, 64);
OFF(kmr_ring_ctl, __pad1, 72);

SIZE(kmr_ctl, 128);
OFF(kmr_ctl, abi_version, 0);
OFF(kmr_ctl, nr_rings, 4);
OFF(kmr_ctl, ring_size, 8);
OFF(kmr_ctl, data_offset, 16);
OFF(kmr_ctl, state, 24);
OFF(kmr_ctl, page_size, 28);
OFF(kmr_ctl, last_seq, 32);
OFF(kmr_ctl, __pad, 40);
OFF(kmr_ctl, ring, 128);

SIZE(kmr_version, 80);
OFF(kmr_version, abi_version, 0);
OFF(kmr_version, __pad, 4);
OFF(kmr_version, features, 8);
OFF(kmr_version, kernel_release, 16);

SIZE(kmr_attach, 104);
OFF(kmr_attach, pid, 0);
OFF(kmr_attach, flags, 4);
OFF(kmr_attach, start, 8);
OFF(kmr_attach, end, 16);
OFF(kmr_attach, event_mask, 24);
OFF(kmr_attach, ring_size, 32);
OFF(kmr_attach, watermark, 40);
OFF(kmr_attach, nr_rings, 48);
OFF(kmr_attach, __pad, 52);
OFF(kmr_attach, ctl_size, 56);
OFF(kmr_attach, mmap_size, 64);
OFF(kmr_attach, reserved, 72);

SIZE(kmr_vma_stat, 48);
OFF(kmr_vma_stat, start, 0);
OFF(kmr_vma_stat, end, 8);
OFF(kmr_vma_stat, faults, 16);
OFF(kmr_vma_stat, major_faults, 24);
OFF(kmr_vma_stat, write_faults, 32);
OFF(kmr_vma_stat, cow, 40);

SIZE(kmr_stats, 96);
OFF(kmr_stats, events, 0);
OFF(kmr_stats, lost, 8);
OFF(kmr_stats, faults, 16);
OFF(kmr_stats, major_faults, 24);
OFF(kmr_stats, cow, 32);
OFF(kmr_stats, mem_writes, 40);
OFF(kmr_stats, vma_buf, 48);
OFF(kmr_stats, vma_cap, 56);
OFF(kmr_stats, vma_count, 60);
OFF(kmr_stats, held_ns, 64);
OFF(kmr_stats, held_waits, 72);
OFF(kmr_stats, lost_other, 80);
OFF(kmr_stats, reserved, 88);

SIZE(kmr_walk, 112);
OFF(kmr_walk, pid, 0);
OFF(kmr_walk, flags, 4);
OFF(kmr_walk, vaddr, 8);
OFF(kmr_walk, entry, 16);
OFF(kmr_walk, levels, 56);
OFF(kmr_walk, stop_level, 60);
OFF(kmr_walk, leaf, 64);
OFF(kmr_walk, pte_flags, 68);
OFF(kmr_walk, pfn, 72);
OFF(kmr_walk, phys, 80);
OFF(kmr_walk, page_size, 88);
OFF(kmr_walk, reserved, 96);

SIZE(kmr_mem, 64);
OFF(kmr_mem, pid, 0);
OFF(kmr_mem, mode, 4);
OFF(kmr_mem, flags, 8);
OFF(kmr_mem, __pad, 12);
OFF(kmr_mem, addr, 16);
OFF(kmr_mem, buf, 24);
OFF(kmr_mem, len, 32);
OFF(kmr_mem, done, 40);
OFF(kmr_mem, reserved, 48);

SIZE(kmr_page, 48);
OFF(kmr_page, vaddr, 0);
OFF(kmr_page, pfn, 8);
OFF(kmr_page, buf, 16);
OFF(kmr_page, len, 24);
OFF(kmr_page, reserved, 32);

SIZE(kmr_release, 24);
OFF(kmr_release, pid, 0);
OFF(kmr_release, flags, 4);
OFF(kmr_release, reserved, 8);

/* Every record is a multiple of the record alignment. */
_Static_assert(sizeof(struct kmr_ev_vma) % KMR_EV_ALIGN == 0, "vma align");
_Static_assert(KMR_EV_MAX_SIZE % KMR_EV_ALIGN == 0, "max size align");
_Static_assert(KMR_EV_MAX_SIZE <= 0xffff, "record size fits __u16");
/* The ioctl numbers encode the sizes above; pin them too. */
_Static_assert(KMR_IOC_ATTACH == 0xc068b901u, "KMR_IOC_ATTACH");
/* --lossless: bits userspace and old traces rely on */
_Static_assert(KMR_ATTACH_F_LOSSLESS == 1u, "KMR_ATTACH_F_LOSSLESS");
_Static_assert(KMR_FEAT_LOSSLESS == (1ULL << 5), "KMR_FEAT_LOSSLESS");
_Static_assert(KMR_IOC_STATS == 0xc060b905u, "KMR_IOC_STATS");
_Static_assert(KMR_IOC_VERSION == 0x8050b900u, "KMR_IOC_VERSION");
_Static_assert(KMR_IOC_WALK == 0xc070b906u, "KMR_IOC_WALK");
_Static_assert(KMR_IOC_MEM == 0xc040b907u, "KMR_IOC_MEM");
_Static_assert(KMR_IOC_PAGE == 0xc030b908u, "KMR_IOC_PAGE");
_Static_assert(KMR_IOC_START == 0xb902u, "KMR_IOC_START");
_Static_assert(KMR_IOC_STOP == 0xb903u, "KMR_IOC_STOP");
_Static_assert(KMR_IOC_DETACH == 0xb904u, "KMR_IOC_DETACH");
_Static_assert(KMR_IOC_RELEASE == 0x4018b909u, "KMR_IOC_RELEASE");
/* process trees (KMR_ATTACH_F_FOLLOW) */
_Static_assert(KMR_ATTACH_F_FOLLOW == 2u, "KMR_ATTACH_F_FOLLOW");
_Static_assert(KMR_FEAT_FOLLOW == (1ULL << 6), "KMR_FEAT_FOLLOW");
_Static_assert(KMR_FORK_F_HELD == 1u && KMR_FORK_F_EXEC == 2u, "KMR_FORK_F_*");

int main(void)
{
	printf("abi_layout_test: ABI %d, 26 structs and 10 ioctl numbers as expected\n",
	       KMR_ABI_VERSION);
	return 0;
}
