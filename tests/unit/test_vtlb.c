/* The virtual TLB (mm/vtlb.h) on a fake machine: the guest's tables are
 * written here entry by entry, as a guest kernel would, and every test reads
 * the shadow back with the monitor's own walker. A fault the guest's tables
 * explain is the guest's, with the SDM's error code; one they allow is filled
 * and never seen; A/D bits, large pages, PCIDs, global pages, INVLPG and
 * INVPCID behave as SDM Vol.3 4.8 and 4.10 say; the shadow stays within its
 * budget and gives every page back, whatever garbage the guest's tables hold. */
#include "fake_host.h"
#include "unit.h"
#include "../../mm/bootpt.h"
#include "../../mm/guestmem.h"
#include "../../mm/pagetable.h"
#include "../../mm/pool.h"
#include "../../mm/vtlb.h"
#include "../../proto/errors.h"
#include "../../proto/hypercall.h"
#include "../../proto/layout.h"

#define POOL_PAGES 256 /* 1 MiB */
#define MAXPHY 40
#define USER_VA 0x400000ull

static struct pool pool;
static struct vtlb vt;
static uint64_t monitor_root[512];
static uint64_t next_table; /* the guest's next free page for its tables */
static uint64_t baseline;

static uint64_t *gpte(uint64_t table_gpa, unsigned i)
{
	return (uint64_t *)gmem_page_hva(&pool, table_gpa) + i;
}

static unsigned ix(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511u;
}

static uint64_t new_table(void)
{
	uint64_t gpa = next_table;
	struct gspan s;

	next_table += 4096;
	gmem_span(&pool, gpa, 4096, &s);
	gmem_zero(&pool, s);
	return gpa;
}

/* The guest maps va -> gpa in the tables under root: a leaf at `level` (0:
 * 4 KiB, 1: 2 MiB, 2: 1 GiB) with `bits`; upper levels get `upper`. Returns
 * the leaf entry. */
static uint64_t *gmap(uint64_t root, uint64_t va, uint64_t gpa, uint64_t bits, int level,
		      uint64_t upper)
{
	uint64_t t = root;

	for (int l = 3; l > level; l--) {
		uint64_t *e = gpte(t, ix(va, l));

		if (!(*e & PTE_P))
			*e = new_table() | upper;
		t = *e & PTE_ADDR_MASK;
	}
	*gpte(t, ix(va, level)) = gpa | bits | (level ? PTE_PS : 0);
	return gpte(t, ix(va, level));
}

#define UP (PTE_P | PTE_W | PTE_U)

/* The shadow's translation of va now: the machine address, or 0. */
static uint64_t shadow_ma(uint64_t va, uint64_t *bits)
{
	struct pt pt = { .host = &fake_mm, .root_ma = vtlb_root_ma(&vt) };
	uint64_t ma, b;

	if (pt_walk(&pt, va, &ma, &b) != 0)
		return 0;
	if (bits)
		*bits = b;
	return ma;
}

static uint64_t gpa_ma(uint64_t gpa)
{
	return pool_page_ma(&pool, gpa >> 12) + (gpa & 0xfff);
}

/* A fresh pool; the guest's PML4 at gpa 0, its other tables from gpa 64 KiB. */
static uint64_t setup(uint64_t budget, int smep)
{
	uint64_t got;
	struct gspan all;

	fake_reset();
	EXPECT_EQ(pool_init(&pool, &fake_mm, POOL_PAGES, 0, &got), 0);
	gmem_span(&pool, 0, POOL_PAGES * 4096ull, &all);
	gmem_zero(&pool, all);
	memset(monitor_root, 0, sizeof(monitor_root));
	next_table = 0x10000;
	baseline = fake_outstanding();
	EXPECT_EQ(vtlb_init(&vt, &fake_mm, &pool, monitor_root, budget, 1, smep, MAXPHY, 0), 0);
	return 0;
}

static void teardown(void)
{
	vtlb_destroy(&vt);
	EXPECT_EQ(fake_outstanding(), baseline);
	pool_destroy(&pool);
	EXPECT_EQ(fake_outstanding(), 0);
}

/* The CPU's #PF at va for an access: 1 filled, 0 the guest's (err set). */
static int cpu_fault(uint64_t va, unsigned acc, unsigned *err)
{
	int r = vtlb_fault(&vt, va, acc, err);

	if (r == -HCERR_AGAIN)
		r = vtlb_fault(&vt, va, acc, err);
	return r;
}

TEST(vtlb_fills_what_the_guest_maps_and_never_more)
{
	unsigned err = 0;
	uint64_t bits;

	setup(64, 0);
	gmap(0, USER_VA, 0x30000, PTE_P | PTE_W | PTE_U, 0, UP);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0); /* nothing before the CPU asks */
	EXPECT_EQ(cpu_fault(USER_VA + 0x10, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(shadow_ma(USER_VA + 0x10, &bits), gpa_ma(0x30010));
	EXPECT(bits & PTE_U);
	EXPECT(!(bits & PTE_W)); /* read first: writable once the guest's D is set */
	EXPECT_EQ(shadow_ma(USER_VA + 0x1000, 0), 0);
	EXPECT_EQ(vt.st.fills, 1);
	/* The next page is not mapped: the guest's #PF, not present. */
	EXPECT_EQ(cpu_fault(USER_VA + 0x1000, VTLB_ACC_U | VTLB_ACC_W, &err), 0);
	EXPECT_EQ(err, VTLB_ACC_U | VTLB_ACC_W);
	EXPECT_EQ(vt.st.faults, 1);
	teardown();
}

TEST(vtlb_error_codes_are_the_sdm_ones)
{
	unsigned err = 0;

	setup(64, 1);
	gmap(0, USER_VA, 0x30000, PTE_P | PTE_U, 0, UP);             /* user, read-only */
	gmap(0, USER_VA + 0x1000, 0x31000, PTE_P | PTE_W, 0, UP);     /* supervisor */
	gmap(0, USER_VA + 0x2000, 0x32000, PTE_P | PTE_U | PTE_NX, 0, UP); /* user, no exec */
	/* A user write to a read-only page: P W U. */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U | VTLB_ACC_W, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_W | VTLB_ACC_U);
	/* A supervisor write too (CR0.WP): P W. */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_W, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_W);
	/* A user read of a supervisor page: P U. */
	EXPECT_EQ(cpu_fault(USER_VA + 0x1000, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_U);
	/* A user fetch from an NX page: P U I. */
	EXPECT_EQ(cpu_fault(USER_VA + 0x2000, VTLB_ACC_U | VTLB_ACC_I, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_U | VTLB_ACC_I);
	/* SMEP: a supervisor fetch from a user page: P I; a supervisor read of it is fine. */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_I, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_I);
	EXPECT_EQ(cpu_fault(USER_VA, 0, &err), 1);
	/* U must be set at every level for a user access (SDM 4.6.1). */
	gmap(0, 0x40000000ull, 0x33000, PTE_P | PTE_U | PTE_W, 0, PTE_P | PTE_W);
	EXPECT_EQ(cpu_fault(0x40000000ull, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_U);
	teardown();
}

TEST(vtlb_reserved_bits_and_frames_outside_the_pool_are_rsvd_faults)
{
	unsigned err = 0;
	uint64_t *leaf;

	setup(64, 0);
	leaf = gmap(0, USER_VA, 0x30000, PTE_P | PTE_W | PTE_U, 0, UP);
	*leaf |= 1ull << MAXPHY; /* above MAXPHYADDR */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ERR_RSVD | VTLB_ACC_U);
	*leaf = 0x30000 | PTE_P | PTE_U;
	/* PS in a PML4 entry is reserved. A present upper entry changed needs
	 * an INVLPG, as on hardware: the PDE cache may hold the old one. */
	*gpte(0, ix(USER_VA, 3)) |= PTE_PS;
	vtlb_invlpg(&vt, USER_VA);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ERR_RSVD | VTLB_ACC_U);
	*gpte(0, ix(USER_VA, 3)) &= ~PTE_PS;
	/* A 2 MiB page with bit 13 set: reserved (SDM table 4-18). */
	gmap(0, 0x800000, 0x0, PTE_P | PTE_U | (1ull << 13), 1, UP);
	EXPECT_EQ(cpu_fault(0x800000, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ERR_RSVD | VTLB_ACC_U);
	/* A frame past the pool's end (1 MiB): reserved, never mapped. */
	*leaf = 0x100000 | PTE_P | PTE_U;
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ERR_RSVD | VTLB_ACC_U);
	/* A table past it too. */
	*gpte(0, ix(0x8000000000ull, 3)) = 0x7fff000 | UP;
	EXPECT_EQ(cpu_fault(0x8000000000ull, 0, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ERR_RSVD);
	EXPECT_EQ(vt.st.fills, 0);
	teardown();
}

TEST(vtlb_pde_cache_keeps_an_upper_entry_until_invlpg_as_the_sdm_allows)
{
	unsigned err = 0;
	uint64_t *leaf;

	setup(64, 0);
	leaf = gmap(0, USER_VA, 0x30000, PTE_P | PTE_W | PTE_U, 0, UP);
	*leaf = 0; /* not present: the walk still leaves its page table cached */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ACC_U);
	/* The PML4E made not-present without an invalidation: the cached walk is
	 * used (SDM Vol.3 4.10.4.3), and the leaf, now present, is filled. */
	*gpte(0, ix(USER_VA, 3)) &= ~PTE_P;
	*leaf = 0x30000 | PTE_P | PTE_U;
	EXPECT_EQ(cpu_fault(USER_VA + 0x10, VTLB_ACC_U, &err), 1);
	/* After INVLPG the walk starts at the root again and sees P = 0. */
	vtlb_invlpg(&vt, USER_VA);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ACC_U);
	/* Present again: the walk from the root fills it. */
	*gpte(0, ix(USER_VA, 3)) |= PTE_P;
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	teardown();
}

TEST(vtlb_sets_accessed_and_dirty_as_the_cpu_does)
{
	unsigned err = 0;
	uint64_t *leaf, bits;

	setup(64, 0);
	leaf = gmap(0, USER_VA, 0x30000, PTE_P | PTE_W | PTE_U, 0, UP);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT(*leaf & PTE_A);
	EXPECT(!(*leaf & PTE_D));
	EXPECT(*gpte(0, ix(USER_VA, 3)) & PTE_A); /* every level used */
	shadow_ma(USER_VA, &bits);
	EXPECT(!(bits & PTE_W));
	/* The first write comes back: D set, the shadow writable. */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U | VTLB_ACC_W | VTLB_ERR_P, &err), 1);
	EXPECT(*leaf & PTE_D);
	shadow_ma(USER_VA, &bits);
	EXPECT(bits & PTE_W);
	/* A write first: dirty and writable at once. */
	leaf = gmap(0, USER_VA + 0x1000, 0x31000, PTE_P | PTE_W | PTE_U, 0, UP);
	EXPECT_EQ(cpu_fault(USER_VA + 0x1000, VTLB_ACC_U | VTLB_ACC_W, &err), 1);
	EXPECT_EQ(*leaf & (PTE_A | PTE_D), PTE_A | PTE_D);
	shadow_ma(USER_VA + 0x1000, &bits);
	EXPECT(bits & PTE_W);
	/* The guest clears A: as on hardware, it stays clear until the guest
	 * invalidates (the cached translation is used, SDM 4.8). */
	*leaf &= ~PTE_A;
	EXPECT(shadow_ma(USER_VA + 0x1000, 0) != 0);
	vtlb_invlpg(&vt, USER_VA + 0x1000);
	EXPECT_EQ(shadow_ma(USER_VA + 0x1000, 0), 0);
	EXPECT_EQ(cpu_fault(USER_VA + 0x1000, VTLB_ACC_U, &err), 1);
	EXPECT(*leaf & PTE_A);
	teardown();
}

TEST(vtlb_keeps_a_stale_translation_until_invlpg_as_a_tlb_does)
{
	unsigned err = 0;
	uint64_t *leaf;

	setup(64, 0);
	leaf = gmap(0, USER_VA, 0x30000, PTE_P | PTE_W | PTE_U, 0, UP);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	*leaf = 0x31000 | PTE_P | PTE_W | PTE_U; /* remapped, not invalidated */
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x30000));
	vtlb_invlpg(&vt, USER_VA);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x31000));
	/* Unmapped and invalidated: the guest's fault, not present. */
	*leaf = 0;
	vtlb_invlpg(&vt, USER_VA);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ACC_U);
	/* A non-canonical INVLPG is a NOP (SDM Vol.2 INVLPG). */
	vtlb_invlpg(&vt, 0x0000800000000000ull);
	teardown();
}

TEST(vtlb_large_pages_map_in_pieces_and_invalidate_whole)
{
	unsigned err = 0;
	uint64_t *pde;

	setup(64, 0);
	/* A 2 MiB page at 4 MiB -> gpa 0 (the pool is 1 MiB: only its first half
	 * is memory), and a 1 GiB page at 1 GiB -> gpa 0. */
	pde = gmap(0, 0x400000, 0, PTE_P | PTE_W | PTE_U, 1, UP);
	EXPECT_EQ(cpu_fault(0x400000 + 0x5000, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(cpu_fault(0x400000 + 0x7000, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(shadow_ma(0x405123, 0), gpa_ma(0x5123));
	EXPECT(*pde & PTE_A);
	/* Past the pool inside the large page: no memory there. */
	EXPECT_EQ(cpu_fault(0x400000 + 0x100000, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ERR_RSVD | VTLB_ACC_U);
	/* INVLPG anywhere in it drops every piece. */
	vtlb_invlpg(&vt, 0x400000 + 0x1ff000);
	EXPECT_EQ(shadow_ma(0x405000, 0), 0);
	EXPECT_EQ(shadow_ma(0x407000, 0), 0);
	gmap(0, 0x40000000ull, 0, PTE_P | PTE_U, 2, UP);
	EXPECT_EQ(cpu_fault(0x40000000ull + 0x3000, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(shadow_ma(0x40003000ull, 0), gpa_ma(0x3000));
	vtlb_invlpg(&vt, 0x40000000ull + 0x20000000ull);
	EXPECT_EQ(shadow_ma(0x40003000ull, 0), 0);
	teardown();
}

TEST(vtlb_cr3_loads_flush_their_pcid_but_not_globals_or_other_pcids)
{
	unsigned err = 0;
	uint64_t root2;

	setup(64, 0);
	gmap(0, USER_VA, 0x30000, PTE_P | PTE_U, 0, UP);
	gmap(0, 0x600000, 0x31000, PTE_P | PTE_U | PTE_G, 0, UP);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(cpu_fault(0x600000, VTLB_ACC_U, &err), 1);
	/* Reload PCID 0: the non-global one goes, the global one stays. */
	EXPECT_EQ(vtlb_set_cr3(&vt, 0), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0);
	EXPECT_EQ(shadow_ma(0x600000, 0), gpa_ma(0x31000));
	/* With NOFLUSH everything stays. */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(vtlb_set_cr3(&vt, HC_CR3_NOFLUSH), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x30000));
	/* Another address space on PCID 1, and back: PCID 0 is still warm. */
	root2 = new_table();
	gmap(root2, USER_VA, 0x32000, PTE_P | PTE_U, 0, UP);
	EXPECT_EQ(vtlb_set_cr3(&vt, root2 | 1), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x32000));
	EXPECT_EQ(vtlb_set_cr3(&vt, 0 | HC_CR3_NOFLUSH), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x30000));
	/* INVLPG drops the current PCID's page and every PCID's global one. */
	EXPECT_EQ(vtlb_set_cr3(&vt, root2 | 1 | HC_CR3_NOFLUSH), 0);
	gmap(root2, 0x600000, 0x31000, PTE_P | PTE_U | PTE_G, 0, UP);
	EXPECT_EQ(cpu_fault(0x600000, VTLB_ACC_U, &err), 1);
	vtlb_invlpg(&vt, 0x600000);
	EXPECT_EQ(shadow_ma(0x600000, 0), 0);
	EXPECT_EQ(vtlb_set_cr3(&vt, 0 | HC_CR3_NOFLUSH), 0);
	EXPECT_EQ(shadow_ma(0x600000, 0), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x30000));
	teardown();
}

TEST(vtlb_a_page_made_global_survives_the_flush_that_logged_it_non_global)
{
	unsigned err = 0;
	uint64_t *leaf;

	setup(64, 0);
	leaf = gmap(0, USER_VA, 0x30000, PTE_P | PTE_U, 0, UP);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1); /* logged: non-global */
	*leaf |= PTE_G;
	vtlb_invlpg(&vt, USER_VA);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1); /* the same shadow slot, global */
	EXPECT_EQ(vtlb_set_cr3(&vt, 0), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), gpa_ma(0x30000));
	teardown();
}

TEST(vtlb_invpcid_types_drop_what_the_sdm_says)
{
	unsigned err = 0;

	setup(64, 0);
	gmap(0, USER_VA, 0x30000, PTE_P | PTE_U, 0, UP);
	gmap(0, 0x600000, 0x31000, PTE_P | PTE_U | PTE_G, 0, UP);
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(cpu_fault(0x600000, VTLB_ACC_U, &err), 1);
	/* Type 0 keeps global translations. */
	EXPECT_EQ(vtlb_flush(&vt, HC_FLUSH_ADDR, 0, 0x600000), 0);
	EXPECT(shadow_ma(0x600000, 0) != 0);
	EXPECT_EQ(vtlb_flush(&vt, HC_FLUSH_ADDR, 0, USER_VA), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0);
	/* Type 3 too; type 2 drops everything. */
	EXPECT_EQ(cpu_fault(USER_VA, VTLB_ACC_U, &err), 1);
	EXPECT_EQ(vtlb_flush(&vt, HC_FLUSH_ALL_NONGLOBAL, 0, 0), 0);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0);
	EXPECT(shadow_ma(0x600000, 0) != 0);
	EXPECT_EQ(vtlb_flush(&vt, HC_FLUSH_ALL, 0, 0), 0);
	EXPECT_EQ(shadow_ma(0x600000, 0), 0);
	/* Bad arguments change nothing. */
	EXPECT_EQ(vtlb_flush(&vt, 4, 0, 0), -HCERR_INVAL);
	EXPECT_EQ(vtlb_flush(&vt, HC_FLUSH_PCID, 0x1000, 0), -HCERR_INVAL);
	EXPECT_EQ(vtlb_flush(&vt, HC_FLUSH_ADDR, 0, 0x0000800000000000ull), -HCERR_INVAL);
	teardown();
}

TEST(vtlb_refuses_cr3_garbage)
{
	setup(64, 0);
	EXPECT_EQ(vtlb_set_cr3(&vt, POOL_PAGES * 4096ull), -HCERR_INVAL); /* past the pool */
	EXPECT_EQ(vtlb_set_cr3(&vt, 1ull << 62), -HCERR_INVAL);            /* a reserved bit */
	EXPECT_EQ(vtlb_set_cr3(&vt, ~0ull), -HCERR_INVAL);
	EXPECT_EQ(vt.cur->guest_root, 0); /* nothing changed */
	teardown();
}

TEST(vtlb_monitor_slots_are_the_monitors_whatever_the_guest_maps)
{
	unsigned err = 0;
	uint64_t va = LAYOUT_MONITOR_VA_FIRST + 0x5000;

	setup(64, 0);
	/* The guest maps a page in a monitor slot: never filled; the fault
	 * goes to the guest as the CPU raised it. */
	gmap(0, va, 0x30000, PTE_P | PTE_W, 0, UP);
	EXPECT_EQ(cpu_fault(va, VTLB_ACC_W, &err), 0);
	EXPECT_EQ(err, VTLB_ACC_W);
	EXPECT_EQ(shadow_ma(va, 0), 0);
	EXPECT(vtlb_monitor_va(&vt, LAYOUT_MONITOR_VA_END - 1));
	EXPECT(!vtlb_monitor_va(&vt, LAYOUT_MONITOR_VA_END));
	EXPECT(!vtlb_monitor_va(&vt, GUEST_DMAP_BASE));
	teardown();
}

TEST(vtlb_many_mappings_stay_within_the_budget)
{
	unsigned err = 0;
	uint64_t held, pd, pdpt;

	setup(VTLB_MIN_PAGES, 0);
	held = fake_outstanding();
	/* One guest PD whose entry 8 is a 2 MiB page at gpa 0, under every
	 * entry of eight PDPTs: 4096 GiB of the lower half all map it, and each
	 * GiB needs shadow tables of its own, far more than VTLB_MIN_PAGES. */
	pd = new_table();
	*gpte(pd, 8) = PTE_P | PTE_U | PTE_PS;
	for (unsigned s = 0; s < 8; s++) {
		pdpt = new_table();
		for (unsigned i = 0; i < 512; i++)
			*gpte(pdpt, i) = pd | UP;
		*gpte(0, s) = pdpt | UP;
	}
	for (uint64_t i = 0; i < 4096; i++) {
		uint64_t va = (i << 30) + 0x1000000ull;

		for (uint64_t k = 0; k < 4; k++) {
			EXPECT_EQ(cpu_fault(va + k * 0x1000, VTLB_ACC_U, &err), 1);
			EXPECT_EQ(shadow_ma(va + k * 0x1000, 0), gpa_ma(k * 0x1000));
		}
	}
	EXPECT_EQ(fake_outstanding(), held);
	EXPECT_EQ(vt.st.fills, 4096 * 4);
	EXPECT(vt.st.evictions > 100);
	teardown();
}

/* The smallest budget must hold every translation one instruction needs at
 * once, or the instruction faults forever, each fill evicting another of
 * its pages (a hostile guest picks them so): a movsq whose code, source and
 * destination each straddle two pages, six pages in six PML4 slots, each
 * under a PDPT, a PD and a PT of its own. */
TEST(vtlb_the_smallest_budget_holds_one_instructions_six_pages)
{
	unsigned err = 0;
	uint64_t va[6];

	setup(VTLB_MIN_PAGES, 0);
	for (unsigned i = 0; i < 6; i++) {
		/* pairs across a slot's edge: its last page, the next slot's first */
		va[i] = ((uint64_t)(i / 2 * 2 + 2) << 39) - (i % 2 ? 0 : 4096);
		gmap(0, va[i], 0x30000 + i * 0x1000ull, PTE_P | PTE_W | PTE_U, 0, UP);
	}
	for (unsigned i = 0; i < 6; i++)
		EXPECT_EQ(cpu_fault(va[i], VTLB_ACC_U, &err), 1);
	for (unsigned i = 0; i < 6; i++)
		EXPECT_EQ(shadow_ma(va[i], 0), gpa_ma(0x30000 + i * 0x1000ull));
	EXPECT_EQ(vt.st.evictions, 0);
	teardown();
}

TEST(vtlb_boot_tables_map_the_pool_and_the_image)
{
	struct bootpt_range r[2] = {
		{ GUEST_KERNEL_BASE, 0x0, 0x3000, PT_EXEC },
		{ GUEST_KERNEL_BASE + 0x3000, 0x3000, 0x2000, PT_WRITE },
	};
	uint64_t got, used, root, bits;
	unsigned err = 0;
	struct gspan all;

	fake_reset();
	EXPECT_EQ(pool_init(&pool, &fake_mm, 1024 + 3, 0, &got), 0); /* 4 MiB + 3 pages */
	gmem_span(&pool, 0, (1024 + 3) * 4096ull, &all);
	gmem_zero(&pool, all);
	root = bootpt_build(&pool, 0x8000, r, 2, 1, &used);
	EXPECT_EQ(root, 0x8000);
	EXPECT_EQ(used, bootpt_pages((1024 + 3) * 4096ull, r, 2));
	/* PML4, dmap PDPT + PD + tail PT, image PDPT + PD + PT. */
	EXPECT_EQ(used, 7);
	baseline = fake_outstanding();
	EXPECT_EQ(vtlb_init(&vt, &fake_mm, &pool, monitor_root, 64, 1, 0, MAXPHY, root), 0);
	EXPECT_EQ(cpu_fault(GUEST_DMAP_BASE + 0x201000, VTLB_ACC_W, &err), 1); /* 2 MiB page */
	EXPECT_EQ(shadow_ma(GUEST_DMAP_BASE + 0x201000, &bits), gpa_ma(0x201000));
	EXPECT(bits & PTE_NX);
	EXPECT_EQ(cpu_fault(GUEST_DMAP_BASE + 0x401000, 0, &err), 1); /* the tail's 4 KiB */
	EXPECT_EQ(cpu_fault(GUEST_DMAP_BASE + 0x403000, 0, &err), 0); /* past the pool */
	EXPECT_EQ(err, 0);
	EXPECT_EQ(cpu_fault(GUEST_KERNEL_BASE + 0x1000, VTLB_ACC_I, &err), 1);
	EXPECT_EQ(cpu_fault(GUEST_KERNEL_BASE + 0x1000, VTLB_ACC_W, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_W);
	EXPECT_EQ(cpu_fault(GUEST_KERNEL_BASE + 0x3000, VTLB_ACC_I, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_I);
	EXPECT_EQ(cpu_fault(GUEST_KERNEL_BASE + 0x4000, VTLB_ACC_W, &err), 1);
	EXPECT_EQ(cpu_fault(GUEST_KERNEL_BASE + 0x5000, 0, &err), 0);
	/* The boot tables are the guest's: global, supervisor. */
	EXPECT_EQ(cpu_fault(GUEST_KERNEL_BASE + 0x4000, VTLB_ACC_U, &err), 0);
	EXPECT_EQ(err, VTLB_ERR_P | VTLB_ACC_U);
	EXPECT_EQ(vtlb_set_cr3(&vt, root), 0);
	EXPECT(shadow_ma(GUEST_KERNEL_BASE + 0x4000, 0) != 0);
	teardown();
}

TEST(vtlb_translate_checks_as_the_cpu_and_sets_ad)
{
	uint64_t gpa = 0, *leaf;
	unsigned err = 0;

	setup(64, 0);
	leaf = gmap(0, USER_VA, 0x30000, PTE_P | PTE_W | PTE_U, 0, UP);
	EXPECT_EQ(vtlb_translate(&vt, USER_VA + 0x88, VTLB_ACC_W, 1, &gpa, &err), 0);
	EXPECT_EQ(gpa, 0x30088);
	EXPECT(*leaf & PTE_D);
	EXPECT_EQ(shadow_ma(USER_VA, 0), 0); /* the shadow is not touched */
	EXPECT_EQ(vtlb_translate(&vt, USER_VA + 0x1000, VTLB_ACC_W, 1, &gpa, &err), -1);
	EXPECT_EQ(err, VTLB_ACC_W);
	EXPECT_EQ(vtlb_translate(&vt, 0x0000800000000000ull, 0, 0, &gpa, &err), -1);
	teardown();
}

/* ---- garbage tables ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* An entry as a hostile guest writes one: present mostly, its frame in the
 * pool, just past it or anywhere, PS, NX, U, W and reserved bits at random. */
static uint64_t garbage_entry(void)
{
	uint64_t r = rnd(), e = r & (PTE_A | PTE_D | PTE_G), frame;

	e |= (r & 0x30) ? PTE_W : 0;   /* 3 in 4 */
	e |= (r & 0xc0) ? PTE_U : 0;
	e |= (r >> 8 & 7) ? 0 : PTE_PS; /* 1 in 8 */
	switch (r >> 11 & 15) {
	case 0: frame = rnd() & PTE_ADDR_MASK; break;                  /* anywhere */
	case 1: frame = (POOL_PAGES + (rnd() & 3)) * 4096ull; break;   /* just past */
	default: frame = (rnd() % POOL_PAGES) * 4096ull; break;        /* in the pool */
	}
	if ((r >> 15 & 31) == 0)
		e |= 1ull << (MAXPHY + (rnd() % (52 - MAXPHY))); /* a reserved address bit */
	if ((r >> 20 & 15) == 0)
		e |= PTE_NX;
	return (r >> 24 & 15) ? e | PTE_P | frame : e | frame; /* 1 in 16 not present */
}

static int pool_ma(uint64_t ma)
{
	for (uint64_t i = 0; i < POOL_PAGES; i++)
		if (pool_page_ma(&pool, i) == (ma & PTE_ADDR_MASK))
			return 1;
	return 0;
}

static const uint64_t *shadow_table(uint64_t e)
{
	return (const uint64_t *)fake_hva(e & PTE_ADDR_MASK);
}

/* Every leaf of every shadow tree, in the guest's slots, is a pool page; the
 * monitor's slots are the monitor's; every table page is counted once. */
static void check_shadow(void)
{
	uint64_t tables = 0, bad = 0;

	for (unsigned c = 0; c < VTLB_CONTEXTS; c++) {
		const uint64_t *root = vt.ctx[c].root, *pdpt, *pd, *pt;

		for (unsigned s = 0; s < 512; s++) {
			if (vtlb_monitor_va(&vt, (uint64_t)s << 39)) { /* it reads the slot only */
				bad += root[s] != monitor_root[s];
				continue;
			}
			if (!(root[s] & PTE_P))
				continue;
			tables++;
			pdpt = shadow_table(root[s]);
			for (unsigned i = 0; i < 512; i++) {
				if (!(pdpt[i] & PTE_P))
					continue;
				tables++;
				pd = shadow_table(pdpt[i]);
				for (unsigned j = 0; j < 512; j++) {
					if (!(pd[j] & PTE_P))
						continue;
					tables++;
					pt = shadow_table(pd[j]);
					for (unsigned k = 0; k < 512; k++)
						bad += (pt[k] & PTE_P) && !pool_ma(pt[k]);
				}
			}
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(tables + vt.nfree, vt.budget);
}

/* A guest whose whole pool is random page-table entries, and which loads
 * any page of it as CR3, invalidates at random and touches addresses whose
 * walks go through that garbage: every fault is answered, every translation
 * is a page of the pool, and the shadow keeps to its budget. */
TEST(vtlb_garbage_tables_never_reach_past_the_pool_or_the_budget)
{
	static const unsigned accs[] = { 0, VTLB_ACC_W, VTLB_ACC_U, VTLB_ACC_U | VTLB_ACC_W,
					 VTLB_ACC_I, VTLB_ACC_I | VTLB_ACC_U };
	uint64_t fills = 0, faults = 0;

	setup(VTLB_MIN_PAGES + 8, 1);
	for (uint64_t gpa = 0; gpa < POOL_PAGES * 4096ull; gpa += 8)
		*(uint64_t *)gmem_page_hva(&pool, gpa) = garbage_entry();
	for (unsigned round = 0; round < 20000; round++) {
		uint64_t r = rnd(), va, gpa;
		unsigned err = 0, acc = accs[r % 6];
		int ret;

		/* Addresses whose indexes land on few entries, so walks go deep. */
		va = (rnd() & 0x0000f0603c0ff000ull) | (r & 0x800 ? 0xffff800000000000ull : 0);
		switch (r >> 4 & 15) {
		case 0:
			gpa = (rnd() % (POOL_PAGES + 2)) * 4096ull | (r >> 8 & 15); /* a PCID */
			EXPECT(vtlb_set_cr3(&vt, gpa | (r & 0x100 ? HC_CR3_NOFLUSH : 0)) <= 0);
			break;
		case 1:
			vtlb_invlpg(&vt, rnd());
			break;
		case 2:
			vtlb_flush(&vt, r >> 8 & 7, r >> 12 & 0x1fff, rnd());
			break;
		case 3: /* the guest rewrites an entry */
			*(uint64_t *)gmem_page_hva(&pool, (rnd() % (POOL_PAGES * 512)) * 8) =
				garbage_entry();
			break;
		case 4:
			if (vtlb_translate(&vt, va, acc, r & 0x200, &gpa, &err) == 0)
				EXPECT(gpa < POOL_PAGES * 4096ull);
			break;
		default:
			ret = cpu_fault(va, acc, &err);
			EXPECT(ret == 0 || ret == 1);
			fills += ret == 1;
			faults += ret == 0;
			if (ret == 1)
				EXPECT(pool_ma(shadow_ma(va, 0)));
		}
		if (round % 1000 == 0)
			check_shadow();
	}
	check_shadow();
	EXPECT(fills > 100 && faults > 100);
	teardown();
}
