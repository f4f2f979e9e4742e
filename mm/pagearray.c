/* The paged array (mm/pagearray.h): root, directories and leaves, each one
 * page from the host, zeroed here (a host may hand out pages with its data). */
#include "pagearray.h"
#include "../proto/errors.h"

static int take_page(const struct mm_host *h, struct parray_ref *ref)
{
	uint64_t ma;

	if (h->alloc_pages(h->ctx, 1, &ma) != 0)
		return -HCERR_NOMEM;
	ref->ma = ma;
	ref->hva = h->ma_to_hva(h->ctx, ma);
	__builtin_memset(ref->hva, 0, MM_PAGE_SIZE);
	return 0;
}

int parray_init(struct parray *a, const struct mm_host *host)
{
	*a = (struct parray){ .host = host };
	if (take_page(host, &a->root) != 0) {
		*a = (struct parray){ 0 };
		return -HCERR_NOMEM;
	}
	return 0;
}

int parray_grow(struct parray *a, uint64_t nentries)
{
	struct parray_ref *root = (struct parray_ref *)a->root.hva;

	if (nentries > PARRAY_MAX_ENTRIES)
		return -HCERR_2BIG;
	while (a->nleaves * PARRAY_LEAF_ENTRIES < nentries) {
		struct parray_ref *dir_ref = &root[a->nleaves / PARRAY_DIR_REFS];
		struct parray_ref *dir;

		if (!dir_ref->hva && take_page(a->host, dir_ref) != 0)
			return -HCERR_NOMEM;
		dir = (struct parray_ref *)dir_ref->hva;
		if (take_page(a->host, &dir[a->nleaves % PARRAY_DIR_REFS]) != 0)
			return -HCERR_NOMEM; /* a new directory stays, empty: destroy frees it */
		a->nleaves++;
	}
	return 0;
}

void parray_destroy(struct parray *a)
{
	const struct mm_host *h = a->host;
	struct parray_ref *root = (struct parray_ref *)a->root.hva;

	if (!root)
		return;
	/* Pages are taken in order, so the first empty ref ends a level (an
	 * hva is never 0: every host maps what it handed out somewhere). */
	for (uint64_t d = 0; d < PARRAY_DIR_REFS && root[d].hva; d++) {
		struct parray_ref *dir = (struct parray_ref *)root[d].hva;

		for (uint64_t l = 0; l < PARRAY_DIR_REFS && dir[l].hva; l++)
			h->free_pages(h->ctx, dir[l].ma, 1);
		h->free_pages(h->ctx, root[d].ma, 1);
	}
	h->free_pages(h->ctx, a->root.ma, 1);
	*a = (struct parray){ 0 };
}
