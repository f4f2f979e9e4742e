/* pthostile's page-table cases, in ring 1 under a root of their own: tables
 * past the pool, with reserved bits, recursive, looping or in the monitor's
 * slots; SMEP; CR3 loads and invalidations of garbage; more distinct
 * translations than the shadow's budget; a #PF handler its tables do not map. */
#include "pthostile.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../pt.h"

#define POISON 0x5a5a5a5a5a5a5a5aull /* the guest's own page where it must not be seen */
#define MARK1 0x1111111111111111ull
#define MARK2 0x2222222222222222ull
#define IGNORED_BITS 0x7ff0000000000e00ull /* SDM Vol.3 tables 4-15 to 4-20: 62:52, 11:9 */
#define BIT_13 (1ull << 13)
#define MONITOR_FIRST 272 /* proto/layout.h */
#define MONITOR_LAST 510
#define PF_P 1
#define PF_RSVD 8
#define PF_I 16

extern const char trap_vectors[]; /* guest/traps.asm: vector v's stub at + v * 16 */

/* SDM Vol.3 4.5.4 figure 4-8: the address of indexes (PML4, PDPT, PD, PT),
 * made canonical (SDM Vol.1 3.3.7.1). */
static uint64_t va_of(unsigned i3, unsigned i2, unsigned i1, unsigned i0)
{
	uint64_t va = (uint64_t)i3 << 39 | (uint64_t)i2 << 30 | (uint64_t)i1 << 21 |
		      (uint64_t)i0 << 12;

	return i3 >= 256 ? va | 0xffff000000000000ull : va;
}

static unsigned ix(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

static uint64_t *tab(uint64_t gpa)
{
	return gpa_to_virt(gpa & PTE_ADDR);
}

static uint64_t page(void)
{
	uint64_t gpa = palloc();

	if (!gpa) {
		printf("ABORT: pthostile: no page left\n");
		guest_exit(1);
	}
	return gpa;
}

/* A page filled with one u64 value. */
static uint64_t filled(uint64_t value)
{
	uint64_t gpa = page();

	for (unsigned i = 0; i < 512; i++)
		tab(gpa)[i] = value;
	return gpa;
}

/* The entry of `level` (3: the PML4's, 0: the PT's) for va under root, with
 * the tables above it made where missing (P, W, and U for user). The cases
 * build in regions nothing else uses, and nobody frees these tables: some
 * point at themselves, which pt_free could not walk. */
static uint64_t *entry(uint64_t root, uint64_t va, int level, int user)
{
	uint64_t t = root;

	for (int l = 3; l > level; l--) {
		uint64_t *e = &tab(t)[ix(va, l)];

		if (!(*e & PTE_P))
			*e = page() | PTE_P | PTE_W | (user ? PTE_U : 0);
		t = *e & PTE_ADDR;
	}
	return &tab(t)[ix(va, level)];
}

/* The u64 at va, or ~0 if reading it faults. */
static uint64_t read64(uint64_t va)
{
	return probe_read(va) ? ~0ull : *(volatile uint64_t *)va;
}

static unsigned maxphyaddr(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000008u)
		return 36;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
	return a & 0xff;
}

static const char *const level_names[4] = { "PT", "PD", "PDPT", "PML4" };

/* A PML4, PDPT or PD entry whose table, or a leaf whose page, lies past the
 * pool's end: the vTLB's #PF with RSVD (the pool is the guest's physical
 * memory: beyond it nothing is, mm/vtlb.h). */
static void outside_pool(uint64_t root)
{
	uint64_t end = boot->pool_bytes, va, big = 1ull << (maxphyaddr() - 1);
	int64_t e;

	for (int level = 3; level >= 0; level--) {
		va = va_of(1 + 3 - (unsigned)level, 0, 0, 0);
		*entry(root, va, level, 0) = end | PTE_P | PTE_W;
		e = pth_fault_read(va);
		pth_case(e == (PF_P | PF_RSVD),
			 "a %s entry to the pool's end: #PF P|RSVD (gpa %lx, error 0x%lx)",
			 level_names[level], end, e);
	}
	va = va_of(5, 0, 0, 0);
	*entry(root, va, 0, 0) = big | PTE_P | PTE_W;
	e = pth_fault_read(va);
	pth_case(e == (PF_P | PF_RSVD),
		 "a PT entry far past the pool but below MAXPHYADDR: #PF P|RSVD (gpa 2^%u, "
		 "error 0x%lx)", maxphyaddr() - 1, e);
	e = pth_fault_exec(va);
	pth_case((e & ~(int64_t)PF_I) == (PF_P | PF_RSVD),
		 "... and fetching from it: #PF P|RSVD (error 0x%lx)", e);
	va = va_of(6, 0, 0, 0);
	*entry(root, va, 1, 0) = ((end + (2ull << 20) - 1) & ~((2ull << 20) - 1)) | PTE_P | PTE_PS;
	e = pth_fault_read(va);
	pth_case(e == (PF_P | PF_RSVD),
		 "a 2 MiB page past the pool's end: #PF P|RSVD (error 0x%lx)", e);
	va = va_of(7, 0, 0, 0);
	*entry(root, va, 0, 0) = (end - 4096) | PTE_P | PTE_W;
	tab(end - 4096)[0] = MARK2;
	pth_case(read64(va) == MARK2, "a PT entry to the pool's last page reads it");
	if (end <= (1ull << 30)) {
		va = va_of(8, 0, 0, 0);
		*entry(root, va, 2, 0) = 0 | PTE_P | PTE_PS; /* gpa 0: the pool and beyond */
		tab(end - 4096)[1] = MARK1;
		e = pth_fault_read(va + end);
		pth_case(read64(va + end - 4096 + 8) == MARK1 && e == (PF_P | PF_RSVD),
			 "a 1 GiB page at gpa 0 over the pool: its last pool page reads, the "
			 "next is #PF P|RSVD (a %lu MiB pool, error 0x%lx)", end >> 20, e);
	}
}

/* SDM Vol.3 4.5.4 tables 4-15 to 4-20: reserved bits in a present entry of
 * each level (#PF with P and RSVD); ignored bits that change nothing; a
 * not-present entry whose other bits are garbage (#PF, P clear, no RSVD). */
static void reserved_bits(uint64_t root)
{
	unsigned phys = maxphyaddr();
	uint64_t m = filled(MARK1), va;
	int64_t e;

	for (int level = 3; level >= 0 && phys < 52; level--) {
		va = va_of(10 + 3 - (unsigned)level, 0, 0, 0);
		*entry(root, va, 0, 0) = m | PTE_P | PTE_W;
		*entry(root, va, level, 0) |= 1ull << phys;
		e = pth_fault_read(va);
		pth_case(e == (PF_P | PF_RSVD),
			 "the lowest reserved address bit in a %s entry: #PF P|RSVD (bit %u, "
			 "MAXPHYADDR; error 0x%lx)", level_names[level], phys, e);
	}
	va = va_of(14, 0, 0, 0);
	*entry(root, va, 0, 0) = m | PTE_P | PTE_W;
	*entry(root, va, 3, 0) |= PTE_PS;
	e = pth_fault_read(va);
	pth_case(e == (PF_P | PF_RSVD), "PS in a PML4 entry: #PF P|RSVD (error 0x%lx)", e);
	va = va_of(15, 0, 0, 0);
	*entry(root, va, 2, 0) = BIT_13 | PTE_P | PTE_PS;
	e = pth_fault_read(va);
	pth_case(e == (PF_P | PF_RSVD),
		 "bit 13 in a 1 GiB page's PDPT entry (bits 29:13 are reserved): #PF P|RSVD "
		 "(error 0x%lx)", e);
	va = va_of(15, 1, 0, 0);
	*entry(root, va, 1, 0) = BIT_13 | PTE_P | PTE_PS;
	e = pth_fault_read(va);
	pth_case(e == (PF_P | PF_RSVD),
		 "bit 13 in a 2 MiB page's PD entry (bits 20:13 are reserved): #PF P|RSVD "
		 "(error 0x%lx)", e);
	va = va_of(16, 0, 0, 0);
	*entry(root, va, 0, 0) = ~PTE_P;
	tab(root)[17] = ~PTE_P;
	e = pth_fault_read(va);
	pth_case(e == 0 && pth_fault_read(va_of(17, 0, 0, 0)) == 0,
		 "not-present PT and PML4 entries with every other bit set: #PF, not RSVD "
		 "(error 0x%lx)", e);
	va = va_of(18, 0, 0, 0);
	*entry(root, va, 0, 0) = m | PTE_P | PTE_W | IGNORED_BITS;
	for (int level = 3; level > 0; level--)
		*entry(root, va, level, 0) |= IGNORED_BITS;
	pth_case(read64(va) == MARK1, "bits 62:52 and 11:9 (ignored) set at every level: the page "
		 "reads");
}

/* A PML4 entry that points at the PML4 itself: legal x86-64 (the recursive
 * mapping some kernels use). Through it the guest reads its PML4, a PDPT and
 * a PT entry, and a write there remaps a page once invalidated, as on
 * hardware (SDM Vol.3 4.10.4.1: the TLB keeps the old one until then). */
static void recursive(uint64_t root)
{
	const unsigned r = 200;
	uint64_t t = va_of(3, 1, 2, 3), m1 = filled(MARK1), m2 = filled(MARK2), *pte;
	uint64_t pml4 = va_of(r, r, r, r), pte_va = va_of(r, 3, 1, 2) + 3 * 8;
	int same = 1;

	tab(root)[r] = root | PTE_P | PTE_W;
	pte = entry(root, t, 0, 0);
	*pte = m1 | PTE_P | PTE_W;
	same = read64(pml4) != ~0ull; /* the walk has set A in entry r: both views show it */
	for (unsigned i = 0; same && i < 512; i++)
		same = ((volatile uint64_t *)pml4)[i] == tab(root)[i];
	pth_case(same, "a recursive PML4 entry (slot %u): the PML4 reads through it, all 512 "
		 "entries as written", r);
	pth_case(read64(va_of(r, r, r, 3) + 8) == tab(tab(root)[3])[1] &&
		 read64(va_of(r, r, 3, 1) + 16) == tab(tab(tab(root)[3])[1])[2] &&
		 read64(pte_va) == *pte,
		 "... and a PDPT, a PD and a PT entry through it, one level each");
	pth_case(read64(t) == MARK1, "... a page mapped under it reads");
	*(volatile uint64_t *)pte_va = m2 | PTE_P | PTE_W;
	invlpg(t);
	pth_case((*pte & PTE_ADDR) == m2 && read64(t) == MARK2,
		 "... and a write through it remaps that page after invlpg");
}

/* Loops: entries pointing back up the tree. A walk is four levels whatever
 * the entries say, so each ends; each reads what hardware would. */
static void loops(uint64_t root)
{
	uint64_t p4 = page(), x = page(), p6 = page(), d6 = page(), p8 = page(), d8 = page();
	uint64_t t8 = page();

	tab(root)[20] = p4 | PTE_P | PTE_W;
	tab(p4)[7] = root | PTE_P | PTE_W; /* the PDPT's entry 7 back to the PML4 */
	pth_case(read64(va_of(20, 7, 3, 1) + 16) == tab(tab(tab(root)[3])[1])[2],
		 "a loop PML4 -> PDPT -> PML4: PML4 entry 3 taken as a PD entry, its PDPT as a PT: "
		 "it maps the PD, which reads");
	tab(root)[21] = x | PTE_P | PTE_W;
	tab(x)[0] = x | PTE_P | PTE_W; /* one page at every level */
	pth_case(read64(va_of(21, 0, 0, 0)) == tab(x)[0] && (tab(x)[0] & PTE_A),
		 "one page that is its own PDPT, PD and PT: it maps itself, which reads (A set)");
	tab(root)[22] = p6 | PTE_P | PTE_W;
	tab(p6)[0] = d6 | PTE_P | PTE_W;
	tab(d6)[0] = p6 | PTE_P | PTE_W; /* the PD back to its PDPT */
	pth_case(read64(va_of(22, 0, 0, 0)) == tab(d6)[0],
		 "a PD entry back to its own PDPT: the PDPT taken as a PT maps the PD, which "
		 "reads");
	tab(root)[23] = p8 | PTE_P | PTE_W;
	tab(p8)[0] = d8 | PTE_P | PTE_W;
	tab(d8)[0] = t8 | PTE_P | PTE_W;
	tab(t8)[1] = t8 | PTE_P | PTE_W; /* a PT mapping itself */
	pth_case(read64(va_of(23, 0, 0, 1) + 8) == tab(t8)[1],
		 "a PT entry mapping its own PT: the PT reads through it");
}

/* Guest entries in all the monitor's PML4 slots (proto/layout.h): each
 * slot's PDPT maps every address of it to one poison page of the guest's.
 * The monitor's mappings are the monitor's (the passage, the p2m, the TSS
 * alias): an access there faults or reads the monitor's own page, never the
 * guest's frame, and a write faults. Everything after this case runs under
 * these entries: hypercalls, exceptions (the CPU reads the IDT, GDT and TSS
 * through that alias) and every other case. */
static void monitor_slots(uint64_t root)
{
	uint64_t z = filled(POISON), pt = page(), pd = page(), pdpt = page(), va, v;
	uint64_t passage_end = boot->passage_gva + 8 * 4096;
	unsigned reads = 0, faults = 0, poisoned = 0, wfaults = 0, wok = 0, preads = 0, pfaults = 0;

	for (unsigned i = 0; i < 512; i++) {
		tab(pt)[i] = z | PTE_P | PTE_W;
		tab(pd)[i] = pt | PTE_P | PTE_W;
		tab(pdpt)[i] = pd | PTE_P | PTE_W;
	}
	for (unsigned s = MONITOR_FIRST; s <= MONITOR_LAST; s++)
		tab(root)[s] = pdpt | PTE_P | PTE_W;
	for (unsigned s = MONITOR_FIRST; s <= MONITOR_LAST; s++) {
		for (unsigned k = 0; k < 16; k++) { /* 16 spots across the slot's 512 GiB */
			va = va_of(s, k * 32, k * 17 % 512, k * 5);
			/* the passage's guest page is writable: its own case below */
			if (va >= boot->passage_gva && va < passage_end)
				va += 8 * 4096;
			v = read64(va);
			if (v == ~0ull && last_fault.vector == 14)
				faults++;
			else if (v == POISON)
				poisoned++;
			else
				reads++;
			if (pth_fault_write(va) >= 0)
				wfaults++;
			else
				wok++;
		}
	}
	pth_case(poisoned == 0 && reads + faults == 239 * 16 && faults > 0,
		 "guest entries in all 239 of the monitor's PML4 slots (272-510), every address "
		 "to a poison page: none of 3824 reads across them sees it (%u fault, %u read the "
		 "monitor's own pages, %u the poison)", faults, reads, poisoned);
	pth_case(wok == 0, "... and every write there faults (%u of %u)", wfaults, wfaults + wok);
	poisoned = 0;
	for (uint64_t p = 0; p < 8; p++) {
		v = read64(boot->passage_gva + p * 4096);
		if (v == ~0ull)
			pfaults++;
		else if (v == POISON)
			poisoned++;
		else
			preads++;
	}
	pth_case(poisoned == 0 && preads > 0,
		 "the passage's 8 pages at bootinfo.passage_gva: none reads the guest's poison (%u "
		 "read the monitor's, its code among them; %u fault; at %lx)", preads, pfaults,
		 boot->passage_gva);
}

/* SDM Vol.3 4.6.1: with CR4.SMEP a supervisor fetch from a user page is a
 * #PF (P and I); the guest world has SMEP where the CPU has it. */
static void smep(uint64_t root)
{
	uint64_t code = page(), va = va_of(24, 0, 0, 0);
	int64_t e, mine;

	*(uint8_t *)gpa_to_virt(code) = 0xc3; /* RET */
	*entry(root, va, 0, 1) = code | PTE_P | PTE_U;
	*entry(root, va + 4096, 0, 1) = code | PTE_P; /* the same page, supervisor */
	e = pth_fault_exec(va);
	mine = pth_fault_exec(va + 4096);
	if (pth_cpu_has7(0, 7))
		pth_case(e == (PF_P | PF_I) && mine == -1,
			 "SMEP: a ring-1 fetch from a user page: #PF P|I (error 0x%lx); from the "
			 "same page mapped supervisor it runs", e);
	else
		pth_case(e == -1 && mine == -1,
			 "SMEP: this CPU has none (QEMU's qemu64): a ring-1 fetch from a user page "
			 "runs, as on such hardware");
}

/* HC_SET_CR3 of garbage: -HCERR_INVAL, the loaded tables untouched (their
 * page at t still reads). Bits 11:0 are the PCID (CR4.PCIDE, SDM Vol.3
 * 4.10.1): a root "misaligned" by 0x800 is the root with PCID 0x800. */
static void cr3_garbage(uint64_t root, uint64_t t)
{
	const uint64_t end = boot->pool_bytes;
	const struct {
		uint64_t cr3;
		const char *what;
	} bad[] = {
		{ end, "a root at the pool's end" },
		{ end + 4096 + 1, "a root past the pool's end, PCID 1" },
		{ 1ull << 51, "a root at 2^51" },
		{ HC_CR3_ADDR_MASK, "every address bit" },
		{ root | 1ull << 52, "bit 52" },
		{ root | 1ull << 62, "bit 62" },
		{ root | 0x7ff0000000000000ull, "bits 62:52" },
		{ ~0ull, "all 64 bits" },
	};
	int64_t r;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = hypercall(HC_SET_CR3, bad[i].cr3, 0, 0);
		pth_case(r == -HCERR_INVAL && read64(t) == MARK2,
			 "HC_SET_CR3 of %s: -HCERR_INVAL, the loaded tables still in place "
			 "(%lx: %ld)", bad[i].what, bad[i].cr3, r);
	}
	r = hypercall(HC_SET_CR3, root + 0x800, 0, 0);
	pth_case(r == 0 && read64(t) == MARK2,
		 "HC_SET_CR3 of a root 0x800 off its page: the root with PCID 0x800, loaded "
		 "(%ld)", r);
	cr3_load(root, 1, 1);
}

/* INVLPG of a non-canonical address is a NOP (SDM Vol.2 INVLPG), and of a
 * monitor address too: a translation the TLB holds stays until the page
 * itself is invalidated. INVPCID's #GP cases are -HCERR_INVAL. */
static void invalidations(uint64_t root)
{
	const uint64_t t = va_of(25, 0, 0, 0);
	const uint64_t noncanon[] = { t ^ (1ull << 47), t | 0x8000000000000000ull,
				      0x0000800000000000ull, 0xffff7ffffffff000ull,
				      0x123456789abcd000ull };
	uint64_t *pte = entry(root, t, 0, 0);
	int stale = 1, refused;

	*pte = filled(MARK1) | PTE_P | PTE_W;
	stale = read64(t) == MARK1;
	*pte = filled(MARK2) | PTE_P | PTE_W; /* not invalidated: the old one stays */
	stale &= read64(t) == MARK1;
	for (unsigned i = 0; i < sizeof(noncanon) / sizeof(noncanon[0]); i++)
		stale &= hypercall(HC_INVLPG, noncanon[i], 0, 0) == 0 && read64(t) == MARK1;
	stale &= hypercall(HC_INVLPG, boot->passage_gva, 0, 0) == 0 && read64(t) == MARK1;
	pth_case(stale, "INVLPG of 5 non-canonical addresses and of the passage: NOPs (a stale "
		 "translation stays)");
	refused = hypercall(HC_FLUSH, HC_FLUSH_ADDR, 1, t ^ (1ull << 47)) == -HCERR_INVAL &&
		  hypercall(HC_FLUSH, 4, 0, 0) == -HCERR_INVAL &&
		  hypercall(HC_FLUSH, HC_FLUSH_PCID, 0x1000, 0) == -HCERR_INVAL &&
		  hypercall(HC_FLUSH, ~0ull, ~0ull, ~0ull) == -HCERR_INVAL && read64(t) == MARK1;
	pth_case(refused, "HC_FLUSH of a non-canonical address, type 4, PCID 0x1000, all ones: "
		 "-HCERR_INVAL, nothing dropped");
	invlpg(t);
	pth_case(read64(t) == MARK2, "INVLPG of the page itself: the new translation");
}

int pth_op_tables(void)
{
	uint64_t root = pt_new(), t = va_of(3, 1, 2, 3);

	cr3_load(root, 1, 0);
	monitor_slots(root); /* first: every other case runs under its entries */
	outside_pool(root);
	reserved_bits(root);
	recursive(root);
	loops(root);
	smep(root);
	cr3_garbage(root, t);
	invalidations(root);
	pth_case(hypercall(HC_SET_KSTACK, 0x0000800000000000ull, 0, 0) == -HCERR_INVAL &&
		 hypercall(HC_SET_KSTACK, 0x8000000000000000ull, 0, 0) == -HCERR_INVAL,
		 "HC_SET_KSTACK of two non-canonical addresses: -HCERR_INVAL");
	cr3_load(boot->boot_cr3, 0, 0);
	return 0;
}

/* Distinct translations, far more than the shadow holds (its budget of
 * table pages is fixed, mm/vtlb.h): one PD of 512 2 MiB pages, all the same
 * 2 MiB of the pool, under one PDPT under PML4 slots 1-4, and one 4 KiB page
 * touched in each of DISTINCT 2 MiB regions of va, each read checked against
 * the pattern written there. Every touch needs a shadow PT of its own: the
 * shadow drops whole trees for room (the monitor's report counts them) and
 * stays within its budget. DISTINCT is 200000, not a million: each touch is
 * a hidden fill, a world switch both ways, 13-17 us under TCG on the
 * bare-metal host and 45 us on Linux (KPTI on): a million took 17 s on the
 * first, 300000 took 13 s on the second. */
#define DISTINCT 200000u
int pth_op_million(void)
{
	uint64_t root = pt_new(), pd = page(), pdpt = page(), t0, t1, bad = 0;
	uint64_t big = (boot->pool_bytes / 2) & ~((2ull << 20) - 1); /* above what palloc gave */

	for (unsigned i = 0; i < 512; i++) {
		*(uint8_t *)gpa_to_virt(big + i * 4096ull) = (uint8_t)(i ^ 0xa5);
		tab(pd)[i] = big | PTE_P | PTE_PS;
		tab(pdpt)[i] = pd | PTE_P | PTE_W;
	}
	for (unsigned s = 1; s <= 4; s++)
		tab(root)[s] = pdpt | PTE_P | PTE_W;
	cr3_load(root, 2, 0);
	t0 = now_ns();
	for (uint64_t i = 0; i < DISTINCT; i++) {
		/* the four slots in turn, a new 2 MiB of each slot every fourth touch */
		uint64_t k = i * 7 % 512, va = va_of(1 + (i & 3), 0, 0, k) + (i >> 2 << 21);

		bad += *(volatile uint8_t *)va != (uint8_t)(k ^ 0xa5);
	}
	t1 = now_ns();
	cr3_load(boot->boot_cr3, 0, 0);
	pth_case(bad == 0, "%u distinct 4 KiB pages of va, each in its own 2 MiB, all one 2 MiB "
		 "page of the pool: every read right (%lu wrong), in %lu ms", DISTINCT, bad,
		 (t1 - t0) / 1000000);
	return 0;
}

static uint64_t copy_of(uint64_t table)
{
	uint64_t c = page();

	for (unsigned i = 0; i < 512; i++)
		tab(c)[i] = tab(table)[i];
	return c;
}

/* A #PF whose handler is not mapped in the loaded tables: fetching it is a
 * #PF too, delivered to the same handler, and so on, each frame below the
 * last (exceptions nest as on hardware, proto/hypercall.h HC_SET_TRAPS),
 * until the stack cannot take one: the guest's double fault, which the
 * monitor reports. On a one-page stack that is some 85 deliveries. */
int pth_op_pfnest(void)
{
	uint64_t root = pt_new(), stub = (uint64_t)trap_vectors + 14 * 16, *e = &tab(root)[511];
	uint64_t stack = va_of(1, 0, 0, 0), t;

	for (int level = 3; level > 0; level--) { /* slot 511's tables down to the stub's */
		if (!(*e & PTE_P) || (*e & PTE_PS)) {
			printf("ABORT: pthostile: the image's %lx is not in 4 KiB pages\n", stub);
			return 1;
		}
		t = copy_of(*e & PTE_ADDR);
		*e = t | (*e & ~PTE_ADDR);
		e = &tab(t)[ix(stub, level - 1)];
	}
	*e = 0;
	*entry(root, stack, 0, 0) = page() | PTE_P | PTE_W;
	printf("guest: pthostile: pfnest: the #PF handler's page (%lx) unmapped in the tables "
	       "loaded next, a one-page stack at %lx: a #PF at %lx\n", stub & ~(uint64_t)4095,
	       stack, va_of(2, 0, 0, 0));
	console_flush();
	cr3_load(root, 3, 0); /* a new PCID: nothing of the image's cached for it */
	pth_nest(stack + 4096, va_of(2, 0, 0, 0));
}
