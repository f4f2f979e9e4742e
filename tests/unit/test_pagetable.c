/* The guest page-table builder, read back with the software walker: every
 * mapped address gives the right machine address and permissions, and every
 * error path is named and leaks nothing. */
#include "fake_host.h"
#include "unit.h"
#include "../../mm/pagetable.h"
#include "../../mm/pool.h"
#include "../../proto/errors.h"
#include "../../proto/layout.h"

static uint64_t page(uint64_t n)
{
	uint64_t ma;

	fake_mm.alloc_pages(0, n, &ma);
	return ma;
}

TEST(pt_walk_returns_what_was_mapped_with_its_permissions)
{
	static const struct {
		uint64_t gva;
		unsigned perms;
	} maps[] = {
		{ GUEST_DMAP_BASE, PT_WRITE },
		{ GUEST_DMAP_BASE + 0x1000, 0 },
		{ GUEST_KERNEL_BASE, PT_EXEC },
		{ GUEST_KERNEL_BASE + 0x200000, PT_WRITE | PT_EXEC },
		{ LAYOUT_PASSAGE_BASE, PT_EXEC }, /* bare metal's and UEFI's passage */
	};
	struct pt pt;
	uint64_t mas[5], ma, bits;

	fake_reset();
	EXPECT_EQ(pt_init(&pt, &fake_mm, 1), 0);
	for (int i = 0; i < 5; i++) {
		mas[i] = page(1);
		EXPECT_EQ(pt_map(&pt, maps[i].gva, mas[i], maps[i].perms), 0);
	}
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(pt_walk(&pt, maps[i].gva + 0x123, &ma, &bits), 0);
		EXPECT_EQ(ma, mas[i] + 0x123);
		EXPECT_EQ(!!(bits & PTE_W), !!(maps[i].perms & PT_WRITE));
		EXPECT_EQ(!!(bits & PTE_NX), !(maps[i].perms & PT_EXEC));
		EXPECT_EQ(bits & (PTE_U | PTE_G | PTE_PS), 0);
		EXPECT(bits & PTE_P);
	}
	pt_destroy(&pt);
	fake_mm.free_pages(0, mas[0], 1);
	for (int i = 1; i < 5; i++)
		fake_mm.free_pages(0, mas[i], 1);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(pt_without_nx_never_sets_the_nx_bit)
{
	struct pt pt;
	uint64_t ma, got, bits;

	fake_reset();
	ma = page(1);
	EXPECT_EQ(pt_init(&pt, &fake_mm, 0), 0);
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE, ma, PT_WRITE), 0);
	EXPECT_EQ(pt_walk(&pt, GUEST_DMAP_BASE, &got, &bits), 0);
	EXPECT_EQ(bits & PTE_NX, 0);
	pt_destroy(&pt);
}

TEST(pt_refuses_bad_addresses_and_double_maps)
{
	struct pt pt;
	uint64_t ma, got, bits;

	fake_reset();
	ma = page(1);
	EXPECT_EQ(pt_init(&pt, &fake_mm, 1), 0);
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE + 1, ma, 0), -HCERR_INVAL);
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE, ma + 8, 0), -HCERR_INVAL);
	EXPECT_EQ(pt_map(&pt, 0x0000800000000000ull, ma, 0), -HCERR_INVAL); /* non-canonical */
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE, 1ull << 52, 0), -HCERR_INVAL); /* beyond MAXPHYADDR */
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE, ma, 0), 0);
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE, ma, PT_WRITE), -HCERR_EXIST);
	EXPECT_EQ(pt_walk(&pt, GUEST_DMAP_BASE + 4096, &got, &bits), -HCERR_FAULT);
	EXPECT_EQ(pt_walk(&pt, 0x0000900000000000ull, &got, &bits), -HCERR_FAULT);
	pt_destroy(&pt);
}

/* The W^X of a passage's code page (loader/highmap.c): written RW+NX, then RX,
 * at the same machine address; an address not mapped is named. */
TEST(pt_protect_changes_a_leafs_permissions_and_keeps_its_page)
{
	struct pt pt;
	uint64_t ma, got, bits;

	fake_reset();
	ma = page(1);
	EXPECT_EQ(pt_init(&pt, &fake_mm, 1), 0);
	EXPECT_EQ(pt_map(&pt, LAYOUT_PASSAGE_BASE, ma, PT_WRITE), 0);
	EXPECT_EQ(pt_walk(&pt, LAYOUT_PASSAGE_BASE, &got, &bits), 0);
	EXPECT_EQ(bits & (PTE_W | PTE_NX), PTE_W | PTE_NX);
	EXPECT_EQ(pt_protect(&pt, LAYOUT_PASSAGE_BASE, PT_EXEC), 0);
	EXPECT_EQ(pt_walk(&pt, LAYOUT_PASSAGE_BASE + 0x10, &got, &bits), 0);
	EXPECT_EQ(got, ma + 0x10);
	EXPECT_EQ(bits & (PTE_W | PTE_NX), 0);
	EXPECT(bits & PTE_P);
	EXPECT_EQ(pt.ntables, 4); /* no table was added */
	EXPECT_EQ(pt_protect(&pt, LAYOUT_PASSAGE_BASE + 4096, PT_EXEC), -HCERR_FAULT);
	EXPECT_EQ(pt_protect(&pt, GUEST_DMAP_BASE, 0), -HCERR_FAULT);
	EXPECT_EQ(pt_protect(&pt, 0x0000800000000000ull, 0), -HCERR_FAULT); /* non-canonical */
	pt_destroy(&pt);
	fake_mm.free_pages(0, ma, 1);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(pt_counts_and_shares_table_pages)
{
	struct pt pt;
	uint64_t ma;

	fake_reset();
	ma = page(1);
	EXPECT_EQ(pt_init(&pt, &fake_mm, 1), 0);
	EXPECT_EQ(pt.ntables, 1);
	EXPECT_EQ(pt_map(&pt, GUEST_KERNEL_BASE, ma, 0), 0);
	EXPECT_EQ(pt.ntables, 4);
	EXPECT_EQ(pt_map(&pt, GUEST_KERNEL_BASE + 4096, ma, 0), 0);
	EXPECT_EQ(pt.ntables, 4); /* the same page table */
	EXPECT_EQ(pt_map(&pt, GUEST_KERNEL_BASE + 0x200000, ma, 0), 0);
	EXPECT_EQ(pt.ntables, 5); /* a new page table, same directory */
	EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE, ma, 0), 0);
	EXPECT_EQ(pt.ntables, 8); /* a new PDPT, PD and PT */
	pt_destroy(&pt);
	fake_mm.free_pages(0, ma, 1);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(pt_out_of_memory_mid_map_keeps_tables_valid_and_leaks_nothing)
{
	for (int64_t n = 0; n < 5; n++) {
		struct pt pt;
		uint64_t ma, got, bits;
		int err;

		fake_reset();
		ma = page(1);
		EXPECT_EQ(pt_init(&pt, &fake_mm, 1), 0);
		fake_fail_after(n);
		err = pt_map(&pt, GUEST_KERNEL_BASE, ma, 0);
		EXPECT_EQ(err, n < 3 ? -HCERR_NOMEM : 0);
		EXPECT_EQ(pt_walk(&pt, GUEST_KERNEL_BASE, &got, &bits), n < 3 ? -HCERR_FAULT : 0);
		fake_fail_after(-1);
		pt_destroy(&pt);
		fake_mm.free_pages(0, ma, 1);
		EXPECT_EQ(fake_outstanding(), 0);
	}
}

/* A software MMU over the layout loader/monitor.c builds: a scattered pool
 * behind a direct map, an RX and an RW kernel segment on pool pages, the p2m
 * read-only. Every page of every region must walk to the right place. */
TEST(pt_guest_layout_walks_to_the_p2m_everywhere)
{
	struct pool p;
	struct pt pt;
	uint64_t got, ma, bits;

	fake_reset();
	EXPECT_EQ(pool_init(&p, &fake_mm, 256, 1, &got), 0);
	EXPECT_EQ(pt_init(&pt, &fake_mm, 1), 0);
	for (uint64_t i = 0; i < 16; i++) /* kernel: 8 pages text, 8 pages data */
		EXPECT_EQ(pt_map(&pt, GUEST_KERNEL_BASE + i * 4096, pool_page_ma(&p, i),
				 i < 8 ? PT_EXEC : PT_WRITE),
			  0);
	for (uint64_t i = 0; i < p.npages; i++)
		EXPECT_EQ(pt_map(&pt, GUEST_DMAP_BASE + i * 4096, pool_page_ma(&p, i), PT_WRITE), 0);
	for (uint64_t i = 0; i < pool_p2m_npages(&p); i++)
		EXPECT_EQ(pt_map(&pt, GUEST_P2M_BASE + i * 4096, pool_p2m_page_ma(&p, i), 0), 0);
	for (uint64_t i = 0; i < p.npages; i++) {
		EXPECT_EQ(pt_walk(&pt, GUEST_DMAP_BASE + i * 4096 + 7, &ma, &bits), 0);
		EXPECT_EQ(ma, pool_page_ma(&p, i) + 7);
		EXPECT_EQ(bits & (PTE_W | PTE_NX), PTE_W | PTE_NX);
	}
	for (uint64_t i = 0; i < 16; i++) {
		EXPECT_EQ(pt_walk(&pt, GUEST_KERNEL_BASE + i * 4096, &ma, &bits), 0);
		EXPECT_EQ(ma, pool_page_ma(&p, i));
		EXPECT_EQ(bits & (PTE_W | PTE_NX), i < 8 ? 0 : PTE_W | PTE_NX);
	}
	EXPECT_EQ(pt_walk(&pt, GUEST_P2M_BASE, &ma, &bits), 0);
	EXPECT_EQ(ma, pool_p2m_page_ma(&p, 0));
	EXPECT_EQ(bits & (PTE_W | PTE_NX), PTE_NX);
	EXPECT_EQ(pt_walk(&pt, GUEST_DMAP_BASE + p.npages * 4096, &ma, &bits), -HCERR_FAULT);
	EXPECT_EQ(pt_walk(&pt, GUEST_KERNEL_BASE + 16 * 4096, &ma, &bits), -HCERR_FAULT);
	pt_destroy(&pt);
	pool_destroy(&p);
	EXPECT_EQ(fake_outstanding(), 0);
}
