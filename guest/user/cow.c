/* cow: fork with copy-on-write, checked byte by byte (guest/progs/cow.c). A
 * parent, two children, and a chain child -> grandchild write their own bytes
 * over an 8-page region and verify all of it, while the kernel checks each
 * page's references, frame and copies (guest/progs/memtest.h), and SYS_WAIT
 * writes exit codes into shared pages (a write fault in copy_to_user). */
#include "memtest_user.h"

#define PAGE 4096
#define NPAGES 8
#define MAX_WRITES 16
#define CODE_A 40 /* the children's exit codes, when all their checks pass */
#define CODE_B 41
#define CODE_G 42
#define CODE_C 43

/* In pages of its own: nothing else of the program is written there. */
static uint8_t region[NPAGES * PAGE] __attribute__((aligned(PAGE)));

/* What each process wrote over the base pattern, inherited with its memory
 * by its children: byte i of a write is base(i) ^ seed. */
static struct write {
	unsigned page, off, len;
	uint8_t seed;
} writes[MAX_WRITES];
static unsigned nwrites;
static int fails;

static uint8_t base(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 12) * 17 + 5);
}

static void expect(const char *what, uint64_t got, uint64_t want)
{
	fails += !kcheck(what, got, want);
}

/* Note a write in the model (its page is written then, outside any counted
 * window: writes[] may itself be copy-on-write) and return it. */
static const struct write *plan(unsigned page, unsigned off, unsigned len, uint8_t seed)
{
	writes[nwrites] = (struct write){ page, off, len, seed };
	return &writes[nwrites++];
}

static void put(const struct write *w)
{
	for (unsigned k = 0; k < w->len; k++) {
		uint64_t i = (uint64_t)w->page * PAGE + w->off + k;

		region[i] = base(i) ^ w->seed;
	}
}

/* The bytes of the whole region that differ from the model; the first is
 * printed. */
static unsigned verify(void)
{
	unsigned bad = 0;

	for (uint64_t i = 0; i < sizeof(region); i++) {
		uint8_t want = base(i);

		for (unsigned k = 0; k < nwrites; k++)
			if (i / PAGE == writes[k].page && i % PAGE - writes[k].off < writes[k].len)
				want ^= writes[k].seed;
		if (region[i] != want && !bad++)
			printf("user: cow: pid %d: byte %lu (page %lu) is %u, not %u\n", getpid(),
			       i, i / PAGE, region[i], want);
	}
	return bad;
}

/* Pages of the region with this many references. */
static unsigned pages_with_refs(int64_t refs)
{
	unsigned n = 0;

	for (unsigned k = 0; k < NPAGES; k++)
		n += krefs(&region[k * PAGE]) == refs;
	return n;
}

static uint8_t *page(unsigned k)
{
	return &region[k * PAGE];
}

/* The cost of a copy-on-write fault: a write to a page shared with another
 * process, from the write to the next instruction, less the same write once
 * the page is the writer's. Printed, never judged: instructions only under
 * -icount (scripts/qemu-run.sh). */
static void bench(unsigned k)
{
	const struct write *w = plan(k, 8, 1, 0x5a);
	volatile uint8_t *b = &region[k * PAGE + 8];
	uint8_t v = base(k * PAGE + 8) ^ w->seed;
	uint64_t t0, t1, t2, t3;

	t0 = rdtsc();
	*b = v;
	t1 = rdtsc();
	t2 = rdtsc();
	*b = v;
	t3 = rdtsc();
	printf("BENCH cow_fault %lu\n", (t1 - t0) - (t3 - t2));
}

/* Child A: pages 1 and 3 were copied away by the parent, the rest are still
 * shared. A write to 3 finds it its own (the last holder: no copy), a write
 * to 5 copies. */
static int child_a(int parent, const uint64_t *frames)
{
	const struct write *w3, *w5;
	uint64_t copies, reuses;

	fails = 0; /* its own, not the parent's so far */

	expect("A: its parent is the forker", (uint64_t)getppid(), (uint64_t)parent);
	expect("A: pages 1 and 3 have one reference (the parent copied them)",
	       (uint64_t)(krefs(page(1)) == 1 && krefs(page(3)) == 1), 1);
	expect("A: and are the frames of before the fork",
	       (uint64_t)(kframe(page(1)) == frames[1] && kframe(page(3)) == frames[3]), 1);
	expect("A: the 6 others still have 2", pages_with_refs(2), 6);
	expect("A: sees the region as it was at the fork", verify(), 0);
	w3 = plan(3, 300, 100, 0x33);
	w5 = plan(5, 0, 64, 0x44);
	copies = kcount(MEMT_C_COW_COPIES);
	reuses = kcount(MEMT_C_COW_REUSES);
	put(w3);
	put(w5);
	expect("A: a write to page 5 (shared) copies it", kcount(MEMT_C_COW_COPIES) - copies, 1);
	expect("A: a write to page 3 (its alone) reuses it", kcount(MEMT_C_COW_REUSES) - reuses, 1);
	expect("A: page 3 is still the frame of before the fork", kframe(page(3)), frames[3]);
	expect("A: page 5 is a new frame", kframe(page(5)) != frames[5], 1);
	expect("A: page 5 has one reference now", (uint64_t)krefs(page(5)), 1);
	bench(6);
	expect("A: every byte is its own writes over the fork's", verify(), 0);
	return CODE_A + fails;
}

/* The grandchild: page 6 shared three ways, then its copy. */
static int grandchild(int parent)
{
	const struct write *w = plan(6, 0, 100, 0x66);
	uint64_t frame = kframe(page(6)), copies;

	fails = 0;
	expect("G: its parent is the child", (uint64_t)getppid(), (uint64_t)parent);
	expect("G: page 6 is shared by three processes", (uint64_t)krefs(page(6)), 3);
	copies = kcount(MEMT_C_COW_COPIES);
	put(w);
	expect("G: its write copies page 6 once", kcount(MEMT_C_COW_COPIES) - copies, 1);
	expect("G: into a new frame", kframe(page(6)) != frame, 1);
	expect("G: with one reference", (uint64_t)krefs(page(6)), 1);
	expect("G: every byte is as inherited, with its write", verify(), 0);
	return CODE_G + fails;
}

/* The child of the chain: forks the grandchild, waits, then page 6 is
 * shared with the parent only. */
static int child_c(int parent)
{
	const struct write *w;
	int me = getpid(), g, code = -1;
	uint64_t copies;

	fails = 0;
	expect("C: its parent is the forker", (uint64_t)getppid(), (uint64_t)parent);
	expect("C: page 6 is shared with the parent", (uint64_t)krefs(page(6)), 2);
	g = fork();
	if (g == 0)
		exit(grandchild(me));
	expect("C: the grandchild is reaped", (uint64_t)wait(&code), (uint64_t)g);
	expect("C: and passed its checks", (uint64_t)code, CODE_G);
	expect("C: page 6 has two references again", (uint64_t)krefs(page(6)), 2);
	w = plan(6, 100, 100, 0x77);
	copies = kcount(MEMT_C_COW_COPIES);
	put(w);
	expect("C: its write copies page 6 once", kcount(MEMT_C_COW_COPIES) - copies, 1);
	expect("C: every byte is as inherited, with its write", verify(), 0);
	return CODE_C + fails;
}

/* wait(code) with code in a page shared with the child: the kernel's
 * copy_to_user takes the write fault and copies the page. */
static void wait_into_shared(const char *what, int child, unsigned k, int want, int blocked)
{
	volatile int *code = (volatile int *)&region[k * PAGE + 100];
	uint64_t frame = kframe(page(k)), copies, uaccess;
	int saved = *code;

	expect(what, (uint64_t)krefs(page(k)), 2);
	copies = kcount(MEMT_C_COW_COPIES);
	uaccess = kcount(MEMT_C_UACCESS);
	expect(blocked ? "P: wait blocks, then gives the child" : "P: wait gives the zombie",
	       (uint64_t)wait((int *)code), (uint64_t)child);
	expect("P: the exit code is in the shared page", (uint64_t)*code, (uint64_t)want);
	expect("P: SYS_WAIT's copy_to_user took a fault", kcount(MEMT_C_UACCESS) - uaccess, 1);
	expect("P: which copied the page", kcount(MEMT_C_COW_COPIES) - copies, 1);
	expect("P: into a new frame", kframe(page(k)) != frame, 1);
	expect("P: now the parent's alone", (uint64_t)krefs(page(k)), 1);
	*code = saved;
	expect("P: every other byte of the page came with the copy", verify(), 0);
}

int main(void)
{
	uint64_t frames[NPAGES], copies, reuses, pte;
	unsigned ro = 0, same = 0;
	int me = getpid(), a, b, c, code = -1;
	const struct write *w1a, *w1b, *w3, *w6;
	volatile uint64_t warm = 0;

	for (uint64_t i = 0; i < sizeof(region); i++)
		region[i] = base(i);
	for (unsigned k = 0; k < NPAGES; k++)
		frames[k] = kframe(page(k));
	expect("P: before the fork each page has one reference", pages_with_refs(1), NPAGES);

	a = fork();
	if (a == 0)
		exit(child_a(me, frames));
	warm++; /* the parent's stack page is its own before anything is counted */
	for (unsigned k = 0; k < NPAGES; k++) {
		pte = kpte(page(k));
		ro += (pte & (PTE_W | PTE_COW)) == PTE_COW;
		same += (pte & PTE_ADDR) == frames[k];
	}
	expect("P: after the fork every page has two references", pages_with_refs(2), NPAGES);
	expect("P: read-only and marked copy-on-write", ro, NPAGES);
	expect("P: on the frames of before", same, NPAGES);
	w1a = plan(1, 0, 2048, 0x11);
	w1b = plan(1, 2048, 2048, 0x12);
	w3 = plan(3, 100, 100, 0x22);
	copies = kcount(MEMT_C_COW_COPIES);
	reuses = kcount(MEMT_C_COW_REUSES);
	put(w1a);
	put(w1b);
	put(w3);
	expect("P: writes to two shared pages copy each once", kcount(MEMT_C_COW_COPIES) - copies,
	       2);
	expect("P: and reuse none", kcount(MEMT_C_COW_REUSES) - reuses, 0);
	expect("P: pages 1 and 3 have one reference",
	       (uint64_t)(krefs(page(1)) == 1 && krefs(page(3)) == 1), 1);
	expect("P: on new frames",
	       (uint64_t)(kframe(page(1)) != frames[1] && kframe(page(3)) != frames[3]), 1);
	expect("P: writable", (kpte(page(1)) & kpte(page(3)) & PTE_W) != 0, 1);
	expect("P: every byte is its writes over the pattern", verify(), 0);
	yield(); /* child A runs to its end, a zombie until waited for */
	wait_into_shared("P: page 7 is shared with the zombie", a, 7, CODE_A, 0);

	/* A child that ends while the parent waits: wake_parent's copy. */
	b = fork();
	if (b == 0)
		exit(CODE_B);
	warm++;
	wait_into_shared("P: page 4 is shared with child B", b, 4, CODE_B, 1);

	/* The chain: page 6 (its own since A, still marked) three ways. */
	frames[6] = kframe(page(6));
	c = fork();
	if (c == 0)
		exit(child_c(me));
	expect("P: the chain's child is reaped", (uint64_t)wait(&code), (uint64_t)c);
	expect("P: and passed its checks", (uint64_t)code, CODE_C);
	expect("P: page 6 is the parent's alone again", (uint64_t)krefs(page(6)), 1);
	w6 = plan(6, 200, 100, 0x55);
	copies = kcount(MEMT_C_COW_COPIES);
	reuses = kcount(MEMT_C_COW_REUSES);
	put(w6);
	expect("P: the last writer of page 6 copies nothing", kcount(MEMT_C_COW_COPIES) - copies,
	       0);
	expect("P: but makes its own frame writable", kcount(MEMT_C_COW_REUSES) - reuses, 1);
	expect("P: the frame it had before the chain", kframe(page(6)), frames[6]);
	expect("P: every byte is its writes over the pattern, none of its children's", verify(), 0);
	return fails;
}
