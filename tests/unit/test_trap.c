/* The monitor's side of the guest's exceptions (loader/trap.c) on a fake
 * host: a fault before any handler, no handler, a fault inside a handler and
 * a stack that cannot take the frame each end the guest with their own
 * reason; a delivered frame lands where the ABI says, holds what the CPU
 * saw (CR2 only for #PF), and HC_IRET resumes from it, once. */
#include <stdio.h>
#include <stdlib.h>
#include "fake_host.h"
#include "unit.h"
#include "unit_guest.h"
#include "../../loader/monitor.h"
#include "../../mm/guestmem.h"
#include "../../proto/layout.h"

#define POOL_PAGES 32
#define RO_PAGE 31 /* the last pool page is mapped read-only */
#define TEXT_GVA (GUEST_KERNEL_BASE + 0x1000)

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
	EXPECT_EQ(pt_map(&m.pt, TEXT_GVA, pool_page_ma(&m.pool, 1), PT_EXEC), 0);
	EXPECT_EQ(pt_map(&m.pt, TEXT_GVA + 0x1000, pool_page_ma(&m.pool, 2), PT_EXEC), 0);
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
	regs.rax = 0x1111;
	regs.r15 = 0x1515;
	regs.rflags = 0x302; /* TF and IF as the gate saw them */
	regs.cr2 = 0xdead000;
}

static int64_t set_traps(uint64_t handler_for_all)
{
	uint64_t t[HCLIM_TRAPS];
	struct gspan s;

	for (int v = 0; v < HCLIM_TRAPS; v++)
		t[v] = handler_for_all;
	t[2] = 0; /* no NMI handler: allowed */
	gmem_span(&m.pool, 0x4000, sizeof(t), &s);
	gmem_write(&m.pool, s, t);
	return trap_set(&m, 0x4000);
}

TEST(trap_before_any_handler_ends_the_guest_with_its_own_reason)
{
	setup();
	fault(6, 0, TEXT_GVA + 0x10, GUEST_DMAP_BASE + 0x8000);
	EXPECT_EQ(trap_deliver(&m), RUN_GUEST_CRASH);
	EXPECT_EQ(m.crash_reason, MON_CRASH_NO_TRAPS);
	EXPECT_EQ(m.crash.vector, 6);
	EXPECT_EQ(m.crash.rip, TEXT_GVA + 0x10);
	EXPECT_EQ(m.crash.cr2, 0); /* not a #PF: CR2 is not the guest's to see */
	EXPECT_EQ(m.crash.cs, HCABI_GUEST_CS);
	EXPECT_EQ(m.crash.rax, 0x1111);
	teardown();
}

TEST(trap_set_checks_every_handler_and_changes_nothing_on_error)
{
	setup();
	EXPECT_EQ(set_traps(TEXT_GVA + 0x2000), -HCERR_INVAL); /* one past the text */
	EXPECT_EQ(set_traps(GUEST_DMAP_BASE + 0x1000), -HCERR_INVAL); /* data, not text */
	EXPECT_EQ(m.traps_set, 0);
	EXPECT_EQ(trap_set(&m, POOL_PAGES * 4096 - 8), -HCERR_FAULT);
	EXPECT_EQ(set_traps(TEXT_GVA + 0x1ff0), 0);
	EXPECT_EQ(m.traps[13], TEXT_GVA + 0x1ff0);
	EXPECT_EQ(m.traps[2], 0);
	fault(2, 0, TEXT_GVA, GUEST_DMAP_BASE + 0x8000); /* the vector with no handler */
	EXPECT_EQ(trap_deliver(&m), RUN_GUEST_CRASH);
	EXPECT_EQ(m.crash_reason, MON_CRASH_NO_HANDLER);
	teardown();
}

TEST(trap_frame_lands_where_the_abi_says_and_iret_resumes_from_it)
{
	uint64_t rsp = GUEST_DMAP_BASE + 0x8008, at = GUEST_DMAP_BASE + 0x8000 - 192;
	struct hc_trap_frame f;
	struct gspan s;

	setup();
	EXPECT_EQ(set_traps(TEXT_GVA + 0x100), 0);
	fault(14, 0x2, TEXT_GVA + 0x40, rsp);
	EXPECT_EQ(trap_deliver(&m), RUN_RESUME);
	EXPECT_EQ(regs.rip, TEXT_GVA + 0x100);
	EXPECT_EQ(regs.rsp, at);
	EXPECT_EQ(regs.rdi, at);
	EXPECT_EQ(regs.rflags & 0x100, 0); /* TF off for the handler */
	gmem_span(&m.pool, at - GUEST_DMAP_BASE, sizeof(f), &s);
	gmem_read(&m.pool, &f, s);
	EXPECT_EQ(f.vector, 14);
	EXPECT_EQ(f.error_code, 2);
	EXPECT_EQ(f.cr2, 0xdead000);
	EXPECT_EQ(f.rip, TEXT_GVA + 0x40);
	EXPECT_EQ(f.rsp, rsp);
	EXPECT_EQ(f.r15, 0x1515);
	EXPECT_EQ(f.ss, HCABI_GUEST_DS);
	/* A fault inside the handler ends the guest. */
	regs.exit = 13;
	EXPECT_EQ(trap_deliver(&m), RUN_GUEST_CRASH);
	EXPECT_EQ(m.crash_reason, MON_CRASH_IN_HANDLER);
	/* The handler moves RIP on (a fixup) and returns. */
	f.rip = TEXT_GVA + 0x80;
	gmem_write(&m.pool, s, &f);
	EXPECT_EQ(trap_return(&m), 0);
	EXPECT_EQ(regs.rip, TEXT_GVA + 0x80);
	EXPECT_EQ(regs.rsp, rsp);
	EXPECT_EQ(regs.rax, 0x1111);
	EXPECT_EQ(regs.rflags, 0x302); /* enter masks it, not trap_return */
	EXPECT_EQ(trap_return(&m), -HCERR_INVAL); /* no handler runs any more */
	teardown();
}

TEST(trap_with_a_stack_that_cannot_take_the_frame_is_a_double_fault)
{
	static const uint64_t bad_rsp[] = {
		0xffff900000001000ull,                    /* between the windows */
		GUEST_DMAP_BASE + RO_PAGE * 4096 + 0x800, /* mapped read-only */
		GUEST_DMAP_BASE + 0x40,                   /* below the pool's start */
		TEXT_GVA + 0x800,                         /* the text: not writable */
		100,                                      /* wraps below zero */
	};

	for (unsigned i = 0; i < sizeof(bad_rsp) / sizeof(bad_rsp[0]); i++) {
		setup();
		EXPECT_EQ(set_traps(TEXT_GVA), 0);
		fault(6, 0, TEXT_GVA, bad_rsp[i]);
		EXPECT_EQ(trap_deliver(&m), RUN_GUEST_CRASH);
		EXPECT_EQ(m.crash_reason, MON_CRASH_STACK);
		EXPECT_EQ(m.in_handler, 0);
		teardown();
	}
}
