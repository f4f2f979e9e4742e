/* The pseudo-physical pool (mm/pool.h): chunked allocation from the host and
 * the p2m table. Every failure path frees what was taken, in reverse. */
#include "pool.h"
#include "../proto/errors.h"

static uint64_t pages_for(uint64_t nbytes)
{
	return (nbytes + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT;
}

static void free_chunks(struct pool *p)
{
	for (uint64_t i = 0; i < p->nchunks; i++)
		p->host->free_pages(p->host->ctx, p->chunks[i].ma, p->chunks[i].npages);
	p->nchunks = 0;
}

/* Take chunks until npages are covered; each chunk as large as the host gives,
 * up to max_chunk pages. In scatter mode a spacer page is taken after every
 * chunk so that no two chunks touch, and freed at the end. */
static int take_chunks(struct pool *p, uint64_t max_chunk, int scatter)
{
	const struct mm_host *h = p->host;
	uint64_t have = 0, chunk = max_chunk, nspacers = 0;
	uint64_t *spacers = scatter ? h->ma_to_hva(h->ctx, p->chunks_ma) : 0;
	int err = 0;

	/* In scatter mode the spacer list lives in the upper half of the chunk
	 * table's pages, which pool_init sized for it. */
	if (scatter)
		spacers += p->chunks_npages * MM_PAGE_SIZE / 2 / sizeof(uint64_t);
	while (have < p->npages) {
		uint64_t want = p->npages - have < chunk ? p->npages - have : chunk;
		uint64_t ma;

		if (h->alloc_pages(h->ctx, want, &ma) != 0) {
			if (chunk == 1) {
				err = -HC_ENOMEM;
				break;
			}
			chunk /= 2;
			continue;
		}
		p->chunks[p->nchunks].ma = ma;
		p->chunks[p->nchunks].npages = want;
		p->nchunks++;
		have += want;
		if (scatter && have < p->npages && h->alloc_pages(h->ctx, 1, &ma) == 0)
			spacers[nspacers++] = ma;
	}
	for (uint64_t i = 0; i < nspacers; i++)
		h->free_pages(h->ctx, spacers[i], 1);
	return err;
}

/* Zero the chunks and fill the p2m: chunk i covers the next gpas in order, or (scatter) in the
 * reverse order, so that gpa order and machine order disagree. */
static void fill_p2m(struct pool *p, int scatter)
{
	uint64_t gpa_page = 0;

	for (uint64_t n = 0; n < p->nchunks; n++) {
		struct pool_chunk *c = &p->chunks[scatter ? p->nchunks - 1 - n : n];

		c->first_gpa = gpa_page << MM_PAGE_SHIFT;
		/* Host pages may hold host data: the guest never sees it. */
		__builtin_memset(p->host->ma_to_hva(p->host->ctx, c->ma), 0,
				 c->npages << MM_PAGE_SHIFT);
		for (uint64_t i = 0; i < c->npages; i++)
			p->p2m[gpa_page++] = c->ma + (i << MM_PAGE_SHIFT);
	}
}

int pool_init(struct pool *p, const struct mm_host *host, uint64_t npages, int scatter,
	      uint64_t *got_npages)
{
	uint64_t max_chunk = scatter ? POOL_SCATTER_CHUNK_PAGES : POOL_CHUNK_MAX_PAGES;
	uint64_t max_chunks = npages; /* the worst case: one page per chunk */
	int err;

	*p = (struct pool){ .host = host, .npages = npages };
	*got_npages = 0;
	if (npages == 0)
		return -HC_EINVAL;
	p->p2m_npages = pages_for(npages * sizeof(uint64_t));
	if (host->alloc_pages(host->ctx, p->p2m_npages, &p->p2m_ma) != 0) {
		*p = (struct pool){ 0 }; /* pool_destroy must find nothing to free */
		return -HC_ENOMEM;
	}
	p->p2m = host->ma_to_hva(host->ctx, p->p2m_ma);
	p->chunks_npages = pages_for(max_chunks * sizeof(struct pool_chunk));
	if (scatter) /* room for the spacer list in a second half */
		p->chunks_npages *= 2;
	if (host->alloc_pages(host->ctx, p->chunks_npages, &p->chunks_ma) != 0) {
		err = -HC_ENOMEM;
		goto out_p2m;
	}
	p->chunks = host->ma_to_hva(host->ctx, p->chunks_ma);
	err = take_chunks(p, max_chunk, scatter);
	for (uint64_t i = 0; i < p->nchunks; i++)
		*got_npages += p->chunks[i].npages;
	if (err)
		goto out_chunks;
	fill_p2m(p, scatter);
	return 0;

out_chunks:
	free_chunks(p);
	host->free_pages(host->ctx, p->chunks_ma, p->chunks_npages);
out_p2m:
	host->free_pages(host->ctx, p->p2m_ma, p->p2m_npages);
	*p = (struct pool){ 0 };
	return err;
}

void pool_destroy(struct pool *p)
{
	if (!p->host)
		return;
	free_chunks(p);
	p->host->free_pages(p->host->ctx, p->chunks_ma, p->chunks_npages);
	p->host->free_pages(p->host->ctx, p->p2m_ma, p->p2m_npages);
	*p = (struct pool){ 0 };
}
