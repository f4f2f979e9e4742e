/* Guest pointers: the one place a guest-supplied (gpa, length) is checked, and
 * the copies between host and pool that follow the p2m page by page (the pool
 * is not contiguous in machine memory, so a buffer may cross chunks).
 * gmem_span is the boundary check; the copies accept only its result. */
#ifndef MM_GUESTMEM_H
#define MM_GUESTMEM_H

#include <stdint.h>
#include "pool.h"

/* A range of guest pseudo-physical memory known to lie inside the pool. */
struct gspan {
	uint64_t gpa;
	uint64_t len_bytes;
};

/* Check [gpa, gpa + len) against the pool: -HCERR_FAULT if it wraps around the
 * address space or does not fit in the pool; 0 and *out otherwise. A zero
 * length is valid at any gpa up to the pool's end. */
int gmem_span(const struct pool *p, uint64_t gpa, uint64_t len_bytes, struct gspan *out);

void gmem_read(const struct pool *p, void *dst, struct gspan src);
void gmem_write(const struct pool *p, struct gspan dst, const void *src);
void gmem_zero(const struct pool *p, struct gspan dst);

/* Call fn for each piece of a checked span that is contiguous in host memory
 * (at most a page), in order: fn(hva, len, offset of the piece in the span,
 * ctx). Stops at, and returns, the first non-zero result of fn. */
int gmem_each(const struct pool *p, struct gspan s,
	      int (*fn)(void *hva, uint64_t len, uint64_t span_off, void *ctx), void *ctx);

/* The host pointer to one guest page (gpa must be inside the pool). */
void *gmem_page_hva(const struct pool *p, uint64_t gpa);

#endif
