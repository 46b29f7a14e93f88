// SPDX-License-Identifier: GPL-2.0
/* kcore_check: every bad call answers the documented errno; permissions. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_check.h"
#include "kcore_target.h"

static int kc_failures;

static void expect(const char *what, int got, int want)
{
	if (got == -want) {
		printf("ok   %-48s %s\n", what, want ? strerror(want) : "0");
		return;
	}
	printf("FAIL %-48s got %s, want %s\n", what,
	       got ? strerror(-got) : "0", want ? strerror(want) : "0");
	kc_failures++;
}

static bool all_zero(const char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int attach_with(struct kc_sess *k, struct kmr_attach a)
{
	return kc_ioctl(k, KMR_IOC_ATTACH, &a);
}

static int map_errno(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

static void check_version(struct kc_sess *k)
{
	struct kmr_version v;
	struct utsname u;

	memset(&v, 0xa5, sizeof(v));
	expect("VERSION", kc_ioctl(k, KMR_IOC_VERSION, &v), 0);
	uname(&u);
	if (v.abi_version != KMR_ABI_VERSION || v.__pad ||
	    strcmp(v.kernel_release, u.release) ||
	    !(v.features & KMR_FEAT_PER_CPU_RINGS)) {
		printf("FAIL VERSION contents: abi %u pad %u release '%.64s' features %#llx\n",
		       v.abi_version, v.__pad, v.kernel_release,
		       (unsigned long long)v.features);
		kc_failures++;
	}
	/* Never uninitialized bytes: everything after the NUL is zero. */
	if (!memchr(v.kernel_release, 0, sizeof(v.kernel_release)) ||
	    !all_zero(v.kernel_release + strlen(v.kernel_release),
		      sizeof(v.kernel_release) - strlen(v.kernel_release))) {
		printf("FAIL VERSION leaks bytes after the release string\n");
		kc_failures++;
	}
	expect("VERSION to a bad pointer",
	       kc_ioctl(k, KMR_IOC_VERSION, (void *)8), EFAULT);
}

static void check_attach_args(struct kc_sess *k, int pid)
{
	const struct kmr_attach good = { .pid = pid };
	struct kmr_attach a;

	a = good, a.flags = ~KMR_ATTACH_F_VALID;
	expect("ATTACH unknown flags", attach_with(k, a), EINVAL);
	/* --lossless on the caller itself would wait for itself */
	a = good, a.flags = KMR_ATTACH_F_LOSSLESS, a.pid = getpid();
	expect("ATTACH lossless on self", attach_with(k, a), EDEADLK);
	a = good, a.__pad = 1;
	expect("ATTACH __pad != 0", attach_with(k, a), EINVAL);
	a = good, a.reserved[3] = 1;
	expect("ATTACH reserved != 0", attach_with(k, a), EINVAL);
	a = good, a.start = 0x200000, a.end = 0x100000;
	expect("ATTACH start > end", attach_with(k, a), EINVAL);
	a = good, a.start = 0x100000, a.end = 0x100000;
	expect("ATTACH start == end", attach_with(k, a), EINVAL);
	a = good, a.start = 0x100010, a.end = 0x200000;
	expect("ATTACH unaligned start", attach_with(k, a), EINVAL);
	a = good, a.start = 0, a.end = 0x200010;
	expect("ATTACH unaligned end", attach_with(k, a), EINVAL);
	a = good, a.start = 0, a.end = 1ull << 57;
	expect("ATTACH end beyond TASK_SIZE", attach_with(k, a), EINVAL);
	a = good, a.start = 0, a.end = ~0ull << 12;
	expect("ATTACH end in the kernel half", attach_with(k, a), EINVAL);
	a = good, a.event_mask = 1ull << 20;
	expect("ATTACH unknown event mask bit", attach_with(k, a), EINVAL);
	a = good, a.ring_size = 3 << 20;
	expect("ATTACH ring_size not a power of two", attach_with(k, a), EINVAL);
	a = good, a.ring_size = KMR_RING_SIZE_MIN / 2;
	expect("ATTACH ring_size below MIN", attach_with(k, a), EINVAL);
	a = good, a.ring_size = KMR_RING_SIZE_MAX * 2;
	expect("ATTACH ring_size above MAX", attach_with(k, a), EINVAL);
	a = good, a.ring_size = 1 << 20, a.watermark = (1 << 20) + 8;
	expect("ATTACH watermark > ring_size", attach_with(k, a), EINVAL);
	a = good, a.pid = 0;
	expect("ATTACH pid 0", attach_with(k, a), ESRCH);
	a = good, a.pid = 0x7ffffff0;
	expect("ATTACH no such pid", attach_with(k, a), ESRCH);
	a = good, a.pid = 2;
	expect("ATTACH a kernel thread (kthreadd)", attach_with(k, a), EINVAL);
	expect("ATTACH bad pointer", kc_ioctl(k, KMR_IOC_ATTACH, (void *)8),
	       EFAULT);
}

static void check_mmap(struct kc_sess *k)
{
	size_t ctl = k->at.ctl_size, all = k->at.mmap_size;
	void *p;

	expect("mmap control area RW", map_errno(k->fd, ctl,
		PROT_READ | PROT_WRITE, MAP_SHARED, 0), 0);
	expect("mmap everything read-only", map_errno(k->fd, all, PROT_READ,
		MAP_SHARED, 0), 0);
	expect("mmap rings writable", map_errno(k->fd, all - ctl,
		PROT_READ | PROT_WRITE, MAP_SHARED, ctl), EPERM);
	expect("mmap everything writable", map_errno(k->fd, all,
		PROT_READ | PROT_WRITE, MAP_SHARED, 0), EPERM);
	expect("mmap private", map_errno(k->fd, ctl, PROT_READ, MAP_PRIVATE,
		0), EINVAL);
	expect("mmap wrong size", map_errno(k->fd, ctl + 4096, PROT_READ,
		MAP_SHARED, 0), EINVAL);
	expect("mmap wrong offset", map_errno(k->fd, all - ctl, PROT_READ,
		MAP_SHARED, ctl + 4096), EINVAL);
	p = mmap(NULL, all - ctl, PROT_READ, MAP_SHARED, k->fd, ctl);
	if (p == MAP_FAILED) {
		expect("mmap rings read-only", -errno, 0);
		return;
	}
	expect("mprotect rings writable",
	       mprotect(p, all - ctl, PROT_READ | PROT_WRITE) ? -errno : 0,
	       EACCES);
	munmap(p, all - ctl);
}

static void check_stats_args(struct kc_sess *k)
{
	struct kmr_stats st;

	memset(&st, 0, sizeof(st));
	st.reserved[0] = 1;
	expect("STATS reserved != 0", kc_ioctl(k, KMR_IOC_STATS, &st), EINVAL);
	memset(&st, 0, sizeof(st));
	st.vma_cap = 4;
	expect("STATS vma_cap without vma_buf",
	       kc_ioctl(k, KMR_IOC_STATS, &st), EINVAL);
	st.vma_buf = 8;
	expect("STATS bad vma_buf", kc_ioctl(k, KMR_IOC_STATS, &st), EFAULT);
	expect("STATS bad pointer", kc_ioctl(k, KMR_IOC_STATS, (void *)8),
	       EFAULT);
}

int check_errno(int argc, char **argv)
{
	struct kmr_stats st = { 0 };
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	struct kmr_attach a;
	int r;

	(void)argc;
	(void)argv;
	km_init(&m);
	kt_spawn(&t, 8, 0, KT_PAUSE);
	r = kc_open(&k);
	if (r)
		kc_die("open: %s", strerror(-r));
	check_version(&k);
	expect("unknown ioctl number", kc_ioctl(&k, _IO(KMR_IOC_MAGIC, 0x7f),
						NULL), ENOTTY);
	expect("unknown ioctl type", kc_ioctl(&k, _IO('X', 1), NULL), ENOTTY);
	expect("ATTACH with the wrong size",
	       kc_ioctl(&k, _IOWR(KMR_IOC_MAGIC, 0x01, uint64_t), &st),
	       ENOTTY);
	expect("START before ATTACH", kc_ioctl(&k, KMR_IOC_START, NULL), EINVAL);
	expect("STOP before ATTACH", kc_ioctl(&k, KMR_IOC_STOP, NULL), EINVAL);
	expect("DETACH before ATTACH", kc_ioctl(&k, KMR_IOC_DETACH, NULL), EINVAL);
	expect("STATS before ATTACH", kc_ioctl(&k, KMR_IOC_STATS, &st), EINVAL);
	expect("mmap before ATTACH", map_errno(k.fd, 4096, PROT_READ,
		MAP_SHARED, 0), EINVAL);
	check_attach_args(&k, t.pid);

	memset(&a, 0, sizeof(a));
	a.pid = t.pid;
	expect("ATTACH", kc_attach(&k, &a), 0);
	if (k.at.nr_rings < 1 || k.at.ctl_size % 4096 ||
	    k.at.mmap_size != k.at.ctl_size +
			      k.at.nr_rings * KMR_RING_SIZE_DEFAULT ||
	    k.at.start || k.at.end || k.at.ring_size) {
		printf("FAIL ATTACH geometry/inputs: %u rings ctl %llu mmap %llu\n",
		       k.at.nr_rings, (unsigned long long)k.at.ctl_size,
		       (unsigned long long)k.at.mmap_size);
		kc_failures++;
	}
	expect("second ATTACH on the file", attach_with(&k, a), EBUSY);
	expect("STOP before START", kc_ioctl(&k, KMR_IOC_STOP, NULL), EINVAL);
	check_mmap(&k);
	check_stats_args(&k);
	r = kc_map(&k);
	if (r)
		kc_die("map: %s", strerror(-r));
	expect("START", kc_start_draining(&k, km_apply, &m), 0);
	expect("START twice", kc_ioctl(&k, KMR_IOC_START, NULL), EINVAL);
	expect("STOP", kc_ioctl(&k, KMR_IOC_STOP, NULL), 0);
	expect("STOP twice", kc_ioctl(&k, KMR_IOC_STOP, NULL), EINVAL);
	expect("START after STOP", kc_ioctl(&k, KMR_IOC_START, NULL), EINVAL);
	expect("DETACH", kc_ioctl(&k, KMR_IOC_DETACH, NULL), 0);
	expect("DETACH twice", kc_ioctl(&k, KMR_IOC_DETACH, NULL), EINVAL);
	expect("START after DETACH", kc_ioctl(&k, KMR_IOC_START, NULL), EINVAL);
	expect("ATTACH after DETACH", attach_with(&k, a), EBUSY);
	kc_close(&k);
	kt_kill(&t);
	km_free(&m);
	if (kc_failures)
		kc_die("%d errno checks failed", kc_failures);
	return 0;
}

/*
 * perm: the device is root-only; a process that dropped to nobody after
 * opening it may trace its own dumpable child but gets EPERM for root's.
 */
int check_perm(int argc, char **argv)
{
	struct kt_target root_t;
	struct kc_sess k;
	int st, r;
	pid_t c;

	(void)argc;
	(void)argv;
	kt_spawn(&root_t, 8, 0, KT_PAUSE);
	r = kc_open(&k);
	if (r)
		kc_die("open: %s", strerror(-r));
	c = fork();
	if (!c) {
		struct kt_target own;
		struct kc_sess k2;
		struct kmr_attach a = { .pid = root_t.pid };

		if (setgid(65534) || setuid(65534))
			kc_die("setuid(nobody): %s", strerror(errno));
		prctl(PR_SET_DUMPABLE, 1);
		expect("open /dev/kmemrec as nobody", kc_open(&k2), EACCES);
		expect("ATTACH nobody -> root's process", attach_with(&k, a),
		       EPERM);
		kt_spawn(&own, 8, 0, KT_PAUSE);
		a.pid = own.pid;
		expect("ATTACH nobody -> nobody's child", attach_with(&k, a), 0);
		kt_kill(&own);
		_exit(kc_failures ? 1 : 0);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		kc_die("permission checks failed (status %#x)", st);
	kc_close(&k);
	kt_kill(&root_t);
	return 0;
}
