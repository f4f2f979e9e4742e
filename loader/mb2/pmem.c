/* A bitmap page allocator (loader/mb2/pmem.h): bit set = page free. The
 * bitmap is in .bss, all zero, so memory the map never mentions is never
 * handed out. */
#include "pmem.h"
#include "../../proto/errors.h"

#define NPAGES (PMEM_LIMIT >> 12)
#define WORD_BITS 64

static uint64_t free_map[NPAGES / WORD_BITS];
static uint64_t nfree;
static uint64_t hint; /* where the last allocation ended: most allocations are sequential */

static int is_used(uint64_t pfn)
{
	return !((free_map[pfn / WORD_BITS] >> (pfn % WORD_BITS)) & 1);
}

static void set_range(uint64_t base, uint64_t len_bytes, int in_use)
{
	uint64_t first = base >> 12, end;

	if (base >= PMEM_LIMIT)
		return;
	end = base + len_bytes < base || base + len_bytes > PMEM_LIMIT ? PMEM_LIMIT
									 : base + len_bytes;
	/* Free only whole pages; reserve every page touched. */
	if (in_use)
		end = (end + 4095) >> 12;
	else {
		first = (base + 4095) >> 12;
		end >>= 12;
	}
	for (uint64_t pfn = first; pfn < end; pfn++) {
		if (is_used(pfn) == in_use)
			continue;
		free_map[pfn / WORD_BITS] ^= 1ull << (pfn % WORD_BITS);
		nfree += in_use ? (uint64_t)-1 : 1;
	}
}

void pmem_add_free(uint64_t base, uint64_t len_bytes)
{
	set_range(base, len_bytes, 0);
}

void pmem_reserve(uint64_t base, uint64_t len_bytes)
{
	set_range(base, len_bytes, 1);
}

uint64_t pmem_free_pages(void)
{
	return nfree;
}

/* Scan from start for npages free in a row, skipping full words quickly. */
static int find_run(uint64_t start, uint64_t npages, uint64_t *first)
{
	uint64_t run = 0;

	for (uint64_t pfn = start; pfn < NPAGES; pfn++) {
		if (pfn % WORD_BITS == 0 && free_map[pfn / WORD_BITS] == 0) {
			run = 0;
			pfn += WORD_BITS - 1;
			continue;
		}
		run = is_used(pfn) ? 0 : run + 1;
		if (run == npages) {
			*first = pfn + 1 - npages;
			return 0;
		}
	}
	return -1;
}

int pmem_alloc(uint64_t npages, uint64_t *ma)
{
	uint64_t first;

	if (npages == 0 || npages > nfree)
		return -HCERR_NOMEM;
	if (find_run(hint, npages, &first) != 0 && find_run(0, npages, &first) != 0)
		return -HCERR_NOMEM;
	*ma = first << 12;
	set_range(*ma, npages << 12, 1);
	hint = first + npages;
	return 0;
}

void pmem_free(uint64_t ma, uint64_t npages)
{
	set_range(ma, npages << 12, 0);
}
