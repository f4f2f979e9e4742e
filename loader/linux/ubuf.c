// SPDX-License-Identifier: GPL-2.0
/* cokernel.ko: the user buffers an ioctl writes its results to, pinned once
 * and kept pinned across RUNs while an MMU notifier says the runner's
 * mapping of them has not changed (pinning cost a RUN about 3,400
 * instructions: docs/PERFORMANCE.md). */
#include "ck.h"

/* ---- user buffers an ioctl writes its results to ----
 * Pinned before the ioctl changes anything (pin_user_pages_fast, FOLL_WRITE:
 * Documentation/core-api/pin_user_pages.rst, writing to a page's data): a
 * buffer that is PROT_NONE, read-only or unmapped fails the call while it
 * has done nothing, and once pinned the writes cannot fail, so no call ends
 * half done because user memory went away after the guest moved. A page
 * another thread unmaps after the pin still takes the write, as it would
 * have had the unmap come after a copy. Buffers must be ordinary memory: the
 * pool's own mapping (VM_PFNMAP) cannot be pinned.
 *
 * The pins outlive the call (FOLL_LONGTERM, as RDMA's user memory): the next
 * call that names the same buffer, from the same mm, uses them again unless
 * the interval notifier saw the range change in between (an munmap, an
 * mprotect, MADV_DONTNEED, a page migrated or swapped: anything that changes
 * its page-table entries, Documentation/mm/mmu_notifier.rst); then the pages
 * are pinned again, or the call fails as before with nothing done. Written
 * pages are marked dirty when they are unpinned (ib_umem_release does the
 * same): a pinned anonymous page is not reclaimed meanwhile. */

/* Any change to the range: the pins no longer show what the runner maps
 * there. Only the sequence moves here (it may be called where nothing may
 * sleep); ck_ubuf_pin sees it with mmu_interval_check_retry and pins again. */
static bool ck_ubuf_invalidate(struct mmu_interval_notifier *n,
			       const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	mmu_interval_set_seq(n, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops ck_ubuf_notifier_ops = {
	.invalidate = ck_ubuf_invalidate,
};

static void ck_ubuf_unpin(struct ck_ubuf *b)
{
	int dirty = b->written_end ?
		DIV_ROUND_UP(offset_in_page(b->uaddr) + b->written_end, PAGE_SIZE) : 0;

	if (!b->npages)
		return;
	/* Only the pages written through the kernel's mapping are dirty. */
	unpin_user_pages_dirty_lock(b->pages, dirty, true);
	unpin_user_pages(b->pages + dirty, b->npages - dirty);
	b->npages = 0;
	b->written_end = 0;
}

static void ck_ubuf_unwatch(struct ck_ubuf *b)
{
	if (!b->watched_pages)
		return;
	mmu_interval_notifier_remove(&b->notifier); /* may sleep: waits for a callback */
	b->watched_pages = 0;
}

/* Watch [start, start + npages pages) of this mm: the notifier, kept while
 * the buffer stays there. */
static int ck_ubuf_watch(struct ck_ubuf *b, unsigned long start, int npages)
{
	int err;

	if (b->watched_pages && b->notifier.mm == current->mm && b->watched_start == start &&
	    b->watched_pages == npages)
		return 0;
	ck_ubuf_unwatch(b);
	err = mmu_interval_notifier_insert(&b->notifier, current->mm, start,
					   (unsigned long)npages << PAGE_SHIFT, &ck_ubuf_notifier_ops);
	if (err)
		return err;
	b->watched_start = start;
	b->watched_pages = npages;
	return 0;
}

int ck_ubuf_pin(struct ck_ubuf *b, u64 uaddr, size_t len)
{
	unsigned long seq;
	int want, got, err;

	/* Kept from an earlier call: the same buffer of the same runner, whose
	 * page-table entries nothing has changed since they were pinned. */
	if (b->npages && b->uaddr == uaddr && b->len == len && b->notifier.mm == current->mm &&
	    !mmu_interval_check_retry(&b->notifier, b->seq))
		return 0;
	ck_ubuf_unpin(b);
	if (uaddr + len < uaddr || !access_ok(u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	want = DIV_ROUND_UP(offset_in_page(uaddr) + len, PAGE_SIZE);
	if (WARN_ON_ONCE(want > CK_UBUF_MAX_PAGES))
		return -EINVAL;
	err = ck_ubuf_watch(b, uaddr & PAGE_MASK, want);
	if (err)
		return err;
	/* The sequence before the pin: a change during it shows at the next use. */
	seq = mmu_interval_read_begin(&b->notifier);
	got = pin_user_pages_fast(uaddr & PAGE_MASK, want, FOLL_WRITE | FOLL_LONGTERM, b->pages);
	if (got != want) {
		if (got > 0)
			unpin_user_pages(b->pages, got);
		return got < 0 ? got : -EFAULT;
	}
	b->uaddr = uaddr;
	b->len = len;
	b->seq = seq;
	b->npages = got;
	return 0;
}

/* Write n bytes at offset off of a pinned buffer (off + n <= its length). */
void ck_ubuf_write(struct ck_ubuf *b, size_t off, const void *src, size_t n)
{
	b->written_end = max(b->written_end, off + n);
	while (n) {
		u64 at = b->uaddr + off;
		size_t piece = min_t(size_t, n, PAGE_SIZE - offset_in_page(at));
		char *va = kmap_local_page(b->pages[(at >> PAGE_SHIFT) - (b->uaddr >> PAGE_SHIFT)]);

		memcpy(va + offset_in_page(at), src, piece);
		kunmap_local(va);
		src += piece;
		off += piece;
		n -= piece;
	}
}

/* The file is released: every pin and every notifier goes. */
void ck_ubufs_release(struct ck_file *f)
{
	int i;

	for (i = 0; i < CK_NUBUFS; i++) {
		ck_ubuf_unpin(&f->ubuf[i]);
		ck_ubuf_unwatch(&f->ubuf[i]);
	}
}

/* Pin the argument struct and the text buffer (the part of it text can
 * fill); 0 or the error. Pins that succeeded stay for the next call. */
int ck_pin_arg_and_text(struct ck_file *f, void __user *uarg, size_t arg_len, u64 out_ptr,
			       u64 out_len)
{
	int err = ck_ubuf_pin(&f->ubuf[CK_UBUF_ARG], (u64)uarg, arg_len);

	if (!err)
		err = ck_ubuf_pin(&f->ubuf[CK_UBUF_OUT], out_ptr, min_t(u64, out_len, CK_TEXT_PIN));
	return err;
}
