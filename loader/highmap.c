/* The passage's mapping in an identity-mapped host's own tables (loader/highmap.h):
 * built aside, linked into the loaded PML4 with one write, unlinked with another.
 * The PML4 holds no other entry of ours, so the host's own mappings are never
 * touched. */
#include "highmap.h"
#include "log.h"
#include "../proto/errors.h"
#include "../proto/layout.h"

#define CR0_WP (1ull << 16) /* SDM Vol.3 2.5: ring 0 honours read-only pages */

/* SDM Vol.3 4.10.4.1: INVLPG drops the page's TLB entries and every entry of
 * the paging-structure caches, so a slot changed is seen on the next access. */
static void flush(void)
{
	for (uint64_t i = 0; i < PASSAGE_NPAGES; i++)
		__asm__ volatile("invlpg (%0)" : : "r"(LAYOUT_PASSAGE_BASE + i * 4096) : "memory");
}

/* Write the host's PML4 entry. OVMF keeps its page-table pages read-only
 * (EDK2's page-table protection: the 2 MiB page that holds its PML4 has R/W
 * clear) and runs with CR0.WP set, so there the one write is made with WP
 * clear (SDM Vol.3 2.5, 4.6: a supervisor write to a read-only page is then
 * allowed), interrupts off so that no host handler runs meanwhile (an NMI
 * still could; it writes no read-only page either), and WP set again. */
static void write_slot(struct highmap *hm, uint64_t entry)
{
	uint64_t flags, cr0;

	if (!hm->slot_read_only) {
		*(volatile uint64_t *)hm->slot = entry;
		return;
	}
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_WP) : "memory");
	*(volatile uint64_t *)hm->slot = entry;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	__asm__ volatile("push %0; popfq" : : "r"(flags) : "memory", "cc");
}

int highmap_map(struct highmap *hm, const struct mm_host *mm, int use_nx, int pml4_read_only,
		const uint64_t ma[PASSAGE_NPAGES])
{
	unsigned slot = layout_slot(LAYOUT_PASSAGE_BASE);
	uint64_t cr3, *pml4, *root;
	int err;

	*hm = (struct highmap){ .slot_read_only = pml4_read_only };
	/* Four levels: monitor_start refused CR4.LA57. Both hosts run with
	 * virtual = physical, so the PML4 is at its machine address. */
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(uintptr_t)(cr3 & PTE_ADDR_MASK);
	if (pml4[slot] & PTE_P) {
		log_printf("monitor: the host's PML4 slot %u is in use (entry %lx): no room for "
			   "the passage at %lx\n", slot, pml4[slot], LAYOUT_PASSAGE_BASE);
		return -HCERR_EXIST;
	}
	err = pt_init(&hm->pt, mm, use_nx);
	for (uint64_t i = 0; !err && i < PASSAGE_NPAGES; i++)
		err = pt_map(&hm->pt, LAYOUT_PASSAGE_BASE + i * 4096, ma[i], PT_WRITE);
	if (err) {
		pt_destroy(&hm->pt);
		return err;
	}
	root = mm->ma_to_hva(mm->ctx, hm->pt.root_ma);
	hm->slot = &pml4[slot];
	write_slot(hm, root[slot]);
	flush();
	return 0;
}

int highmap_seal(struct highmap *hm)
{
	int err = pt_protect(&hm->pt, LAYOUT_PASSAGE_BASE, PT_EXEC);

	flush(); /* SDM Vol.3 4.10.4.2: W taken away, so the old entry must go */
	return err;
}

void highmap_unmap(struct highmap *hm)
{
	if (hm->slot) {
		write_slot(hm, 0);
		hm->slot = 0;
		flush();
	}
	pt_destroy(&hm->pt);
}
