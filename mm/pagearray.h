/* A large array of u64 that needs no physically contiguous memory: its entries
 * live in single pages (leaves), found through directory pages, found through
 * one root page. The pool keeps its p2m and its chunk list this way, so that a
 * pool of any size up to the ABI's 64 GiB needs no allocation of the monitor's
 * own larger than one page (a Linux host cannot promise more than a few MiB
 * contiguous). Every page keeps both the host's pointer and the machine
 * address of the page below it: a lookup is three loads and no host call. */
#ifndef MM_PAGEARRAY_H
#define MM_PAGEARRAY_H

#include <stdint.h>
#include "mm_host.h"

/* One page below: how the monitor reaches it, and where it really is. */
struct parray_ref {
	uint64_t *hva;
	uint64_t ma;
};

#define PARRAY_LEAF_ENTRIES 512u /* u64 in a leaf page */
#define PARRAY_DIR_REFS 256u     /* parray_ref in a directory or the root page */
#define PARRAY_MAX_ENTRIES ((uint64_t)PARRAY_DIR_REFS * PARRAY_DIR_REFS * PARRAY_LEAF_ENTRIES)

_Static_assert(sizeof(struct parray_ref) * PARRAY_DIR_REFS == MM_PAGE_SIZE, "a ref page is full");

struct parray {
	const struct mm_host *host;
	struct parray_ref root; /* hva 0: nothing allocated */
	uint64_t nleaves;       /* capacity: nleaves * PARRAY_LEAF_ENTRIES entries */
};

/* An empty array (its root page only). 0 or -HCERR_NOMEM. */
int parray_init(struct parray *a, const struct mm_host *host);
/* Make room for entries [0, nentries), new ones zero. 0, or -HCERR_NOMEM with
 * what was added kept (parray_destroy frees it), or -HCERR_2BIG beyond
 * PARRAY_MAX_ENTRIES. */
int parray_grow(struct parray *a, uint64_t nentries);
/* Give every page back; harmless on an array never initialised (zeroed) or
 * already destroyed. */
void parray_destroy(struct parray *a);

/* Entry i, which must be below the capacity. */
static inline uint64_t *parray_at(const struct parray *a, uint64_t i)
{
	const struct parray_ref *root = (const struct parray_ref *)a->root.hva;
	const struct parray_ref *dir =
		(const struct parray_ref *)root[i / (PARRAY_DIR_REFS * PARRAY_LEAF_ENTRIES)].hva;

	return &dir[i / PARRAY_LEAF_ENTRIES % PARRAY_DIR_REFS].hva[i % PARRAY_LEAF_ENTRIES];
}

/* The machine address of leaf page n (< nleaves): entries n * 512 on. */
static inline uint64_t parray_leaf_ma(const struct parray *a, uint64_t n)
{
	const struct parray_ref *root = (const struct parray_ref *)a->root.hva;
	const struct parray_ref *dir = (const struct parray_ref *)root[n / PARRAY_DIR_REFS].hva;

	return dir[n % PARRAY_DIR_REFS].ma;
}

#endif
