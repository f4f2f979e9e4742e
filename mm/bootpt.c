/* The boot page tables (mm/bootpt.h), written into the pool. The direct map
 * uses 2 MiB pages where a whole one lies inside the pool (SDM Vol.3 4.5.4,
 * table 4-17: a PDE with PS) and 4 KiB pages for the rest; the image's pages
 * are 4 KiB each with their program header's rights. Every leaf is global
 * (G): the guest's processes share the kernel's half. */
#include "bootpt.h"
#include "guestmem.h"
#include "pagetable.h"
#include "../proto/layout.h"

#define TWO_MIB (UINT64_C(1) << 21)

struct builder {
	const struct pool *p;
	uint64_t next_gpa, npages;
	uint64_t root;
	int use_nx;
};

static uint64_t new_table(struct builder *b)
{
	uint64_t gpa = b->next_gpa;

	b->next_gpa += GUEST_PAGE_SIZE;
	b->npages++;
	return gpa;
}

static uint64_t *entry(struct builder *b, uint64_t table, unsigned i)
{
	return (uint64_t *)gmem_page_hva(b->p, table) + i;
}

/* The table below entry i of `table` (level > 0), made if absent. Upper
 * levels allow everything (P, RW); the leaves decide (SDM Vol.3 4.6). */
static uint64_t below(struct builder *b, uint64_t table, unsigned i)
{
	uint64_t *e = entry(b, table, i), t;

	if (!(*e & PTE_P)) {
		t = new_table(b);
		*e = t | PTE_P | PTE_W;
	}
	return *e & PTE_ADDR_MASK;
}

static unsigned ix(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511u;
}

static uint64_t leaf_bits(const struct builder *b, unsigned perms)
{
	uint64_t e = PTE_P | PTE_G;

	if (perms & PT_WRITE)
		e |= PTE_W;
	if (!(perms & PT_EXEC) && b->use_nx)
		e |= PTE_NX;
	return e;
}

static void map_dmap(struct builder *b, uint64_t pool_bytes)
{
	uint64_t bits = leaf_bits(b, PT_WRITE);

	for (uint64_t gpa = 0; gpa < pool_bytes;) {
		uint64_t va = GUEST_DMAP_BASE + gpa;
		uint64_t pdpt = below(b, b->root, ix(va, 3));
		uint64_t pd = below(b, pdpt, ix(va, 2));

		if (gpa + TWO_MIB <= pool_bytes) {
			*entry(b, pd, ix(va, 1)) = gpa | bits | PTE_PS;
			gpa += TWO_MIB;
		} else {
			uint64_t pt = below(b, pd, ix(va, 1));

			*entry(b, pt, ix(va, 0)) = gpa | bits;
			gpa += GUEST_PAGE_SIZE;
		}
	}
}

static void map_range(struct builder *b, const struct bootpt_range *r)
{
	for (uint64_t off = 0; off < r->bytes; off += GUEST_PAGE_SIZE) {
		uint64_t va = r->gva + off;
		uint64_t pt = below(b, below(b, below(b, b->root, ix(va, 3)), ix(va, 2)), ix(va, 1));

		*entry(b, pt, ix(va, 0)) = (r->gpa + off) | leaf_bits(b, r->perms);
	}
}

uint64_t bootpt_pages(uint64_t pool_bytes, const struct bootpt_range *r, unsigned n)
{
	uint64_t pages = 1; /* the PML4 */
	uint64_t last[3] = { ~0ull, ~0ull, ~0ull };

	/* The direct map: its PDPT, a PD per GiB, a PT for a tail under 2 MiB. */
	pages += 1 + (pool_bytes + (UINT64_C(1) << 30) - 1) / (UINT64_C(1) << 30);
	if (pool_bytes % TWO_MIB)
		pages++;
	/* The image: a PDPT per PML4 slot, a PD per GiB, a PT per 2 MiB it
	 * touches; the ranges are ascending (elf_check), so a change of the
	 * prefix is a new table. */
	for (unsigned i = 0; i < n; i++) {
		for (uint64_t off = 0; off < r[i].bytes; off += GUEST_PAGE_SIZE) {
			uint64_t va = r[i].gva + off;
			uint64_t key[3] = { va >> 39, va >> 30, va >> 21 };

			for (int k = 0; k < 3; k++) {
				if (key[k] != last[k]) {
					pages++;
					last[k] = key[k];
				}
			}
		}
	}
	return pages;
}

uint64_t bootpt_build(const struct pool *p, uint64_t at_gpa, const struct bootpt_range *r,
		      unsigned n, int use_nx, uint64_t *used_pages)
{
	struct builder b = { .p = p, .next_gpa = at_gpa, .use_nx = use_nx };

	b.root = new_table(&b);
	map_dmap(&b, pool_bytes(p));
	for (unsigned i = 0; i < n; i++)
		map_range(&b, &r[i]);
	*used_pages = b.npages;
	return b.root;
}
