/* The pseudo-physical pool: the guest's RAM, allocated from the host in chunks
 * that need not be contiguous, and the p2m table that says where each guest
 * page (gpa) really is (ma). The p2m lives in monitor pages, not in the pool,
 * so the guest can read it (mapped read-only) but never redirect it. */
#ifndef MM_POOL_H
#define MM_POOL_H

#include <stdint.h>
#include "mm_host.h"

#define POOL_CHUNK_MAX_PAGES 512u  /* 2 MiB: try this first, halve on failure */
#define POOL_SCATTER_CHUNK_PAGES 4u /* debug scatter: 16 KiB chunks, see pool_init */

struct pool_chunk {
	uint64_t ma;
	uint64_t npages;
	uint64_t first_gpa;
};

struct pool {
	const struct mm_host *host;
	uint64_t npages;
	uint64_t *p2m;        /* hva of the table: p2m[gpa >> 12] = ma of that page */
	uint64_t p2m_ma;      /* its machine address (contiguous) */
	uint64_t p2m_npages;
	struct pool_chunk *chunks; /* in monitor pages too */
	uint64_t chunks_ma;
	uint64_t chunks_npages;
	uint64_t nchunks;
};

/* Allocate a pool of npages. scatter != 0 is the debug mode that proves the
 * p2m is used: small chunks, a spacer page between each (so no two are
 * adjacent), assigned to gpas in reverse order of their machine addresses.
 * Returns 0, -HC_EINVAL for npages == 0, or -HC_ENOMEM with nothing left
 * allocated (*got_npages says how far it came, for the error message). */
int pool_init(struct pool *p, const struct mm_host *host, uint64_t npages, int scatter,
	      uint64_t *got_npages);
void pool_destroy(struct pool *p);

static inline uint64_t pool_bytes(const struct pool *p)
{
	return p->npages << MM_PAGE_SHIFT;
}

#endif
