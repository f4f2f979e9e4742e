/* The kit's page tables: what an x86-64 kernel does with its own (SDM Vol.3
 * 4.5, 4-level paging), frames being gpa (the pool is the guest's physical
 * memory). Tables live in pool pages from guest/palloc.h, reached through
 * the direct map. The three instructions a ring-1 kernel may not execute
 * are hypercalls here (docs/ABI.md, "x86-64 operation -> what a cokernel
 * guest does instead"): cr3_load (`mov cr3`), invlpg, tlb_flush. */
#ifndef GUEST_PT_H
#define GUEST_PT_H

#include <stdint.h>

/* SDM Vol.3 4.5, tables 4-15 to 4-20: paging-structure entry bits. */
#define PTE_P (1ull << 0)   /* present */
#define PTE_W (1ull << 1)   /* writable */
#define PTE_U (1ull << 2)   /* user: ring 3 may use it */
#define PTE_A (1ull << 5)   /* accessed: set by the CPU (here the monitor) */
#define PTE_D (1ull << 6)   /* dirty: set on the first write */
#define PTE_PS (1ull << 7)  /* a 2 MiB page in a PDE, 1 GiB in a PDPTE */
#define PTE_G (1ull << 8)   /* global: survives a CR3 load */
#define PTE_COW (1ull << 9) /* ignored by the CPU (bit 9): the kit's copy-on-write mark */
#define PTE_NX (UINT64_C(1) << 63) /* no execute */
#define PTE_ADDR UINT64_C(0x000ffffffffff000)

#define PT_USER_TOP 0x0000800000000000ull /* the lower half: user space */

/* A new top-level table: the kernel's half (the boot tables' upper-half
 * entries: the direct map and the image) shared, the lower half empty. 0
 * when no page is left. */
uint64_t pt_new(void);
/* The 4 KiB leaf entry for va under root; with alloc, the tables on the way
 * are made (upper entries P|W|U: the leaf decides, SDM Vol.3 4.6). 0 when va
 * has none (or a large page covers it, or no page is left). */
uint64_t *pt_walk(uint64_t root, uint64_t va, int alloc);
/* Map [va, va + len) to [gpa, ...) with these bits (PTE_P added). 0, or -1
 * when a table page cannot be had or a page is mapped already. */
int pt_map(uint64_t root, uint64_t va, uint64_t gpa, uint64_t len, uint64_t bits);
/* Unmap [va, va + len): each page's entry cleared (its frame unreferenced
 * with free_frames), then invalidated if root is loaded. */
void pt_unmap(uint64_t root, uint64_t va, uint64_t len, int free_frames);
/* Give back a table's user half: every frame of guest/palloc.h it maps
 * unreferenced (others, and large pages, are the caller's), every table
 * below the PML4 freed, then the PML4. */
void pt_free(uint64_t root);
/* fork's copy: every user page of src mapped in dst too, read-only and
 * marked PTE_COW in both where it was writable, its reference counted
 * (large pages are shared as they are). 0, or
 * -1 when a table page cannot be had. src's own changes are invalidated if it
 * is loaded. */
int pt_copy_cow(uint64_t src, uint64_t dst);
/* xv6's vmprint: every present entry of the lower half, one line each,
 * indented by level. */
void pt_print(uint64_t root);

/* `mov cr3`: HC_SET_CR3 with a PCID; noflush keeps its translations. */
int64_t cr3_load(uint64_t root, uint32_t pcid, int noflush);
uint64_t cr3_current(void); /* the root last loaded (the boot tables at first) */
void invlpg(uint64_t va);
void tlb_flush_all(void); /* global translations too */

#endif
