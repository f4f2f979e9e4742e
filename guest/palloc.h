/* The kit's page-frame allocator: the pool's free pages ([bootinfo.free_gpa,
 * pool end), proto/bootinfo.h) one 4 KiB page at a time, zeroed, with a
 * reference count per page for pages that several address spaces share
 * (copy-on-write, guest/pt.h). xv6's kalloc/kfree with a count beside it.
 * The first call sets it up; a program that uses the pool otherwise (the pfa
 * lab's own allocator) does not call it. */
#ifndef GUEST_PALLOC_H
#define GUEST_PALLOC_H

#include <stdint.h>

/* A zeroed page's gpa with one reference, or 0 when none is left. */
uint64_t palloc(void);
/* One reference more (a page another mapping shares). */
void palloc_ref(uint64_t gpa);
/* One reference less; at none the page is free again. A gpa that is not an
 * allocated page (or already free) ends the guest: a kernel bug. */
void palloc_unref(uint64_t gpa);
uint32_t palloc_refs(uint64_t gpa); /* 0: free (or not the allocator's) */
uint64_t palloc_free_pages(void);

#endif
