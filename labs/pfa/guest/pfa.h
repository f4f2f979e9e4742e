/* Lab pfa: a page-frame allocator for the guest's free memory
 * (docs/labs/pfa.md). The range it manages is every page of
 * [boot->free_gpa, boot->pool_bytes): the pool beyond the image, the boot
 * info (1 page), the boot stack (8), the request ring (3) and the boot page
 * tables (proto/bootinfo.h). Its own
 * bookkeeping, one bit per page of the range, lives in the range's first
 * pages, which it never hands out. Pages are named by their direct-map
 * address (gpa_to_virt). */
#ifndef LAB_PFA_H
#define LAB_PFA_H

#include <stdint.h>

/* What pfa_free says. On an error nothing changes. */
#define PFA_OK 0
#define PFA_EDOUBLE 1 /* the page is free already: a double free */
#define PFA_EALIGN 2  /* the address is not the start of a page */
#define PFA_ERANGE 3  /* not a page it hands out: outside the range, or its bitmap */

#define PFA_PAGE_BYTES 4096u
#define PFA_BITS_PER_PAGE (PFA_PAGE_BYTES * 8u)

/* Take over the range: every page free but the bookkeeping pages. */
void pfa_init(void);
/* A free page, zeroed (4096 bytes of 0), now allocated; NULL when none is left. */
void *pfa_alloc(void);
/* Give an allocated page back: PFA_OK, or PFA_E* (and nothing changes). */
int pfa_free(void *page);
/* How many pages pfa_alloc can still hand out. */
uint64_t pfa_free_pages(void);

#endif
