/* The pseudo-physical pool: chunked allocation, the p2m it fills, the debug
 * scatter mode, zeroing, and cleanup on every failure path. */
#include "fake_host.h"
#include "unit.h"
#include "../../mm/pool.h"
#include "../../proto/errors.h"

/* Every p2m entry: page aligned, handed out by the host, zeroed, unique. */
static void expect_sane_p2m(const struct pool *p)
{
	static uint8_t seen[FAKE_PAGES];

	memset(seen, 0, sizeof(seen));
	for (uint64_t i = 0; i < p->npages; i++) {
		uint64_t ma = pool_page_ma(p, i);

		EXPECT_EQ(ma & 0xfff, 0);
		EXPECT(fake_is_fake_ma(ma));
		if (!fake_is_fake_ma(ma))
			return;
		EXPECT_EQ(seen[(ma - FAKE_MA_BASE) / 4096]++, 0);
		EXPECT_EQ(fake_hva(ma)[0], 0);
		EXPECT_EQ(fake_hva(ma)[4095], 0);
	}
}

TEST(pool_takes_2mib_chunks_in_gpa_order)
{
	struct pool p;
	uint64_t got;

	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, 1024, 0, &got), 0);
	EXPECT_EQ(got, 1024);
	EXPECT_EQ(p.nchunks, 2);
	expect_sane_p2m(&p);
	for (uint64_t i = 1; i < 512; i++)
		EXPECT_EQ(pool_page_ma(&p, i), pool_page_ma(&p, i - 1) + 4096);
	pool_destroy(&p);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(pool_scatter_disagrees_with_machine_order)
{
	struct pool p;
	uint64_t got, runs = 1, down = 0;

	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, 64, 1, &got), 0);
	EXPECT_EQ(p.nchunks, 64 / POOL_SCATTER_CHUNK_PAGES);
	expect_sane_p2m(&p);
	for (uint64_t i = 1; i < 64; i++) {
		runs += pool_page_ma(&p, i) != pool_page_ma(&p, i - 1) + 4096;
		down += pool_page_ma(&p, i) < pool_page_ma(&p, i - 1);
	}
	EXPECT_EQ(runs, 16); /* every chunk its own run: spacers keep them apart */
	EXPECT_EQ(down, 15); /* and each lower than the one before */
	pool_destroy(&p);
	EXPECT_EQ(fake_outstanding(), 0); /* spacers included */
}

TEST(pool_halves_the_chunk_when_memory_is_fragmented)
{
	struct pool p;
	uint64_t got;

	fake_reset();
	for (uint64_t page = 200; page < FAKE_PAGES; page += 200)
		fake_take(page, 1); /* no free run is longer than 199 pages */
	EXPECT_EQ(pool_init(&p, &fake_mm, 1024, 0, &got), 0);
	EXPECT(p.nchunks > 1024 / 199);
	for (uint64_t i = 0; i < p.nchunks; i++)
		EXPECT(pool_chunk_npages(&p, i) <= 128);
	expect_sane_p2m(&p);
	pool_destroy(&p);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(pool_too_large_fails_cleanly_and_says_how_far_it_came)
{
	struct pool p;
	uint64_t got;

	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, FAKE_PAGES, 0, &got), -HCERR_NOMEM);
	EXPECT(got > FAKE_PAGES / 2 && got < FAKE_PAGES);
	EXPECT_EQ(fake_outstanding(), 0);
	EXPECT(p.host == 0);
	pool_destroy(&p); /* harmless after a failure */
}

TEST(pool_zero_pages_is_invalid)
{
	struct pool p;
	uint64_t got;

	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, 0, 0, &got), -HCERR_INVAL);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(pool_allocation_failing_at_any_step_leaks_nothing)
{
	for (int scatter = 0; scatter < 2; scatter++) {
		for (int64_t n = 0; n < 60; n++) {
			struct pool p;
			uint64_t got;
			int err;

			fake_reset();
			fake_fail_after(n);
			err = pool_init(&p, &fake_mm, 96, scatter, &got);
			if (err == 0) {
				expect_sane_p2m(&p);
				pool_destroy(&p);
			} else {
				EXPECT_EQ(err, -HCERR_NOMEM);
				/* The monitor's one exit path destroys whatever
				 * init left: a failed pool must free nothing. */
				pool_destroy(&p);
			}
			EXPECT_EQ(fake_outstanding(), 0);
		}
	}
}

TEST(pool_size_beyond_the_p2m_is_invalid)
{
	struct pool p;
	uint64_t got;

	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, POOL_MAX_PAGES + 1, 0, &got), -HCERR_INVAL);
	EXPECT_EQ(fake_outstanding(), 0);
	EXPECT(POOL_MAX_PAGES >= (64ull << 30) / 4096); /* the ABI's 64 GiB */
}

/* A host whose free memory is all single pages (every other page taken): the
 * pool still comes, one page a chunk, and its p2m and chunk list span several
 * pages that do not touch. With one contiguous table each, as before, a Linux
 * host refused any pool above 680 MiB (the chunk table passed its 4 MiB). */
TEST(pool_bookkeeping_needs_no_contiguous_memory)
{
	struct pool p;
	uint64_t got, npages = 1536;

	fake_reset();
	for (uint64_t page = 1; page < FAKE_PAGES; page += 2)
		fake_take(page, 1);
	EXPECT_EQ(pool_init(&p, &fake_mm, npages, 0, &got), 0);
	EXPECT_EQ(got, npages);
	EXPECT_EQ(p.nchunks, npages);
	EXPECT_EQ(pool_p2m_npages(&p), npages * 8 / 4096);
	expect_sane_p2m(&p);
	for (uint64_t i = 0; i < npages; i++) {
		EXPECT_EQ(pool_chunk_ma(&p, i), pool_page_ma(&p, i));
		EXPECT_EQ(pool_chunk_npages(&p, i), 1);
	}
	for (uint64_t i = 0; i < pool_p2m_npages(&p); i++)
		EXPECT(fake_is_fake_ma(pool_p2m_page_ma(&p, i)));
	pool_destroy(&p);
	EXPECT_EQ(fake_outstanding(), 0);
}

/* A host whose pages always come zeroed (Linux, __GFP_ZERO) is believed: the
 * pool does not write gigabytes of zeroes a second time. */
TEST(pool_does_not_zero_again_what_the_host_zeroed)
{
	struct mm_host zeroing = fake_mm;
	struct pool p;
	uint64_t got;

	fake_reset(); /* every page 0xAA, which this host claims are zero */
	zeroing.pages_zeroed = 1;
	EXPECT_EQ(pool_init(&p, &zeroing, 16, 0, &got), 0);
	EXPECT_EQ(fake_hva(pool_page_ma(&p, 0))[0], 0xaa);
	EXPECT_EQ(fake_hva(pool_page_ma(&p, 15))[4095], 0xaa);
	EXPECT_EQ(*parray_at(&p.p2m, 16), 0); /* its own tables it still zeroes */
	pool_destroy(&p);
	EXPECT_EQ(fake_outstanding(), 0);
}
