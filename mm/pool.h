/* The pseudo-physical pool: the guest's RAM, allocated from the host in chunks
 * that need not be contiguous, and the p2m table that says where each guest
 * page (gpa) really is (ma). The p2m lives in monitor pages, not in the pool,
 * so the guest can read it (mapped read-only) but never redirect it. The p2m
 * and the list of chunks are paged arrays (mm/pagearray.h): however large the
 * pool, the monitor's own bookkeeping needs no allocation above one page. */
#ifndef MM_POOL_H
#define MM_POOL_H

#include <stdint.h>
#include "mm_host.h"
#include "pagearray.h"

#define POOL_CHUNK_MAX_PAGES 512u  /* 2 MiB: try this first, halve on failure */
#define POOL_SCATTER_CHUNK_PAGES 4u /* debug scatter: 16 KiB chunks, see pool_init */
#define POOL_MAX_PAGES PARRAY_MAX_ENTRIES /* what the p2m can hold (above 64 GiB) */

/* A chunk list entry: the chunk's machine address, page aligned, | (its pages - 1). */
#define POOL_CHUNK_NPAGES_MASK 0xfffull
_Static_assert(POOL_CHUNK_MAX_PAGES - 1 <= POOL_CHUNK_NPAGES_MASK, "a chunk's size fits its entry");

struct pool {
	const struct mm_host *host;
	uint64_t npages;
	/* Entry gpa >> 12: the ma of that page. Its leaf pages, in order, are
	 * what the guest sees read-only at GUEST_P2M_BASE (pool_p2m_page_ma). */
	struct parray p2m;
	struct parray chunks; /* one entry per chunk taken from the host */
	uint64_t nchunks;
};

/* Allocate a pool of npages (1 to POOL_MAX_PAGES). scatter != 0 is the debug
 * mode that proves the p2m is used: small chunks, a spacer page between each
 * (so no two are adjacent), assigned to gpas in reverse order of their machine
 * addresses. Returns 0, -HCERR_INVAL for a size out of range, or -HCERR_NOMEM with
 * nothing left allocated (*got_npages says how far it came, for the error
 * message). */
int pool_init(struct pool *p, const struct mm_host *host, uint64_t npages, int scatter,
	      uint64_t *got_npages);
void pool_destroy(struct pool *p);

static inline uint64_t pool_bytes(const struct pool *p)
{
	return p->npages << MM_PAGE_SHIFT;
}

/* The machine address of guest page n (< npages): the p2m's entry n. */
static inline uint64_t pool_page_ma(const struct pool *p, uint64_t n)
{
	return *parray_at(&p->p2m, n);
}

/* The p2m's own pages, for mapping it into the guest page by page. */
static inline uint64_t pool_p2m_npages(const struct pool *p)
{
	return p->p2m.nleaves;
}

static inline uint64_t pool_p2m_page_ma(const struct pool *p, uint64_t n)
{
	return parray_leaf_ma(&p->p2m, n);
}

/* Chunk i (< nchunks) as the host gave it. */
static inline uint64_t pool_chunk_ma(const struct pool *p, uint64_t i)
{
	return *parray_at(&p->chunks, i) & ~POOL_CHUNK_NPAGES_MASK;
}

static inline uint64_t pool_chunk_npages(const struct pool *p, uint64_t i)
{
	return (*parray_at(&p->chunks, i) & POOL_CHUNK_NPAGES_MASK) + 1;
}

#endif
