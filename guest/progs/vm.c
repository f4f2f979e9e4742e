/* vm: the guest kernel's own page tables (guest/pt.h) under the monitor's
 * virtual TLB, checked against the TLB rules of SDM Vol.3 4.10: a new mapping
 * is seen at once; a changed or removed one only after INVLPG; a CR3 load
 * drops its own PCID's non-global translations unless NOFLUSH; two PCIDs
 * keep theirs across switches; HC_FLUSH's four types drop what they name. */
#include "check.h"
#include "progs.h"
#include "ptcheck.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../pt.h"

#define VA_BASE 0x40000000ull              /* the lower half: PML4 slot 0 */
#define VA(k) (VA_BASE + (uint64_t)(k) * 4096)
#define VA_HIGH 0xffff820000000000ull      /* slot 260: the guest's, empty in the boot tables */
#define VA_PRINT VA(511)                   /* the leaf pt_print's line is checked for */
#define PCID_A 1
#define PCID_B 2
#define DATA (PTE_W | PTE_NX)
#define NFRAMES 8

static uint64_t frame[NFRAMES];
static volatile uint64_t kernel_word = 1;

/* What frame i holds in its first u64, so that a read says which frame a
 * translation reaches. */
static uint64_t mark(int i)
{
	return 0x766d000000000000ull | (uint64_t)i << 8 | 0x11;
}

static uint64_t *pte(uint64_t root, uint64_t va)
{
	return pt_walk(root, va, 0);
}

/* The guest's entry for va (which must exist) now points at frame i: the
 * table changes, nothing is invalidated. */
static void point(uint64_t root, uint64_t va, int i, uint64_t bits)
{
	*pt_walk(root, va, 1) = frame[i] | bits | PTE_P;
}

static int reads(uint64_t va, int i)
{
	return ptcheck_read(va) == mark(i);
}

/* SDM Vol.3 4.10.4.3: a not-present entry is never cached, so a new mapping
 * needs no invalidation; 4.10.4.1-2: a changed one does. */
static void check_one_space(uint64_t a)
{
	check_eq("the first page reads its frame", ptcheck_read(VA(0)), mark(0));
	ptcheck_pf("an unmapped page faults: not present, read", probe_read(VA(1)), VA(1), 0);
	point(a, VA(1), 1, DATA);
	check("mapped after that fault, it reads its frame at once (no invalidation)",
	      reads(VA(1), 1));
	check_eq("and is writable", (uint64_t)probe_write(VA(1)), 0);

	point(a, VA(0), 2, DATA); /* VA(0) was read: its translation is cached */
	check("remapped to another frame: the old one is still read (cached)", reads(VA(0), 0));
	invlpg(VA(0));
	check("after INVLPG the new frame is read", reads(VA(0), 2));

	point(a, VA(1), 1, PTE_NX); /* written above: cached writable */
	check_eq("made read-only: a write still succeeds (cached writable)",
		 (uint64_t)probe_write(VA(1)), 0);
	invlpg(VA(1));
	ptcheck_pf("after INVLPG a write faults: present, write", probe_write(VA(1)), VA(1),
		   PF_ERR_P | PF_ERR_W);
	check("and a read still works", reads(VA(1), 1));

	*pte(a, VA(0)) = 0; /* VA(0) was read last with frame 2 */
	check("unmapped: the page still reads its frame (cached)", reads(VA(0), 2));
	invlpg(VA(0));
	ptcheck_pf("after INVLPG a read faults: not present", probe_read(VA(0)), VA(0), 0);

	point(a, VA(2), 3, DATA);
	check("another page mapped and read", reads(VA(2), 3));
	pt_unmap(a, VA(2), 4096, 0);
	ptcheck_pf("pt_unmap of a loaded table invalidates: the page faults", probe_read(VA(2)),
		   VA(2), 0);
}

/* SDM Vol.3 4.10.4.1: MOV to CR3 with bit 63 clear drops the PCID's
 * non-global translations; with it set, none. Global ones always stay. */
static void check_cr3_loads(uint64_t a)
{
	point(a, VA(3), 3, DATA);
	point(a, VA(4), 4, DATA | PTE_G);
	check("a non-global and a global page read their frames",
	      reads(VA(3), 3) & reads(VA(4), 4));
	point(a, VA(3), 5, DATA);
	point(a, VA(4), 5, DATA | PTE_G);
	check_eq("CR3 load with NOFLUSH", (uint64_t)cr3_load(a, PCID_A, 1), 0);
	check("after it the non-global page still reads its old frame", reads(VA(3), 3));
	check("and so does the global one", reads(VA(4), 4));
	check_eq("CR3 load without NOFLUSH", (uint64_t)cr3_load(a, PCID_A, 0), 0);
	check("after it the non-global page reads its new frame", reads(VA(3), 5));
	check("the global one still its old frame", reads(VA(4), 4));
	invlpg(VA(4));
	check("INVLPG drops the global one", reads(VA(4), 5));
}

/* Two address spaces, two PCIDs: a load of one keeps the other's
 * translations, with or without NOFLUSH (SDM Vol.3 4.10.1: translations are
 * per PCID). VA(3) of A is cached with frame 5 when this starts. */
static void check_two_spaces(uint64_t a, uint64_t b)
{
	point(b, VA(3), 6, DATA);
	point(a, VA(3), 0, DATA); /* A's entry changes; its translation stays cached */
	check_eq("B loaded with PCID 2", (uint64_t)cr3_load(b, PCID_B, 0), 0);
	check("in B the page reads B's frame", reads(VA(3), 6));
	ptcheck_pf("B has not A's own kernel-half slot", probe_read(VA_HIGH), VA_HIGH, 0);
	point(b, VA(3), 7, DATA);
	cr3_load(a, PCID_A, 1);
	check("back in A with NOFLUSH: A's cached translation is still there", reads(VA(3), 5));
	cr3_load(b, PCID_B, 1);
	check("back in B with NOFLUSH: B's too", reads(VA(3), 6));
	cr3_load(a, PCID_A, 0);
	check("A loaded without NOFLUSH: A's translation is dropped", reads(VA(3), 0));
	cr3_load(b, PCID_B, 1);
	check("and B's, of another PCID, is kept", reads(VA(3), 6));
	cr3_load(b, PCID_B, 0);
	check("until B is loaded without NOFLUSH", reads(VA(3), 7));
}

/* A round of invalidation: every test page of both spaces (two non-global
 * ones each, and a global one each at its own address) cached with frame 6
 * and then pointed at frame 7 in the tables; `flush` runs in B; the result
 * has a bit per page that still reads frame 6. Bits 0-2: A's n1, n2, g;
 * bits 3-5: B's. */
#define N1 VA(10)
#define N2 VA(11)
#define GA VA(12)
#define GB VA(13)
static unsigned round(uint64_t a, uint64_t b, void (*flush)(uint64_t b))
{
	const uint64_t va[6] = { N1, N2, GA, N1, N2, GB };
	unsigned kept = 0;

	hypercall(HC_FLUSH, HC_FLUSH_ALL, 0, 0); /* nothing cached anywhere */
	for (int i = 0; i < 6; i++) {
		uint64_t root = i < 3 ? a : b, g = i % 3 == 2 ? PTE_G : 0;

		if (i == 0 || i == 3)
			cr3_load(root, i ? PCID_B : PCID_A, 1);
		point(root, va[i], 6, DATA | g);
		(void)ptcheck_read(va[i]);
		point(root, va[i], 7, DATA | g);
	}
	flush(b);
	for (int i = 5; i >= 0; i--) {
		if (i == 2)
			cr3_load(a, PCID_A, 1);
		kept |= (unsigned)reads(va[i], 6) << i;
	}
	return kept;
}

static void nothing(uint64_t b)
{
	(void)b;
}

static void flush_addr(uint64_t b)
{
	(void)b;
	hypercall(HC_FLUSH, HC_FLUSH_ADDR, PCID_B, N1);
	hypercall(HC_FLUSH, HC_FLUSH_ADDR, PCID_B, GB); /* global: kept */
	hypercall(HC_FLUSH, HC_FLUSH_ADDR, PCID_A, N2); /* another PCID's */
}

static void flush_pcid(uint64_t b)
{
	(void)b;
	hypercall(HC_FLUSH, HC_FLUSH_PCID, PCID_A, 0);
}

static void flush_all(uint64_t b)
{
	(void)b;
	hypercall(HC_FLUSH, HC_FLUSH_ALL, 0, 0);
}

static void flush_nonglobal(uint64_t b)
{
	(void)b;
	hypercall(HC_FLUSH, HC_FLUSH_ALL_NONGLOBAL, 0, 0);
}

static void invlpg_two(uint64_t b)
{
	(void)b;
	invlpg(N1); /* B's own */
	invlpg(GA); /* not mapped in B: A's global translation of it goes */
}

static void reload_b(uint64_t b)
{
	cr3_load(b, PCID_B, 0);
}

static void check_flushes(uint64_t a, uint64_t b)
{
	check_eq("no invalidation: all six pages keep their cached frames (bits A.n1 A.n2 A.g "
		 "B.n1 B.n2 B.g)", round(a, b, nothing), 0x3f);
	check_eq("HC_FLUSH type 0 of B's n1 and g and of A's n2: those non-global two go",
		 round(a, b, flush_addr), 0x35);
	check_eq("HC_FLUSH type 1 of A's PCID: A's non-global pages go", round(a, b, flush_pcid),
		 0x3c);
	check_eq("HC_FLUSH type 2: everything goes, global pages too", round(a, b, flush_all), 0);
	check_eq("HC_FLUSH type 3: every PCID's non-global pages go",
		 round(a, b, flush_nonglobal), 0x24);
	check_eq("INVLPG in B: B's page, and A's global page at that address",
		 round(a, b, invlpg_two), 0x33);
	check_eq("CR3 load of B without NOFLUSH: B's non-global pages only",
		 round(a, b, reload_b), 0x27);
}

/* Everything of ours out of a table: leaves cleared (frames are ours to give
 * back), the own kernel-half slot's tables freed, then pt_free. */
static void free_space(uint64_t root, int has_high)
{
	pt_unmap(root, VA_BASE, 512 * 4096, 0);
	if (has_high) {
		uint64_t *pml4e = ptcheck_entry(root, VA_HIGH, 3, 0);

		palloc_unref(*ptcheck_entry(root, VA_HIGH, 1, 0) & PTE_ADDR); /* the PT */
		palloc_unref(*ptcheck_entry(root, VA_HIGH, 2, 0) & PTE_ADDR); /* the PD */
		palloc_unref(*pml4e & PTE_ADDR);                              /* the PDPT */
		*pml4e = 0;
	}
	pt_free(root);
}

int prog_vm(void)
{
	uint64_t free_before, a, b;
	const uint64_t *boot_pml4 = gpa_to_virt(boot->boot_cr3);
	int ok = 1;

	check_begin("vm");
	free_before = palloc_free_pages();
	for (int i = 0; i < NFRAMES; i++) {
		frame[i] = palloc();
		ok &= frame[i] != 0;
		if (frame[i])
			*(uint64_t *)gpa_to_virt(frame[i]) = mark(i);
	}
	a = pt_new();
	b = pt_new();
	check("eight frames and two top-level tables", ok && a && b);
	if (!ok || !a || !b)
		return check_end();
	check_eq("pt_new shares the kernel half: the direct map's entry",
		 ((uint64_t *)gpa_to_virt(a))[256], boot_pml4[256]);
	check_eq("and leaves the lower half empty", ((uint64_t *)gpa_to_virt(a))[0], 0);
	check_eq("map a page", (uint64_t)pt_map(a, VA(0), frame[0], 4096, DATA), 0);
	check_eq("mapping it again is refused", (uint64_t)pt_map(a, VA(0), frame[1], 4096, DATA),
		 (uint64_t)-1);
	check_eq("map a page in a kernel-half slot of its own",
		 (uint64_t)pt_map(a, VA_HIGH, frame[5], 4096, DATA), 0);
	check_eq("a slot the boot tables leave empty", boot_pml4[260] & PTE_P, 0);
	check_eq("load the new tables (PCID 1)", (uint64_t)cr3_load(a, PCID_A, 0), 0);
	check_eq("the kernel runs on: its data", kernel_word, 1);
	check("and the boot info, through the shared direct map", boot->magic == BOOTINFO_MAGIC);
	check("the kernel-half page reads its frame", reads(VA_HIGH, 5));
	check_one_space(a);
	check_cr3_loads(a);
	check_two_spaces(a, b);
	check_flushes(a, b);

	cr3_load(a, PCID_A, 1);
	check_eq("map gpa 0 read-only at the last page of the table",
		 (uint64_t)pt_map(a, VA_PRINT, 0, 4096, PTE_NX), 0);
	(void)ptcheck_read(VA_PRINT);
	check_eq("a read set A in its entry, and only A", *pte(a, VA_PRINT),
		 PTE_NX | PTE_A | PTE_P);
	pt_print(a);

	check_eq("back to the boot tables", (uint64_t)cr3_load(boot->boot_cr3, 0, 0), 0);
	ptcheck_pf("the lower half is gone with them", probe_read(VA(10)), VA(10), 0);
	ptcheck_pf("and the own kernel-half slot", probe_read(VA_HIGH), VA_HIGH, 0);
	kernel_word = 2;
	check_eq("the kernel runs on: its data written and read", kernel_word, 2);
	check("and the boot info read", boot->magic == BOOTINFO_MAGIC);

	tlb_flush_all(); /* no translation of PCID 1 or 2 outlives the pages */
	free_space(a, 1);
	free_space(b, 0);
	for (int i = 0; i < NFRAMES; i++)
		palloc_unref(frame[i]);
	check_eq("every page given back", palloc_free_pages(), free_before);
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * The last leaf of the printed table: gpa 0, read-only, NX, accessed.
 * status: 0
 * expect: page table
 * expect: .. .. .. ..511: pte 8000000000000021 pa 0 NX
 * expect: trees dropped (0 for room)
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
