/* The paged array under the p2m and the chunk list: entries across leaf and
 * directory boundaries, leaves the guest can be shown, growth that fails at
 * any page without leaking, and its limit. */
#include "fake_host.h"
#include "unit.h"
#include "../../mm/pagearray.h"
#include "../../proto/errors.h"

/* One directory holds this many entries; go past it to need a second. */
#define DIR_ENTRIES ((uint64_t)PARRAY_DIR_REFS * PARRAY_LEAF_ENTRIES)
#define N (DIR_ENTRIES + 600)

TEST(parray_holds_every_entry_across_directories)
{
	struct parray a;
	uint64_t leaves = (N + PARRAY_LEAF_ENTRIES - 1) / PARRAY_LEAF_ENTRIES, bad = 0;

	fake_reset();
	EXPECT_EQ(parray_init(&a, &fake_mm), 0);
	EXPECT_EQ(fake_outstanding(), 1); /* the root */
	EXPECT_EQ(parray_grow(&a, N), 0);
	EXPECT_EQ(a.nleaves, leaves);
	EXPECT_EQ(fake_outstanding(), 1 + 2 + leaves); /* root, two directories, leaves */
	for (uint64_t i = 0; i < N; i++)
		bad += *parray_at(&a, i) != 0; /* new entries are zero, not the host's 0xAA */
	EXPECT_EQ(bad, 0);
	for (uint64_t i = 0; i < N; i++)
		*parray_at(&a, i) = i * 3 + 1;
	for (uint64_t i = 0; i < N; i++)
		bad += *parray_at(&a, i) != i * 3 + 1;
	EXPECT_EQ(bad, 0);
	/* Leaf n's machine page holds entries n * 512 on: what the guest maps. */
	for (uint64_t n = 0; n < leaves; n++)
		bad += (uint64_t *)fake_hva(parray_leaf_ma(&a, n)) !=
		       parray_at(&a, n * PARRAY_LEAF_ENTRIES);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(parray_grow(&a, 10), 0); /* already room: nothing taken */
	EXPECT_EQ(a.nleaves, leaves);
	parray_destroy(&a);
	EXPECT_EQ(fake_outstanding(), 0);
	parray_destroy(&a); /* harmless twice */
}

TEST(parray_growth_failing_at_any_page_leaks_nothing)
{
	/* Around the second directory: its page, the leaf after it. */
	static const int64_t fail_at[] = { 0, 1, 2, 3, 255, 256, 257, 258, 259, 260 };

	for (unsigned k = 0; k < sizeof(fail_at) / sizeof(fail_at[0]); k++) {
		struct parray a;
		int err;

		fake_reset();
		fake_fail_after(fail_at[k]);
		err = parray_init(&a, &fake_mm);
		if (err == 0) {
			err = parray_grow(&a, N);
			EXPECT(err == 0 || err == -HCERR_NOMEM);
			if (err == 0) /* the whole growth takes 261 pages */
				EXPECT(fail_at[k] >= 261);
			for (uint64_t i = 0; i < a.nleaves * PARRAY_LEAF_ENTRIES; i++)
				*parray_at(&a, i) = i; /* what was added is usable */
		} else {
			EXPECT_EQ(err, -HCERR_NOMEM);
			EXPECT_EQ(fail_at[k], 0);
		}
		parray_destroy(&a);
		EXPECT_EQ(fake_outstanding(), 0);
	}
}

TEST(parray_refuses_more_than_it_can_index)
{
	struct parray a;

	fake_reset();
	EXPECT_EQ(parray_init(&a, &fake_mm), 0);
	EXPECT_EQ(parray_grow(&a, PARRAY_MAX_ENTRIES + 1), -HCERR_2BIG);
	EXPECT_EQ(a.nleaves, 0);
	parray_destroy(&a);
	EXPECT_EQ(fake_outstanding(), 0);
}
