// SPDX-License-Identifier: GPL-2.0
/*
 * khostile ioctl CALLS SEED: hostile calls on /dev/kmemrec.
 *
 * Every ioctl (and pread, pwrite, mmap) with random struct sizes, random
 * command numbers, random and edge field values, and argument pointers that
 * are NULL, kernel addresses, read-only, PROT_NONE, unmapped, straddling
 * into an unmapped page, or at the edges of user space.  First a fixed
 * grid: lengths {0, 1, 4095, 2^63, ~0} x addresses {TASK_SIZE-1,
 * TASK_SIZE, 2^47, 2^56, ~0} for every call that takes an (address,
 * length), then random calls until CALLS calls were made on six session
 * files that move through every state (fresh, attached, started, stopped,
 * detached, target gone).
 *
 * Checked on every call: the error is one the call may answer
 * (kh_errno_allowed: abi.h's documented set); a pointer the kernel cannot
 * read fails with EFAULT; nonzero reserved fields fail with EINVAL; an
 * unknown command fails with ENOTTY; VERSION on a good pointer succeeds.
 * At the end a well-behaved session must still work.  The harness adds
 * the kernel's own verdict (no oops, WARN, KASAN, lockdep, leak).
 *
 * Memory safety of the test itself: every buffer the kernel may write
 * (arguments, MEM/pread destinations, STATS arrays) lies in a 64 MiB
 * scratch area ended by a guard page, writes go only to the idle child
 * target (never to this process or to init), and rings are at most 1 MiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kh_common.h"
#include "khostile.h"

#define NFD		6
#define SCRATCH		(64UL << 20)
#define PG		4096UL

enum fz_state { FZ_FRESH, FZ_ATTACHED, FZ_STARTED, FZ_STOPPED, FZ_DEAD };

static struct kh_sess fz[NFD];
static enum fz_state fz_st[NFD];
static char *scratch, *ro_page, *none_page, *hole, *straddle_end;
static pid_t child, self;
static unsigned long long calls, n_ok, hist[KH_NR_CALLS][8];
static unsigned long long must_checks;

static const uint64_t edge_len[] = { 0, 1, 4095, 1ULL << 63, ~0ULL };
/* TASK_SIZE-1, TASK_SIZE (this kernel's), 2^47, 2^56, ~0: set in main */
static uint64_t edge_addr[5];

/* ---- pointers ----------------------------------------------------------- */

enum ptr_kind {
	P_VALID, P_NULL, P_LOW, P_KERNEL, P_EDGE, P_RO, P_NONE, P_HOLE,
	P_STRADDLE, P_MISALIGNED, P_NR
};

static bool ptr_unreadable(enum ptr_kind k)
{
	return k == P_NULL || k == P_LOW || k == P_KERNEL || k == P_EDGE ||
	       k == P_NONE || k == P_HOLE || k == P_STRADDLE;
}

/* An address of the given kind for an object of @size bytes. */
static uint64_t ptr_of(enum ptr_kind k, size_t size)
{
	static const uint64_t kern[] = {
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xffffffffff600000ULL, 0xffffc90000000000ULL,
	};

	switch (k) {
	case P_VALID:
		return (uint64_t)(scratch + (kh_below(1 << 20) & ~7UL));
	case P_NULL:
		return 0;
	case P_LOW:
		return 8 + kh_below(PG - 8);
	case P_KERNEL:
		return kern[kh_below(4)] + (kh_below(1 << 20) & ~7UL);
	case P_EDGE:
		return edge_addr[kh_below(5)];
	case P_RO:
		return (uint64_t)ro_page;
	case P_NONE:
		return (uint64_t)none_page;
	case P_HOLE:
		return (uint64_t)hole + kh_below(PG);
	case P_STRADDLE:
		return (uint64_t)straddle_end - 1 - kh_below(size > 1 ? size - 1 : 1);
	case P_MISALIGNED:
		return (uint64_t)(scratch + 1 + kh_below(7));
	default:
		return 0;
	}
}

static enum ptr_kind any_ptr(void)
{
	/* Half of the calls get a good pointer, so validation runs too. */
	return kh_below(2) ? P_VALID : (enum ptr_kind)kh_below(P_NR);
}

/* A buffer the kernel may write: scratch (any length fits before the
 * guard page or is refused), or something it must not be able to write. */
static uint64_t buf_of(void)
{
	enum ptr_kind k = any_ptr();

	return k == P_STRADDLE ? (uint64_t)straddle_end - 1 : ptr_of(k, 8);
}

/* ---- field values ------------------------------------------------------- */

static uint64_t any_len(void)
{
	switch (kh_below(4)) {
	case 0: return edge_len[kh_below(5)];
	case 1: return kh_below(2 * PG);
	case 2: return kh_rand();
	default: return 1ULL << kh_below(64);
	}
}

static uint64_t child_addr(void)
{
	/* the idle child's text and data (static binary at 0x400000) */
	return 0x400000 + (kh_below(64) << 12) + (kh_below(2) ? 0 : kh_below(PG));
}

static uint64_t any_addr(void)
{
	switch (kh_below(5)) {
	case 0: return edge_addr[kh_below(5)];
	case 1: return child_addr();
	case 2: return kh_rand();
	case 3: return kh_rand() & ~(PG - 1) & ((1ULL << 47) - 1);
	default: return 0;
	}
}

static uint32_t any_pid(void)
{
	static const uint32_t odd[] = { 0, 1, 999999, 4194304, 0x7fffffff,
					0x80000000, 0xffffffff };

	switch (kh_below(4)) {
	case 0: return odd[kh_below(7)];
	case 1: return (uint32_t)self;
	default: return (uint32_t)child;
	}
}

static uint64_t maybe_nonzero(void)
{
	return kh_below(8) ? 0 : (kh_below(2) ? 1 : kh_rand());
}

/* ---- bookkeeping -------------------------------------------------------- */

static int err_slot(int err)
{
	switch (err) {
	case 0: return 0;
	case EFAULT: return 1;
	case EINVAL: return 2;
	case ESRCH: return 3;
	case EBUSY: return 4;
	case ENOTTY: return 5;
	case EPERM: return 6;
	default: return 7;
	}
}

/* Record one call's result; err is 0 or a positive errno. */
static void note(enum kh_call c, int err, const char *what)
{
	calls++;
	hist[c][err_slot(err)]++;
	if (!err) {
		n_ok++;
		return;
	}
	if (!kh_errno_allowed(c, err))
		kh_fail("%s %s: %s is not an error this call may answer",
			kh_call_name[c], what, kh_errname(err));
}

static void must(bool ok, enum kh_call c, int err, const char *rule)
{
	must_checks++;
	if (!ok)
		kh_fail("%s: %s, got %s", kh_call_name[c], rule, kh_errname(err));
}

static int do_ioctl(int fd, unsigned long cmd, uint64_t arg)
{
	return ioctl(fd, cmd, (void *)arg) ? errno : 0;
}

/* Copy a struct to a place the kernel will read it from; return where. */
static uint64_t place(enum ptr_kind k, const void *s, size_t size)
{
	uint64_t p = ptr_of(k, size);

	if (k == P_VALID || k == P_MISALIGNED)
		memcpy((void *)p, s, size);
	else if (k == P_STRADDLE)
		memcpy((void *)p, s, (size_t)((uint64_t)straddle_end - p));
	else if (k == P_RO) {
		mprotect(ro_page, PG, PROT_READ | PROT_WRITE);
		memcpy(ro_page, s, size);
		mprotect(ro_page, PG, PROT_READ);
	}
	return p;
}

/* ---- the child target ----------------------------------------------------- */

static void child_check(void)
{
	int st, i;

	if (waitpid(child, &st, WNOHANG) != child)
		return;
	/* A write through MEM/pwrite may well kill it: that is fine. */
	child = kh_spawn_idle(16);
	for (i = 0; i < NFD; i++)
		if (fz_st[i] != FZ_FRESH)
			fz_st[i] = FZ_DEAD;
}

/* ---- the fd pool -------------------------------------------------------- */

static void fd_reset(int i)
{
	kh_close(&fz[i]);
	if (kh_open(&fz[i]))
		kh_die("open /dev/kmemrec: %s", strerror(errno));
	fz_st[i] = FZ_FRESH;
}

static int good_attach(int i)
{
	int err;

	err = -kh_attach(&fz[i], child, KMR_RING_SIZE_MIN << kh_below(5), 0);
	note(KH_ATTACH, err, "(well-formed)");
	if (!err)
		fz_st[i] = FZ_ATTACHED;
	return err;
}

/* ---- one random call of each kind --------------------------------------- */

static void fz_version(int fd)
{
	enum ptr_kind k = any_ptr();
	uint64_t p = ptr_of(k, sizeof(struct kmr_version));
	int err = do_ioctl(fd, KMR_IOC_VERSION, p);

	note(KH_VERSION, err, "");
	if (ptr_unreadable(k) || k == P_RO)
		must(err == EFAULT, KH_VERSION, err, "an unwritable result pointer must give EFAULT");
	else
		must(err == 0, KH_VERSION, err, "a good pointer must succeed");
}

static void fz_attach(int i)
{
	struct kmr_attach a;
	enum ptr_kind k = any_ptr();
	bool reserved;
	uint64_t p;
	int err;

	memset(&a, 0, sizeof(a));
	a.pid = any_pid();
	a.flags = (uint32_t)maybe_nonzero();
	a.start = kh_below(2) ? 0 : any_addr();
	a.end = kh_below(2) ? 0 : any_addr();
	a.event_mask = kh_below(2) ? 0 : kh_rand() >> kh_below(64);
	/* ring sizes: power-of-two ones up to 1 MiB and garbage (refused) */
	a.ring_size = kh_below(2) ? (KMR_RING_SIZE_MIN >> 2) << kh_below(7) : kh_rand();
	if (a.ring_size > (1 << 20) && !(a.ring_size & (a.ring_size - 1)))
		a.ring_size = 1 << 20;
	a.watermark = kh_below(2) ? 0 : any_len();
	a.__pad = (uint32_t)maybe_nonzero();
	a.reserved[kh_below(4)] = maybe_nonzero();
	/* never attach to init or to ourselves (writes go to the target) */
	if (a.pid == 1 || a.pid == (uint32_t)self)
		a.pid = child;
	reserved = (a.flags & ~KMR_ATTACH_F_VALID) || a.__pad ||
		   a.reserved[0] || a.reserved[1] ||
		   a.reserved[2] || a.reserved[3];
	p = place(k, &a, sizeof(a));
	err = do_ioctl(fz[i].fd, KMR_IOC_ATTACH, p);
	note(KH_ATTACH, err, "");
	if (ptr_unreadable(k))
		must(err == EFAULT, KH_ATTACH, err, "an unreadable argument must give EFAULT");
	else if (reserved)
		must(err == EINVAL, KH_ATTACH, err, "nonzero flags/padding/reserved must give EINVAL");
	if (!err) {
		fz_st[i] = FZ_ATTACHED;
		fz[i].a = *(struct kmr_attach *)p;
	} else if (err == EFAULT && k == P_RO) {
		/* attached, but could not say so: the module detached again */
		fz_st[i] = FZ_DEAD;
	}
}

static void fz_simple(int i, unsigned long cmd, enum kh_call c)
{
	int err = do_ioctl(fz[i].fd, cmd, kh_rand());

	note(c, err, "");
	if (err)
		return;
	if (c == KH_START) {
		fz_st[i] = FZ_STARTED;
	} else if (c == KH_STOP) {
		fz_st[i] = FZ_STOPPED;
	} else if (c == KH_DETACH) {
		fz_st[i] = FZ_DEAD;
	}
}

static void fz_stats(int i)
{
	struct kmr_stats st;
	enum ptr_kind k = any_ptr();
	bool reserved;
	uint64_t p;
	int err;

	memset(&st, 0, sizeof(st));
	st.vma_buf = kh_below(3) ? buf_of() : 0;
	st.vma_cap = kh_below(2) ? (uint32_t)kh_below(64) : (uint32_t)kh_rand();
	if (st.vma_buf >= (uint64_t)scratch && st.vma_buf < (uint64_t)scratch + SCRATCH &&
	    st.vma_cap > 1024)
		st.vma_cap = 1024;	/* 48 KiB: stays inside the scratch area */
	/* held_ns, held_waits, lost_other are out only: their input is ignored */
	switch (kh_below(4)) {
	case 0: st.held_ns = maybe_nonzero(); break;
	case 1: st.held_waits = maybe_nonzero(); break;
	case 2: st.lost_other = maybe_nonzero(); break;
	default: st.reserved[0] = maybe_nonzero(); break;
	}
	reserved = st.reserved[0];
	p = place(k, &st, sizeof(st));
	err = do_ioctl(fz[i].fd, KMR_IOC_STATS, p);
	note(KH_STATS, err, "");
	if (ptr_unreadable(k))
		must(err == EFAULT, KH_STATS, err, "an unreadable argument must give EFAULT");
	else if (reserved)
		must(err == EINVAL, KH_STATS, err, "nonzero reserved must give EINVAL");
}

static void fz_walk_one(int fd, enum ptr_kind k, uint32_t pid, uint64_t vaddr,
			bool reserved_bad, const char *what)
{
	struct kmr_walk w;
	uint64_t p;
	int err;

	memset(&w, 0, sizeof(w));
	w.pid = pid;
	w.vaddr = vaddr;
	if (reserved_bad) {
		if (kh_below(2))
			w.flags = 1u << kh_below(32);
		else
			w.reserved[kh_below(2)] = 1 + kh_below(1000);
	}
	p = place(k, &w, sizeof(w));
	err = do_ioctl(fd, KMR_IOC_WALK, p);
	note(KH_WALK, err, what);
	if (ptr_unreadable(k))
		must(err == EFAULT, KH_WALK, err, "an unreadable argument must give EFAULT");
	else if (reserved_bad)
		must(err == EINVAL, KH_WALK, err, "nonzero flags/reserved must give EINVAL");
	else if (!err && vaddr >= KH_TASK_SIZE)
		must(false, KH_WALK, err, "an address above user space must fail");
}

static void fz_walk(int i)
{
	fz_walk_one(fz[i].fd, any_ptr(), any_pid(), any_addr(), !kh_below(8), "");
}

/* MEM: writes only ever go to the child (pid 0 on a child session, or the
 * child's pid); everything else reads. */
static void fz_mem_one(int i, enum ptr_kind k, uint32_t pid, uint32_t mode,
		       uint32_t flags, uint64_t addr, uint64_t buf, uint64_t len,
		       bool reserved_bad, const char *what)
{
	struct kmr_mem m;
	uint64_t p;
	int err;

	if ((flags & KMR_MEM_F_WRITE) && pid != (uint32_t)child &&
	    !(pid == 0 && fz_st[i] != FZ_FRESH))
		flags &= ~KMR_MEM_F_WRITE;
	memset(&m, 0, sizeof(m));
	m.pid = pid;
	m.mode = mode;
	m.flags = flags;
	m.addr = addr;
	m.buf = buf;
	m.len = len;
	if (reserved_bad) {
		switch (kh_below(3)) {
		case 0: m.__pad = 1 + (uint32_t)kh_below(100); break;
		case 1: m.reserved[kh_below(2)] = 1 + kh_below(100); break;
		default: m.flags |= 4u << kh_below(30); break;
		}
	}
	p = place(k, &m, sizeof(m));
	err = do_ioctl(fz[i].fd, KMR_IOC_MEM, p);
	note(KH_MEM, err, what);
	if (ptr_unreadable(k))
		must(err == EFAULT, KH_MEM, err, "an unreadable argument must give EFAULT");
	else if (reserved_bad)
		must(err == EINVAL, KH_MEM, err, "nonzero padding/reserved/unknown flags must give EINVAL");
	else if (mode != KMR_MEM_WALK && mode != KMR_MEM_GUP)
		must(err == EINVAL, KH_MEM, err, "an unknown mode must give EINVAL");
	else if (!err && len && addr >= KH_TASK_SIZE)
		must(false, KH_MEM, err, "an address above user space must fail");
}

static void fz_mem(int i)
{
	uint32_t mode = kh_below(8) ? 1 + (uint32_t)kh_below(2) : (uint32_t)kh_rand();
	uint32_t flags = (uint32_t)kh_below(4);
	uint64_t len = any_len();
	uint64_t buf = buf_of();

	if (mode == KMR_MEM_WALK)
		flags &= ~KMR_MEM_F_FORCE;
	fz_mem_one(i, any_ptr(), any_pid(), mode, flags, any_addr(), buf, len,
		   !kh_below(8), "");
}

static void fz_page_one(int i, enum ptr_kind k, uint64_t vaddr, uint64_t pfn,
			uint64_t buf, uint64_t len, bool reserved_bad, const char *what)
{
	struct kmr_page pg;
	uint64_t p;
	int err;

	memset(&pg, 0, sizeof(pg));
	pg.vaddr = vaddr;
	pg.pfn = pfn;
	pg.buf = buf;
	pg.len = len;
	if (reserved_bad)
		pg.reserved[kh_below(2)] = 1 + kh_below(100);
	p = place(k, &pg, sizeof(pg));
	err = do_ioctl(fz[i].fd, KMR_IOC_PAGE, p);
	note(KH_PAGE, err, what);
	if (ptr_unreadable(k))
		must(err == EFAULT, KH_PAGE, err, "an unreadable argument must give EFAULT");
	else if (reserved_bad)
		must(err == EINVAL, KH_PAGE, err, "nonzero reserved must give EINVAL");
	else if (!err && (len == 0 || len > PG || vaddr >= KH_TASK_SIZE))
		must(false, KH_PAGE, err, "a length of 0 or above a page, or an address above user space, must fail");
}

static void fz_page(int i)
{
	uint64_t va = kh_below(2) ? child_addr() & ~(PG - 1) : any_addr();
	uint64_t pfn = kh_below(2) ? kh_below(1 << 18) : kh_rand();
	struct kmr_walk w;

	/* half the time the right pfn (from WALK), so copies happen too */
	memset(&w, 0, sizeof(w));
	w.pid = (uint32_t)child;
	w.vaddr = va;
	if (kh_below(2) && !ioctl(fz[i].fd, KMR_IOC_WALK, &w) && w.leaf)
		pfn = w.pfn;
	fz_page_one(i, any_ptr(), va, pfn, buf_of(),
		    kh_below(2) ? 1 + kh_below(PG) : any_len(), !kh_below(8), "");
}

static void fz_rw_one(int i, bool write, uint64_t buf, uint64_t len, uint64_t off,
		      const char *what)
{
	ssize_t r;
	int err = 0;

	/* pwrite writes the attached target: only a child session */
	if (write && fz_st[i] == FZ_FRESH)
		write = false;
	if (write)
		r = pwrite(fz[i].fd, (void *)buf, len, (off_t)off);
	else
		r = pread(fz[i].fd, (void *)buf, len, (off_t)off);
	if (r < 0)
		err = errno;
	note(write ? KH_PWRITE : KH_PREAD, err, what);
	if (r > 0 && (uint64_t)r > len)
		kh_fail("%s returned %zd for %llu bytes", write ? "pwrite" : "pread",
			r, (unsigned long long)len);
}

static void fz_rw(int i)
{
	fz_rw_one(i, kh_below(2), buf_of(), any_len(), any_addr(), "");
}

static void fz_mmap(int i)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
				     PROT_READ | PROT_EXEC, PROT_NONE };
	uint64_t len, off;
	void *p;
	int err = 0;

	switch (kh_below(4)) {
	case 0: len = edge_len[kh_below(5)]; break;
	case 1: len = fz[i].a.ctl_size; break;
	case 2: len = fz[i].a.mmap_size; break;
	default: len = (1 + kh_below(64)) * PG; break;
	}
	switch (kh_below(4)) {
	case 0: off = 0; break;
	case 1: off = fz[i].a.ctl_size; break;
	case 2: off = kh_below(64) * PG; break;
	default: off = kh_rand() & ~(PG - 1); break;
	}
	p = mmap(NULL, len, prots[kh_below(5)], kh_below(4) ? MAP_SHARED : MAP_PRIVATE,
		 fz[i].fd, (off_t)off);
	if (p == MAP_FAILED)
		err = errno;
	else
		munmap(p, len);
	note(KH_MMAP, err, "");
}

static void fz_unknown(int fd)
{
	unsigned long cmd;
	int err;

	do {
		if (kh_below(2))	/* our magic, any number, size, direction */
			cmd = _IOC(kh_below(4), KMR_IOC_MAGIC, kh_below(32),
				   kh_below(1 << 14));
		else
			cmd = (unsigned long)(uint32_t)kh_rand();
	} while (cmd == KMR_IOC_VERSION || cmd == KMR_IOC_ATTACH ||
		 cmd == KMR_IOC_START || cmd == KMR_IOC_STOP ||
		 cmd == KMR_IOC_DETACH || cmd == KMR_IOC_STATS ||
		 cmd == KMR_IOC_WALK || cmd == KMR_IOC_MEM || cmd == KMR_IOC_PAGE ||
		 /* the VFS answers these itself (FIOCLEX, FIONBIO, ...) */
		 (cmd >> 8 & 0xff) == 'T' || (cmd >> 8 & 0xff) == 'f' ||
		 (cmd >> 8 & 0xff) == 0x94 || (cmd >> 8 & 0xff) == 'X' ||
		 (cmd >> 8 & 0xff) == 0x15 || (cmd >> 8 & 0xff) == 0);
	err = do_ioctl(fd, cmd, kh_rand());
	note(KH_UNKNOWN, err, "");
	must(err == ENOTTY, KH_UNKNOWN, err, "an unknown command must give ENOTTY");
}

/* ---- the fixed grid ------------------------------------------------------- */

static void grid(void)
{
	unsigned int li, ai, m;
	char what[96];
	int i = 0;

	fd_reset(i);
	if (good_attach(i))
		kh_die("cannot attach to the idle child %d", child);
	for (li = 0; li < 5; li++) {
		for (ai = 0; ai < 5; ai++) {
			uint64_t len = edge_len[li], addr = edge_addr[ai];

			snprintf(what, sizeof(what), "(len %#llx addr %#llx)",
				 (unsigned long long)len, (unsigned long long)addr);
			for (m = 0; m < 4; m++) {
				uint32_t mode = m & 1 ? KMR_MEM_GUP : KMR_MEM_WALK;
				uint32_t fl = m & 2 ? KMR_MEM_F_WRITE : 0;

				/* target address x length, good buffer */
				fz_mem_one(i, P_VALID, 0, mode, fl, addr,
					   (uint64_t)scratch, len, false, what);
				fz_mem_one(i, P_VALID, (uint32_t)child, mode, fl, addr,
					   (uint64_t)scratch, len, false, what);
				/* good target address, buffer x length */
				fz_mem_one(i, P_VALID, 0, mode, fl, child_addr(),
					   addr, len, false, what);
			}
			fz_page_one(i, P_VALID, addr, 0, (uint64_t)scratch, len, false, what);
			fz_page_one(i, P_VALID, 0x400000, 0, addr, len, false, what);
			fz_walk_one(fz[i].fd, P_VALID, 0, addr, false, what);
			fz_walk_one(fz[i].fd, P_VALID, (uint32_t)child, addr, false, what);
			fz_rw_one(i, false, (uint64_t)scratch, len, addr, what);
			fz_rw_one(i, true, (uint64_t)scratch, len, addr, what);
			fz_rw_one(i, false, addr, len, 0x400000, what);
			fz_rw_one(i, true, addr, len, 0x400000, what);
			/* ATTACH's range: start = addr, end = addr + len */
			{
				struct kmr_attach a = { .pid = (uint32_t)child,
					.start = addr, .end = addr + len,
					.ring_size = KMR_RING_SIZE_MIN };
				struct kh_sess t;
				int err;

				if (kh_open(&t))
					kh_die("open: %s", strerror(errno));
				err = do_ioctl(t.fd, KMR_IOC_ATTACH, place(P_VALID, &a, sizeof(a)));
				note(KH_ATTACH, err, what);
				must(err == EINVAL, KH_ATTACH, err,
				     "a range reaching past user space must give EINVAL");
				kh_close(&t);
			}
			child_check();
			if (fz_st[i] == FZ_DEAD) {
				fd_reset(i);
				if (good_attach(i))
					kh_die("cannot attach to the idle child %d", child);
			}
		}
	}
	printf("grid: %llu calls, %d failures so far\n", calls, kh_failures);
}

/* ---- the random phase ------------------------------------------------------ */

static void random_call(void)
{
	int i = (int)kh_below(NFD);

	switch (fz_st[i]) {
	case FZ_DEAD:
		if (!kh_below(4))
			fd_reset(i);
		break;
	case FZ_FRESH:
		if (!kh_below(40))
			good_attach(i);
		break;
	default:
		if (!kh_below(200))
			fd_reset(i);
		break;
	}
	switch (kh_below(16)) {
	case 0: fz_version(fz[i].fd); break;
	case 1: fz_attach(i); break;
	case 2:
		/* START waits for ring space the snapshot needs; a drainer
		 * makes sure it gets it (the idle child is small anyway) */
		if (fz_st[i] == FZ_ATTACHED && !fz[i].map && !kh_map(&fz[i]))
			kh_drain_start(&fz[i]);
		fz_simple(i, KMR_IOC_START, KH_START);
		break;
	case 3: fz_simple(i, KMR_IOC_STOP, KH_STOP); break;
	case 4: if (!kh_below(4)) fz_simple(i, KMR_IOC_DETACH, KH_DETACH); break;
	case 5: case 6: fz_stats(i); break;
	case 7: case 8: fz_walk(i); break;
	case 9: case 10: fz_mem(i); break;
	case 11: fz_page(i); break;
	case 12: fz_rw(i); break;
	case 13: fz_mmap(i); break;
	default: fz_unknown(fz[i].fd); break;
	}
}

/* A well-behaved session after all that: attach, map, start, stop, detach. */
static void sane_session(void)
{
	struct kh_sess k;
	int err;

	if (kh_open(&k))
		kh_die("open: %s", strerror(errno));
	if ((err = kh_attach(&k, child, 0, 0)) || (err = kh_map(&k))) {
		kh_fail("a well-formed session after the fuzzing: %s", kh_errname(-err));
		kh_close(&k);
		return;
	}
	kh_drain_start(&k);
	if ((err = kh_ioctl(&k, KMR_IOC_START, NULL)) ||
	    (err = kh_ioctl(&k, KMR_IOC_STOP, NULL)))
		kh_fail("START/STOP after the fuzzing: %s", kh_errname(-err));
	kh_sleep_us(100000);
	kh_drain_stop(&k);
	kh_drain_once(&k);
	if (k.corrupt)
		kh_fail("ring after the fuzzing: %s", k.why);
	if (!k.records)
		kh_fail("a started session recorded nothing");
	if ((err = kh_ioctl(&k, KMR_IOC_DETACH, NULL)))
		kh_fail("DETACH after the fuzzing: %s", kh_errname(-err));
	printf("sane session: %llu records, last seq %llu\n",
	       (unsigned long long)k.records, (unsigned long long)k.max_seq);
	kh_close(&k);
}

static void setup_memory(void)
{
	char *p;

	/* scratch + guard page */
	p = mmap(NULL, SCRATCH + PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		kh_die("mmap scratch: %s", strerror(errno));
	mprotect(p + SCRATCH, PG, PROT_NONE);
	scratch = p;
	/* ro | none | hole | rw | (unmapped): the straddle ends at rw's end */
	p = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		kh_die("mmap: %s", strerror(errno));
	ro_page = p;
	none_page = p + PG;
	hole = p + 2 * PG;
	straddle_end = p + 4 * PG;
	memset(p, 0x5a, 5 * PG);
	mprotect(ro_page, PG, PROT_READ);
	mprotect(none_page, PG, PROT_NONE);
	munmap(hole, PG);
	munmap(straddle_end, PG);
}

int khostile_ioctl(int argc, char **argv)
{
	unsigned long long want = argc > 0 ? strtoull(argv[0], NULL, 0) : 100000;
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (uint64_t)getpid();
	double t0 = kh_now();
	unsigned long long next_note = 10000;
	int i, c, e;

	kh_seed(seed);
	edge_addr[0] = KH_TASK_SIZE - 1;
	edge_addr[1] = KH_TASK_SIZE;
	edge_addr[2] = 1ULL << 47;
	edge_addr[3] = 1ULL << 56;
	edge_addr[4] = ~0ULL;
	printf("khostile ioctl: %llu calls, seed %llu, user space ends at %#llx\n", want,
	       (unsigned long long)seed, (unsigned long long)KH_TASK_SIZE);
	signal(SIGPIPE, SIG_IGN);
	self = getpid();
	setup_memory();
	child = kh_spawn_idle(16);
	for (i = 0; i < NFD; i++) {
		fz[i].fd = -1;
		fd_reset(i);
	}
	grid();
	while (calls < want) {
		random_call();
		if (!(calls % 1000))
			child_check();
		if (calls >= next_note) {
			kh_progress("ioctl: %llu of %llu calls", calls, want);
			next_note += 10000;
		}
		if (kh_failures > 50)
			kh_die("more than 50 failures; stopping");
	}
	for (i = 0; i < NFD; i++)
		kh_close(&fz[i]);
	child_check();
	sane_session();
	kh_reap(child);

	printf("%-12s %9s %9s %9s %9s %9s %9s %9s %9s\n", "call", "ok", "EFAULT",
	       "EINVAL", "ESRCH", "EBUSY", "ENOTTY", "EPERM", "other");
	for (c = 0; c < KH_NR_CALLS; c++) {
		printf("%-12s", kh_call_name[c]);
		for (e = 0; e < 8; e++)
			printf(" %9llu", hist[c][e]);
		printf("\n");
	}
	printf("khostile ioctl: %llu calls (%llu succeeded), %llu must-checks, "
	       "%d failures, %.1f s\n", calls, n_ok, must_checks, kh_failures,
	       kh_now() - t0);
	return kh_failures ? 1 : 0;
}
