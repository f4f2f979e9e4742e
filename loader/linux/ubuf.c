// SPDX-License-Identifier: GPL-2.0
/* cokernel.ko: the user buffers an ioctl writes its results to. */
#include "ck.h"

/* ---- user buffers an ioctl writes its results to ----
 * Pinned before the ioctl changes anything (pin_user_pages_fast, FOLL_WRITE:
 * Documentation/core-api/pin_user_pages.rst, writing to a page's data): a
 * buffer that is PROT_NONE, read-only or unmapped fails the call while it
 * has done nothing, and once pinned the writes cannot fail, so no call ends
 * half done because user memory went away after the guest moved. A page
 * another thread unmaps after the pin still takes the write, as it would
 * have had the unmap come after a copy. Buffers must be ordinary memory: the
 * pool's own mapping (VM_PFNMAP) cannot be pinned. */
int ck_ubuf_pin(struct ck_ubuf *b, u64 uaddr, size_t len)
{
	int want, got;

	b->npages = 0;
	b->written_end = 0;
	if (uaddr + len < uaddr || !access_ok(u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	want = DIV_ROUND_UP(offset_in_page(uaddr) + len, PAGE_SIZE);
	if (WARN_ON_ONCE(want > CK_UBUF_MAX_PAGES))
		return -EINVAL;
	got = pin_user_pages_fast(uaddr & PAGE_MASK, want, FOLL_WRITE, b->pages);
	if (got != want) {
		if (got > 0)
			unpin_user_pages(b->pages, got);
		return got < 0 ? got : -EFAULT;
	}
	b->uaddr = uaddr;
	b->len = len;
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

void ck_ubufs_release(struct ck_file *f)
{
	int i;

	for (i = 0; i < CK_NUBUFS; i++) {
		struct ck_ubuf *b = &f->ubuf[i];
		int dirty = b->written_end ?
			DIV_ROUND_UP(offset_in_page(b->uaddr) + b->written_end, PAGE_SIZE) : 0;

		if (!b->npages)
			continue; /* not pinned by this call */
		/* Only the pages written through the kernel's mapping are dirty. */
		unpin_user_pages_dirty_lock(b->pages, dirty, true);
		unpin_user_pages(b->pages + dirty, b->npages - dirty);
		b->npages = 0;
		b->written_end = 0;
	}
}

/* Pin the argument struct and the text buffer (the part of it text can
 * fill); 0 or the error, with nothing left pinned. */
int ck_pin_arg_and_text(struct ck_file *f, void __user *uarg, size_t arg_len, u64 out_ptr,
			       u64 out_len)
{
	int err = ck_ubuf_pin(&f->ubuf[CK_UBUF_ARG], (u64)uarg, arg_len);

	if (!err)
		err = ck_ubuf_pin(&f->ubuf[CK_UBUF_OUT], out_ptr, min_t(u64, out_len, CK_TEXT_PIN));
	if (err)
		ck_ubufs_release(f);
	return err;
}

