// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfetch GUP mode (KMR_MEM_GUP, pread/pwrite): get_user_pages_remote()
 * once for the whole range, then a page-by-page copy.
 *
 * GUP resolves everything the walk mode refuses, as ptrace would: it faults
 * pages in, breaks CoW for a write (after fork the bytes land in the
 * target's own copy, never in a page it still shares with the child), and
 * with FOLL_FORCE writes a private read-only mapping (a string literal) by
 * CoW-ing it.  A read copies to the caller after mmap_lock is dropped (the
 * page references keep the pages).  A write stores the bytes, bounced
 * through a kernel buffer first, while mmap_lock is still held: fork() takes
 * it for write, so it cannot make a page we hold shared before we wrote it.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "compat/fetch_gup.h"
#include "fetch.h"

static void kmr_gup_store(struct page **pages, long nr, unsigned long addr,
			  const u8 *kbuf, size_t len)
{
	size_t off = offset_in_page(addr);
	long i;

	for (i = 0; i < nr && len; i++) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		void *kaddr = kmap_local_page(pages[i]);

		memcpy(kaddr + off, kbuf, n);
		kunmap_local(kaddr);
		flush_dcache_page(pages[i]);
		kbuf += n;
		len -= n;
		off = 0;
	}
}

/*
 * Copy to the caller page by page, dropping each page's reference right
 * after its copy (one pass over the pages).  Returns the bytes copied;
 * *@err = -EFAULT when @ubuf faulted (the remaining pages are only put).
 */
static size_t kmr_gup_load(struct page **pages, long nr, unsigned long addr,
			   u8 __user *ubuf, size_t len, int *err)
{
	size_t off = offset_in_page(addr), done = 0;
	long i;

	for (i = 0; i < nr; i++) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off);

		if (!*err && n) {
			void *kaddr = kmap_local_page(pages[i]);

			if (copy_to_user(ubuf + done, kaddr + off, n))
				*err = -EFAULT;
			else
				done += n;
			kunmap_local(kaddr);
			len -= n;
			off = 0;
		}
		put_page(pages[i]);
	}
	return done;
}

int kmr_mem_gup_access(struct mm_struct *mm, unsigned long addr,
		       void __user *ubuf, size_t len, u32 flags, size_t *done)
{
	bool write = flags & KMR_MEM_F_WRITE;
	unsigned int cap = write ? KMR_GUP_WRITE_PAGES : KMR_GUP_READ_PAGES;
	unsigned int gup_flags = 0;
	struct page **pages;
	unsigned long nr;
	u8 *kbuf = NULL;
	long got, i;
	int err = 0;

	*done = 0;
	if (!len)
		return 0;
	/* at most @cap pages: clip the end to the last page boundary in cap */
	nr = (offset_in_page(addr) + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (nr > cap) {
		nr = cap;
		len = ((size_t)cap << PAGE_SHIFT) - offset_in_page(addr);
	}
	if (write)
		gup_flags |= FOLL_WRITE;
	if (flags & KMR_MEM_F_FORCE)
		gup_flags |= FOLL_FORCE;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	if (write) {
		kbuf = kvmalloc(len, GFP_KERNEL);
		if (!kbuf) {
			err = -ENOMEM;
			goto free_pages;
		}
		if (copy_from_user(kbuf, ubuf, len)) {
			err = -EFAULT;
			goto free_kbuf;
		}
	}

	err = mmap_read_lock_killable(mm);
	if (err)
		goto free_kbuf;
	got = kmr_gup_remote(mm, addr, nr, gup_flags, pages);
	if (got <= 0) {
		mmap_read_unlock(mm);
		err = got ? (int)got : -EFAULT;
		goto free_kbuf;
	}
	/* fewer pages than asked: GUP stopped at a hole, shorten the copy */
	if ((unsigned long)got < nr)
		len = ((size_t)got << PAGE_SHIFT) - offset_in_page(addr);
	if (write) {
		kmr_gup_store(pages, got, addr, kbuf, len);
		*done = len;
	}
	mmap_read_unlock(mm);

	if (write) {
		for (i = 0; i < got; i++) {
			set_page_dirty_lock(pages[i]);
			put_page(pages[i]);
		}
	} else {
		*done = kmr_gup_load(pages, got, addr, ubuf, len, &err);
	}
free_kbuf:
	kvfree(kbuf);
free_pages:
	kvfree(pages);
	return err;
}
