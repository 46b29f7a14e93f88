// SPDX-License-Identifier: GPL-2.0
/*
 * kmr_smoke: the guest test harness's own self-test module.
 *
 * It is not part of kmemrec.  It exists so tests/guest can prove, on every
 * kernel it boots, that building, loading and unloading a module works and
 * that the harness notices a kernel splat:
 *
 *   insmod kmr_smoke.ko                 creates /dev/kmr_smoke, logs "loaded"
 *   insmod kmr_smoke.ko warn_on_load=1  also fires one WARN (harness must FAIL)
 *   echo warn   > /dev/kmr_smoke        fires a WARN (harness must FAIL)
 *   echo oops   > /dev/kmr_smoke        NULL dereference (harness must FAIL)
 *   echo lockup > /dev/kmr_smoke        spins with preemption off (soft lockup)
 *   echo hang   > /dev/kmr_smoke        spins with interrupts off (guest hangs)
 *   echo oob    > /dev/kmr_smoke        reads one byte past a kmalloc'ed
 *                                       object (KASAN must report it)
 *   echo lockdep > /dev/kmr_smoke       takes two mutexes in both orders
 *                                       (lockdep must report an inversion)
 *   echo leak   > /dev/kmr_smoke        kmallocs 64 bytes and forgets them
 *                                       (kmemleak must report them)
 *   cat /dev/kmr_smoke                  "kmr_smoke ok\n"
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static bool warn_on_load;
module_param(warn_on_load, bool, 0444);
MODULE_PARM_DESC(warn_on_load, "Fire one WARN while loading (harness self-test)");

static const char smoke_banner[] = "kmr_smoke ok\n";

static ssize_t smoke_read(struct file *file, char __user *buf, size_t len,
			  loff_t *pos)
{
	return simple_read_from_buffer(buf, len, pos, smoke_banner,
				       sizeof(smoke_banner) - 1);
}

/*
 * Each trigger is deliberately bad; they only serve the harness self-test.
 * The NULL pointer is read with READ_ONCE so the compiler cannot see it is
 * NULL and turn the store into a trap instruction: we want a real page fault.
 */
static int *smoke_null_ptr;

static void smoke_oops(void)
{
	pr_info("triggering a NULL dereference\n");
	WRITE_ONCE(*READ_ONCE(smoke_null_ptr), 1);
}

static void smoke_spin(bool irqs_off)
{
	pr_info("spinning forever with %s off\n",
		irqs_off ? "interrupts" : "preemption");
	if (irqs_off)
		local_irq_disable();
	else
		preempt_disable();
	for (;;)
		cpu_relax();
}

/*
 * The debug kernel's detectors.  On a stock kernel these do no harm: the
 * read stays inside the slab's 16-byte bucket, the two orders never run at
 * the same time, and the leak is 64 bytes.
 */
static size_t smoke_oob_index = 16;	/* READ_ONCE: not a constant */

static void smoke_oob(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	if (!p)
		return;
	pr_info("reading one byte past a 16-byte object\n");
	pr_info("read %d\n", READ_ONCE(p[READ_ONCE(smoke_oob_index)]));
	kfree(p);
}

static DEFINE_MUTEX(smoke_lock_a);
static DEFINE_MUTEX(smoke_lock_b);

static void smoke_lockdep(void)
{
	pr_info("taking lock a then b, then b then a\n");
	mutex_lock(&smoke_lock_a);
	mutex_lock(&smoke_lock_b);
	mutex_unlock(&smoke_lock_b);
	mutex_unlock(&smoke_lock_a);
	mutex_lock(&smoke_lock_b);
	mutex_lock(&smoke_lock_a);
	mutex_unlock(&smoke_lock_a);
	mutex_unlock(&smoke_lock_b);
}

static void smoke_leak(void)
{
	void *p = kmalloc(64, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 64);
	pr_info("leaked 64 bytes at %p\n", p);
}

static ssize_t smoke_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *pos)
{
	char cmd[16] = {};

	if (len == 0 || len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, buf, len))
		return -EFAULT;
	strim(cmd);

	if (!strcmp(cmd, "warn"))
		WARN(1, "kmr_smoke: WARN requested through /dev/kmr_smoke\n");
	else if (!strcmp(cmd, "oops"))
		smoke_oops();
	else if (!strcmp(cmd, "lockup"))
		smoke_spin(false);
	else if (!strcmp(cmd, "hang"))
		smoke_spin(true);
	else if (!strcmp(cmd, "oob"))
		smoke_oob();
	else if (!strcmp(cmd, "lockdep"))
		smoke_lockdep();
	else if (!strcmp(cmd, "leak"))
		smoke_leak();
	else
		return -EINVAL;
	return len;
}

static const struct file_operations smoke_fops = {
	.owner = THIS_MODULE,
	.read = smoke_read,
	.write = smoke_write,
	.llseek = default_llseek,
};

static struct miscdevice smoke_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kmr_smoke",
	.fops = &smoke_fops,
	.mode = 0600,
};

static int __init smoke_init(void)
{
	int ret;

	ret = misc_register(&smoke_dev);
	if (ret)
		return ret;
	WARN_ON_ONCE(warn_on_load);
	pr_info("loaded\n");
	return 0;
}

static void __exit smoke_exit(void)
{
	misc_deregister(&smoke_dev);
	pr_info("unloaded\n");
}

module_init(smoke_init);
module_exit(smoke_exit);
MODULE_DESCRIPTION("kmemrec guest harness self-test module");
MODULE_LICENSE("GPL");
