/* Lab lazy: allocation on fault (docs/labs/lazy.md), xv6's lazy lab on
 * x86-64: sbrk only moves the break; a heap page gets its frame on the first
 * touch, through a #PF. The kit's processes (guest/proc.h) call lazy_fault
 * through proc_lazy_fault for every fault its copy-on-write does not take. */
#ifndef LABS_LAZY_LAZY_H
#define LABS_LAZY_LAZY_H

#include <stdint.h>
#include "../../../guest/proc.h"

#define LAZY_ENOMEM (-1) /* no page left for the frame or a table */

/* A #PF of process p at va (CR2, as it came: any address, the kernel's half
 * too), err its error code (SDM Vol.3 4.7: PF_ERR_P, PF_ERR_W, PF_ERR_U in
 * guest/kernel.h), in p's ring-3 code or inside a system call's copy of p's
 * memory (then PF_ERR_U is clear). A lazy fault is one on a page NOT present
 * inside p's heap, [p->image_end, p->brk): made good with a fresh frame
 * (palloc: zeroed, one reference) mapped at va's page in p->root, P W U NX;
 * 1. Anything else is 0 and changes nothing, takes nothing: a fault on a
 * present page (a write to a read-only page is the program's own error),
 * below the heap, at or past the break, in the kernel's half. LAZY_ENOMEM
 * when no page is left (nothing kept). p's tables need not be the ones
 * loaded: never touch va itself. */
int lazy_fault(struct proc *p, uint64_t va, uint64_t err);

#endif
