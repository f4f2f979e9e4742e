/* The pseudo-physical pool (mm/pool.h): chunked allocation from the host and
 * the p2m table. Every failure path frees what was taken, in reverse. */
#include "pool.h"
#include "../proto/errors.h"

static void free_chunks(struct pool *p)
{
	for (uint64_t i = 0; i < p->nchunks; i++)
		p->host->free_pages(p->host->ctx, pool_chunk_ma(p, i), pool_chunk_npages(p, i));
	p->nchunks = 0;
}

/* Append one entry to a growing list (the chunks, the spacers). */
static int append(struct parray *list, uint64_t *n, uint64_t entry)
{
	int err = parray_grow(list, *n + 1);

	if (err)
		return -HCERR_NOMEM;
	*parray_at(list, (*n)++) = entry;
	return 0;
}

/* Take chunks until npages are covered; each chunk as large as the host gives,
 * up to max_chunk pages. In scatter mode a spacer page is taken after every
 * chunk so that no two chunks touch, and freed at the end. */
static int take_chunks(struct pool *p, uint64_t max_chunk, int scatter)
{
	const struct mm_host *h = p->host;
	uint64_t have = 0, chunk = max_chunk, nspacers = 0;
	struct parray spacers = { 0 };
	int err = 0;

	if (scatter && parray_init(&spacers, h) != 0)
		return -HCERR_NOMEM;
	while (have < p->npages) {
		uint64_t want = p->npages - have < chunk ? p->npages - have : chunk;
		uint64_t ma;

		if (h->alloc_pages(h->ctx, want, &ma) != 0) {
			if (chunk == 1) {
				err = -HCERR_NOMEM;
				break;
			}
			chunk /= 2;
			continue;
		}
		err = append(&p->chunks, &p->nchunks, ma | (want - 1));
		if (err) {
			h->free_pages(h->ctx, ma, want);
			break;
		}
		have += want;
		if (scatter && have < p->npages && h->alloc_pages(h->ctx, 1, &ma) == 0 &&
		    append(&spacers, &nspacers, ma) != 0)
			h->free_pages(h->ctx, ma, 1); /* no room to note it: no spacer */
	}
	for (uint64_t i = 0; i < nspacers; i++)
		h->free_pages(h->ctx, *parray_at(&spacers, i), 1);
	parray_destroy(&spacers);
	return err;
}

/* Zero the chunks and fill the p2m: chunk i covers the next gpas in order, or (scatter) in the
 * reverse order, so that gpa order and machine order disagree. */
static void fill_p2m(struct pool *p, int scatter)
{
	uint64_t gpa_page = 0;

	for (uint64_t n = 0; n < p->nchunks; n++) {
		uint64_t c = scatter ? p->nchunks - 1 - n : n;
		uint64_t ma = pool_chunk_ma(p, c), npages = pool_chunk_npages(p, c);

		/* Host pages may hold host data: the guest never sees it. */
		if (!p->host->pages_zeroed)
			__builtin_memset(p->host->ma_to_hva(p->host->ctx, ma), 0,
					 npages << MM_PAGE_SHIFT);
		for (uint64_t i = 0; i < npages; i++)
			*parray_at(&p->p2m, gpa_page++) = ma + (i << MM_PAGE_SHIFT);
	}
}

int pool_init(struct pool *p, const struct mm_host *host, uint64_t npages, int scatter,
	      uint64_t *got_npages)
{
	uint64_t max_chunk = scatter ? POOL_SCATTER_CHUNK_PAGES : POOL_CHUNK_MAX_PAGES;
	int err;

	*p = (struct pool){ 0 }; /* pool_destroy must find nothing to free on failure */
	*got_npages = 0;
	if (npages == 0 || npages > POOL_MAX_PAGES)
		return -HCERR_INVAL;
	if (parray_init(&p->p2m, host) != 0)
		return -HCERR_NOMEM;
	p->host = host;
	p->npages = npages;
	err = parray_grow(&p->p2m, npages) ? -HCERR_NOMEM : 0;
	if (!err)
		err = parray_init(&p->chunks, host);
	if (err)
		goto out;
	err = take_chunks(p, max_chunk, scatter);
	for (uint64_t i = 0; i < p->nchunks; i++)
		*got_npages += pool_chunk_npages(p, i);
	if (err)
		goto out;
	fill_p2m(p, scatter);
	return 0;

out:
	pool_destroy(p);
	return err;
}

void pool_destroy(struct pool *p)
{
	if (!p->host)
		return;
	free_chunks(p);
	parray_destroy(&p->chunks);
	parray_destroy(&p->p2m);
	*p = (struct pool){ 0 };
}
