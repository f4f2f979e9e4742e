/* bigpages: 2 MiB pages (a PDE with PS) and 1 GiB pages (a PDPTE with PS)
 * in the guest's own tables, over its pool (frames are gpa): the right bytes
 * through them, INVLPG anywhere in one dropping all of it, R/W and NX, the
 * reserved bits of SDM Vol.3 4.5.4 (tables 4-15 to 4-17), and what lies past
 * the pool inside a 1 GiB page: a #PF with RSVD, as for a reserved bit. */
#include "check.h"
#include "progs.h"
#include "ptcheck.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../pt.h"

#define SIZE_2M 0x200000ull
#define SIZE_1G 0x40000000ull
#define VA_1G 0x0000008000000000ull       /* PML4 slot 1, PDPTE 0 */
#define VA_2M (VA_1G + SIZE_1G)           /* PML4 slot 1, PDPTE 1, PDE 0 */
#define VA_PS_PML4 0x0000010000000000ull  /* PML4 slot 2 */
#define PCID 1
#define RET_AT 0x3000 /* a RET in F2's page 3, for probe_exec */
#define ERR_RSVD_READ (PF_ERR_P | PF_ERR_RSVD)

static uint64_t f1, f2; /* the two 2 MiB frames */

static uint64_t *dmap(uint64_t gpa)
{
	return gpa_to_virt(gpa);
}

/* Each 2 MiB frame says which it is at its start, at its end, and at one
 * offset between. */
static void mark(uint64_t frame, uint64_t tag)
{
	*dmap(frame) = tag;
	*dmap(frame + 0x12340) = tag + 1;
	*dmap(frame + SIZE_2M - 8) = tag + 2;
}

static void check_2m(uint64_t root)
{
	uint64_t *pde = ptcheck_entry(root, VA_2M, 1, 1);

	*pde = f1 | PTE_P | PTE_W | PTE_PS | PTE_NX;
	check_eq("a 2 MiB page reads its frame's first u64", ptcheck_read(VA_2M), 0xb1);
	check_eq("one in the middle", ptcheck_read(VA_2M + 0x12340), 0xb2);
	check_eq("and its last", ptcheck_read(VA_2M + SIZE_2M - 8), 0xb3);
	ptcheck_write(VA_2M + 0x1ff010, 0xb10);
	check_eq("a write through it lands in the frame (read by the direct map)",
		 *dmap(f1 + 0x1ff010), 0xb10);

	*pde = f2 | PTE_P | PTE_W | PTE_PS | PTE_NX; /* its start and end are cached */
	check_eq("remapped to another frame: its start still reads the old one (cached)",
		 ptcheck_read(VA_2M), 0xb1);
	invlpg(VA_2M + SIZE_2M - 8);
	check_eq("INVLPG of its last bytes: its start reads the new frame", ptcheck_read(VA_2M),
		 0xc1);
	check_eq("and its middle", ptcheck_read(VA_2M + 0x12340), 0xc2);

	*pde = f2 | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_2M);
	ptcheck_pf("read-only: a write faults (present, write)", probe_write(VA_2M + 8), VA_2M + 8,
		   PF_ERR_P | PF_ERR_W);
	check_eq("and a read works", ptcheck_read(VA_2M), 0xc1);
	*pde = f2 | PTE_P | PTE_PS;
	invlpg(VA_2M);
	check_eq("without NX it executes (a RET)", (uint64_t)probe_exec(VA_2M + RET_AT), 0);
	*pde = f2 | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_2M);
	ptcheck_pf("with NX a fetch faults (present, fetch)", probe_exec(VA_2M + RET_AT),
		   VA_2M + RET_AT, PF_ERR_P | PF_ERR_I);

	/* SDM Vol.3 table 4-17: bits 20:13 of a 2 MiB PDE are reserved; bit
	 * 12 is PAT, no part of the frame. */
	*pde = f2 | (1ull << 13) | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_2M);
	ptcheck_pf("bit 13 set in a 2 MiB PDE: #PF with RSVD", probe_read(VA_2M), VA_2M,
		   ERR_RSVD_READ);
	*pde = f2 | (1ull << 20) | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_2M);
	ptcheck_pf("bit 20: RSVD too", probe_read(VA_2M + 0x100), VA_2M + 0x100, ERR_RSVD_READ);
	*pde = f2 | (1ull << 12) | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_2M);
	check_eq("bit 12 (PAT) is neither reserved nor the frame's", ptcheck_read(VA_2M), 0xc1);
	*pde = 0;
	invlpg(VA_2M);
}

/* A 1 GiB page must start at a 1 GiB-aligned frame: gpa 0, the pool's start.
 * Only its first pool_bytes exist; the vTLB gives a frame outside the pool
 * a #PF with RSVD (mm/vtlb.h), as hardware does for a reserved bit. */
static void check_1g(uint64_t root)
{
	uint64_t *pdpte = ptcheck_entry(root, VA_1G, 2, 1), pool = boot->pool_bytes;

	*pdpte = 0 | PTE_P | PTE_W | PTE_PS | PTE_NX;
	check_eq("a 1 GiB page over gpa 0 reads the boot info at its gpa",
		 ptcheck_read(VA_1G + boot->bootinfo_gpa), BOOTINFO_MAGIC);
	check_eq("and a 2 MiB frame's middle", ptcheck_read(VA_1G + f1 + 0x12340), 0xb2);
	ptcheck_write(VA_1G + f2 + 0x5008, 0x1a1);
	check_eq("a write through it lands in the frame (read by the direct map)",
		 *dmap(f2 + 0x5008), 0x1a1);
	check_eq("the pool's last byte is there", (uint64_t)probe_read(VA_1G + pool - 1), 0);
	ptcheck_pf("the byte after the pool, inside the page: #PF with RSVD",
		   probe_read(VA_1G + pool), VA_1G + pool, ERR_RSVD_READ);
	ptcheck_pf("and the page's last byte", probe_read(VA_1G + SIZE_1G - 1),
		   VA_1G + SIZE_1G - 1, ERR_RSVD_READ);

	*pdpte = PTE_P | PTE_PS;
	invlpg(VA_1G + 0x1000);
	ptcheck_pf("read-only: a write faults (present, write)", probe_write(VA_1G + f2),
		   VA_1G + f2, PF_ERR_P | PF_ERR_W);
	check_eq("without NX it executes (a RET)", (uint64_t)probe_exec(VA_1G + f2 + RET_AT), 0);
	*pdpte = PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_1G);
	ptcheck_pf("with NX a fetch faults (present, fetch)", probe_exec(VA_1G + f2 + RET_AT),
		   VA_1G + f2 + RET_AT, PF_ERR_P | PF_ERR_I);

	(void)ptcheck_read(VA_1G + f1 + 0x12340); /* cached again */
	*pdpte = SIZE_1G | PTE_P | PTE_PS | PTE_NX; /* gpa 1 GiB: wholly outside the pool */
	check_eq("remapped past the pool: the cached translation still reads",
		 ptcheck_read(VA_1G + f1 + 0x12340), 0xb2);
	invlpg(VA_1G + SIZE_1G - 8);
	ptcheck_pf("INVLPG of its last bytes drops all of it: that read faults, RSVD",
		   probe_read(VA_1G + f1 + 0x12340), VA_1G + f1 + 0x12340, ERR_RSVD_READ);

	/* SDM Vol.3 table 4-15: bits 29:13 of a 1 GiB PDPTE are reserved. */
	*pdpte = (1ull << 13) | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_1G);
	ptcheck_pf("bit 13 set in a 1 GiB PDPTE: #PF with RSVD", probe_read(VA_1G), VA_1G,
		   ERR_RSVD_READ);
	*pdpte = (1ull << 29) | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_1G);
	ptcheck_pf("bit 29: RSVD too", probe_read(VA_1G + f1), VA_1G + f1, ERR_RSVD_READ);
	*pdpte = (1ull << 12) | PTE_P | PTE_PS | PTE_NX;
	invlpg(VA_1G);
	check_eq("bit 12 (PAT) is neither reserved nor the frame's",
		 ptcheck_read(VA_1G + boot->bootinfo_gpa), BOOTINFO_MAGIC);
	*pdpte = 0;
	invlpg(VA_1G);
}

/* SDM Vol.3 table 4-14: PS (bit 7) of a PML4 entry is reserved. */
static void check_pml4_ps(uint64_t root)
{
	uint64_t *pml4e = ptcheck_entry(root, VA_PS_PML4, 3, 0);

	*pml4e = PTE_P | PTE_W | PTE_PS;
	ptcheck_pf("PS in a PML4 entry: #PF with RSVD", probe_read(VA_PS_PML4), VA_PS_PML4,
		   ERR_RSVD_READ);
	*pml4e = 0;
}

/* pt_free gives back the frames of 4 KiB leaves only: a large page's frame
 * is its mapper's (guest/pt.h), even where its first page is palloc's. Pages
 * are taken until one is 2 MiB-aligned, and a 2 MiB page left mapped there. */
#define TAKE_MAX 1024
static uint64_t taken[TAKE_MAX];
static void check_free_leaves_large(uint64_t root)
{
	uint64_t page = 0;
	int n = 0;

	while (n < TAKE_MAX && !page) {
		uint64_t p = palloc();

		if (!p)
			break;
		taken[n++] = p;
		if (!(p & (SIZE_2M - 1)))
			page = p;
	}
	check("palloc gives a 2 MiB-aligned page", page != 0);
	if (page)
		*ptcheck_entry(root, VA_2M, 1, 1) = page | PTE_P | PTE_PS | PTE_NX;
	pt_free(root);
	if (page)
		check_eq("pt_free of a table mapping it as a 2 MiB page leaves it to its owner",
			 palloc_refs(page), 1);
	while (n--)
		if (palloc_refs(taken[n]))
			palloc_unref(taken[n]);
}

int prog_bigpages(void)
{
	uint64_t free_before, root, pool = boot->pool_bytes;

	check_begin("bigpages");
	free_before = palloc_free_pages();
	/* The pool's last two whole 2 MiB: guest/palloc.c takes pages in order,
	 * and has handed these to no one. */
	f2 = (pool & ~(SIZE_2M - 1)) - SIZE_2M;
	f1 = f2 - SIZE_2M;
	root = pt_new();
	check("a top-level table, and a pool smaller than 1 GiB with 4 MiB to spare",
	      root && pool < SIZE_1G && f1 >= boot->free_gpa + 0x400000);
	if (!root || pool >= SIZE_1G)
		return check_end();
	mark(f1, 0xb1);
	mark(f2, 0xc1);
	*(volatile uint8_t *)dmap(f2 + RET_AT) = 0xc3;
	check_eq("loaded", (uint64_t)cr3_load(root, PCID, 0), 0);
	check_2m(root);
	check_1g(root);
	check_pml4_ps(root);

	check_eq("back to the boot tables", (uint64_t)cr3_load(boot->boot_cr3, 0, 0), 0);
	hypercall(HC_FLUSH, HC_FLUSH_PCID, PCID, 0);
	check_free_leaves_large(root);
	check_eq("every page given back", palloc_free_pages(), free_before);
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: trees dropped (0 for room)
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
