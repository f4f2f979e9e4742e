/* lazy: demand paging from ring 3 (guest/progs/lazy.c). Mode 0 grows its
 * heap by 1 MiB, touches a sparse subset and has the kernel check that just
 * those pages were mapped, each on its first touch; then sbrk's limit, a
 * shrink that unmaps, a SYS_WRITE from a page never touched (a lazy fault in
 * the kernel's copy). Mode 1 touches the byte past its break: killed. */
#include "memtest_user.h"

#define HEAP_PAGES 256
#define PAGE 4096

/* The pages touched, each with its own first access (W: a write, R: a read,
 * which must see zeros) and how much of it is written. */
static const struct {
	unsigned page;
	char first;
	unsigned len; /* bytes written from the page's start */
} touched[] = {
	{ 0, 'W', PAGE }, { 1, 'W', 1 },   { 7, 'R', PAGE }, { 31, 'W', 64 },
	{ 64, 'W', PAGE }, { 100, 'R', 8 }, { 127, 'W', PAGE }, { 128, 'W', 100 },
	{ 200, 'W', PAGE }, { 254, 'R', 0 }, { 255, 'W', PAGE },
};
#define NTOUCHED (sizeof(touched) / sizeof(touched[0]))
#define WRITE_PAGE 20 /* a SYS_WRITE's text ends here, the next page never touched */

static uint8_t pattern(unsigned page, unsigned off)
{
	return (uint8_t)(page * 37 + off * 11 + 1) | 1; /* never 0: unwritten reads 0 */
}

static unsigned mapped_pages(const uint8_t *heap, unsigned from, unsigned to)
{
	unsigned n = 0;

	for (unsigned k = from; k < to; k++)
		n += kpte(heap + k * PAGE) != 0;
	return n;
}

static int is_touched(unsigned page)
{
	for (unsigned i = 0; i < NTOUCHED; i++)
		if (touched[i].page == page)
			return 1;
	return 0;
}

/* What a lazy fault costs: a write to a page never touched, from the write
 * to the next instruction, less the same write to a mapped page. Printed,
 * never judged: instructions only under -icount (scripts/qemu-run.sh). */
static void bench(volatile uint8_t *fresh)
{
	uint64_t t0, t1, t2, t3;

	t0 = rdtsc();
	fresh[0] = pattern(0, 0);
	t1 = rdtsc();
	t2 = rdtsc();
	fresh[0] = pattern(0, 0);
	t3 = rdtsc();
	printf("BENCH lazy_fault %lu\n", (t1 - t0) - (t3 - t2));
}

static unsigned touch_all(uint8_t *heap)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < NTOUCHED; i++) {
		volatile uint8_t *pg = heap + touched[i].page * PAGE;

		if (touched[i].first == 'R')
			for (unsigned off = 0; off < PAGE; off += 512)
				bad += pg[off] != 0;
		for (unsigned off = 0; off < touched[i].len; off++)
			pg[off] = pattern(touched[i].page, off);
	}
	return bad;
}

/* Every byte of every touched page: the pattern where written, 0 after. */
static unsigned read_back(const uint8_t *heap, unsigned below_page)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < NTOUCHED; i++) {
		const volatile uint8_t *pg = heap + touched[i].page * PAGE;

		if (touched[i].page >= below_page)
			continue;
		for (unsigned off = 0; off < PAGE; off++)
			bad += pg[off] !=
			       (off < touched[i].len ? pattern(touched[i].page, off) : 0);
	}
	return bad;
}

static int fails;

static void expect(const char *what, uint64_t got, uint64_t want)
{
	fails += !kcheck(what, got, want);
}

static void demand_paging(void)
{
	uint64_t lazy0 = kcount(MEMT_C_LAZY), free0 = kfree_pages(), top;
	uint8_t *heap = sbrk(HEAP_PAGES * PAGE);
	unsigned upper = 0;

	expect("sbrk gives the old break, page aligned", (uint64_t)heap & 4095, 0);
	expect("sbrk of 256 pages maps none of them", mapped_pages(heap, 0, HEAP_PAGES), 0);
	expect("sbrk of 256 pages takes no page", free0 - kfree_pages(), 0);

	bench(heap + touched[0].page * PAGE);
	expect("reads of untouched heap pages see zeros", touch_all(heap), 0);
	expect("a lazy page mapped per distinct page touched", kcount(MEMT_C_LAZY) - lazy0,
	       NTOUCHED);
	expect("the heap pages mapped are the ones touched", mapped_pages(heap, 0, HEAP_PAGES),
	       NTOUCHED);
	for (unsigned k = 0; k < HEAP_PAGES; k++)
		upper += kpte(heap + k * PAGE) && !is_touched(k);
	expect("no page mapped that was not touched", upper, 0);
	expect("a frame taken per page touched (the heap's page table is the image's)",
	       free0 - kfree_pages(), NTOUCHED);
	expect("every byte of the touched pages reads back", read_back(heap, HEAP_PAGES), 0);
	expect("reading them back mapped nothing more", kcount(MEMT_C_LAZY) - lazy0, NTOUCHED);

	/* sbrk's limit: PROC_HEAP_MAX past the image (the heap starts there). */
	top = (uint64_t)sbrk(0);
	expect("sbrk past PROC_HEAP_MAX fails", (uint64_t)sbrk(PROC_HEAP_MAX), (uint64_t)-1);
	expect("a refused sbrk leaves the break", (uint64_t)sbrk(0), top);
	expect("sbrk up to PROC_HEAP_MAX exactly succeeds",
	       (uint64_t)sbrk((int64_t)((uint64_t)heap + PROC_HEAP_MAX - top)), top);
	expect("one byte more fails", (uint64_t)sbrk(1), (uint64_t)-1);
	expect("shrinking back succeeds",
	       (uint64_t)sbrk(-(int64_t)((uint64_t)heap + PROC_HEAP_MAX - top)),
	       (uint64_t)heap + PROC_HEAP_MAX);
	expect("growing to the limit mapped nothing", kcount(MEMT_C_LAZY) - lazy0, NTOUCHED);

	/* A negative sbrk unmaps the pages wholly above the new break. */
	free0 = kfree_pages();
	sbrk(-(HEAP_PAGES / 2) * PAGE);
	expect("sbrk(-128 pages) unmaps the upper half",
	       mapped_pages(heap, HEAP_PAGES / 2, HEAP_PAGES), 0);
	expect("and gives back the 4 pages touched there", kfree_pages() - free0, 4);
	expect("the lower half is still mapped", mapped_pages(heap, 0, HEAP_PAGES / 2), 7);
	expect("and reads back", read_back(heap, HEAP_PAGES / 2), 0);
	sbrk((HEAP_PAGES / 2) * PAGE);
	expect("grown again, a page given back is a fresh page",
	       ((volatile uint8_t *)heap)[200 * PAGE], 0);
	expect("mapped on its touch", kcount(MEMT_C_LAZY) - lazy0, NTOUCHED + 1);
}

/* SYS_WRITE of a buffer whose last byte lies in a heap page never touched:
 * the kernel's copy_from_user takes the #PF (ring 1, inside the system
 * call) and the page is mapped as any lazy page. Its bytes are zeros, so
 * the text is the page before's, and the fresh page gives the NUL that ends
 * it (which the log then holds after the line). */
static void write_through_fresh_page(void)
{
	static const char text[] = "user: lazy: this write ends in a page never touched\n";
	uint8_t *heap = (uint8_t *)sbrk(0) - HEAP_PAGES * PAGE;
	char *buf = (char *)heap + (WRITE_PAGE + 1) * PAGE - (sizeof(text) - 1);
	uint64_t uaccess0, lazy0;

	memcpy(buf, text, sizeof(text) - 1); /* its terminating NUL is the fresh page's */
	uaccess0 = kcount(MEMT_C_UACCESS);
	lazy0 = kcount(MEMT_C_LAZY);
	expect("the page after the text is not mapped yet", kpte(heap + (WRITE_PAGE + 1) * PAGE),
	       0);
	expect("the write returns its length", (uint64_t)write(buf, sizeof(text)), sizeof(text));
	expect("its copy took a lazy fault inside the system call",
	       kcount(MEMT_C_UACCESS) - uaccess0, 1);
	expect("which mapped one page", kcount(MEMT_C_LAZY) - lazy0, 1);
	expect("the page is mapped now", kpte(heap + (WRITE_PAGE + 1) * PAGE) != 0, 1);
	expect("and reads zero", heap[(WRITE_PAGE + 1) * PAGE], 0);
}

int main(void)
{
	uint8_t *brk;

	if (test_mode() == 1) { /* the byte just past the break */
		brk = (uint8_t *)sbrk(4 * PAGE) + 4 * PAGE;
		brk[-1] = 1;
		printf("user: lazy: touching the break, %p\n", (void *)brk);
		*(volatile uint8_t *)brk = 1;
		printf("user: lazy: still alive past the break\n");
		return 1;
	}
	demand_paging();
	write_through_fresh_page();
	sbrk(-(int64_t)HEAP_PAGES * PAGE);
	return fails;
}
