/* Lab pfa's test program (guest=lab-pfa): drives the allocator of pfa.c and
 * prints one line per check, "pfa: ok: ..." or "pfa: FAIL: ...", with the
 * counts the grader (labs/pfa/grade.sh) compares with what the pool size
 * implies. Before pfa_init it fills the free range with a pattern (the
 * handout promises no zeroed pool); after that it never touches a page the
 * allocator did not vouch for (one outside the range is a failure, not a
 * write), so a broken allocator fails checks instead of crashing the guest. */
#include "pfa.h"
#include "../../../guest/kernel.h"
#include "../../../guest/progs/progs.h"

/* The test's own record of the pages it holds, and of the ones it has just
 * given back (reuse()): one bit per pool page, for pools up to 256 MiB (8 KiB
 * of .bss each). */
#define MAX_POOL_PAGES (256u * 1024 * 1024 / PFA_PAGE_BYTES)
static uint64_t held[MAX_POOL_PAGES / 64], freed[MAX_POOL_PAGES / 64];
static int failures;

static void ok(const char *what, uint64_t n)
{
	printf("pfa: ok: %s: %lu\n", what, n);
}

static void fail(const char *what, uint64_t n)
{
	printf("pfa: FAIL: %s: %lu\n", what, n);
	failures++;
}

static const char *err_name(int e)
{
	switch (e) {
	case PFA_OK: return "PFA_OK";
	case PFA_EDOUBLE: return "PFA_EDOUBLE";
	case PFA_EALIGN: return "PFA_EALIGN";
	case PFA_ERANGE: return "PFA_ERANGE";
	}
	return "an unknown code";
}

/* Page index in the pool of an address the allocator returned, or -1 if it
 * is not the direct-map address of a whole page of the free range. */
static int64_t page_of(void *p)
{
	uint64_t va = (uint64_t)p, start = boot->dmap_base + boot->free_gpa,
		 end = boot->dmap_base + boot->pool_bytes;

	if (va % PFA_PAGE_BYTES || va < start || va >= end)
		return -1;
	return (int64_t)((va - boot->dmap_base) / PFA_PAGE_BYTES);
}

static int is_held(uint64_t pg)
{
	return (held[pg / 64] >> (pg % 64)) & 1;
}

static int is_zero(const uint64_t *p)
{
	for (unsigned i = 0; i < PFA_PAGE_BYTES / 8; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Allocate until pfa_alloc says no (at most the range's size, plus one to see
 * the NULL). Each page must be in the range, not held already, and zero;
 * then it gets filled with a pattern, which the allocator must wipe when it
 * hands the page out again. Returns how many were allocated, or -1 after a
 * failure that stops the test. */
static int64_t alloc_all(const char *round, uint64_t limit)
{
	uint64_t n = 0, dirty = 0;

	for (;;) {
		uint64_t *p = pfa_alloc();
		int64_t pg;

		if (!p)
			break;
		pg = page_of(p);
		if (pg < 0) {
			printf("pfa: FAIL: %s: pfa_alloc returned %p, not a page of the free range\n",
			       round, (void *)p);
			failures++;
			return -1;
		}
		if (is_held((uint64_t)pg)) {
			printf("pfa: FAIL: %s: pfa_alloc returned page %p twice\n", round, (void *)p);
			failures++;
			return -1;
		}
		held[pg / 64] |= UINT64_C(1) << (pg % 64);
		dirty += !is_zero(p);
		__builtin_memset(p, 0xa5, PFA_PAGE_BYTES);
		if (++n > limit) {
			fail("pfa_alloc handed out more pages than the range has", n);
			return -1;
		}
	}
	if (dirty)
		printf("pfa: FAIL: %s: %lu pages were not zeroed\n", round, dirty);
	else
		printf("pfa: ok: %s: %lu pages allocated, distinct, in the range, zeroed\n", round,
		       n);
	failures += dirty != 0;
	return (int64_t)n;
}

/* Free every held page, lowest first or highest first. */
static int free_all(int backwards)
{
	uint64_t npg = boot->pool_bytes / PFA_PAGE_BYTES;

	for (uint64_t k = 0; k < npg; k++) {
		uint64_t pg = backwards ? npg - 1 - k : k;
		int e;

		if (!is_held(pg))
			continue;
		e = pfa_free(gpa_to_virt(pg * PFA_PAGE_BYTES));
		if (e != PFA_OK) {
			printf("pfa: FAIL: freeing an allocated page said %s\n", err_name(e));
			failures++;
			return -1;
		}
		held[pg / 64] &= ~(UINT64_C(1) << (pg % 64));
	}
	return 0;
}

/* With every page held: free every other one, then allocate. Exactly the
 * pages just freed must come back, each once and zeroed (they hold the
 * pattern), and then NULL: an allocator that hands out freed pages only
 * after all of them came back, or never, fails here. */
static void reuse(void)
{
	uint64_t npg = boot->pool_bytes / PFA_PAGE_BYTES, nth = 0, k = 0, n = 0, dirty = 0;
	void *extra;

	for (uint64_t pg = 0; pg < npg; pg++) {
		if (!is_held(pg) || nth++ % 2) /* the 1st, 3rd, 5th... held page */
			continue;
		if (pfa_free(gpa_to_virt(pg * PFA_PAGE_BYTES)) != PFA_OK) {
			fail("reuse: freeing an allocated page was refused, page", pg);
			return;
		}
		held[pg / 64] &= ~(UINT64_C(1) << (pg % 64));
		freed[pg / 64] |= UINT64_C(1) << (pg % 64);
		k++;
	}
	for (; n < k; n++) {
		uint64_t *p = pfa_alloc();
		int64_t pg = page_of(p);

		if (pg < 0 || !((freed[pg / 64] >> (pg % 64)) & 1)) {
			printf("pfa: FAIL: reuse: %lu pages freed, allocation %lu gave %p, not one of them\n",
			       k, n + 1, (void *)p);
			failures++;
			return;
		}
		freed[pg / 64] &= ~(UINT64_C(1) << (pg % 64));
		held[pg / 64] |= UINT64_C(1) << (pg % 64);
		dirty += !is_zero(p);
		__builtin_memset(p, 0xa5, PFA_PAGE_BYTES);
	}
	extra = pfa_alloc();
	if (extra) {
		int64_t pg = page_of(extra);

		if (pg >= 0 && !is_held((uint64_t)pg)) /* ours now: free_all gives it back */
			held[pg / 64] |= UINT64_C(1) << (pg % 64);
		printf("pfa: FAIL: reuse: after the %lu pages freed came back, pfa_alloc gave %p, not NULL\n",
		       k, extra);
		failures++;
	} else if (dirty) {
		printf("pfa: FAIL: reuse: %lu of the %lu pages that came back were not zeroed\n", dirty, k);
		failures++;
	} else
		ok("reuse: every other page freed; exactly those came back, zeroed, then NULL", k);
}

/* pfa_free(p) must refuse with want and change nothing. */
static void refuse(const char *what, void *p, int want)
{
	uint64_t before = pfa_free_pages();
	int e = pfa_free(p);

	if (e == want && pfa_free_pages() == before)
		printf("pfa: ok: %s refused: %s\n", what, err_name(e));
	else {
		printf("pfa: FAIL: %s: pfa_free said %s (want %s), free pages %lu -> %lu\n", what,
		       err_name(e), err_name(want), before, pfa_free_pages());
		failures++;
	}
}

static void errors(void)
{
	uint8_t *p = pfa_alloc(), *q, *r, *never;

	if (page_of(p) < 0) {
		fail("pfa_alloc for the error checks gave no page of the range", (uint64_t)p);
		return;
	}
	q = pfa_alloc();
	r = pfa_alloc(); /* stays allocated throughout: p and q are never the last ones */
	/* A page of the range the test does not hold, from the pool's top down:
	 * not handed out since it was last freed (or ever), so it is free, and
	 * freeing it is a double free. */
	never = gpa_to_virt(boot->pool_bytes - PFA_PAGE_BYTES);
	while (page_of(never) >= 0 &&
	       (never == p || never == q || never == r || is_held((uint64_t)page_of(never))))
		never -= PFA_PAGE_BYTES;
	refuse("a free in the middle of an allocated page", p + 8, PFA_EALIGN);
	refuse("a free of the image's first page", gpa_to_virt(0), PFA_ERANGE);
	refuse("a free of the page after the pool", gpa_to_virt(boot->pool_bytes), PFA_ERANGE);
	refuse("a free of the allocator's own bitmap", gpa_to_virt(boot->free_gpa), PFA_ERANGE);
	refuse("a free of NULL", 0, PFA_ERANGE);
	refuse("a free of a page of the range nobody holds", never, PFA_EDOUBLE);
	/* p, then q, then p again: the double free is not the last free. */
	if (pfa_free(p) != PFA_OK)
		fail("the first free of a page was refused", (uint64_t)p);
	if (page_of(q) >= 0 && pfa_free(q) != PFA_OK)
		fail("freeing the second page was refused", (uint64_t)q);
	refuse("a double free, another page freed in between", p, PFA_EDOUBLE);
	if (page_of(r) >= 0 && pfa_free(r) != PFA_OK)
		fail("freeing the third page was refused", (uint64_t)r);
}

int prog_lab_pfa(void)
{
	uint64_t range = (boot->pool_bytes - boot->free_gpa) / PFA_PAGE_BYTES, start;
	int64_t got;

	printf("pfa: pool %lu KiB; free range gpa %lx-%lx: %lu pages\n", boot->pool_bytes / 1024,
	       boot->free_gpa, boot->pool_bytes, range);
	if (boot->pool_bytes / PFA_PAGE_BYTES > MAX_POOL_PAGES) {
		printf("ABORT: the test keeps a table for pools up to 256M; use a smaller pool=\n");
		return 2;
	}
	/* The range is not promised to be zero (docs/labs/pfa.md): make sure it
	 * is not, so that "zeroed" means the allocator zeroed it. */
	__builtin_memset(gpa_to_virt(boot->free_gpa), 0xa5, boot->pool_bytes - boot->free_gpa);
	pfa_init();
	start = pfa_free_pages();
	printf("pfa: after init: %lu pages free\n", start);

	got = alloc_all("first round", range);
	if (got >= 0) {
		if ((uint64_t)got == start && pfa_free_pages() == 0)
			ok("the allocations used up exactly the free count", start);
		else {
			printf("pfa: FAIL: %ld allocated, but the free count was %lu and is now %lu\n",
			       got, start, pfa_free_pages());
			failures++;
		}
		reuse();
		if (free_all(0) == 0 && pfa_free_pages() == start)
			ok("freed them all, the free count is back (no leak)", start);
		else
			fail("after freeing them all, the free count is", pfa_free_pages());
		got = alloc_all("second round, every page used before", range);
		if (got >= 0 && (uint64_t)got != start)
			fail("the second round got a different count", (uint64_t)got);
		free_all(1);
	}
	errors();
	if (pfa_free_pages() == start)
		ok("leak check: free pages at the end as at the start", start);
	else {
		printf("pfa: FAIL: leak check: %lu free at the start, %lu at the end\n", start,
		       pfa_free_pages());
		failures++;
	}
	if (failures) {
		printf("ABORT: %d pfa checks failed\n", failures);
		return 1;
	}
	return 0;
}
