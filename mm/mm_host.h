/* What mm/ needs from a host, as three callbacks, so that mm/ stays pure C and
 * `make check` can run it on the build machine over a fake machine memory.
 * "ma" is a machine (host-physical) address; "hva" the host's pointer to it. */
#ifndef MM_HOST_H
#define MM_HOST_H

#include <stdint.h>

#define MM_PAGE_SIZE UINT64_C(4096)
#define MM_PAGE_SHIFT 12

struct mm_host {
	/* Allocate npages physically contiguous, zeroed or not, 4 KiB aligned.
	 * Returns 0 and sets *ma, or -HCERR_NOMEM. */
	int (*alloc_pages)(void *ctx, uint64_t npages, uint64_t *ma);
	void (*free_pages)(void *ctx, uint64_t ma, uint64_t npages);
	/* The host's pointer to machine address ma (any ma this host allocated). */
	void *(*ma_to_hva)(void *ctx, uint64_t ma);
	void *ctx;
	/* 1: alloc_pages always gives zeroed pages, so the pool need not zero
	 * them again (a pass over gigabytes); 0: it may give the host's data. */
	int pages_zeroed;
	/* 1: ma_to_hva(ma) is always ma + linear_offset (an identity map, or
	 * Linux's direct map), which the hot paths then add themselves. */
	int linear;
	uint64_t linear_offset;
};

/* ma_to_hva, without the call where the host's map is linear. */
static inline void *mm_hva(const struct mm_host *h, uint64_t ma)
{
	return h->linear ? (void *)(ma + h->linear_offset) : h->ma_to_hva(h->ctx, ma);
}

#endif
