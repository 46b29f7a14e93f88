// SPDX-License-Identifier: GPL-2.0
/*
 * fetch_check: guest test helper for kmemfetch's module side.  Raw calls on
 * /dev/kmemrec (KMR_IOC_MEM/WALK/PAGE, pread/pwrite) whose results are
 * printed as one line for the case script to compare exactly, and checked
 * against the kernel's own view: every read is compared with
 * process_vm_readv() of the same range, every walk with /proc/PID/pagemap.
 *
 *   fetch_check mem PID walk|gup|N r|rf|w|wf ADDR LEN [HEX]
 *       done=N [pvr=same|pvr=DIFF@off|pvr=err=E]   or   err=ENAME
 *   fetch_check pread PID ADDR LEN          (attach, pread; same output)
 *   fetch_check pwrite PID ADDR HEX
 *   fetch_check walk PID ADDR
 *       stop=LVL leaf=0|1 size=N pfn=0x.. phys=0x.. flags=0x.. levels=N
 *       pagemap=match|MISMATCH(...)
 *   fetch_check pvr PID ADDR LEN            process_vm_readv bytes to stdout
 *   fetch_check pfn PID ADDR                pagemap pfn (0x..) or "none"
 *   fetch_check errors PID ADDR             every error case (PASS/FAIL lines)
 *   fetch_check page PID ADDR               KMR_IOC_PAGE cases
 *   fetch_check record PID NSESS OUT -- CMD...
 *       NSESS sessions (mask ALL) record PID while CMD runs; every
 *       KMR_EV_MEM_WRITE they got goes to OUT as
 *       "sI mem_write vaddr=0x.. len=N writer=P mode=walk|gup|prw"
 *   fetch_check as-uid UID CMD...           drop to UID:UID, exec CMD
 *   fetch_check xxh64 FILE                  xxh64 (seed 0) of FILE, 0x%016llx
 *
 * ADDR is hex (0x optional), LEN decimal or 0x hex.  Exit 0 when the
 * operation ran (whatever its errno), 1 on a failed check, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>
#include "kcore_rec.h"

#define PAGE 4096ul

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ESTALE: return "ESTALE";
	case EHWPOISON: return "EHWPOISON";
	default: return strerror(e);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of fetch_check.c\n");
	exit(2);
}

static uint64_t num(const char *s, int base)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || !*s || *end) {
		fprintf(stderr, "fetch_check: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static uint64_t addr_arg(const char *s) { return num(s, 16); }
static uint64_t len_arg(const char *s) { return num(s, 0); }

static uint8_t *hex_arg(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2, i;
	uint8_t *b;

	if (!n || strlen(s) % 2)
		usage();
	b = malloc(n);
	for (i = 0; i < n; i++) {
		char two[3] = { s[2 * i], s[2 * i + 1], 0 };

		b[i] = (uint8_t)num(two, 16);
	}
	*len = n;
	return b;
}

static int dev_open(void)
{
	int fd = open("/dev/" KMR_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		kc_die("open /dev/kmemrec: %s", strerror(errno));
	return fd;
}

/* A session attached to @pid (not started): small rings, no events. */
static int dev_attach(int pid)
{
	struct kmr_attach a = { .pid = pid, .ring_size = KMR_RING_SIZE_MIN,
				.event_mask = KMR_MASK_MEM_WRITE };
	int fd = dev_open();

	if (ioctl(fd, KMR_IOC_ATTACH, &a))
		kc_die("attach %d: %s", pid, ename(errno));
	return fd;
}

static int mem_call(int fd, struct kmr_mem *m)
{
	return ioctl(fd, KMR_IOC_MEM, m) ? errno : 0;
}

/* process_vm_readv of [addr, addr + len): 0 or errno (short = EFAULT). */
static int pvr(int pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)addr, len };
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		l.iov_base = (char *)buf + done;
		l.iov_len = len - done;
		r.iov_base = (void *)(addr + done);
		r.iov_len = len - done;
		n = process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n < 0)
			return errno;
		if (n == 0)
			return EFAULT;
		done += n;
	}
	return 0;
}

/* " pvr=same" etc. for @n bytes read at @addr; returns 0 if same. */
static int print_pvr(int pid, uint64_t addr, const uint8_t *got, size_t n)
{
	uint8_t *ref = malloc(n ? n : 1);
	int e = pvr(pid, addr, ref, n);
	size_t i;

	if (e) {
		printf(" pvr=err=%s", ename(e));
		free(ref);
		return 1;
	}
	for (i = 0; i < n && got[i] == ref[i]; i++)
		;
	if (i < n)
		printf(" pvr=DIFF@%zu", i);
	else
		printf(" pvr=same");
	free(ref);
	return i < n;
}

static int cmd_mem(int argc, char **argv)
{
	struct kmr_mem m = { 0 };
	uint8_t *buf;
	size_t hlen = 0;
	const char *op;
	int fd, e, bad = 0;

	if (argc < 6)
		usage();
	m.pid = (uint32_t)num(argv[1], 10);
	if (!strcmp(argv[2], "walk"))
		m.mode = KMR_MEM_WALK;
	else if (!strcmp(argv[2], "gup"))
		m.mode = KMR_MEM_GUP;
	else
		m.mode = (uint32_t)num(argv[2], 0);
	op = argv[3];
	m.addr = addr_arg(argv[4]);
	m.len = len_arg(argv[5]);
	if (op[0] == 'w') {
		m.flags |= KMR_MEM_F_WRITE;
		if (argc < 7)
			usage();
		buf = hex_arg(argv[6], &hlen);
		if (hlen != m.len)
			kc_die("LEN %llu but %zu bytes of HEX",
			       (unsigned long long)m.len, hlen);
	} else {
		buf = calloc(1, m.len ? m.len : 1);
	}
	if (op[1] == 'f')
		m.flags |= KMR_MEM_F_FORCE;
	m.buf = (uintptr_t)buf;
	fd = dev_open();
	e = mem_call(fd, &m);
	if (e) {
		printf("err=%s\n", ename(e));
		return 0;
	}
	printf("done=%llu", (unsigned long long)m.done);
	if (op[0] == 'r')
		bad = print_pvr(m.pid, m.addr, buf, m.done);
	printf("\n");
	return bad;
}

static int cmd_prw(int argc, char **argv, bool write)
{
	int pid, fd, bad = 0;
	uint64_t addr;
	size_t len;
	uint8_t *buf;
	ssize_t n;

	if (argc < 4)
		usage();
	pid = (int)num(argv[1], 10);
	addr = addr_arg(argv[2]);
	if (write) {
		buf = hex_arg(argv[3], &len);
	} else {
		len = len_arg(argv[3]);
		buf = calloc(1, len ? len : 1);
	}
	fd = dev_attach(pid);
	n = write ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
	if (n < 0) {
		printf("err=%s\n", ename(errno));
		return 0;
	}
	printf("done=%zd", n);
	if (!write)
		bad = print_pvr(pid, addr, buf, n);
	printf("\n");
	close(fd);
	return bad;
}

/* pagemap entry of @vaddr in @pid; -1 if unreadable. */
static int64_t pagemap(int pid, uint64_t vaddr)
{
	char path[64];
	uint64_t e;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (pread(fd, &e, 8, (off_t)(vaddr / PAGE * 8)) != 8) {
		close(fd);
		return -1;
	}
	close(fd);
	return (int64_t)e;
}

static const char *lvl(uint32_t l)
{
	static const char *const n[] = { "none", "pte", "pmd", "pud", "p4d", "pgd" };

	return l <= KMR_LVL_PGD ? n[l] : "?";
}

static int cmd_walk(int argc, char **argv)
{
	struct kmr_walk w = { 0 };
	int fd, bad = 0;
	int64_t pm;
	uint64_t pm_pfn;
	bool pm_present;

	if (argc < 3)
		usage();
	w.pid = (uint32_t)num(argv[1], 10);
	w.vaddr = addr_arg(argv[2]);
	fd = dev_open();
	if (ioctl(fd, KMR_IOC_WALK, &w)) {
		printf("err=%s\n", ename(errno));
		return 0;
	}
	printf("stop=%s leaf=%u size=%llu pfn=0x%llx phys=0x%llx flags=0x%x levels=%u",
	       lvl(w.stop_level), w.leaf, (unsigned long long)w.page_size,
	       (unsigned long long)w.pfn, (unsigned long long)w.phys,
	       w.pte_flags, w.levels);
	if (w.leaf && w.phys != (w.pfn << 12 | (w.vaddr & (PAGE - 1)))) {
		printf(" PHYS-MISMATCH");
		bad = 1;
	}
	pm = pagemap((int)w.pid, w.vaddr);
	if (pm == -1) {
		printf(" pagemap=unreadable\n");
		return 1;
	}
	pm_present = (uint64_t)pm >> 63;
	pm_pfn = (uint64_t)pm & ((1ull << 55) - 1);
	if (pm_present != !!w.leaf || (w.leaf && pm_pfn != w.pfn)) {
		printf(" pagemap=MISMATCH(present=%d pfn=0x%llx)", pm_present,
		       (unsigned long long)pm_pfn);
		bad = 1;
	} else {
		printf(" pagemap=match");
	}
	printf("\n");
	return bad;
}

static int cmd_pvr(int argc, char **argv)
{
	size_t len;
	uint8_t *buf;
	int e;

	if (argc < 4)
		usage();
	len = len_arg(argv[3]);
	buf = malloc(len);
	e = pvr((int)num(argv[1], 10), addr_arg(argv[2]), buf, len);
	if (e)
		kc_die("process_vm_readv: %s", ename(e));
	return fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}

static int cmd_pfn(int argc, char **argv)
{
	int64_t pm;

	if (argc < 3)
		usage();
	pm = pagemap((int)num(argv[1], 10), addr_arg(argv[2]));
	if (pm == -1)
		kc_die("pagemap unreadable");
	if (!((uint64_t)pm >> 63))
		printf("none\n");
	else
		printf("0x%llx\n", (unsigned long long)((uint64_t)pm & ((1ull << 55) - 1)));
	return 0;
}

/* ---- error cases ---- */

static int failures;

static void expect(const char *what, int got, int want)
{
	if (got == want) {
		printf("PASS %s: %s\n", what, ename(got));
	} else {
		printf("FAIL %s: got %s, want %s\n", what, ename(got), ename(want));
		failures++;
	}
}

/* KMR_IOC_MEM with @m filled from @base and changed by the caller. */
static int mem_errno(int fd, struct kmr_mem m)
{
	return mem_call(fd, &m);
}

/* A pid that is not in use: a child that already exited. */
static int dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

/* An address the compiler cannot see is NULL (it warns on pread(NULL)). */
static volatile uintptr_t bad_ptr;

static int cmd_errors(int argc, char **argv)
{
	static uint8_t buf[64], before[64], after[64];
	struct kmr_mem base = { 0 }, m;
	struct kmr_walk w;
	int fd, afd, pid, gone;
	uint64_t addr;
	ssize_t n;

	if (argc < 3)
		usage();
	pid = (int)num(argv[1], 10);
	addr = addr_arg(argv[2]);
	base.pid = pid;
	base.mode = KMR_MEM_GUP;
	base.addr = addr;
	base.buf = (uintptr_t)buf;
	base.len = sizeof(buf);
	fd = dev_open();
	gone = dead_pid();

	/* the valid request itself works in both modes */
	expect("gup read of ADDR", mem_errno(fd, base), 0);
	m = base;
	m.mode = KMR_MEM_WALK;
	m.len = 8;
	expect("walk read of ADDR", mem_errno(fd, m), 0);

	/* EINVAL: mode, flags, reserved, padding */
	m = base; m.mode = 0;
	expect("mode 0", mem_errno(fd, m), EINVAL);
	m = base; m.mode = KMR_MEM_PRW;
	expect("mode PRW (pread only)", mem_errno(fd, m), EINVAL);
	m = base; m.mode = 99;
	expect("mode 99", mem_errno(fd, m), EINVAL);
	m = base; m.flags = 1u << 2;
	expect("unknown flag", mem_errno(fd, m), EINVAL);
	m = base; m.reserved[1] = 1;
	expect("reserved set", mem_errno(fd, m), EINVAL);
	m = base; m.__pad = 1;
	expect("padding set", mem_errno(fd, m), EINVAL);
	m = base; m.mode = KMR_MEM_WALK; m.flags = KMR_MEM_F_FORCE;
	expect("walk + force", mem_errno(fd, m), EINVAL);

	/* EFAULT: bad caller buffers */
	m = base; m.buf = 0;
	expect("gup read into NULL", mem_errno(fd, m), EFAULT);
	m = base; m.mode = KMR_MEM_WALK; m.buf = 1; m.len = 8;
	expect("walk read into 0x1", mem_errno(fd, m), EFAULT);
	m = base; m.buf = 0xffff888000000000ull;
	expect("gup read into a kernel address", mem_errno(fd, m), EFAULT);
	expect("ioctl argument NULL", ioctl(fd, KMR_IOC_MEM, NULL) ? errno : 0, EFAULT);
	if (pvr(pid, addr, before, sizeof(before)))
		kc_die("process_vm_readv of ADDR failed");
	m = base; m.flags = KMR_MEM_F_WRITE | KMR_MEM_F_FORCE; m.buf = 0;
	expect("gup write from NULL", mem_errno(fd, m), EFAULT);
	m = base; m.mode = KMR_MEM_WALK; m.flags = KMR_MEM_F_WRITE; m.buf = 1; m.len = 8;
	expect("walk write from 0x1", mem_errno(fd, m), EFAULT);
	if (pvr(pid, addr, after, sizeof(after)))
		kc_die("process_vm_readv of ADDR failed");
	expect("target unchanged by failed writes", memcmp(before, after, sizeof(before)) ? EIO : 0, 0);

	/* EFAULT: target addresses never mapped, or not user addresses */
	m = base; m.addr = 0x1000;
	expect("gup read at 0x1000 (unmapped)", mem_errno(fd, m), EFAULT);
	m.mode = KMR_MEM_WALK;
	expect("walk read at 0x1000 (unmapped)", mem_errno(fd, m), EFAULT);
	m = base; m.addr = 1ull << 56;
	expect("gup read at 1<<56 (>= TASK_SIZE)", mem_errno(fd, m), EFAULT);
	m.mode = KMR_MEM_WALK;
	expect("walk read at 1<<56", mem_errno(fd, m), EFAULT);
	m = base; m.addr = 0xffffffffffffff00ull;
	expect("gup read at 0xffffffffffffff00", mem_errno(fd, m), EFAULT);
	m = base; m.addr = 0x8000000000000000ull; m.flags = KMR_MEM_F_WRITE | KMR_MEM_F_FORCE;
	expect("forced write at 1<<63", mem_errno(fd, m), EFAULT);

	/* ESRCH */
	m = base; m.pid = gone;
	expect("pid that exited", mem_errno(fd, m), ESRCH);
	m = base; m.pid = 0x7fffffff;
	expect("pid 0x7fffffff", mem_errno(fd, m), ESRCH);
	m = base; m.pid = 2;
	expect("kernel thread kthreadd", mem_errno(fd, m), ESRCH);
	m = base; m.pid = 0;
	expect("pid 0 without attach", mem_errno(fd, m), ESRCH);

	/* len 0 does nothing and succeeds */
	m = base; m.len = 0; m.done = 77;
	expect("len 0", mem_errno(fd, m), 0);
	m = base; m.len = 0;
	mem_call(fd, &m);
	expect("len 0 copies 0", m.done ? EIO : 0, 0);

	/* KMR_IOC_WALK */
	memset(&w, 0, sizeof(w));
	w.pid = pid;
	w.vaddr = addr;
	expect("walk of ADDR", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, 0);
	expect("walk of ADDR stops at a leaf", w.leaf ? 0 : EIO, 0);
	w.flags = 1;
	expect("walk flags set", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, EINVAL);
	w.flags = 0; w.reserved[0] = 1;
	expect("walk reserved set", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, EINVAL);
	w.reserved[0] = 0; w.vaddr = 1ull << 56;
	expect("walk at 1<<56", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, EFAULT);
	w.vaddr = 0x1000;
	expect("walk at 0x1000 (unmapped) is an answer", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, 0);
	expect("walk at 0x1000 finds no leaf", w.leaf ? EIO : 0, 0);
	w.vaddr = addr; w.pid = gone;
	expect("walk of an exited pid", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, ESRCH);
	w.pid = 0;
	expect("walk pid 0 without attach", ioctl(fd, KMR_IOC_WALK, &w) ? errno : 0, ESRCH);
	expect("walk argument NULL", ioctl(fd, KMR_IOC_WALK, NULL) ? errno : 0, EFAULT);

	/* pread/pwrite: unattached, then attached */
	n = pread(fd, buf, 8, (off_t)addr);
	expect("pread without attach", n < 0 ? errno : 0, ESRCH);
	afd = dev_attach(pid);
	n = pread(afd, buf, 8, (off_t)addr);
	expect("pread of ADDR", n == 8 ? 0 : n < 0 ? errno : EIO, 0);
	n = pread(afd, buf, 8, 0x1000);
	expect("pread at 0x1000 (unmapped)", n < 0 ? errno : 0, EFAULT);
	n = pread(afd, buf, 8, (off_t)(1ull << 56));
	expect("pread at 1<<56", n < 0 ? errno : 0, EFAULT);
	n = pread(afd, (void *)(uintptr_t)bad_ptr, 8, (off_t)addr);
	expect("pread into NULL", n < 0 ? errno : 0, EFAULT);
	n = pread(afd, buf, 0, (off_t)addr);
	expect("pread of 0 bytes", n < 0 ? errno : (int)n, 0);
	/* unsigned offsets: lseek past LLONG_MAX, then read */
	if (lseek(afd, (off_t)0x8000000000000000ull, SEEK_SET) != (off_t)0x8000000000000000ull)
		expect("lseek to 1<<63", errno, 0);
	n = read(afd, buf, 8);
	expect("read at 1<<63 after lseek", n < 0 ? errno : 0, EFAULT);
	if (lseek(afd, (off_t)addr, SEEK_SET) != (off_t)addr)
		expect("lseek to ADDR", errno, 0);
	n = read(afd, buf, 8);
	expect("read at ADDR after lseek", n == 8 ? 0 : EIO, 0);
	expect("read advances the offset",
	       lseek(afd, 0, SEEK_CUR) == (off_t)(addr + 8) ? 0 : EIO, 0);
	close(afd);
	close(fd);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}

/* KMR_IOC_PAGE: attached (not started) session on PID, page at ADDR. */
static int cmd_page(int argc, char **argv)
{
	static uint8_t got[PAGE], ref[PAGE];
	struct kmr_page p = { 0 };
	int pid, fd, ufd;
	uint64_t addr;
	int64_t pm;

	if (argc < 3)
		usage();
	pid = (int)num(argv[1], 10);
	addr = addr_arg(argv[2]) & ~(PAGE - 1);
	pm = pagemap(pid, addr);
	if (pm == -1 || !((uint64_t)pm >> 63))
		kc_die("page at 0x%llx is not present", (unsigned long long)addr);
	p.vaddr = addr;
	p.pfn = (uint64_t)pm & ((1ull << 55) - 1);
	p.buf = (uintptr_t)got;
	p.len = PAGE;

	ufd = dev_open();
	expect("page without attach", ioctl(ufd, KMR_IOC_PAGE, &p) ? errno : 0, ESRCH);
	close(ufd);
	fd = dev_attach(pid);
	expect("page at its pfn", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, 0);
	if (pvr(pid, addr, ref, PAGE))
		kc_die("process_vm_readv failed");
	expect("page bytes equal process_vm_readv", memcmp(got, ref, PAGE) ? EIO : 0, 0);
	p.pfn++;
	expect("page at another pfn", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, ESTALE);
	p.pfn--;
	p.vaddr = addr + 8;
	expect("page unaligned", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, EINVAL);
	p.vaddr = addr;
	p.len = 0;
	expect("page len 0", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, EINVAL);
	p.len = PAGE + 1;
	expect("page len above a page", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, EINVAL);
	p.len = 16;
	p.reserved[0] = 1;
	expect("page reserved set", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, EINVAL);
	p.reserved[0] = 0;
	p.buf = 0;
	expect("page into NULL", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, EFAULT);
	p.buf = (uintptr_t)got;
	p.vaddr = 0x1000;
	expect("page at 0x1000 (unmapped)", ioctl(fd, KMR_IOC_PAGE, &p) ? errno : 0, EFAULT);
	close(fd);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}

/* ---- record: MEM_WRITE events in running sessions ---- */

struct rec_out {
	FILE *f;
	int idx;
};

static void rec_fn(const struct kmr_event *ev, uint32_t ring, void *priv)
{
	const struct kmr_ev_mem_write *w = (const void *)ev;
	struct rec_out *o = priv;
	static const char *const modes[] = { "?", "walk", "gup", "prw" };

	(void)ring;
	if (ev->kind != KMR_EV_MEM_WRITE)
		return;
	fprintf(o->f, "s%d mem_write vaddr=0x%llx len=%llu writer=%u mode=%s\n",
		o->idx, (unsigned long long)w->vaddr, (unsigned long long)w->len,
		w->writer_pid, w->mode <= KMR_MEM_PRW ? modes[w->mode] : "?");
}

#define MAX_SESS 4

static int cmd_record(int argc, char **argv)
{
	struct kc_sess k[MAX_SESS];
	struct rec_out o[MAX_SESS];
	int pid, nsess, i, status;
	FILE *f;
	pid_t child;

	if (argc < 6 || strcmp(argv[4], "--"))
		usage();
	pid = (int)num(argv[1], 10);
	nsess = (int)num(argv[2], 10);
	if (nsess < 1 || nsess > MAX_SESS)
		usage();
	f = fopen(argv[3], "w");
	if (!f)
		kc_die("open %s: %s", argv[3], strerror(errno));
	for (i = 0; i < nsess; i++) {
		struct kmr_attach a = { .pid = pid, .ring_size = 1 << 20 };

		o[i].f = f;
		o[i].idx = i;
		if (kc_open(&k[i]) || kc_attach(&k[i], &a) || kc_map(&k[i]))
			kc_die("session %d on %d: %s", i, pid, strerror(errno));
		if (kc_start_draining(&k[i], rec_fn, &o[i]))
			kc_die("start session %d", i);
	}
	fflush(stdout);
	child = fork();
	if (child == 0) {
		execvp(argv[5], argv + 5);
		_exit(127);
	}
	while (waitpid(child, &status, WNOHANG) == 0) {
		for (i = 0; i < nsess; i++)
			if (kc_drain(&k[i], rec_fn, &o[i]) < 0)
				kc_die("malformed ring");
		usleep(1000);
	}
	for (i = 0; i < nsess; i++) {
		if (kc_ioctl(&k[i], KMR_IOC_STOP, NULL))
			kc_die("stop session %d", i);
		if (kc_drain_final(&k[i], rec_fn, &o[i]))
			kc_die("session %d: stream not whole", i);
		kc_close(&k[i]);
	}
	fclose(f);
	if (!WIFEXITED(status))
		kc_die("%s died (status 0x%x)", argv[5], status);
	return WEXITSTATUS(status);
}

static int cmd_as_uid(int argc, char **argv)
{
	gid_t g;
	uid_t u;

	if (argc < 3)
		usage();
	u = (uid_t)num(argv[1], 10);
	g = (gid_t)u;
	if (setgroups(0, NULL) || setgid(g) || setuid(u))
		kc_die("cannot become uid %u: %s", u, strerror(errno));
	execvp(argv[2], argv + 2);
	kc_die("exec %s: %s", argv[2], strerror(errno));
}

/* The hash KMR_PAGE_DATA_HASH records carry, for expected values. */
static int cmd_xxh64(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	size_t n;
	FILE *f;

	if (argc < 2)
		usage();
	f = fopen(argv[1], "rb");
	if (!f)
		kc_die("open %s: %s", argv[1], strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	printf("0x%016llx\n", (unsigned long long)XXH64(buf, n, 0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	argc--;
	argv++;
	if (!strcmp(argv[0], "mem"))
		return cmd_mem(argc, argv);
	if (!strcmp(argv[0], "pread"))
		return cmd_prw(argc, argv, false);
	if (!strcmp(argv[0], "pwrite"))
		return cmd_prw(argc, argv, true);
	if (!strcmp(argv[0], "walk"))
		return cmd_walk(argc, argv);
	if (!strcmp(argv[0], "pvr"))
		return cmd_pvr(argc, argv);
	if (!strcmp(argv[0], "pfn"))
		return cmd_pfn(argc, argv);
	if (!strcmp(argv[0], "errors"))
		return cmd_errors(argc, argv);
	if (!strcmp(argv[0], "page"))
		return cmd_page(argc, argv);
	if (!strcmp(argv[0], "record"))
		return cmd_record(argc, argv);
	if (!strcmp(argv[0], "as-uid"))
		return cmd_as_uid(argc, argv);
	if (!strcmp(argv[0], "xxh64"))
		return cmd_xxh64(argc, argv);
	usage();
}
