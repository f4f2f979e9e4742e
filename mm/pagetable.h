/* The guest page-table builder: 4-level x86-64 tables of 4 KiB pages, built in
 * monitor pages (never in the pool, so the guest cannot rewrite them through
 * its direct map), and a software walker that the tests and the monitor's
 * diagnostics use to read them back. Bare metal and UEFI build the passage's
 * tables in their own address space with it too (loader/highmap.c). SDM Vol.3
 * 4.5 (4-level paging). */
#ifndef MM_PAGETABLE_H
#define MM_PAGETABLE_H

#include <stdint.h>
#include "mm_host.h"

/* SDM Vol.3 4.5, tables 4-15 to 4-20: paging-structure entry bits. */
#define PTE_P (1ull << 0)   /* present */
#define PTE_W (1ull << 1)   /* writable (with CR0.WP also for ring 0) */
#define PTE_U (1ull << 2)   /* user: never set, the guest is ring 0 */
#define PTE_A (1ull << 5)   /* accessed */
#define PTE_D (1ull << 6)   /* dirty */
#define PTE_PS (1ull << 7)  /* large page in a PDPTE/PDE: never set here */
#define PTE_G (1ull << 8)   /* global: never set, a CR3 write must flush guest entries */
#define PTE_NX (1ull << 63) /* execute-disable, needs IA32_EFER.NXE (SDM 4.6) */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Leaf permissions asked of pt_map. */
#define PT_WRITE 1u
#define PT_EXEC 2u

struct pt {
	const struct mm_host *host;
	uint64_t root_ma;    /* goes into CR3 */
	uint64_t ntables;    /* table pages allocated, root included */
	int use_nx;          /* 0 where the host has EFER.NXE clear */
};

int pt_init(struct pt *pt, const struct mm_host *host, int use_nx);
/* Map one 4 KiB page gva -> ma with PT_* permissions. Errors: -HCERR_INVAL for
 * an unaligned or non-canonical address, -HCERR_EXIST if gva is mapped,
 * -HCERR_NOMEM if a table page cannot be had (what was built stays valid). */
int pt_map(struct pt *pt, uint64_t gva, uint64_t ma, unsigned perms);
/* Give gva's leaf new PT_* permissions, keeping its ma (a host that writes a
 * page before it makes it executable: W^X). 0, or -HCERR_FAULT if gva is not
 * mapped. The caller flushes the TLB entry if these tables are live. */
int pt_protect(struct pt *pt, uint64_t gva, unsigned perms);
/* Walk like the MMU: 0 and the leaf's ma and effective PTE bits (W only if
 * every level has W; NX if any level has NX), or -HCERR_FAULT if not present. */
int pt_walk(const struct pt *pt, uint64_t gva, uint64_t *ma, uint64_t *pte_bits);
void pt_destroy(struct pt *pt);

#endif
