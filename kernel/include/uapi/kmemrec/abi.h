/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kmemrec: the kernel/user contract.
 *
 * This one header is included unchanged by the module (kernel/) and by
 * userspace (format/, recorder/, fetch/).  It depends on nothing but
 * <linux/types.h> and <linux/ioctl.h>.  Every field is fixed width, every
 * struct has explicit padding, every reserved field and unknown flag must be
 * zero (the module answers EINVAL otherwise), and pointers travel as __u64.
 * Bump KMR_ABI_VERSION on any incompatible change; the recorder refuses a
 * module whose version differs.
 *
 * Session life cycle (one open file = at most one session):
 *
 *   open("/dev/kmemrec", O_RDWR | O_CLOEXEC)
 *   ioctl(KMR_IOC_ATTACH)   pid, range, event mask, ring size -> geometry
 *   mmap(fd)                control area RW at offset 0, rings RO after it
 *   ioctl(KMR_IOC_START)    snapshot of every VMA and present PTE in range,
 *                           then live events
 *   poll/read the rings ... ioctl(KMR_IOC_STATS) at any time
 *   ioctl(KMR_IOC_STOP)     no more events (rings stay readable)
 *   ioctl(KMR_IOC_DETACH) or close(fd)
 *
 * O_CLOEXEC matters: a child that inherits the fd across execve keeps the
 * session, and the module, alive after the recorder dies.
 *
 * KMR_IOC_START can emit far more than the rings hold (256 MiB of touched
 * memory is 65536 PTE entries): while it emits the snapshot it waits for
 * ring space instead of dropping, so the recorder must drain the rings from
 * another thread while START runs.  The wait gives up (and the rest of the
 * snapshot is dropped, counted and reported like any loss, then repaired by
 * a KMR_SNAP_RESYNC snapshot) after 10 s without consumer progress, on a
 * signal, or when STOP/DETACH/close is called meanwhile.  Snapshots after
 * lost events (RESYNC) and after execve (EXEC) wait the same way.  No wait
 * holds the target's mmap_lock: a recorder that stops reading never stops
 * the target's mmap, munmap or page faults.  A snapshot is therefore read
 * in pieces (several VMA windows, PTE walks resumed after a wait); live
 * records between them keep the seq order exact.
 *
 * Order of calls: START, STOP and DETACH before ATTACH, START twice, STOP
 * before START, or any call after DETACH answer EINVAL; ATTACH on a file
 * that already attached once (even after DETACH) answers EBUSY; START on a
 * target that has exited answers ESRCH.
 *
 * Ring memory: the rings of all sessions together may hold at most the
 * module parameter ring_mem_max_mb MiB (0, the default: a quarter of RAM);
 * an ATTACH that would pass it answers ENOSPC.  The rings are charged to the
 * memory cgroup of the process calling ATTACH; when the cgroup (or the
 * machine) cannot hold them ATTACH answers ENOMEM.
 *
 * Physical addresses: as /proc/pid/pagemap, only a file opened with
 * CAP_SYS_ADMIN (in the initial user namespace, checked against the
 * opener's credentials) sees them.  For any other opener every pfn and
 * physical address the file produces is 0: the pfn part of KMR_EV_PTE
 * entries, KMR_EV_COW's old_pfn and new_pfn, KMR_EV_PAGE_DATA's pfn, and
 * KMR_IOC_WALK's pfn, phys and the frame bits of entry[] (present entries
 * keep their flag bits, non-present ones read 0); KMR_IOC_PAGE answers
 * EPERM.  KMR_IOC_VERSION sets KMR_FEAT_PFN_HIDDEN in features then.
 *
 * The target exiting produces a KMR_EV_EXIT record, sets KMR_STATE_EXITED and
 * makes poll() return POLLHUP once the rings are drained (every ring's tail
 * equals its head), so a reader that stops at POLLHUP has read KMR_EV_EXIT.
 * STOP and DETACH end the stream the same way (POLLHUP once drained);
 * after any of them kmr_ctl.last_seq is the exact last seq.
 */
#ifndef _UAPI_KMEMREC_ABI_H
#define _UAPI_KMEMREC_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KMR_ABI_VERSION		3
#define KMR_DEVICE_NAME		"kmemrec"	/* /dev/kmemrec */
#define KMR_IOC_MAGIC		0xB9		/* unused in ioctl-number.rst */

/* ------------------------------------------------------------------------ */
/* Ring records                                                             */
/* ------------------------------------------------------------------------ */

/*
 * Record kinds.  Values are stable: a trace may outlive the module.
 */
enum kmr_kind {
	KMR_EV_PAD		= 0,	/* ring filler; only kind and size valid */
	KMR_EV_SNAPSHOT_BEGIN	= 1,	/* struct kmr_ev_snapshot */
	KMR_EV_SNAPSHOT_END	= 2,	/* struct kmr_ev_snapshot */
	KMR_EV_VMA_SYNC		= 3,	/* struct kmr_ev_vma_sync */
	KMR_EV_VMA		= 4,	/* struct kmr_ev_vma */
	KMR_EV_PTE		= 5,	/* struct kmr_ev_pte */
	KMR_EV_PTE_UNMAP	= 6,	/* struct kmr_ev_pte_unmap */
	KMR_EV_COW		= 7,	/* struct kmr_ev_cow */
	KMR_EV_FAULT		= 8,	/* struct kmr_ev_fault */
	KMR_EV_FORK		= 9,	/* struct kmr_ev_fork */
	KMR_EV_EXEC		= 10,	/* struct kmr_ev_exec */
	KMR_EV_EXIT		= 11,	/* struct kmr_ev_exit */
	KMR_EV_LOST		= 12,	/* struct kmr_ev_lost */
	KMR_EV_MEM_WRITE	= 13,	/* struct kmr_ev_mem_write */
	KMR_EV_PAGE_DATA	= 14,	/* struct kmr_ev_page_data */
	KMR_EV_SIGNAL		= 15,	/* struct kmr_ev_signal (ABI 2) */
	KMR_EV_NR_KINDS
};

/*
 * Every record starts with this header and is a multiple of 8 bytes long.
 *
 * @seq is dense per session: the first record is 1, and every record that
 * reaches a ring takes the next number, on whichever CPU's ring it lands.
 * A record is only ever dropped before it takes a number (the drop is counted
 * and reported by a later KMR_EV_LOST record), so the consumer merges the
 * per-CPU rings by always taking seq == last + 1; a missing number is a
 * record still being written on another CPU and appears within microseconds.
 * The number is taken while the lock that orders the change is held (the
 * page-table lock for PTE changes, mmap_lock for VMA changes), so for any one
 * page the seq order is the order in which the kernel changed it.
 *
 * @time_ns is CLOCK_MONOTONIC (ktime_get_mono_fast_ns), comparable with a
 * target's clock_gettime(CLOCK_MONOTONIC).  It may step backwards by a few
 * nanoseconds between CPUs; @seq is the order.
 *
 * KMR_EV_PAD records carry no seq and may be as short as 8 bytes.
 */
struct kmr_event {
	__u16 kind;		/* enum kmr_kind */
	__u16 size;		/* bytes, header included, multiple of 8 */
	__u32 flags;		/* kind specific, documented per record */
	__u64 seq;
	__u64 time_ns;
};

#define KMR_EV_ALIGN		8
#define KMR_EV_MAX_SIZE		65528	/* fits __u16 and 8-byte alignment */

/*
 * KMR_EV_SNAPSHOT_BEGIN / _END.  flags: enum kmr_snapshot_cause.
 *
 * At SNAPSHOT_BEGIN every PTE of the traced range becomes unknown (clear
 * it); the snapshot's VMA window and KMR_EV_PTE records (cause SNAPSHOT)
 * rebuild it.  Live records keep flowing between BEGIN and END, and each
 * page table is read under its lock, so applying every record in seq order
 * gives the exact state.  END's counts: nr_vmas VMA records, nr_ptes
 * entries with KMR_PTE_PRESENT (a huge leaf counts once).
 */
enum kmr_snapshot_cause {
	KMR_SNAP_START		= 0,	/* KMR_IOC_START */
	KMR_SNAP_EXEC		= 1,	/* the target's new mm after execve */
	KMR_SNAP_RESYNC		= 2,	/* after lost events */
};

struct kmr_ev_snapshot {
	struct kmr_event h;
	__u64 start;		/* traced range */
	__u64 end;
	__u32 pid;		/* thread group id of the target */
	__u32 nr_vmas;		/* END only: VMAs emitted */
	__u64 nr_ptes;		/* END only: present PTEs emitted */
};

/*
 * KMR_EV_VMA_SYNC opens a VMA window: after it, the VMAs overlapping
 * [start, end) are exactly the @count KMR_EV_VMA records that carry this
 * record's seq in @sync_seq (they follow it in seq order, but records about
 * other things may interleave).  A VMA that overlaps the window is sent
 * whole, so it may extend beyond the window; shadow VMAs outside both the
 * window and every sent VMA are untouched, shadow VMAs partly inside are
 * trimmed.  Userspace derives map/unmap/protect/move/grow from the difference
 * and never needs the kernel to classify it.
 *
 * flags: enum kmr_vma_cause, the kernel's best knowledge of what changed the
 * window (a hint for display; the VMA set is the truth).
 */
enum kmr_vma_cause {
	KMR_VMA_CAUSE_UNKNOWN	= 0,
	KMR_VMA_CAUSE_SNAPSHOT	= 1,
	KMR_VMA_CAUSE_MMAP	= 2,
	KMR_VMA_CAUSE_MUNMAP	= 3,
	KMR_VMA_CAUSE_MPROTECT	= 4,
	KMR_VMA_CAUSE_MREMAP	= 5,
	KMR_VMA_CAUSE_BRK	= 6,
	KMR_VMA_CAUSE_STACK	= 7,	/* stack expansion */
	KMR_VMA_CAUSE_MADVISE	= 8,
	KMR_VMA_CAUSE_MLOCK	= 9,
	KMR_VMA_CAUSE_EXEC	= 10,
	KMR_VMA_CAUSE_OTHER	= 11,	/* any other mmap_lock writer */
};

struct kmr_ev_vma_sync {
	struct kmr_event h;
	__u64 start;
	__u64 end;
	__u32 count;		/* KMR_EV_VMA records in this window */
	__u32 __pad;
};

/* Stable VMA property bits (the kernel's VM_* values differ by version). */
#define KMR_VM_READ		(1u << 0)
#define KMR_VM_WRITE		(1u << 1)
#define KMR_VM_EXEC		(1u << 2)
#define KMR_VM_SHARED		(1u << 3)	/* MAP_SHARED */
#define KMR_VM_GROWSDOWN	(1u << 4)
#define KMR_VM_LOCKED		(1u << 5)
#define KMR_VM_IO		(1u << 6)	/* VM_IO or VM_PFNMAP */
#define KMR_VM_HUGEPAGE		(1u << 7)	/* MADV_HUGEPAGE */
#define KMR_VM_NOHUGEPAGE	(1u << 8)
#define KMR_VM_MERGEABLE	(1u << 9)	/* KSM */
#define KMR_VM_DONTCOPY		(1u << 10)
#define KMR_VM_HUGETLB		(1u << 11)
#define KMR_VM_MAYSHARE		(1u << 12)

/* KMR_EV_VMA flags: what the VMA is (maps' last column). */
#define KMR_VMA_F_FILE		(1u << 0)	/* name is a file path */
#define KMR_VMA_F_ANON		(1u << 1)
#define KMR_VMA_F_HEAP		(1u << 2)	/* name "[heap]" */
#define KMR_VMA_F_STACK		(1u << 3)	/* name "[stack]" */
#define KMR_VMA_F_SPECIAL	(1u << 4)	/* [vdso], [vvar], ... */
#define KMR_VMA_F_NAME_TRUNC	(1u << 5)	/* name cut at KMR_NAME_MAX */

#define KMR_NAME_MAX		256	/* bytes of name kept, NUL excluded */

struct kmr_ev_vma {
	struct kmr_event h;
	__u64 sync_seq;		/* seq of the opening KMR_EV_VMA_SYNC */
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* vm_pgoff, in pages */
	__u64 ino;		/* file inode number, 0 if anonymous */
	__u32 dev;		/* file device, new_encode_dev() form */
	__u32 vm_flags;		/* KMR_VM_* */
	__u16 name_len;		/* bytes in name[], without NUL */
	__u16 __pad[3];
	char name[];		/* name_len bytes, NUL padded to 8 */
};

/*
 * A PTE entry packs the pfn and the KMR_PTE_* bits into 64 bits:
 * pfn in bits 0..47 (x86-64 physical addresses have at most 52 bits),
 * flags in bits 48..63.
 */
#define KMR_PTE_PFN_BITS	48
#define KMR_PTE_PFN_MASK	((1ULL << KMR_PTE_PFN_BITS) - 1)
#define KMR_PTE_PFN(e)		((e) & KMR_PTE_PFN_MASK)
#define KMR_PTE_FLAGS(e)	((__u32)((e) >> KMR_PTE_PFN_BITS))
#define KMR_PTE_MAKE(pfn, f)	(((__u64)(pfn) & KMR_PTE_PFN_MASK) | \
				 ((__u64)(f) << KMR_PTE_PFN_BITS))

#define KMR_PTE_PRESENT		(1u << 0)
#define KMR_PTE_WRITE		(1u << 1)
#define KMR_PTE_DIRTY		(1u << 2)
#define KMR_PTE_YOUNG		(1u << 3)	/* accessed */
#define KMR_PTE_EXEC		(1u << 4)	/* NX clear */
#define KMR_PTE_ANON		(1u << 5)	/* anonymous page (else file) */
#define KMR_PTE_ZERO		(1u << 6)	/* the shared zero page */
#define KMR_PTE_SPECIAL		(1u << 7)	/* no struct page (pfnmap) */
#define KMR_PTE_SWAP		(1u << 8)	/* not present: swap entry */
#define KMR_PTE_MIGRATION	(1u << 9)	/* not present: migrating */
#define KMR_PTE_KSM		(1u << 10)	/* KSM-merged page */
#define KMR_PTE_HUGE		(1u << 11)	/* part of a PMD/PUD leaf */
#define KMR_PTE_EXCLUSIVE	(1u << 12)	/* anon page owned by one mm */
#define KMR_PTE_SOFTDIRTY	(1u << 13)

/*
 * KMR_EV_PTE: the state of @nr consecutive entries starting at @vaddr, each
 * covering 1 << @shift bytes (12 for a PTE, 21 for a PMD leaf, 30 for PUD).
 * An entry without KMR_PTE_PRESENT means "not present" (pfn 0, possibly
 * SWAP/MIGRATION).  flags: enum kmr_pte_cause in the low 16 bits
 * (KMR_PTE_CAUSE_MASK), and:
 *
 *   KMR_PTE_F_FAULT  the record also reports the page fault that set one of
 *                    its entries (the fault's address lies in the run): a
 *                    struct kmr_fault_info follows entry[@nr], and the
 *                    record stands for two, this PTE record and then a
 *                    KMR_EV_FAULT with the same fields at the same seq.
 *                    Only when every field is final where the PTE is
 *                    stated (a new anonymous page or a CoW copy, under
 *                    the PTL; or the fault's return, which re-reads its
 *                    PTE under the PTL); other faults send KMR_EV_FAULT.
 *                    Each fault is reported once, either way.  A dropped
 *                    record of this kind counts as two lost records, PTE
 *                    and FAULT (issue 10: one record per common fault).
 */
enum kmr_pte_cause {
	KMR_PTE_CAUSE_FAULT	= 0,	/* demand fault (anon, file, zero) */
	KMR_PTE_CAUSE_FAULTAROUND = 1,	/* neighbours mapped by a file fault */
	KMR_PTE_CAUSE_COW	= 2,	/* the new PTE of a CoW */
	KMR_PTE_CAUSE_SWAPIN	= 3,
	KMR_PTE_CAUSE_SNAPSHOT	= 4,
	KMR_PTE_CAUSE_RESYNC	= 5,	/* re-read after an invalidation */
	KMR_PTE_CAUSE_MIGRATION	= 6,	/* remove_migration_pte */
	KMR_PTE_CAUSE_KSM	= 7,
	KMR_PTE_CAUSE_MREMAP	= 8,	/* destination of a moved range */
	KMR_PTE_CAUSE_COLLAPSE	= 9,	/* khugepaged */
	KMR_PTE_CAUSE_REMOTE	= 10,	/* GUP by another task (kmemfetch too) */
	KMR_PTE_CAUSE_OTHER	= 11,
};

struct kmr_ev_pte {
	struct kmr_event h;
	__u64 vaddr;
	__u32 nr;
	__u32 shift;
	__u64 entry[];		/* KMR_PTE_MAKE(pfn, KMR_PTE_*) */
};

#define KMR_PTE_CAUSE_MASK	0xffffu
#define KMR_PTE_F_FAULT		(1u << 16)

/* After entry[nr] of a KMR_PTE_F_FAULT record: KMR_EV_FAULT's fields. */
struct kmr_fault_info {
	__u64 vaddr;
	__u64 ip;		/* user ip, 0 when not known (GUP) */
	__u32 fault_flags;	/* KMR_FAULT_* */
	__u32 tid;
};

/*
 * KMR_EV_PTE_UNMAP: every PTE in [start, end) is gone (apply: clear the
 * range).  Sent when an invalidation ends; the module then re-reads the range
 * under the page-table locks and sends KMR_EV_PTE (cause RESYNC) for every
 * entry still or again present, so the result is exact even when a fault
 * raced with the invalidation.  flags: enum kmr_unmap_reason.
 */
enum kmr_unmap_reason {
	KMR_UNMAP_MUNMAP	= 0,	/* munmap, brk shrink, mremap source */
	KMR_UNMAP_CLEAR		= 1,	/* madvise, reclaim, CoW, KSM, ... */
	KMR_UNMAP_PROTECT_VMA	= 2,	/* mprotect */
	KMR_UNMAP_PROTECT_PAGE	= 3,	/* fork write-protect */
	KMR_UNMAP_SOFT_DIRTY	= 4,
	KMR_UNMAP_RELEASE	= 5,	/* exit / exec: the mm is going away */
	KMR_UNMAP_MIGRATE	= 6,
	KMR_UNMAP_EXCLUSIVE	= 7,
	KMR_UNMAP_OTHER		= 8,
};

struct kmr_ev_pte_unmap {
	struct kmr_event h;
	__u64 start;
	__u64 end;
};

/* KMR_EV_COW: a write to a shared or read-only page copied it. flags: 0. */
struct kmr_ev_cow {
	struct kmr_event h;
	__u64 vaddr;
	__u64 old_pfn;		/* zero page pfn for a zero-page CoW */
	__u64 new_pfn;
	__u32 tid;		/* task that faulted */
	__u32 cow_flags;	/* KMR_COW_* */
};

#define KMR_COW_ZERO		(1u << 0)	/* old page was the zero page */
#define KMR_COW_FILE		(1u << 1)	/* private file page */
#define KMR_COW_KSM		(1u << 2)	/* KSM page broken */
#define KMR_COW_REUSE		(1u << 3)	/* no copy: page reused in place */

/*
 * KMR_EV_FAULT: a page fault on the target's mm finished. flags: 0.  The
 * common fault comes inside its PTE record instead (KMR_PTE_F_FAULT).
 */
#define KMR_FAULT_WRITE		(1u << 0)
#define KMR_FAULT_EXEC		(1u << 1)
#define KMR_FAULT_USER		(1u << 2)	/* from user mode */
#define KMR_FAULT_MAJOR		(1u << 3)	/* needed I/O */
#define KMR_FAULT_REMOTE	(1u << 4)	/* GUP from another mm/task */
#define KMR_FAULT_ERROR		(1u << 5)	/* SIGBUS/SIGSEGV/OOM result */
#define KMR_FAULT_PROT		(1u << 6)	/* page was present (protection) */

struct kmr_ev_fault {
	struct kmr_event h;
	__u64 vaddr;
	__u64 ip;		/* user ip, 0 when not known (GUP) */
	__u32 fault_flags;	/* KMR_FAULT_* */
	__u32 tid;
};

/*
 * KMR_EV_FORK: the target forked; its private writable PTEs became RO.
 * flags (sessions attached with KMR_ATTACH_F_FOLLOW only, else 0):
 *   KMR_FORK_F_HELD   the child waits before its first instruction until
 *                     this file's KMR_IOC_RELEASE names it (below)
 *   KMR_FORK_F_EXEC   the child shared the target's mm (vfork, posix_spawn,
 *                     clone(CLONE_VM) without CLONE_THREAD) and has just
 *                     exec'ed: reported then, not at the clone, and held in
 *                     its new image (its time in the shared mm is the
 *                     target's own record); no write-protect came with it
 * A FOLLOW session reports every fork, whatever its event mask.
 */
#define KMR_FORK_F_HELD		(1u << 0)
#define KMR_FORK_F_EXEC		(1u << 1)

struct kmr_ev_fork {
	struct kmr_event h;
	__u32 child_pid;
	__u32 __pad;
};

/*
 * KMR_EV_EXEC: the target's address space was replaced.  Apply: drop every
 * VMA and PTE.  A snapshot (cause KMR_SNAP_EXEC) of the new mm follows.
 */
struct kmr_ev_exec {
	struct kmr_event h;
	__u16 filename_len;
	__u16 __pad[3];
	char filename[];	/* NUL padded to 8, at most KMR_NAME_MAX */
};

/*
 * KMR_EV_EXIT: the target's mm is gone, or the session could not follow it
 * through an exec; the last record of a session.  flags:
 *   KMR_EXIT_F_EXEC_DENIED      the target exec'ed an image the recorder
 *                               may not trace: the session ends at that
 *                               exec, right after its KMR_EV_EXEC.  Why,
 *                               one or more of:
 *   KMR_EXIT_F_SECUREEXEC       the kernel marked the exec secure: set-uid
 *                               or set-gid, file capabilities, or an LSM
 *                               domain change (AT_SECURE for the image)
 *   KMR_EXIT_F_EXEC_CREDS       the image's uids/gids or permitted
 *                               capabilities go beyond the recorder's
 *   KMR_EXIT_F_EXEC_NODUMP      the image is not dumpable (e.g. the binary
 *                               is not readable by the target)
 *   KMR_EXIT_F_EXEC_UNFOLLOWED  the module could not follow the exec (its
 *                               exec hook could not run, or no memory):
 *                               not a matter of permission.
 *   KMR_EXIT_F_OOM_KILLED       the OOM killer chose the target (marked
 *                               it a victim before its mm went)
 * A recorder built before a bit existed ignores it.
 */
#define KMR_EXIT_F_EXEC_DENIED		(1u << 0)
#define KMR_EXIT_F_SECUREEXEC		(1u << 1)
#define KMR_EXIT_F_EXEC_CREDS		(1u << 2)
#define KMR_EXIT_F_EXEC_NODUMP		(1u << 3)
#define KMR_EXIT_F_EXEC_UNFOLLOWED	(1u << 4)
#define KMR_EXIT_F_OOM_KILLED		(1u << 5)

struct kmr_ev_exit {
	struct kmr_event h;
	__s32 exit_code;	/* as wait() reports it, -1 if unknown */
	__u32 __pad;
};

/*
 * KMR_EV_LOST: records were dropped just before this one on this ring
 * (ring full, or a nested producer), or a hook could not run at all (a
 * kretprobe with every instance in use: then @count is the number of runs
 * missed machine-wide, an upper bound for this session, @kinds what a run
 * writes, and the window the moment the module noticed).  State they
 * would have changed is
 * unknown until the next snapshot (the module sends one, cause RESYNC, once
 * the consumer has caught up).  Every drop is reported: the module emits
 * the pending LOST records of all rings before a RESYNC snapshot begins and
 * before the stream ends (STOP, EXIT, DETACH), so at the end the counts of
 * the LOST records equal the rings' @lost counters.
 */
struct kmr_ev_lost {
	struct kmr_event h;
	__u64 count;		/* records dropped */
	__u64 kinds;		/* bit (1 << kind) for each kind dropped */
	__u64 first_ns;		/* time of the first and last dropped record */
	__u64 last_ns;
};

/* KMR_EV_MEM_WRITE: memory written through kmemrec (pwrite or ioctl). */
enum kmr_mem_mode {
	KMR_MEM_WALK		= 1,	/* single page, manual walk, no GUP */
	KMR_MEM_GUP		= 2,	/* get_user_pages_remote */
	KMR_MEM_PRW		= 3,	/* pread/pwrite on the session fd */
};

struct kmr_ev_mem_write {
	struct kmr_event h;
	__u64 vaddr;
	__u64 len;
	__u32 writer_pid;	/* tgid of the writer */
	__u32 mode;		/* enum kmr_mem_mode */
};

/*
 * KMR_EV_PAGE_DATA: the contents of a page (--capture-pages).  flags:
 * KMR_PAGE_DATA_*.  With KMR_PAGE_DATA_HASH, data[] holds an 8-byte hash
 * (xxh64 of the 4096 bytes, seed 0) instead of the bytes.
 */
#define KMR_PAGE_DATA_COW	(1u << 0)	/* copied by a CoW */
#define KMR_PAGE_DATA_HASH	(1u << 1)

struct kmr_ev_page_data {
	struct kmr_event h;
	__u64 vaddr;
	__u64 pfn;
	__u32 len;		/* bytes in data[] */
	__u32 __pad;
	__u8 data[];
};

/*
 * KMR_EV_SIGNAL: a thread of the target took a signal whose default action
 * ends the process, at the moment it takes it: before the core dump and the
 * exit (whose KMR_EV_EXIT follows), so a reader can act while the process
 * is still dying.  In practice the signals that dump core (SIGSEGV, SIGBUS,
 * SIGABRT, SIGILL, SIGFPE, SIGQUIT, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ) when
 * the target neither catches nor ignores them: the kernel turns the other
 * fatal signals (SIGTERM, SIGINT, SIGKILL, ...) into a group exit as they
 * are sent, which only KMR_EV_EXIT reports (a ptraced target's are sent).
 * Once per death (more only when several threads take such signals at the
 * same instant).  Process event: not subject to
 * kmr_attach.event_mask or the traced range.  flags: KMR_SIGNAL_F_*.
 */
#define KMR_SIGNAL_F_COREDUMP	(1u << 0)	/* default action dumps core */

struct kmr_ev_signal {
	struct kmr_event h;
	__u32 signo;
	__s32 code;		/* si_code: SEGV_MAPERR, SI_USER, ... */
	__u64 addr;		/* si_addr of SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP, else 0 */
	__u32 tid;		/* the thread, in the attacher's pid namespace */
	__u32 __pad;
};

/* ------------------------------------------------------------------------ */
/* Shared memory: the control area and the rings                            */
/* ------------------------------------------------------------------------ */

/*
 * mmap(fd) after KMR_IOC_ATTACH maps kmr_attach.mmap_size bytes, MAP_SHARED:
 *
 *   [0, ctl_size)                          control area, PROT_READ|PROT_WRITE
 *   [data_offset + i * ring_size, +ring_size) ring i's data, PROT_READ only
 *
 * Both parts may be mapped separately (offset 0 and offset data_offset);
 * mapping the data writable fails with EPERM.
 *
 * Positions are free-running byte counts; a record lives at
 * (pos & (ring_size - 1)) and never wraps: the producer pads the end of the
 * ring with a KMR_EV_PAD record instead.
 *
 * Memory ordering (as in perf_event.h): the consumer reads @head with acquire
 * semantics (smp_load_acquire / __atomic_load_n(ACQUIRE)), reads the records
 * in [tail, head), then stores @tail with release semantics.  The producer
 * publishes @head with release after writing a record.  The kernel treats
 * @tail as untrusted: a tail beyond head or more than ring_size behind head
 * is clamped, never followed.
 */
struct kmr_ring_ctl {
	__u64 head;		/* kernel writes */
	__u64 lost;		/* records dropped on this ring, total */
	__u64 events;		/* records written on this ring, total */
	__u64 __pad0[5];
	__u64 tail;		/* userspace writes */
	__u64 __pad1[7];
};

#define KMR_STATE_ATTACHED	(1u << 0)
#define KMR_STATE_STARTED	(1u << 1)
#define KMR_STATE_SNAPSHOT_DONE	(1u << 2)
#define KMR_STATE_STOPPED	(1u << 3)
#define KMR_STATE_EXITED	(1u << 4)	/* target gone: drain then stop */

struct kmr_ctl {
	__u32 abi_version;	/* KMR_ABI_VERSION */
	__u32 nr_rings;
	__u64 ring_size;	/* bytes per ring, power of two */
	__u64 data_offset;	/* mmap offset of ring 0 */
	__u32 state;		/* KMR_STATE_* */
	__u32 page_size;
	/*
	 * The highest seq handed out: a hint while the stream runs (updated
	 * at ring wakeups), exact once it has ended.
	 */
	__u64 last_seq;
	__u64 __pad[11];
	struct kmr_ring_ctl ring[];	/* nr_rings entries, at offset 128 */
};

/* ------------------------------------------------------------------------ */
/* ioctls                                                                   */
/* ------------------------------------------------------------------------ */

struct kmr_version {
	__u32 abi_version;	/* out: KMR_ABI_VERSION */
	__u32 __pad;
	__u64 features;		/* out: KMR_FEAT_* */
	char kernel_release[64];/* out: utsname()->release, NUL terminated */
};

#define KMR_FEAT_PER_CPU_RINGS	(1ULL << 0)
#define KMR_FEAT_MEM_RW		(1ULL << 1)
#define KMR_FEAT_WALK		(1ULL << 2)
#define KMR_FEAT_PAGE_DATA	(1ULL << 3)
/* Not a module feature: this open file sees no physical addresses (above). */
#define KMR_FEAT_PFN_HIDDEN	(1ULL << 4)
/* KMR_ATTACH_F_LOSSLESS and the held/lost_other fields of KMR_IOC_STATS. */
#define KMR_FEAT_LOSSLESS	(1ULL << 5)
/* KMR_ATTACH_F_FOLLOW, KMR_FORK_F_* and KMR_IOC_RELEASE. */
#define KMR_FEAT_FOLLOW		(1ULL << 6)

/* Event mask for kmr_attach.event_mask; 0 means KMR_MASK_ALL. */
#define KMR_MASK_VMA		(1ULL << 0)	/* VMA_SYNC, VMA */
#define KMR_MASK_PTE		(1ULL << 1)	/* PTE, PTE_UNMAP */
#define KMR_MASK_COW		(1ULL << 2)
#define KMR_MASK_FAULT		(1ULL << 3)
#define KMR_MASK_MEM_WRITE	(1ULL << 4)
#define KMR_MASK_ALL		((1ULL << 5) - 1)
/* Opt-in, never part of KMR_MASK_ALL: page contents copied by CoW. */
#define KMR_MASK_PAGE_COW	(1ULL << 8)
#define KMR_MASK_PAGE_COW_HASH	(1ULL << 9)	/* hash instead of bytes */
#define KMR_MASK_VALID		(KMR_MASK_ALL | KMR_MASK_PAGE_COW | \
				 KMR_MASK_PAGE_COW_HASH)

#define KMR_RING_SIZE_DEFAULT	(8ULL << 20)	/* per CPU */
#define KMR_RING_SIZE_MIN	(64ULL << 10)
#define KMR_RING_SIZE_MAX	(1ULL << 30)

/*
 * kmr_attach.flags.  KMR_ATTACH_F_LOSSLESS (needs KMR_FEAT_LOSSLESS; an
 * older module answers EINVAL): instead of dropping the target's records,
 * hold the target.  When a ring passes half its size (KMR_HOLD_HIGH_8THS),
 * a thread of the target that wrote to it waits on its way back to user
 * space (task_work, never inside the fault or with a lock held) until every
 * ring is at most a quarter full (KMR_HOLD_LOW_8THS).  The wait ends at once when the session
 * stops (STOP, DETACH, close: a recorder that dies never leaves the target
 * waiting), on any signal (the signal is handled; the next record above the
 * mark holds the thread again) and when the thread exits.  Records of other
 * tasks on the target's mm (kernel threads: khugepaged, kcompactd, kswapd,
 * migration; remote access) cannot wait: the target's records leave the
 * last quarter of each ring (KMR_HOLD_RESERVE_8THS) to them.  What still does not fit is
 * dropped and reported as always (KMR_EV_LOST, resync); KMR_IOC_STATS
 * counts the drops of records that could not be held apart (lost_other).
 * A single system call that writes more than the ring holds (an mprotect
 * of gigabytes of present pages) can still drop: it cannot wait inside.
 * ATTACH answers EDEADLK for a lossless session on the caller's own process.
 */
#define KMR_ATTACH_F_LOSSLESS	(1u << 0)
/*
 * KMR_ATTACH_F_FOLLOW (needs KMR_FEAT_FOLLOW): follow the target's process
 * tree.  Every process the target creates while the session is started
 * (fork, clone without CLONE_VM; a CLONE_VM child such as vfork's at its
 * exec) is reported by a KMR_EV_FORK with KMR_FORK_F_HELD and waits, before
 * its first user instruction, until this file names it in KMR_IOC_RELEASE.
 * The recorder attaches a session of its own to the child (ATTACH and
 * START on another file, FOLLOW again for grandchildren), then releases
 * it: the child's first write, its first CoW fault, is recorded.  The wait
 * also ends when this file's session is stopped (STOP, DETACH, close: a
 * recorder that dies never leaves a child waiting), on a fatal signal, and
 * after KMR_FOLLOW_WAIT_MS (not for a KMR_ATTACH_F_LOSSLESS session, which
 * holds the child as long as it would hold the target).  The target's own
 * exit does not end it: a parent that forks and exits at once still has
 * its child followed.  Threads (CLONE_THREAD) are part of the target.
 */
#define KMR_ATTACH_F_FOLLOW	(1u << 1)
#define KMR_ATTACH_F_VALID	(KMR_ATTACH_F_LOSSLESS | KMR_ATTACH_F_FOLLOW)
#define KMR_FOLLOW_WAIT_MS	10000
/* Fractions of the ring size, in 1/8: hold above 4/8, resume at 2/8. */
#define KMR_HOLD_HIGH_8THS	4
#define KMR_HOLD_LOW_8THS	2
#define KMR_HOLD_RESERVE_8THS	2

struct kmr_attach {
	__u32 pid;		/* in: any thread of the target */
	__u32 flags;		/* in: KMR_ATTACH_F_*, 0 = none */
	__u64 start;		/* in: traced range [start, end); */
	__u64 end;		/*     0, 0 = the whole user address space */
	__u64 event_mask;	/* in: KMR_MASK_*, 0 = KMR_MASK_ALL */
	__u64 ring_size;	/* in: bytes per CPU ring, power of two, 0 = default */
	__u64 watermark;	/* in: bytes pending before poll() wakes, 0 = ring_size / 4 */
	__u32 nr_rings;		/* out */
	__u32 __pad;
	__u64 ctl_size;		/* out: bytes of the control area */
	__u64 mmap_size;	/* out: ctl area + all rings (data_offset = ctl_size) */
	__u64 reserved[4];	/* in: must be 0 */
};

/* Per-VMA counters (the seed's pf_stat), filled by KMR_IOC_STATS. */
struct kmr_vma_stat {
	__u64 start;
	__u64 end;
	__u64 faults;
	__u64 major_faults;
	__u64 write_faults;
	__u64 cow;
};

struct kmr_stats {
	__u64 events;		/* out: records written, all rings */
	__u64 lost;		/* out: records dropped, all rings */
	__u64 faults;		/* out: faults seen on the target mm */
	__u64 major_faults;
	__u64 cow;		/* out: CoW copies in total */
	__u64 mem_writes;	/* out: writes through kmemrec */
	__u64 vma_buf;		/* in: user pointer to kmr_vma_stat[], or 0 */
	__u32 vma_cap;		/* in: entries at vma_buf */
	__u32 vma_count;	/* out: entries the target has (may exceed cap) */
	/*
	 * out, KMR_FEAT_LOSSLESS (an older module leaves them 0; their input
	 * is ignored): how long threads of the target were held in total
	 * (ns) and in how many waits, and the records dropped that no task
	 * could be held for (kernel threads, remote access, interrupts).
	 */
	__u64 held_ns;
	__u64 held_waits;
	__u64 lost_other;
	__u64 reserved[1];	/* in: must be 0 */
};

/*
 * KMR_IOC_WALK: translate a virtual address of @pid (0 = the attached
 * target) through its page tables.  entry[] holds the raw entry read at each
 * level, top first: pgd, p4d, pud, pmd, pte (p4d repeats pgd when the CPU
 * runs 4-level paging).  @stop_level is the level at which the walk stopped:
 * KMR_LVL_PTE when a PTE was read, higher when that level's entry was not
 * present or was a leaf (@leaf says which), KMR_LVL_NONE when no VMA maps
 * @vaddr: the page tables there may be being freed and are not read
 * (entry[] all 0).  The walk holds the target's mmap_lock for read.
 */
enum kmr_level {
	KMR_LVL_NONE		= 0,
	KMR_LVL_PTE		= 1,
	KMR_LVL_PMD		= 2,
	KMR_LVL_PUD		= 3,
	KMR_LVL_P4D		= 4,
	KMR_LVL_PGD		= 5,
};

struct kmr_walk {
	__u32 pid;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u64 vaddr;		/* in */
	__u64 entry[5];		/* out: pgd, p4d, pud, pmd, pte */
	__u32 levels;		/* out: 4 or 5 */
	__u32 stop_level;	/* out: enum kmr_level */
	__u32 leaf;		/* out: 1 if stop_level holds a present leaf */
	__u32 pte_flags;	/* out: KMR_PTE_* of the leaf */
	__u64 pfn;		/* out */
	__u64 phys;		/* out: physical address of vaddr */
	__u64 page_size;	/* out: bytes mapped by the leaf */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * KMR_IOC_MEM: read or write @len bytes of @pid's memory at @addr.
 *   KMR_MEM_WALK: one page at most, manual walk, never through a PTE that
 *                 is not writable for a write, EFAULT when not present;
 *                 the copy stops at the end of the page.
 *   KMR_MEM_GUP:  get_user_pages_remote called once; KMR_MEM_F_FORCE
 *                 writes read-only memory (FOLL_FORCE); fewer pages than asked
 *                 shorten the copy.
 * @done returns the bytes copied.  Every write is recorded as
 * KMR_EV_MEM_WRITE in every session tracing @pid.
 */
#define KMR_MEM_F_WRITE		(1u << 0)
#define KMR_MEM_F_FORCE		(1u << 1)

struct kmr_mem {
	__u32 pid;		/* in: 0 = the attached target */
	__u32 mode;		/* in: KMR_MEM_WALK or KMR_MEM_GUP */
	__u32 flags;		/* in: KMR_MEM_F_* */
	__u32 __pad;
	__u64 addr;		/* in: target virtual address */
	__u64 buf;		/* in: user buffer */
	__u64 len;		/* in */
	__u64 done;		/* out */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * KMR_IOC_PAGE: copy the page at @vaddr of the attached target if, and only
 * if, it is mapped to @pfn right now and lies in the traced range.  EPERM
 * for a file opened without CAP_SYS_ADMIN (it names a page by pfn).
 */
struct kmr_page {
	__u64 vaddr;		/* in */
	__u64 pfn;		/* in */
	__u64 buf;		/* in: user buffer of @len bytes */
	__u64 len;		/* in: at most the page size */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * KMR_IOC_RELEASE: let a child of a KMR_ATTACH_F_FOLLOW session run on
 * (KMR_FORK_F_HELD).  @pid is the FORK record's child_pid.  ENOENT when
 * this file holds no such child (released already, killed, or its wait
 * timed out: it ran before the recorder caught it); EINVAL for a file that
 * never attached with FOLLOW, or nonzero @flags or reserved fields.
 */
struct kmr_release {
	__u32 pid;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

#define KMR_IOC_VERSION	_IOR(KMR_IOC_MAGIC, 0x00, struct kmr_version)
#define KMR_IOC_ATTACH	_IOWR(KMR_IOC_MAGIC, 0x01, struct kmr_attach)
#define KMR_IOC_START	_IO(KMR_IOC_MAGIC, 0x02)
#define KMR_IOC_STOP	_IO(KMR_IOC_MAGIC, 0x03)
#define KMR_IOC_DETACH	_IO(KMR_IOC_MAGIC, 0x04)
#define KMR_IOC_STATS	_IOWR(KMR_IOC_MAGIC, 0x05, struct kmr_stats)
#define KMR_IOC_WALK	_IOWR(KMR_IOC_MAGIC, 0x06, struct kmr_walk)
#define KMR_IOC_MEM	_IOWR(KMR_IOC_MAGIC, 0x07, struct kmr_mem)
#define KMR_IOC_PAGE	_IOWR(KMR_IOC_MAGIC, 0x08, struct kmr_page)
#define KMR_IOC_RELEASE	_IOW(KMR_IOC_MAGIC, 0x09, struct kmr_release)

#endif /* _UAPI_KMEMREC_ABI_H */
