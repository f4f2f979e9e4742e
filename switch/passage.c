/* The passage (switch/passage.h): the stub copied into page 0, the guest
 * world's IDT, GDT and TSS built around it, the guest mappings of the pages,
 * and the per-run agreement with the host's own tables (passage_host_prepare). */
#include "passage.h"
#include "../loader/cpu.h"
#include "../loader/log.h"
#include "../mm/pagetable.h"
#include "../proto/errors.h"
#include "../proto/layout.h"

extern const uint8_t switch_blob_start[], switch_blob_end[];

/* SDM Vol.3 3.4.5 figure 3-8 and 5.2.1: a 64-bit code segment has L=1, D=0;
 * type 0xB is code execute/read accessed, 0x3 data read/write accessed. The
 * accessed bit is preset because the CPU would otherwise write it on the first
 * segment load, and the guest maps this page read-only (SDM Vol.3 3.4.5.1). */
#define GDT_CODE64_DPL0 0x00af9b000000ffffull /* P DPL0 S type=0xB L G, limit 4G */
#define GDT_DATA_DPL0 0x00cf93000000ffffull   /* P DPL0 S type=0x3 D/B G */
#define GDT_CODE64_DPL1 0x00afbb000000ffffull /* the same with DPL 1 */
#define GDT_DATA_DPL1 0x00cfb3000000ffffull
#define GDT_CODE64_DPL3 0x00affb000000ffffull /* and with DPL 3: the guest's ring 3 */
#define GDT_DATA_DPL3 0x00cff3000000ffffull
/* SDM Vol.3 6.14.1 figure 6-8: a 64-bit interrupt gate (type 0xE, so IF is
 * cleared on entry), present, with its DPL (who may use INT n on it). */
#define IDT_GATE_DPL0 0x8e
#define IDT_GATE_DPL1 0xae
#define IDT_GATE_DPL3 0xee
#define IDT_TRAP_DPL3 0xef /* type 0xF, a trap gate: IF stays as it was (SDM 6.12.1.3) */
#define IDT_IST_DF 1 /* #DF on its own stack: SDM Vol.3 6.14.5 */

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM Vol.3 figure 6-8");

static struct idt_gate *idt(const struct passage *ps)
{
	return (struct idt_gate *)(ps->hva + PASSAGE_PAGE_IDT * 4096);
}

static struct passage_tss *tss(const struct passage *ps)
{
	return (struct passage_tss *)(ps->hva + PASSAGE_PAGE_TSS * 4096 + ps->tss_off);
}

static void fill_tss(struct passage *ps)
{
	uint64_t guest_page = ps->hva + PASSAGE_PAGE_GUEST * 4096;

	__builtin_memset((void *)(ps->hva + PASSAGE_PAGE_TSS * 4096), 0, 4096);
	*tss(ps) = (struct passage_tss){
		/* ring 1 or 3 -> 0: the gate stack; ring 3 -> 1 (the system-call
		 * gate): the guest kernel's stack (HC_SET_KSTACK) */
		.rsp = { guest_page + PASSAGE_GATE_STACK_TOP, ps->kstack },
		.ist = { guest_page + PASSAGE_DF_STACK_TOP },   /* IST1 */
		/* SDM Vol.3 20.5.2: a map base at or beyond the TSS limit means no
		 * I/O permission bitmap: every in/out from ring 1 (IOPL 0) is #GP. */
		.iomap_base = 0xffff,
	};
}

/* CPUID leaf 0's vendor (SDM Vol.2 CPUID): "AuthenticAMD" or Hygon's
 * "HygonGenuine", which follows AMD's long-mode SYSENTER rule. */
static int cpu_vendor_amd(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	return (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) || /* AuthenticAMD */
	       (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);   /* HygonGenuine */
}
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#define CR4_OSFXSR (1ull << 9)    /* SDM Vol.3 2.5: FXSAVE/FXRSTOR and SSE enabled */
#define CR4_OSXSAVE (1ull << 18)  /* XSAVE and XCR0 enabled */
/* SDM Vol.1 13.1: the XSAVE components the guest world saves: x87, SSE, AVX,
 * and AVX-512's opmask, ZMM_Hi256, Hi16_ZMM. Not PKRU (ring 1 cannot change
 * it: CR4.PKE is off in the guest world), not AMX (Linux arms XFD for it). */
#define XFEATURES_GUEST 0xe7ull

/* Which save instruction, which components, how many bytes: from CR4, XCR0
 * and CPUID leaf 0xD (SDM Vol.1 13.2, 13.4). The ModRM bytes of the stub's
 * two sites are patched to match (SDM Vol.2 table A-6, group 15: 0F AE /0
 * FXSAVE, /1 FXRSTOR, /4 XSAVE, /5 XRSTOR, /6 XSAVEOPT). */
static void choose_fpu(struct passage *ps, const struct passage_code_hdr *hdr)
{
	uint32_t r[4], lo, hi;
	uint64_t cr4, xcr0;
	uint8_t *code = (uint8_t *)ps->hva;
	unsigned save = 0, restore = 1;

	cr4 = cpu_read_cr4();
	cpuid(1, 0, r);
	ps->fpu_mode = PASSAGE_FPU_FXSAVE;
	ps->fpu_bytes = 512;
	ps->host->xsave_mask = 0;
	if ((cr4 & CR4_OSXSAVE) && (r[2] & (1u << 26))) {
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((uint64_t)hi << 32) | lo;
		ps->host->xsave_mask = xcr0 & XFEATURES_GUEST;
		ps->fpu_bytes = 576; /* legacy area and XSAVE header */
		for (unsigned i = 2; i < 8; i++) {
			if (!(ps->host->xsave_mask & (1ull << i)))
				continue;
			cpuid(0xd, i, r); /* EAX size, EBX offset in the standard form */
			if (r[1] + r[0] > ps->fpu_bytes)
				ps->fpu_bytes = r[1] + r[0];
		}
		cpuid(0xd, 1, r);
		ps->fpu_mode = (r[0] & 1) ? PASSAGE_FPU_XSAVEOPT : PASSAGE_FPU_XSAVE;
		save = ps->fpu_mode == PASSAGE_FPU_XSAVEOPT ? 6 : 4;
		restore = 5;
	}
	code[hdr->fpu_save_modrm] = (uint8_t)((code[hdr->fpu_save_modrm] & 0xc7) | save << 3);
	code[hdr->fpu_restore_modrm] =
		(uint8_t)((code[hdr->fpu_restore_modrm] & 0xc7) | restore << 3);
	if (!(cr4 & CR4_OSFXSR))
		log_printf("monitor: CR4.OSFXSR is off: the guest has no SSE, only x87\n");
}

/* The guest's first state: the architectural reset values, FCW 0x37f and
 * MXCSR 0x1f80 (SDM Vol.1 13.6: an XRSTOR of components whose XSTATE_BV bit
 * is 0 puts them in their initial state; MXCSR is loaded from the legacy area
 * whenever SSE or AVX is requested). The page was zeroed. */
static void fpu_reset(struct passage *ps)
{
	uint8_t *area = (uint8_t *)(ps->hva + PASSAGE_PAGE_FPU * 4096);

	*(uint16_t *)area = 0x37f;              /* FCW */
	*(uint32_t *)(area + 24) = 0x1f80;      /* MXCSR */
}

static uint64_t host_fpu_area(const struct passage *ps)
{
	return ps->hva + PASSAGE_PAGE_HOST_FPU * 4096;
}

void passage_fpu_host_save(struct passage *ps)
{
	uint32_t lo = (uint32_t)ps->host->xsave_mask, hi = (uint32_t)(ps->host->xsave_mask >> 32);
	void *a = (void *)host_fpu_area(ps);

	if (ps->fpu_mode == PASSAGE_FPU_FXSAVE)
		__asm__ volatile("fxsave64 (%0)" : : "r"(a) : "memory");
	else
		__asm__ volatile("xsave64 (%0)" : : "r"(a), "a"(lo), "d"(hi) : "memory");
}

void passage_fpu_host_restore(struct passage *ps)
{
	uint32_t lo = (uint32_t)ps->host->xsave_mask, hi = (uint32_t)(ps->host->xsave_mask >> 32);
	const void *a = (const void *)host_fpu_area(ps);

	if (ps->fpu_mode == PASSAGE_FPU_FXSAVE)
		__asm__ volatile("fxrstor64 (%0)" : : "r"(a) : "memory");
	else
		__asm__ volatile("xrstor64 (%0)" : : "r"(a), "a"(lo), "d"(hi) : "memory");
}

/* SDM Vol.2 CPUID leaf 7: EBX bit 7 SMEP, ECX bit 2 UMIP. The guest world
 * runs with both where the CPU has them: SMEP keeps the guest kernel from
 * executing its user pages, UMIP keeps the monitor's table addresses from
 * rings 1 and 3 (docs/ABI.md). */
static uint64_t cr4_wanted(void)
{
	uint32_t r[4];
	uint64_t set = 0;

	cpuid(0, 0, r);
	if (r[0] < 7)
		return 0;
	cpuid(7, 0, r);
	if (r[1] & (1u << 7))
		set |= PASSAGE_CR4_SMEP;
	if (r[2] & (1u << 2))
		set |= PASSAGE_CR4_UMIP;
	return set;
}

static struct idt_gate gate_to(uint64_t a, uint16_t selector, uint8_t type_attr)
{
	return (struct idt_gate){
		.offset_lo = (uint16_t)a,
		.selector = selector,
		.type_attr = type_attr,
		.offset_mid = (uint16_t)(a >> 16),
		.offset_hi = (uint32_t)(a >> 32),
	};
}

void passage_set_user_gates(struct passage *ps, uint64_t syscall_handler, int bp_user,
			    int of_user)
{
	struct idt_gate *g = idt(ps);

	/* SDM Vol.3 6.12.1.1: `int N` checks the gate's DPL against CPL; an
	 * exception the CPU raises does not. */
	g[3].type_attr = bp_user ? IDT_GATE_DPL3 : IDT_GATE_DPL0;
	g[4].type_attr = of_user ? IDT_GATE_DPL3 : IDT_GATE_DPL0;
	if (syscall_handler) {
		/* Straight to the guest kernel: ring 3 -> 1 on TSS.RSP1, or ring
		 * 1 -> 1 on its own stack (SDM Vol.3 6.12.1, 6.14.4). */
		g[PASSAGE_SYSCALL_VECTOR] = gate_to(syscall_handler,
						    PASSAGE_GDT_GUEST_CODE * 8, IDT_TRAP_DPL3);
		ps->syscall_direct = 1;
	} else {
		g[PASSAGE_SYSCALL_VECTOR] = gate_to(ps->irq80_gate, ps->tables_cs, IDT_GATE_DPL0);
		ps->syscall_direct = 0;
	}
}

void passage_set_kstack(struct passage *ps, uint64_t rsp1)
{
	ps->kstack = rsp1;
	if (ps->tss_placed)
		tss(ps)->rsp[1] = rsp1;
}

int passage_install(struct passage *ps, uint64_t hva, const uint64_t ma[PASSAGE_NPAGES])
{
	const struct passage_code_hdr *hdr = (const void *)switch_blob_start;
	uint64_t len = (uint64_t)(switch_blob_end - switch_blob_start);
	const uint16_t *gates;

	if (len < sizeof(*hdr) || len > 4096 || hdr->magic != PASSAGE_MAGIC ||
	    hdr->code_bytes != len || hdr->enter_off >= len ||
	    hdr->gates_off + PASSAGE_NGATES * sizeof(uint16_t) > len ||
	    hdr->fpu_save_modrm >= len || hdr->fpu_restore_modrm >= len ||
	    hdr->irq_stubs_off + 224u * PASSAGE_IRQ_STUB_BYTES > len)
		return -HCERR_INVAL;
	gates = (const uint16_t *)(switch_blob_start + hdr->gates_off);
	*ps = (struct passage){ .hva = hva };
	for (int i = 0; i < PASSAGE_NPAGES; i++)
		ps->ma[i] = ma[i];
	__builtin_memset((void *)hva, 0, PASSAGE_NPAGES * 4096);
	__builtin_memcpy((void *)hva, switch_blob_start, len);
	ps->world = (struct passage_world *)(hva + PASSAGE_PAGE_WORLD * 4096);
	ps->host = (struct passage_host *)(hva + PASSAGE_PAGE_HOST * 4096);
	ps->guest = (struct passage_guest *)(hva + PASSAGE_PAGE_GUEST * 4096);
	ps->enter = (void (*)(void))(hva + hdr->enter_off);
	ps->vendor_amd = cpu_vendor_amd();
	choose_fpu(ps, hdr);
	fpu_reset(ps);

	ps->world->gdt[PASSAGE_GDT_GUEST_CODE] = GDT_CODE64_DPL1;
	ps->world->gdt[PASSAGE_GDT_GUEST_DATA] = GDT_DATA_DPL1;
	ps->world->gdt[PASSAGE_GDT_USER_CODE] = GDT_CODE64_DPL3;
	ps->world->gdt[PASSAGE_GDT_USER_DATA] = GDT_DATA_DPL3;
	ps->world->cr4_set = cr4_wanted();
	ps->world->mon_gdtr.limit = sizeof(ps->world->gdt) - 1;
	ps->world->mon_gdtr.base = (uint64_t)ps->world->gdt;
	ps->world->mon_idtr.limit = 256 * sizeof(struct idt_gate) - 1;
	ps->world->mon_idtr.base = (uint64_t)idt(ps);
	for (int v = 0; v < PASSAGE_NGATES; v++) {
		uint64_t a = hva + gates[v];
		int vector = v < 32 ? v : PASSAGE_HC_VECTOR;

		/* The selector is the host's CS, set by passage_host_prepare. */
		idt(ps)[vector] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.ist = vector == 8 ? IDT_IST_DF : 0,
			.type_attr = vector == PASSAGE_HC_VECTOR ? IDT_GATE_DPL1 : IDT_GATE_DPL0,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
	/* The host's interrupts: a gate on every vector from 32 but the
	 * hypercall's, DPL 0 (so `int N` from ring 1 is #GP, not a fake IRQ). */
	for (int vector = 32; vector < 256; vector++) {
		uint64_t a = hva + hdr->irq_stubs_off + (uint64_t)(vector - 32) * PASSAGE_IRQ_STUB_BYTES;

		if (vector == PASSAGE_HC_VECTOR)
			continue;
		if (vector == PASSAGE_SYSCALL_VECTOR)
			ps->irq80_gate = a;
		idt(ps)[vector] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.type_attr = IDT_GATE_DPL0,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
	fill_tss(ps);
	/* SDM Vol.3 6.14.2: from ring 1 or 3 the CPU switches to RSP0 (IST1 for
	 * #DF) and pushes SS, RSP, RFLAGS, CS, RIP and, for some vectors, an
	 * error code; the stubs push an error code where it did not, and the
	 * vector. These are the only RSPs a gate may find (switch.asm). */
	{
		uint64_t top = hva + PASSAGE_PAGE_GUEST * 4096 + PASSAGE_GATE_STACK_TOP;

		ps->world->hc_rsp = top - 5 * 8;
		ps->world->irq_rsp = top - 6 * 8;
		ps->world->exc_rsp = top - 7 * 8;
		ps->world->df_rsp = hva + PASSAGE_PAGE_GUEST * 4096 + PASSAGE_DF_STACK_TOP - 7 * 8;
	}
	return 0;
}

int passage_map_guest(const struct passage *ps, struct pt *pt)
{
	static const int perms[PASSAGE_NPAGES] = {
		[PASSAGE_PAGE_CODE] = PT_EXEC,
		[PASSAGE_PAGE_WORLD] = 0,
		[PASSAGE_PAGE_GUEST] = PT_WRITE,
		[PASSAGE_PAGE_IDT] = 0,
		[PASSAGE_PAGE_TSS] = 0,
		[PASSAGE_PAGE_HOST] = -1, /* never in the guest world */
		[PASSAGE_PAGE_FPU] = -1,
		[PASSAGE_PAGE_HOST_FPU] = -1,
	};

	for (int i = 0; i < PASSAGE_NPAGES; i++) {
		int err = perms[i] < 0 ? 0 : pt_map(pt, ps->hva + (uint64_t)i * 4096, ps->ma[i],
						     (unsigned)perms[i]);

		if (err)
			return err;
	}
	return 0;
}

struct __attribute__((packed)) dtr_image {
	uint16_t limit;
	uint64_t base;
};

static void load_gdt(const struct passage_dtr *d)
{
	struct dtr_image i = { d->limit, d->base };

	__asm__ volatile("lgdt %0" : : "m"(i) : "memory");
}

static void save_dtr(struct passage_dtr *d, int idt_too)
{
	struct dtr_image i;

	if (idt_too)
		__asm__ volatile("sidt %0" : "=m"(i));
	else
		__asm__ volatile("sgdt %0" : "=m"(i));
	d->limit = i.limit;
	d->base = i.base;
}

#define MSR_SYSENTER_CS 0x174u /* SDM Vol.4 2.1 */

/* SDM Vol.3 8.2.3 figure 8-4: the 64-bit TSS descriptor, 16 bytes. */
static uint64_t tss_desc_base(const uint64_t d[2])
{
	return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) | (d[1] << 32);
}

static void tss_desc(uint64_t d[2], uint64_t base, uint32_t limit)
{
	d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	d[1] = base >> 32; /* type 9: available 64-bit TSS, present, DPL 0 */
}

/* A host with no TR at all (our bare-metal host, firmware): load the guest
 * world's TSS as TR, through the guest world's GDT, with interrupts off.
 * TR's cached base stays valid after LGDT switches back (SDM Vol.3 8.2.4). */
static void load_own_tr(struct passage *ps)
{
	uint64_t *d = &ps->world->gdt[PASSAGE_GDT_TSS];
	uint64_t flags;

	ps->tss_off = 0;
	ps->tss_placed = 1;
	fill_tss(ps);
	tss_desc(d, (uint64_t)tss(ps), sizeof(struct passage_tss) - 1);
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	load_gdt(&ps->world->mon_gdtr);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)PASSAGE_TSS_SEL) : "memory");
	/* SDM Vol.2 LLDT: a null selector marks LDTR unusable, so that lar/lsl/verr
	 * of a TI=1 selector clear ZF in the guest world instead of reading a
	 * descriptor through whatever LDT base the firmware left (a #PF there). */
	__asm__ volatile("lldt %w0" : : "r"((uint16_t)0) : "memory");
	load_gdt(&ps->host->gdtr);
	__asm__ volatile("push %0; popfq" : : "r"(flags) : "memory", "cc");
	ps->tr_base = (uint64_t)tss(ps);
}

/* Can the guest world map [va, va + len) for the host? Only inside the
 * monitor's slots (proto/layout.h), and not over the passage. */
static int mirrorable(const struct passage *ps, uint64_t va, uint64_t len)
{
	return layout_in_monitor_slots(va, len) &&
	       !(va < ps->hva + PASSAGE_NPAGES * 4096 && ps->hva < va + len);
}

/* The host's TR: the CPU finds RSP0 and IST1 through its base in whatever
 * CR3 is loaded (SDM Vol.3 8.7), so in the guest world that base must lead
 * to page 4: the guest's tables map page 4 there (an alias, per CPU base). */
static int agree_tr(struct passage *ps, struct pt *pt)
{
	const uint64_t *d;
	uint64_t base, ma, bits, page;

	/* No TR, or one that the host's GDT does not describe as a busy TSS
	 * (the one an earlier guest left on a host that had none): ours. */
	d = (const uint64_t *)(ps->host->gdtr.base + (ps->host->tr & ~7u));
	if (ps->host->tr == 0 || (ps->host->tr & 4) ||
	    (ps->host->tr | 15u) > ps->host->gdtr.limit || ((d[0] >> 40) & 0x9f) != 0x8b) {
		load_own_tr(ps);
		return 0;
	}
	base = tss_desc_base(d);
	page = base & ~0xfffull;
	if (!mirrorable(ps, page, 4096)) {
		log_printf("monitor: refused: the host's TSS at %lx cannot be mirrored in the "
			   "guest world: it lies outside the monitor's PML4 slots %d-%d, or on "
			   "the passage\n",
			   base, LAYOUT_MONITOR_SLOT_FIRST, LAYOUT_MONITOR_SLOT_LAST);
		return -HCERR_RANGE;
	}
	if (!ps->tss_placed) {
		if ((base & 0xfff) > 4096 - sizeof(struct passage_tss)) {
			log_printf("monitor: refused: the host's TSS at %lx cannot be mirrored "
				   "in the guest world: it runs across a page\n", base);
			return -HCERR_RANGE;
		}
		ps->tss_off = base & 0xfff;
		ps->tss_placed = 1;
		fill_tss(ps);
	}
	if ((base & 0xfff) != ps->tss_off) {
		log_printf("monitor: refused: this CPU's TSS at %lx does not sit where the "
			   "others do (page offset %lx)\n", base, ps->tss_off);
		return -HCERR_RANGE;
	}
	ps->tr_base = base;
	/* The walk cost the Linux host's RUN about 350 instructions: once per
	 * page, since a mapping of the monitor's slots is never taken back. */
	if (page == ps->tss_mirrored_page)
		return 0;
	if (pt_walk(pt, page, &ma, &bits) == 0) {
		if (ma != ps->ma[PASSAGE_PAGE_TSS])
			return -HCERR_RANGE;
		ps->tss_mirrored_page = page;
		return 0;
	}
	ps->tss_missing_va = page;
	return -HCERR_AGAIN;
}

int passage_map_tss(struct passage *ps, struct pt *pt)
{
	return pt_map(pt, ps->tss_missing_va, ps->ma[PASSAGE_PAGE_TSS], 0);
}

int passage_host_prepare(struct passage *ps, struct pt *pt)
{
	struct passage_host *h = ps->host;
	struct passage_world *w = ps->world;
	unsigned cs_i, ss_i;
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; mov %%es, %3; "
			 "mov %%fs, %4; mov %%gs, %5; str %6"
			 : "=m"(h->cs), "=m"(h->ss), "=m"(h->ds), "=m"(h->es), "=m"(h->fs),
			   "=m"(h->gs), "=m"(h->tr));
	save_dtr(&h->gdtr, 0);
	save_dtr(&h->idtr, 1);
	w->host_cr3 = cr3;
	h->fs_base = cpu_rdmsr(MSR_FS_BASE);
	h->gs_base = cpu_rdmsr(MSR_GS_BASE);
	/* AMD APM Vol.3 SYSENTER: #UD in long mode whatever the MSR holds, so
	 * only other CPUs (Intel's) need SYSENTER_CS zeroed in the guest world. */
	h->sysenter_cs = ps->vendor_amd ? 0 : cpu_rdmsr(MSR_SYSENTER_CS) & 0xffff;
	/* The gates' selector is the host's CS, and the guest world's GDT holds
	 * an equivalent descriptor at its index (and one for SS): an NMI then
	 * works under either GDT, and IRETQ in the switch reloads valid CS/SS. */
	cs_i = h->cs >> 3;
	ss_i = h->ss >> 3;
	if ((h->cs & 7) || cs_i == 0 || cs_i > PASSAGE_GDT_HOST_MAX || (h->ss & 7) ||
	    ss_i > PASSAGE_GDT_HOST_MAX || ss_i == cs_i) {
		log_printf("monitor: refused: the host's CS %x / SS %x collide with the guest "
			   "world's GDT\n", h->cs, h->ss);
		return -HCERR_RANGE;
	}
	if (h->cs != ps->tables_cs || h->ss != ps->tables_ss) { /* once per host, in practice */
		for (unsigned i = 1; i <= PASSAGE_GDT_HOST_MAX; i++)
			w->gdt[i] = i == cs_i ? GDT_CODE64_DPL0 : i == ss_i ? GDT_DATA_DPL0 : 0;
		for (int v = 0; v < 256; v++)
			if (v != PASSAGE_SYSCALL_VECTOR || !ps->syscall_direct)
				idt(ps)[v].selector = h->cs;
		ps->tables_cs = h->cs;
		ps->tables_ss = h->ss;
	}
	return agree_tr(ps, pt);
}

void passage_guest_start(struct passage *ps, uint64_t cr3, uint64_t rip, uint64_t rsp,
			 uint64_t arg)
{
	*ps->guest = (struct passage_guest){
		.rip = rip,
		.rsp = rsp,
		.rdi = arg,
		.rflags = 0x2, /* SDM Vol.1 3.4.3: bit 1 is reserved as 1 (enter sets IF) */
		.cs = PASSAGE_GDT_GUEST_CODE * 8 + 1,
	};
	ps->world->guest_cr3 = cr3;
}
