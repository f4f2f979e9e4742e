/* The kit's page tables (guest/pt.h): xv6's walkpgdir and mappages, unmap,
 * free, fork's copy-on-write copy and vmprint, over x86-64 4-level tables. */
#include "hypercall.h"
#include "kernel.h"
#include "palloc.h"
#include "pt.h"

static uint64_t current_root; /* 0 until a cr3_load: the boot tables */

static uint64_t *table(uint64_t gpa)
{
	return gpa_to_virt(gpa);
}

static unsigned ix(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

uint64_t cr3_current(void)
{
	return current_root ? current_root : boot->boot_cr3;
}

int64_t cr3_load(uint64_t root, uint32_t pcid, int noflush)
{
	int64_t r = hypercall(HC_SET_CR3, root | pcid | (noflush ? HC_CR3_NOFLUSH : 0), 0, 0);

	if (r == 0)
		current_root = root;
	return r;
}

void invlpg(uint64_t va)
{
	hypercall(HC_INVLPG, va, 0, 0);
}

void tlb_flush_all(void)
{
	hypercall(HC_FLUSH, HC_FLUSH_ALL, 0, 0);
}

uint64_t pt_new(void)
{
	uint64_t root = palloc();
	const uint64_t *boot_pml4 = table(boot->boot_cr3);

	if (!root)
		return 0;
	for (unsigned i = 256; i < 512; i++) /* the kernel's half, shared */
		table(root)[i] = boot_pml4[i];
	return root;
}

uint64_t *pt_walk(uint64_t root, uint64_t va, int alloc)
{
	uint64_t t = root;

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table(t)[ix(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t page = alloc ? palloc() : 0;

			if (!page)
				return 0;
			*e = page | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return 0; /* a large page: no 4 KiB entry to give */
		}
		t = *e & PTE_ADDR;
	}
	return &table(t)[ix(va, 0)];
}

int pt_map(uint64_t root, uint64_t va, uint64_t gpa, uint64_t len, uint64_t bits)
{
	for (uint64_t off = 0; off < len; off += 4096) {
		uint64_t *e = pt_walk(root, va + off, 1);

		if (!e || (*e & PTE_P))
			return -1;
		*e = (gpa + off) | bits | PTE_P;
	}
	return 0;
}

void pt_unmap(uint64_t root, uint64_t va, uint64_t len, int free_frames)
{
	for (uint64_t off = 0; off < len; off += 4096) {
		uint64_t *e = pt_walk(root, va + off, 0);

		if (!e || !(*e & PTE_P))
			continue;
		if (free_frames)
			palloc_unref(*e & PTE_ADDR);
		*e = 0;
		if (root == cr3_current())
			invlpg(va + off); /* SDM Vol.3 4.10.4.2: the TLB may hold it */
	}
}

static void free_level(uint64_t t, int level)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = table(t)[i];

		if (!(e & PTE_P))
			continue;
		/* The tables below, and the frames of 4 KiB leaves that are the
		 * allocator's; a large page's frame is the caller's (guest/pt.h:
		 * pt_copy_cow shares it uncounted). */
		if (level > 0 && !(e & PTE_PS))
			free_level(e & PTE_ADDR, level - 1);
		else if (level == 0 && palloc_refs(e & PTE_ADDR))
			palloc_unref(e & PTE_ADDR);
	}
	palloc_unref(t);
}

void pt_free(uint64_t root)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t e = table(root)[i];

		if (e & PTE_P)
			free_level(e & PTE_ADDR, 2);
	}
	palloc_unref(root);
}

static int copy_level(uint64_t src, uint64_t dst, int level, uint64_t va, int *changed)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t *s = &table(src)[i], v = va | (uint64_t)i << (12 + 9 * level);

		if (!(*s & PTE_P))
			continue;
		if (level > 0 && (*s & PTE_PS)) { /* a large page: shared as it is */
			table(dst)[i] = *s;
			continue;
		}
		if (level > 0) {
			uint64_t *d = &table(dst)[i];

			if (!(*d & PTE_P)) {
				uint64_t page = palloc();

				if (!page)
					return -1;
				*d = page | (*s & ~PTE_ADDR);
			}
			if (copy_level(*s & PTE_ADDR, *d & PTE_ADDR, level - 1, v, changed))
				return -1;
			continue;
		}
		if (*s & PTE_W) { /* both read-only now: the first write copies */
			*s = (*s & ~PTE_W) | PTE_COW;
			*changed = 1;
		}
		table(dst)[i] = *s;
		if (palloc_refs(*s & PTE_ADDR))
			palloc_ref(*s & PTE_ADDR);
	}
	return 0;
}

int pt_copy_cow(uint64_t src, uint64_t dst)
{
	int changed = 0, err = 0;

	for (unsigned i = 0; i < 256 && !err; i++) {
		uint64_t *s = &table(src)[i], *d = &table(dst)[i];

		if (!(*s & PTE_P))
			continue;
		if (!(*d & PTE_P)) {
			uint64_t page = palloc();

			if (!page)
				return -1;
			*d = page | (*s & ~PTE_ADDR);
		}
		err = copy_level(*s & PTE_ADDR, *d & PTE_ADDR, 2, (uint64_t)i << 39, &changed);
	}
	/* Write access taken away from translations the TLB may hold: SDM
	 * Vol.3 4.10.4.3 says software must invalidate them. */
	if (changed && src == cr3_current())
		hypercall(HC_FLUSH, HC_FLUSH_ALL_NONGLOBAL, 0, 0);
	return err;
}

static void print_level(uint64_t t, int level, uint64_t va)
{
	static const char *const pad[4] = { " .. .. .. ..", " .. .. ..", " .. ..", " .." };

	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = table(t)[i], v = va | (uint64_t)i << (12 + 9 * level);

		if (!(e & PTE_P))
			continue;
		printf("%s%u: pte %016lx pa %lx%s%s%s%s\n", pad[level], i, e, e & PTE_ADDR,
		       e & PTE_W ? " W" : "", e & PTE_U ? " U" : "", e & PTE_NX ? " NX" : "",
		       level && (e & PTE_PS) ? " PS" : "");
		if (level > 0 && !(e & PTE_PS))
			print_level(e & PTE_ADDR, level - 1, v);
	}
}

void pt_print(uint64_t root)
{
	printf("page table %lx\n", root);
	for (unsigned i = 0; i < 256; i++) {
		uint64_t e = table(root)[i];

		if (!(e & PTE_P))
			continue;
		printf(" ..%u: pte %016lx pa %lx\n", i, e, e & PTE_ADDR);
		print_level(e & PTE_ADDR, 2, (uint64_t)i << 39);
	}
}
