/* The monitor's side of the guest's exceptions (loader/trap.c) on a fake
 * host: a fault before any handler or with none ends the guest with its own
 * reason; HC_SET_TRAPS checks every entry and its flags and changes nothing
 * on a refusal; a delivered exception is the hardware frame (SDM Vol.3
 * 6.14), on the stack the CPU would use, through the guest's own tables,
 * with CR2 in the vcpu page; exceptions nest; and a stack that cannot take
 * the frame is the guest's double fault. */
#include <stdio.h>
#include <stdlib.h>
#include "fake_host.h"
#include "unit.h"
#include "unit_guest.h"
#include "../../loader/log.h"
#include "../../loader/monitor.h"
#include "../../mm/guestmem.h"
#include "../../mm/pagetable.h"
#include "../../proto/layout.h"

#define POOL_PAGES 32
#define RO_PAGE 31 /* the last page the test uses is mapped read-only */
#define TEXT_GVA (GUEST_KERNEL_BASE + 0x1000)
#define TABLE_GPA 0x4000ull
#define VCPU_GPA 0x3040ull
#define USER_STACK 0x7ff000ull

static struct monitor m;
static struct passage_guest regs;

static void setup(void)
{
	fake_reset();
	memset(&regs, 0, sizeof(regs));
	EXPECT_EQ(unit_guest_memory(&m, POOL_PAGES, RO_PAGE), 0);
	m.ps.guest = &regs;
	/* One executable segment: the image's text, gpa 0x1000-0x3000. */
	m.image.nsegments = 1;
	m.image.seg[0] = (struct elf_segment){ .gva = TEXT_GVA, .memsz = 0x2000,
					       .perms = PT_EXEC };
	unit_guest_map(&m, TEXT_GVA, 0x1000, PTE_P);
	unit_guest_map(&m, TEXT_GVA + 0x1000, 0x2000, PTE_P);
	/* A user page, for a stack in ring 3. */
	unit_guest_map(&m, USER_STACK, 0x9000, PTE_P | PTE_W | PTE_U);
}

static void teardown(void)
{
	unit_guest_free(&m);
	EXPECT_EQ(fake_outstanding(), 0);
}

/* The guest as the gate left it: vector, error code, where. */
static void fault(uint64_t vector, uint64_t error, uint64_t rip, uint64_t rsp)
{
	regs.exit = vector;
	regs.error_code = error;
	regs.rip = rip;
	regs.rsp = rsp;
	regs.cs = HCABI_GUEST_CS;
	regs.rax = 0x1111;
	regs.r15 = 0x1515;
	regs.rflags = 0x302; /* TF and IF as the gate saw them */
	regs.cr2 = 0xdead000;
}

static void write_table(const struct hc_trap_entry *t)
{
	struct gspan s;

	gmem_span(&m.pool, TABLE_GPA, HCLIM_TRAPS * sizeof(*t), &s);
	gmem_write(&m.pool, s, t);
}

static struct hc_trap_entry table[HCLIM_TRAPS];

/* Every exception vector and the upcall to one handler; then HC_SET_TRAPS. */
static int64_t set_traps(uint64_t handler_for_all)
{
	memset(table, 0, sizeof(table));
	for (int v = 0; v <= HCABI_UPCALL_VECTOR; v++)
		table[v].handler = handler_for_all;
	table[2].handler = 0; /* no NMI handler: allowed */
	write_table(table);
	return trap_set(&m, TABLE_GPA, VCPU_GPA);
}

static struct hc_vcpu *vcpu(void)
{
	return gmem_page_hva(&m.pool, VCPU_GPA);
}

/* The n u64 of the frame at guest virtual at (in the direct map). */
static void read_frame(uint64_t at, uint64_t *f, unsigned n)
{
	struct gspan s;

	gmem_span(&m.pool, at - GUEST_DMAP_BASE, n * 8, &s);
	gmem_read(&m.pool, f, s);
}

TEST(trap_before_any_handler_ends_the_guest_with_its_own_reason)
{
	setup();
	fault(6, 0, TEXT_GVA + 0x10, GUEST_DMAP_BASE + 0x8000);
	EXPECT_EQ(trap_deliver(&m, 6, 0), RUN_GUEST_CRASH);
	EXPECT_EQ(m.crash_reason, MON_CRASH_NO_TRAPS);
	EXPECT_EQ(m.crash.vector, 6);
	EXPECT_EQ(m.crash.rip, TEXT_GVA + 0x10);
	EXPECT_EQ(m.crash.cr2, 0); /* not a #PF: CR2 is not the guest's to see */
	EXPECT_EQ(m.crash.cs, HCABI_GUEST_CS);
	EXPECT_EQ(m.crash.rax, 0x1111);
	teardown();
}

TEST(trap_set_checks_every_entry_and_changes_nothing_on_error)
{
	setup();
	EXPECT_EQ(set_traps(TEXT_GVA + 0x2000), -HCERR_INVAL); /* one past the text */
	EXPECT_EQ(set_traps(GUEST_DMAP_BASE + 0x1000), -HCERR_INVAL); /* data, not text */
	EXPECT_EQ(m.traps_set, 0);
	EXPECT_EQ(trap_set(&m, pool_bytes(&m.pool) - 8, VCPU_GPA), -HCERR_FAULT);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA + 16), -HCERR_FAULT); /* not 64-aligned */
	EXPECT_EQ(trap_set(&m, TABLE_GPA, pool_bytes(&m.pool)), -HCERR_FAULT);
	EXPECT_EQ(set_traps(TEXT_GVA + 0x1ff0), 0);
	/* Flags a vector cannot have: refused, the table as it was. */
	table[14].flags = HCTRAP_USER; /* a vector with an error code */
	write_table(table);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), -HCERR_INVAL);
	table[14].flags = 0;
	table[40].handler = TEXT_GVA; /* no vector above 32 but the system call's */
	write_table(table);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), -HCERR_INVAL);
	table[40].handler = 0;
	table[HCABI_SYSCALL_VECTOR].handler = TEXT_GVA; /* without HCTRAP_USER */
	write_table(table);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), -HCERR_INVAL);
	table[HCABI_SYSCALL_VECTOR].flags = HCTRAP_USER | HCTRAP_MASK; /* no monitor to mask */
	write_table(table);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), -HCERR_INVAL);
	table[HCABI_SYSCALL_VECTOR].flags = HCTRAP_USER;
	table[13].reserved = 1;
	write_table(table);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), -HCERR_INVAL);
	EXPECT_EQ(m.traps[13].handler, TEXT_GVA + 0x1ff0);
	EXPECT_EQ(m.traps[HCABI_SYSCALL_VECTOR].handler, 0);
	EXPECT_EQ(m.traps[2].handler, 0);
	fault(2, 0, TEXT_GVA, GUEST_DMAP_BASE + 0x8000); /* the vector with no handler */
	EXPECT_EQ(trap_deliver(&m, 2, 0), RUN_GUEST_CRASH);
	EXPECT_EQ(m.crash_reason, MON_CRASH_NO_HANDLER);
	teardown();
}

TEST(trap_set_puts_the_system_call_gate_in_the_idt)
{
	const uint8_t *idt = (const uint8_t *)m.ps.hva;

	setup();
	idt = (const uint8_t *)m.ps.hva + PASSAGE_PAGE_IDT * 4096;
	memset(table, 0, sizeof(table));
	table[HCABI_SYSCALL_VECTOR] = (struct hc_trap_entry){ TEXT_GVA + 0x20, HCTRAP_USER, 0 };
	table[3] = (struct hc_trap_entry){ TEXT_GVA, HCTRAP_USER, 0 };
	write_table(table);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), 0);
	/* SDM Vol.3 figure 6-8: offset, selector (ring-1 code), type 0xF DPL 3. */
	idt += HCABI_SYSCALL_VECTOR * 16;
	EXPECT_EQ(*(const uint16_t *)idt, (uint16_t)(TEXT_GVA + 0x20));
	EXPECT_EQ(*(const uint16_t *)(idt + 2), HCABI_GUEST_CS & ~3);
	EXPECT_EQ(idt[5], 0xef);
	EXPECT_EQ(*(const uint32_t *)(idt + 8), (uint32_t)((TEXT_GVA + 0x20) >> 32));
	EXPECT_EQ(((const uint8_t *)m.ps.hva)[PASSAGE_PAGE_IDT * 4096 + 3 * 16 + 5], 0xee);
	teardown();
}

TEST(trap_frame_is_the_hardware_one_on_the_interrupted_stack)
{
	uint64_t rsp = GUEST_DMAP_BASE + 0x8008, f[6];

	setup();
	EXPECT_EQ(set_traps(TEXT_GVA + 0x100), 0);
	fault(14, 0x2, TEXT_GVA + 0x40, rsp);
	vcpu()->mask = 1; /* virtual interrupts off in the interrupted code */
	EXPECT_EQ(trap_deliver(&m, 14, 0x6), RUN_RESUME);
	/* SDM Vol.3 6.14.2: aligned down to 16, then SS RSP RFLAGS CS RIP err. */
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x8000 - 48);
	EXPECT_EQ(regs.rip, TEXT_GVA + 0x100);
	EXPECT_EQ(regs.cs, HCABI_GUEST_CS);
	EXPECT_EQ(regs.rflags & 0x100, 0); /* TF off for the handler */
	EXPECT_EQ(regs.rax, 0x1111);        /* every register as it was */
	read_frame(regs.rsp, f, 6);
	EXPECT_EQ(f[0], 0x6);               /* the error code the vTLB gave */
	EXPECT_EQ(f[1], TEXT_GVA + 0x40);
	EXPECT_EQ(f[2], HCABI_GUEST_CS);
	EXPECT_EQ(f[3], 0x102);             /* IF = the virtual IF: masked, so 0 */
	EXPECT_EQ(f[4], rsp);
	EXPECT_EQ(f[5], HCABI_GUEST_DS);
	EXPECT_EQ(vcpu()->cr2, 0xdead000);
	EXPECT_EQ(vcpu()->mask, 1);         /* a trap gate: the mask as it was */
	/* The pushes are writes: the stack page is dirty in the guest's tables. */
	EXPECT(*unit_guest_pte(&m, GUEST_DMAP_BASE + 0x7000) & PTE_D);
	/* A fault in the handler nests below it, as on hardware: #UD has no
	 * error code, so 40 bytes. */
	regs.exit = 6;
	EXPECT_EQ(trap_deliver(&m, 6, 0), RUN_RESUME);
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x8000 - 48 - 40);
	read_frame(regs.rsp, f, 5);
	EXPECT_EQ(f[0], TEXT_GVA + 0x100);
	EXPECT_EQ(f[3], GUEST_DMAP_BASE + 0x8000 - 48);
	EXPECT_EQ(m.traps_delivered, 2);
	teardown();
}

TEST(trap_from_ring_3_goes_to_the_kernel_stack_and_masks_if_asked)
{
	uint64_t f[5];

	setup();
	EXPECT_EQ(set_traps(TEXT_GVA + 0x100), 0);
	fault(6, 0, 0x401000, USER_STACK + 0x800);
	regs.cs = HCABI_USER_CS;
	EXPECT_EQ(trap_deliver(&m, 6, 0), RUN_GUEST_CRASH); /* no HC_SET_KSTACK yet */
	EXPECT_EQ(m.crash_reason, MON_CRASH_NO_KSTACK);
	EXPECT_EQ(m.crash.ss, HCABI_USER_DS);
	m.crash_reason = 0;
	m.ps.kstack = GUEST_DMAP_BASE + 0x6008;
	vcpu()->mask = 1; /* stale: ring 3 runs with IF set whatever the mask */
	m.traps[6].flags = HCTRAP_MASK;
	EXPECT_EQ(trap_deliver(&m, 6, 0), RUN_RESUME);
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x6000 - 40);
	EXPECT_EQ(regs.cs, HCABI_GUEST_CS);
	read_frame(regs.rsp, f, 5);
	EXPECT_EQ(f[0], 0x401000);
	EXPECT_EQ(f[1], HCABI_USER_CS);
	EXPECT_EQ(f[2] & 0x200, 0x200);
	EXPECT_EQ(f[3], USER_STACK + 0x800);
	EXPECT_EQ(f[4], HCABI_USER_DS);
	EXPECT_EQ(vcpu()->mask, 1); /* an interrupt gate */
	teardown();
}

TEST(trap_with_a_stack_that_cannot_take_the_frame_is_a_double_fault)
{
	static const uint64_t bad_rsp[] = {
		0xffff900000001000ull,                    /* the monitor's slots */
		GUEST_DMAP_BASE + RO_PAGE * 4096 + 0x800, /* mapped read-only */
		GUEST_DMAP_BASE + RO_PAGE * 4096 + 0x1010, /* half on the read-only page */
		GUEST_DMAP_BASE + 0x10,                   /* below the pool: not canonical */
		TEXT_GVA + 0x800,                         /* the text: not writable */
		100,                                      /* wraps below zero */
	};

	for (unsigned i = 0; i < sizeof(bad_rsp) / sizeof(bad_rsp[0]); i++) {
		setup();
		EXPECT_EQ(set_traps(TEXT_GVA), 0);
		fault(6, 0, TEXT_GVA, bad_rsp[i]);
		EXPECT_EQ(trap_deliver(&m, 6, 0), RUN_GUEST_CRASH);
		EXPECT_EQ(m.crash_reason, MON_CRASH_STACK);
		EXPECT_EQ(regs.rip, TEXT_GVA); /* nothing of the guest changed */
		teardown();
	}
}

static char report[1024];
static size_t report_len;

static void capture(const char *buf, size_t len)
{
	if (report_len + len < sizeof(report)) {
		memcpy(report + report_len, buf, len);
		report_len += len;
		report[report_len] = 0;
	}
}

/* The report names an instruction ring 1 or 3 may not execute only when the
 * exception is the one executing it raises (#GP, #UD: SDM Vol.3 6.15): an
 * int $0x80 whose frame could not be pushed (a #PF on the kernel stack) is
 * the system call, allowed, and must not be called forbidden. */
TEST(trap_report_names_a_forbidden_instruction_only_for_its_gp_or_ud)
{
	static const uint8_t int80[2] = { 0xcd, 0x80 };
	static const uint64_t vectors[] = { 14, 13, 6, 12 };
	struct gspan at;

	for (unsigned i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		setup();
		gmem_span(&m.pool, 0x1000, sizeof(int80), &at);
		gmem_write(&m.pool, at, int80);
		m.crash = (struct hc_trap_frame){ .vector = vectors[i], .rip = TEXT_GVA,
						  .cs = HCABI_USER_CS };
		report_len = 0;
		report[0] = 0;
		log_set_sink(capture);
		trap_name_insn(&m, TEXT_GVA);
		log_set_sink(0);
		if (vectors[i] == 13 || vectors[i] == 6)
			EXPECT(strstr(report, "monitor: guest executed `int 0x80` at RIP") != NULL);
		else
			EXPECT_EQ(report_len, 0);
		teardown();
	}
}
