/* The guest page-table builder and software walker (mm/pagetable.h). */
#include "pagetable.h"
#include "../proto/errors.h"

#define PT_ENTRIES 512

/* SDM Vol.3 4.5.4 figure 4-8: bits 47:39, 38:30, 29:21, 20:12 index the four
 * levels; level 3 is the PML4, level 0 the page table. */
static unsigned pt_index(uint64_t gva, int level)
{
	return (gva >> (MM_PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

/* SDM Vol.1 3.3.7.1: bits 63:47 of a linear address must all equal bit 47. */
static int canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

static uint64_t *table_hva(const struct pt *pt, uint64_t ma)
{
	return pt->host->ma_to_hva(pt->host->ctx, ma);
}

static int new_table(struct pt *pt, uint64_t *ma)
{
	if (pt->host->alloc_pages(pt->host->ctx, 1, ma) != 0)
		return -HCERR_NOMEM;
	__builtin_memset(table_hva(pt, *ma), 0, MM_PAGE_SIZE);
	pt->ntables++;
	return 0;
}

int pt_init(struct pt *pt, const struct mm_host *host, int use_nx)
{
	*pt = (struct pt){ .host = host, .use_nx = use_nx };
	return new_table(pt, &pt->root_ma);
}

/* A leaf's bits but its address. A and D preset: the CPU need not write them
 * back (SDM 4.8). */
static uint64_t leaf_bits(const struct pt *pt, unsigned perms)
{
	uint64_t leaf = PTE_P | PTE_A | PTE_D;

	if (perms & PT_WRITE)
		leaf |= PTE_W;
	if (!(perms & PT_EXEC) && pt->use_nx)
		leaf |= PTE_NX;
	return leaf;
}

int pt_map(struct pt *pt, uint64_t gva, uint64_t ma, unsigned perms)
{
	uint64_t table_ma = pt->root_ma;
	uint64_t *e;

	if ((gva | ma) & (MM_PAGE_SIZE - 1) || !canonical(gva) || (ma & ~PTE_ADDR_MASK))
		return -HCERR_INVAL;
	for (int level = 3; level > 0; level--) {
		e = &table_hva(pt, table_ma)[pt_index(gva, level)];
		if (!(*e & PTE_P)) {
			uint64_t next;
			int err = new_table(pt, &next);

			if (err)
				return err;
			/* Upper levels allow everything; the leaf decides (SDM 4.6.1). */
			*e = next | PTE_P | PTE_W;
		}
		table_ma = *e & PTE_ADDR_MASK;
	}
	e = &table_hva(pt, table_ma)[pt_index(gva, 0)];
	if (*e & PTE_P)
		return -HCERR_EXIST;
	*e = ma | leaf_bits(pt, perms);
	return 0;
}

int pt_protect(struct pt *pt, uint64_t gva, unsigned perms)
{
	uint64_t table_ma = pt->root_ma, *e = 0;

	if (!canonical(gva))
		return -HCERR_FAULT;
	for (int level = 3; level >= 0; level--) {
		e = &table_hva(pt, table_ma)[pt_index(gva, level)];
		if (!(*e & PTE_P))
			return -HCERR_FAULT;
		table_ma = *e & PTE_ADDR_MASK;
	}
	*e = (*e & PTE_ADDR_MASK) | leaf_bits(pt, perms);
	return 0;
}

int pt_walk(const struct pt *pt, uint64_t gva, uint64_t *ma, uint64_t *pte_bits)
{
	uint64_t table_ma = pt->root_ma, w = PTE_W, nx = 0, e = 0;

	if (!canonical(gva))
		return -HCERR_FAULT;
	for (int level = 3; level >= 0; level--) {
		e = table_hva(pt, table_ma)[pt_index(gva, level)];
		if (!(e & PTE_P))
			return -HCERR_FAULT;
		w &= e;
		nx |= e & PTE_NX;
		table_ma = e & PTE_ADDR_MASK;
	}
	*ma = (e & PTE_ADDR_MASK) | (gva & (MM_PAGE_SIZE - 1));
	*pte_bits = (e & ~(PTE_ADDR_MASK | PTE_W | PTE_NX)) | w | nx;
	return 0;
}

static void free_level(struct pt *pt, uint64_t table_ma, int level)
{
	uint64_t *t = table_hva(pt, table_ma);

	for (int i = 0; level > 0 && i < PT_ENTRIES; i++)
		if (t[i] & PTE_P)
			free_level(pt, t[i] & PTE_ADDR_MASK, level - 1);
	pt->host->free_pages(pt->host->ctx, table_ma, 1);
	pt->ntables--;
}

void pt_destroy(struct pt *pt)
{
	if (pt->host && pt->root_ma)
		free_level(pt, pt->root_ma, 3);
	pt->root_ma = 0;
}
