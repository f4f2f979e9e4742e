/* ad: the accessed and dirty bits of the guest's own page tables, set by the
 * monitor's virtual TLB as the CPU sets them (SDM Vol.3 4.8): A in every
 * entry a walk uses, D in the leaf on a write, neither again while the
 * translation stays cached, both after INVLPG; a large page's in its PDE; a
 * page-replacement scan; and the frames the monitor itself pushes. */
#include "check.h"
#include "progs.h"
#include "ptcheck.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../pt.h"

#define VA_AD 0x0000600000000000ull     /* PML4 slot 192: its entries are ours alone */
#define VA_SCAN (VA_AD + 0x100000)      /* the scan's pages, in the same page table */
#define VA_STACK (VA_AD + 0x200000)     /* a stack of STACK_PAGES, in a table of its own */
#define VA_LARGE (VA_AD + 0x400000)     /* a 2 MiB page */
#define NSCAN 16
#define STACK_PAGES 5
#define PCID 1
#define DATA (PTE_W | PTE_NX)
#define SIZE_2M 0x200000ull

/* Which levels' entries for va (bit l: level l, 3 = PML4E) have `bit` set;
 * down to `leaf` (1 for a 2 MiB page). */
static unsigned levels_with(uint64_t root, uint64_t va, uint64_t bit, int last)
{
	unsigned m = 0;

	for (int l = 3; l >= last; l--)
		m |= (unsigned)((*ptcheck_entry(root, va, l, 0) & bit) != 0) << l;
	return m;
}

static uint64_t *leaf(uint64_t root, uint64_t va)
{
	return ptcheck_entry(root, va, 0, 0);
}

static void clear_ad(uint64_t root, uint64_t va, int last)
{
	for (int l = 3; l >= last; l--)
		*ptcheck_entry(root, va, l, 0) &= ~(PTE_A | PTE_D);
}

/* SDM Vol.3 4.8: A in every entry used, D in the leaf only; 4.10.2.3: a
 * cached translation does not set them again until it is invalidated. */
static void check_small(uint64_t root, uint64_t f0, uint64_t f1)
{
	uint64_t va = VA_AD, va1 = VA_AD + 4096;

	check_eq("a fresh mapping: A clear at every level (bits PTE PDE PDPTE PML4E)",
		 levels_with(root, va, PTE_A, 0), 0);
	(void)ptcheck_read(va);
	check_eq("a read sets A at every level", levels_with(root, va, PTE_A, 0), 0xf);
	check_eq("but no D", levels_with(root, va, PTE_D, 0), 0);
	ptcheck_write(va, 0xad01);
	check_eq("a write to that page, read first, sets D in the leaf only",
		 levels_with(root, va, PTE_D, 0), 1);
	check_eq("the write is in the frame", *(uint64_t *)gpa_to_virt(f0), 0xad01);

	clear_ad(root, va, 0);
	(void)ptcheck_read(va);
	ptcheck_write(va, 0xad02);
	check_eq("A and D cleared: a read and a write while cached set neither A",
		 levels_with(root, va, PTE_A, 0), 0);
	check_eq("nor D", *leaf(root, va) & PTE_D, 0);
	invlpg(va);
	(void)ptcheck_read(va);
	check_eq("after INVLPG a read sets A at every level again",
		 levels_with(root, va, PTE_A, 0), 0xf);
	check_eq("and leaves D clear", *leaf(root, va) & PTE_D, 0);
	ptcheck_write(va, 0xad03);
	check_eq("a write to it then (cached read-only until D is set) sets D",
		 *leaf(root, va) & PTE_D, PTE_D);

	ptcheck_write(va1, 0xad04);
	check_eq("a first write to a fresh page sets A and D together",
		 *leaf(root, va1) & (PTE_A | PTE_D), PTE_A | PTE_D);
	check_eq("and lands in its frame", *(uint64_t *)gpa_to_virt(f1), 0xad04);
}

/* A 2 MiB page: its PDE is the leaf, and holds A and D (SDM Vol.3 4.8). The
 * frame is the pool's last whole 2 MiB, which guest/palloc.c, taking pages
 * in order, has handed out to no one. */
static void check_large(uint64_t root)
{
	uint64_t frame = (boot->pool_bytes & ~(SIZE_2M - 1)) - SIZE_2M;
	uint64_t *pde = ptcheck_entry(root, VA_LARGE, 1, 1);

	*pde = frame | PTE_P | PTE_PS | DATA;
	clear_ad(root, VA_LARGE, 1); /* the PDPTE and PML4E are check_small's too */
	(void)ptcheck_read(VA_LARGE + 0x1000);
	check_eq("a read of a 2 MiB page sets A in the PDE and above (bits PDE PDPTE PML4E)",
		 levels_with(root, VA_LARGE, PTE_A, 1), 0xe);
	check_eq("but not D", *pde & PTE_D, 0);
	ptcheck_write(VA_LARGE + 0x1ff000, 0xad05);
	check_eq("a write sets D in the PDE", *pde & PTE_D, PTE_D);
	check_eq("and lands in the frame", *(uint64_t *)gpa_to_virt(frame + 0x1ff000), 0xad05);
	*pde &= ~(PTE_A | PTE_D);
	(void)ptcheck_read(VA_LARGE + 0x1000);
	ptcheck_write(VA_LARGE + 0x1ff000, 0xad06);
	check_eq("cleared, while cached: neither A nor D comes back", *pde & (PTE_A | PTE_D), 0);
	invlpg(VA_LARGE + 0x1ff000);
	(void)ptcheck_read(VA_LARGE + 0x1000);
	check_eq("INVLPG at its end, a read at its start: A is set again", *pde & (PTE_A | PTE_D),
		 PTE_A);
	*pde = 0;
	invlpg(VA_LARGE);
}

/* A clock-style scan: clear A on every page, invalidate, let the pages be
 * used, collect who has A. Without the invalidation the cached translations
 * hide every use (SDM Vol.3 4.10.4.2: software that clears A must
 * invalidate to see it set again). */
#define SCAN_USED 0xa529u    /* pages 0, 3, 5, 8, 10, 13, 15 */
#define SCAN_WRITTEN 0x2101u /* of which 0, 8, 13 are written */
static void use(unsigned used, unsigned written)
{
	for (unsigned i = 0; i < NSCAN; i++) {
		uint64_t va = VA_SCAN + i * 4096ull;

		if (written >> i & 1)
			ptcheck_write(va, i);
		else if (used >> i & 1)
			(void)ptcheck_read(va);
	}
}

static unsigned scan(uint64_t root, uint64_t bit)
{
	unsigned m = 0;

	for (unsigned i = 0; i < NSCAN; i++)
		m |= (unsigned)((*leaf(root, VA_SCAN + i * 4096ull) & bit) != 0) << i;
	return m;
}

static void check_scan(uint64_t root)
{
	use(0xffff, 0xffff); /* every page cached, writable */
	for (unsigned i = 0; i < NSCAN; i++)
		*leaf(root, VA_SCAN + i * 4096ull) &= ~(PTE_A | PTE_D);
	use(SCAN_USED, SCAN_WRITTEN);
	check_eq("scan without INVLPG: no page shows A", scan(root, PTE_A), 0);
	check_eq("nor D", scan(root, PTE_D), 0);
	for (unsigned i = 0; i < NSCAN; i++)
		invlpg(VA_SCAN + i * 4096ull);
	use(SCAN_USED, SCAN_WRITTEN);
	check_eq("scan after INVLPG: A on exactly the pages used", scan(root, PTE_A), SCAN_USED);
	check_eq("and D on exactly the pages written", scan(root, PTE_D), SCAN_WRITTEN);
}

/* The monitor pushes an exception's frame through the guest's tables as the
 * CPU would: a supervisor write, which sets D (SDM Vol.3 6.14.2 and 4.8). The
 * stack starts 16 bytes into a page that nothing but the frame's top two
 * words (RSP, SS) ever writes: the rest of the frame and the handler's
 * pushes go below. */
extern const char ad_ud2[];
static uint64_t hook_frame;
static int hook_ud2(struct hc_trap_frame *f)
{
	if (f->vector != 6 || f->rip != (uint64_t)ad_ud2)
		return 0;
	hook_frame = (uint64_t)&f->rip;
	f->rip += 2;
	return 1;
}

__attribute__((noinline, noclone)) static void ud2_on(uint64_t rsp)
{
	__asm__ volatile("mov %%rsp, %%r11\n\t"
			 "mov %0, %%rsp\n\t"
			 ".globl ad_ud2\n"
			 "ad_ud2: ud2\n\t"
			 "mov %%r11, %%rsp"
			 :
			 : "r"(rsp)
			 : "r11", "memory");
}

static void check_pushed_frame(uint64_t root, const uint64_t *frames)
{
	uint64_t top = VA_STACK + (STACK_PAGES - 2) * 4096ull, rsp = top + 16;
	uint64_t *above = leaf(root, top + 4096);
	const uint64_t *on_top = gpa_to_virt(frames[STACK_PAGES - 2]);

	check_eq("the stack's pages are fresh: no A or D on the top one",
		 *leaf(root, top) & (PTE_A | PTE_D), 0);
	trap_hook = hook_ud2;
	ud2_on(rsp);
	trap_hook = 0;
	check_eq("a #UD on that stack reached the handler, its frame 40 bytes below RSP",
		 hook_frame, rsp - 40);
	check_eq("the frame's RSP is at the top page's start", on_top[0], rsp);
	check_eq("and its SS after it", on_top[1], HCABI_GUEST_DS);
	check_eq("the monitor's push set A and D on it", *leaf(root, top) & (PTE_A | PTE_D),
		 PTE_A | PTE_D);
	check_eq("and nothing on the page above", *above & (PTE_A | PTE_D), 0);
}

int prog_ad(void)
{
	uint64_t free_before, root, f[2], stack[STACK_PAGES], sf[NSCAN];
	int ok = 1;

	check_begin("ad");
	free_before = palloc_free_pages();
	root = pt_new();
	for (int i = 0; i < 2; i++)
		ok &= (f[i] = palloc()) != 0 &&
		      pt_map(root, VA_AD + i * 4096ull, f[i], 4096, DATA) == 0;
	for (int i = 0; i < NSCAN; i++)
		ok &= (sf[i] = palloc()) != 0 &&
		      pt_map(root, VA_SCAN + i * 4096ull, sf[i], 4096, DATA) == 0;
	for (int i = 0; i < STACK_PAGES; i++)
		ok &= (stack[i] = palloc()) != 0 &&
		      pt_map(root, VA_STACK + i * 4096ull, stack[i], 4096, DATA) == 0;
	check("the tables and their pages", root && ok);
	if (!root || !ok)
		return check_end();
	check_eq("loaded", (uint64_t)cr3_load(root, PCID, 0), 0);
	check_small(root, f[0], f[1]);
	check_large(root);
	check_scan(root);
	check_pushed_frame(root, stack);

	check_eq("back to the boot tables", (uint64_t)cr3_load(boot->boot_cr3, 0, 0), 0);
	hypercall(HC_FLUSH, HC_FLUSH_PCID, PCID, 0);
	pt_free(root); /* every frame mapped is palloc's, once: all given back */
	check_eq("every page given back", palloc_free_pages(), free_before);
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: trees dropped (0 for room)
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
