/* Lab cow: fork's copy-on-write copy of an address space and the write
 * fault that ends the sharing (cow.h, docs/labs/cow.md). Tables and frames
 * are pool pages of guest/palloc.h, reached through the direct map. */
#include "cow.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"

#define PAGE 4096ull

// LAB(cow) BEGIN
static uint64_t *table(uint64_t gpa)
{
	return gpa_to_virt(gpa);
}

/* The table under entry *d of dst, made (P W U) if it is missing. */
static int child_table(uint64_t *d)
{
	uint64_t page;

	if (*d & PTE_P)
		return COW_OK;
	page = palloc();
	if (!page)
		return COW_ENOMEM;
	*d = page | PTE_P | PTE_W | PTE_U;
	return COW_OK;
}

/* One table of src and its copy in dst, level 0 being the leaves; *shrunk
 * says a leaf of src lost its write access. */
static int copy_table(uint64_t src, uint64_t dst, int level, int *shrunk)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t *s = &table(src)[i], *d = &table(dst)[i];

		if (!(*s & PTE_P))
			continue;
		if (level > 0) {
			if (child_table(d) || copy_table(*s & PTE_ADDR, *d & PTE_ADDR, level - 1, shrunk))
				return COW_ENOMEM;
			continue;
		}
		if (*s & PTE_W) { /* shared now: the first write of either side copies */
			*s = (*s & ~PTE_W) | PTE_COW;
			*shrunk = 1;
		}
		*d = *s;
		palloc_ref(*s & PTE_ADDR);
	}
	return COW_OK;
}

int cow_copy(uint64_t src, uint64_t dst)
{
	int shrunk = 0, err = COW_OK;

	for (unsigned i = 0; i < 256 && !err; i++) { /* the lower half: user space */
		uint64_t *s = &table(src)[i], *d = &table(dst)[i];

		if (*s & PTE_P)
			err = child_table(d) ? COW_ENOMEM :
					       copy_table(*s & PTE_ADDR, *d & PTE_ADDR, 2, &shrunk);
	}
	/* SDM Vol.3 4.10.4.3: a TLB may still hold the writable translations
	 * taken away here, and would let the parent write the shared frames;
	 * the kernel's own (global) ones are unchanged. */
	if (shrunk && src == cr3_current())
		hypercall(HC_FLUSH, HC_FLUSH_ALL_NONGLOBAL, 0, 0);
	return err;
}

int cow_fault(uint64_t root, uint64_t va, uint64_t err)
{
	uint64_t *e = pt_walk(root, va, 0), old, copy;

	if (!(err & PF_ERR_W) || !e || !(*e & PTE_P) || !(*e & PTE_COW))
		return 0; /* a fault of the program's own: a real protection violation */
	old = *e & PTE_ADDR;
	if (palloc_refs(old) == 1) { /* the last sharer: the frame is its own again */
		*e = (*e | PTE_W) & ~PTE_COW;
	} else {
		copy = palloc();
		if (!copy)
			return COW_ENOMEM;
		__builtin_memcpy(gpa_to_virt(copy), gpa_to_virt(old), PAGE);
		*e = copy | ((*e | PTE_W) & ~(PTE_COW | PTE_ADDR));
		palloc_unref(old);
	}
	/* SDM Vol.3 4.10.4.3: the read-only translation may be cached still. */
	if (root == cr3_current())
		invlpg(va & ~(PAGE - 1));
	return 1;
}
// LAB(cow) STARTER
// int cow_copy(uint64_t src, uint64_t dst)
// {
// 	(void)src, (void)dst;
// 	return COW_ENOMEM; /* your code: walk src's lower half, share each page */
// }
//
// int cow_fault(uint64_t root, uint64_t va, uint64_t err)
// {
// 	(void)root, (void)va, (void)err;
// 	return 0; /* your code: a write to a PTE_COW page: copy it, or reuse it */
// }
// LAB(cow) END
