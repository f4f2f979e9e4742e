/* Lab cow: fork with copy-on-write (docs/labs/cow.md), xv6's cow lab on
 * x86-64: fork shares every user page of the parent with the child, both
 * read-only, a reference per sharer (guest/palloc.h); the first write to a
 * shared page takes a #PF, and only then is the page copied. The kit's
 * processes (guest/proc.h) call these two through proc_fork_copy and
 * proc_write_fault. */
#ifndef LABS_COW_COW_H
#define LABS_COW_COW_H

#include <stdint.h>
#include "../../../guest/pt.h" /* PTE_*, PTE_COW, pt_walk, invlpg, cr3_current */

#define COW_OK 0
#define COW_ENOMEM (-1) /* no page left for a table or a copy */

/* fork's copy: every present 4 KiB page of src's lower half (PML4 slots
 * 0-255) mapped at the same address in dst (a fresh table: pt_new) on the
 * same frame, which gets one reference more (palloc_ref). A page that was
 * writable becomes read-only and PTE_COW in both tables; a read-only page
 * stays read-only, not PTE_COW. dst's tables above the leaves are its own
 * pages (P W U). src's translations that lost their write access are
 * invalidated when src is the table loaded (cr3_current()). COW_OK, or
 * COW_ENOMEM (the kit then frees dst with pt_free). */
int cow_copy(uint64_t src, uint64_t dst);

/* A #PF on a present user page at va under root (the running process's
 * table, loaded), err its error code (SDM Vol.3 4.7: PF_ERR_P, PF_ERR_W in
 * guest/kernel.h). A write to a PTE_COW page is made good: when the frame
 * has other references, a copy of it in a new frame, the old one given one
 * reference back (palloc_unref); when it has only this one, the frame itself;
 * either way the leaf writable and not PTE_COW, its old translation
 * invalidated. 1 when made good; 0 when it is no copy-on-write fault (not a
 * write, or the page is not PTE_COW: the process is killed); COW_ENOMEM. */
int cow_fault(uint64_t root, uint64_t va, uint64_t err);

#endif
