/* Lab lazy: the page fault that gives a heap page its frame (lazy.h,
 * docs/labs/lazy.md). The process's tables and the frame are pool pages of
 * guest/palloc.h; the kit's pt_map makes the tables on the way. */
#include "lazy.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"
#include "../../../guest/pt.h"

#define PAGE 4096ull

// LAB(lazy) BEGIN
int lazy_fault(struct proc *p, uint64_t va, uint64_t err)
{
	uint64_t gpa;

	/* SDM Vol.3 4.7: P set means the page was there and the access broke
	 * its rights; that is no page missing, whatever the address. */
	if (err & PF_ERR_P)
		return 0;
	/* The heap is [image_end, brk), inside the lower half by sbrk's limit:
	 * so this also turns away the kernel's half and every unmapped page
	 * below or above it. */
	if (va < p->image_end || va >= p->brk)
		return 0;
	gpa = palloc(); /* zeroed: the program must see zeros, not another's bytes */
	if (!gpa)
		return LAZY_ENOMEM;
	/* No invalidation: a not-present entry is never cached (SDM Vol.3
	 * 4.10.2.3), so the retried access walks the tables afresh. */
	if (pt_map(p->root, va & ~(PAGE - 1), gpa, PAGE, PTE_W | PTE_U | PTE_NX) != 0) {
		palloc_unref(gpa);
		return LAZY_ENOMEM;
	}
	return 1;
}
// LAB(lazy) STARTER
// int lazy_fault(struct proc *p, uint64_t va, uint64_t err)
// {
// 	(void)p, (void)va, (void)err;
// 	return 0; /* your code: a page missing in the heap gets a fresh frame */
// }
// LAB(lazy) END
