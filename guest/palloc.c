/* The kit's page-frame allocator (guest/palloc.h): pages never handed out
 * yet are taken in order (so set-up touches none of them: each first touch
 * is a shadow fill, mm/vtlb.h), pages given back go on a free list threaded
 * through themselves (their first u64: the next one's gpa + 1), and a u16
 * count per page of the range is kept at its start. */
#include "kernel.h"
#include "palloc.h"

static uint64_t first_gpa, npages; /* the pages it hands out */
static uint16_t *refs;             /* refs[i]: page first_gpa + i * 4096 */
static uint64_t free_head, nfree;  /* gpa + 1 of the first free page, 0: none */
static uint64_t untouched;         /* pages [untouched, npages) never handed out */
static int ready;

static void setup(void)
{
	uint64_t start = boot->free_gpa, end = boot->pool_bytes, count_pages;

	npages = (end - start) / 4096;
	count_pages = (npages * sizeof(uint16_t) + 4095) / 4096; /* the counts' own pages */
	refs = gpa_to_virt(start);
	__builtin_memset(refs, 0, count_pages * 4096);
	first_gpa = start + count_pages * 4096;
	npages -= count_pages;
	nfree = npages;
	ready = 1;
}

static uint64_t index_of(uint64_t gpa)
{
	if ((gpa & 4095) || gpa < first_gpa || (gpa - first_gpa) / 4096 >= npages) {
		printf("ABORT: palloc: %lx is not a page of the allocator\n", gpa);
		guest_exit(98);
	}
	return (gpa - first_gpa) / 4096;
}

uint64_t palloc(void)
{
	uint64_t gpa;

	if (!ready)
		setup();
	if (free_head) {
		gpa = free_head - 1;
		free_head = *(uint64_t *)gpa_to_virt(gpa);
	} else if (untouched < npages) {
		gpa = first_gpa + untouched++ * 4096;
	} else {
		return 0;
	}
	nfree--;
	refs[index_of(gpa)] = 1;
	__builtin_memset(gpa_to_virt(gpa), 0, 4096);
	return gpa;
}

void palloc_ref(uint64_t gpa)
{
	refs[index_of(gpa)]++;
}

void palloc_unref(uint64_t gpa)
{
	uint64_t i = index_of(gpa);

	if (!refs[i]) {
		printf("ABORT: palloc: %lx freed twice\n", gpa);
		guest_exit(98);
	}
	if (--refs[i])
		return;
	*(uint64_t *)gpa_to_virt(gpa) = free_head;
	free_head = gpa + 1;
	nfree++;
}

uint32_t palloc_refs(uint64_t gpa)
{
	if (!ready || (gpa & 4095) || gpa < first_gpa || (gpa - first_gpa) / 4096 >= npages)
		return 0;
	return refs[(gpa - first_gpa) / 4096];
}

uint64_t palloc_free_pages(void)
{
	if (!ready)
		setup();
	return nfree;
}
