/* Guest pointers: the one range check, and copies that follow the p2m page by
 * page through a scattered pool without touching a byte outside the span. */
#include "fake_host.h"
#include "unit.h"
#include "../../mm/guestmem.h"
#include "../../proto/errors.h"

static struct pool pool;

static void scattered_pool(void)
{
	uint64_t got;

	fake_reset();
	pool_init(&pool, &fake_mm, 32, 1, &got);
}

TEST(gmem_span_accepts_exactly_the_pool)
{
	struct gspan s;
	uint64_t end = 32 * 4096;

	scattered_pool();
	EXPECT_EQ(gmem_span(&pool, 0, end, &s), 0);
	EXPECT_EQ(gmem_span(&pool, end, 0, &s), 0);
	EXPECT_EQ(gmem_span(&pool, end - 1, 1, &s), 0);
	EXPECT_EQ(s.gpa, end - 1);
	EXPECT_EQ(s.len_bytes, 1);
	EXPECT_EQ(gmem_span(&pool, end, 1, &s), -HCERR_FAULT);
	EXPECT_EQ(gmem_span(&pool, end + 1, 0, &s), -HCERR_FAULT);
	EXPECT_EQ(gmem_span(&pool, 0, end + 1, &s), -HCERR_FAULT);
	EXPECT_EQ(gmem_span(&pool, UINT64_MAX - 4, 16, &s), -HCERR_FAULT); /* wraps */
	EXPECT_EQ(gmem_span(&pool, 16, UINT64_MAX, &s), -HCERR_FAULT);
	EXPECT_EQ(gmem_span(&pool, 1ull << 50, 4, &s), -HCERR_FAULT);
	pool_destroy(&pool);
}

TEST(gmem_write_and_read_cross_scattered_pages_byte_exactly)
{
	static uint8_t src[3 * 4096], dst[3 * 4096];
	uint64_t gpa = 4096 * 3 + 100, len = sizeof(src) - 200;
	struct gspan s, all;

	scattered_pool();
	gmem_span(&pool, 0, 32 * 4096, &all);
	gmem_zero(&pool, all);
	for (uint64_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	EXPECT_EQ(gmem_span(&pool, gpa, len, &s), 0);
	gmem_write(&pool, s, src);
	/* Each byte is where the p2m says its page is, and only there. */
	for (uint64_t g = 0; g < 32 * 4096; g++) {
		uint8_t b = fake_hva(pool_page_ma(&pool, g / 4096))[g % 4096];
		uint8_t want = g >= gpa && g < gpa + len ? src[g - gpa] : 0;

		if (b != want) {
			EXPECT_EQ(b, want);
			break;
		}
	}
	gmem_read(&pool, dst, s);
	EXPECT_EQ(memcmp(dst, src, len), 0);
	gmem_zero(&pool, s);
	gmem_read(&pool, dst, s);
	for (uint64_t i = 0; i < len; i++)
		if (dst[i]) {
			EXPECT_EQ(dst[i], 0);
			break;
		}
	pool_destroy(&pool);
	EXPECT_EQ(fake_outstanding(), 0);
}

static int count_pieces(void *hva, uint64_t len, uint64_t off, void *ctx)
{
	uint64_t *c = ctx;

	(void)hva;
	EXPECT_EQ(off, c[1]);
	c[0]++;
	c[1] += len;
	return c[0] == 99 ? -HCERR_IO : 0;
}

TEST(gmem_each_gives_page_pieces_in_order_and_stops_on_error)
{
	struct gspan s;
	uint64_t c[2] = { 0, 0 };

	scattered_pool();
	gmem_span(&pool, 4000, 3 * 4096, &s); /* 96 + 4096 + 4096 + 4000 */
	EXPECT_EQ(gmem_each(&pool, s, count_pieces, c), 0);
	EXPECT_EQ(c[0], 4);
	EXPECT_EQ(c[1], 3 * 4096);
	pool_destroy(&pool);
}
