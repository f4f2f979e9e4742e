/* Lab pfa: the page-frame allocator (pfa.h, docs/labs/pfa.md). A bitmap, one
 * bit per page of the free range, bit set = allocated; the bitmap itself
 * occupies the range's first pages, which stay allocated for good. */
#include "pfa.h"
#include "../../../guest/kernel.h"

// LAB(pfa) BEGIN
static uint64_t *bits;      /* bit i: page i of the range is allocated (or bookkeeping) */
static uint64_t first_gpa;  /* gpa of page 0 of the range */
static uint64_t npages;     /* pages in the range */
static uint64_t meta_pages; /* the bitmap's own pages: 0 .. meta_pages - 1 */
static uint64_t nfree;
static uint64_t hint;       /* the word where the next search starts */

static int test_bit(uint64_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t i)
{
	bits[i / 64] |= UINT64_C(1) << (i % 64);
}

static void clear_bit(uint64_t i)
{
	bits[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

void pfa_init(void)
{
	uint64_t nwords;

	first_gpa = boot->free_gpa; /* page aligned: the monitor puts it after whole pages */
	npages = (boot->pool_bytes - first_gpa) / PFA_PAGE_BYTES;
	meta_pages = (npages + PFA_BITS_PER_PAGE - 1) / PFA_BITS_PER_PAGE;
	bits = gpa_to_virt(first_gpa);
	nwords = (npages + 63) / 64;
	/* The pool's pages are not promised to be zero: clear the bitmap. */
	__builtin_memset(bits, 0, nwords * 8);
	for (uint64_t i = 0; i < meta_pages; i++)
		set_bit(i);
	/* The last word's bits past the range look allocated, so no search picks them. */
	for (uint64_t i = npages; i < nwords * 64; i++)
		set_bit(i);
	nfree = npages - meta_pages;
	hint = meta_pages / 64;
}

void *pfa_alloc(void)
{
	uint64_t nwords = (npages + 63) / 64;

	if (nfree == 0)
		return 0;
	/* Next fit: start where the last page was found, wrap around once. */
	for (uint64_t n = 0, w = hint; n < nwords; n++, w = (w + 1 == nwords ? 0 : w + 1)) {
		if (bits[w] != ~UINT64_C(0)) {
			uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(~bits[w]);
			void *page = gpa_to_virt(first_gpa + i * PFA_PAGE_BYTES);

			set_bit(i);
			nfree--;
			hint = w;
			__builtin_memset(page, 0, PFA_PAGE_BYTES); /* no old secrets */
			return page;
		}
	}
	return 0; /* not reached while nfree counts right */
}

int pfa_free(void *page)
{
	uint64_t va = (uint64_t)page, i;

	if (va % PFA_PAGE_BYTES)
		return PFA_EALIGN;
	/* Below the range's direct-map address, or at/after its end (checked as
	 * an index, so that a huge address cannot wrap around). */
	if (va < boot->dmap_base + first_gpa)
		return PFA_ERANGE;
	i = (va - boot->dmap_base - first_gpa) / PFA_PAGE_BYTES;
	if (i >= npages || i < meta_pages)
		return PFA_ERANGE;
	if (!test_bit(i))
		return PFA_EDOUBLE;
	clear_bit(i);
	nfree++;
	return PFA_OK;
}

uint64_t pfa_free_pages(void)
{
	return nfree;
}
// LAB(pfa) STARTER
// void pfa_init(void)
// {
// 	/* Your code: where is the range, how many pages, where does the bitmap go? */
// }
//
// void *pfa_alloc(void)
// {
// 	return 0; /* your code */
// }
//
// int pfa_free(void *page)
// {
// 	(void)page;
// 	return PFA_OK; /* your code: check, then give the page back */
// }
//
// uint64_t pfa_free_pages(void)
// {
// 	return 0; /* your code */
// }
// LAB(pfa) END
