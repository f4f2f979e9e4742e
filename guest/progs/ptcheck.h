/* What the page-table test programs (vm, ad, bigpages) share beyond
 * guest/pt.h: the entry of any level of a guest's tables (pt_walk gives 4 KiB
 * leaves only, and these programs write large pages and read the A/D bits of
 * every level), and a #PF check on the whole error code and CR2. */
#ifndef GUEST_PROGS_PTCHECK_H
#define GUEST_PROGS_PTCHECK_H

#include <stdint.h>

/* The entry for va at `level` (3: PML4E, 2: PDPTE, 1: PDE, 0: PTE) of the
 * tables under root; with alloc the tables above it are made (P|W|U, as
 * pt_walk makes them). 0 if a table is missing, a large page is on the way,
 * or no page is left. */
uint64_t *ptcheck_entry(uint64_t root, uint64_t va, int level, int alloc);
/* A probe that must fault with #PF at va with exactly this error code in bits
 * 4:0 (P, W, U, RSVD, I: SDM Vol.3 4.7). */
void ptcheck_pf(const char *what, int64_t probe_ret, uint64_t va, uint64_t err);
/* The first u64 at va, read or written through the current page tables.
 * The access may make the monitor write our tables (A and D bits): compiler
 * barriers on both sides keep every plain access to them on its side. */
static inline uint64_t ptcheck_read(uint64_t va)
{
	uint64_t v;

	__asm__ volatile("" ::: "memory");
	v = *(volatile uint64_t *)va;
	__asm__ volatile("" ::: "memory");
	return v;
}

static inline void ptcheck_write(uint64_t va, uint64_t value)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)va = value;
	__asm__ volatile("" ::: "memory");
}

#endif
