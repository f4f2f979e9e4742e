/* Virtual interrupts (loader/vintr.c) on a fake host: the timer counts missed
 * periods and a one-shot fires once; nothing is delivered while ring 1 has
 * masked them, but ring 3 always takes them; a delivery is a hardware frame
 * (no error code) that masks; and an upcall due inside the guest's
 * unmask-and-iretq window restarts the handler on the same frame instead of
 * nesting. */
#include "fake_host.h"
#include "unit.h"
#include "unit_guest.h"
#include "../../loader/monitor.h"
#include "../../mm/guestmem.h"
#include "../../proto/layout.h"

#define POOL_PAGES 16
#define TEXT_GVA (GUEST_KERNEL_BASE + 0x1000)
#define TABLE_GPA 0x4000ull
#define VCPU_GPA 0x3040ull

static struct monitor m;
static struct passage_guest regs;

static struct hc_vcpu *vcpu(void)
{
	return gmem_page_hva(&m.pool, VCPU_GPA);
}

/* The guest registers its trap table with an upcall handler at TEXT_GVA + 0x40. */
static void setup(void)
{
	static struct hc_trap_entry t[HCLIM_TRAPS];
	struct gspan s;

	EXPECT_EQ(unit_guest_setup(&m, &regs, POOL_PAGES), 0);
	unit_clock_ns = 1000000;
	m.image.nsegments = 1;
	m.image.seg[0] = (struct elf_segment){ .gva = TEXT_GVA, .memsz = 0x1000, .perms = PT_EXEC };
	regs.rsp = GUEST_DMAP_BASE + 0x8000;
	regs.rip = TEXT_GVA + 0x10;
	t[HCABI_UPCALL_VECTOR].handler = TEXT_GVA + 0x40;
	gmem_span(&m.pool, TABLE_GPA, sizeof(t), &s);
	gmem_write(&m.pool, s, t);
	EXPECT_EQ(trap_set(&m, TABLE_GPA, VCPU_GPA), 0);
	EXPECT_EQ(m.upcall, TEXT_GVA + 0x40);
}

static void teardown(void)
{
	unit_guest_free(&m);
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(vintr_timer_checks_its_period)
{
	setup();
	EXPECT_EQ(vintr_timer(&m, unit_clock_ns + 10, 50000), -HCERR_INVAL); /* under 100 us */
	EXPECT_EQ(vintr_timer(&m, unit_clock_ns + 10, UINT64_MAX), -HCERR_INVAL); /* would wrap */
	EXPECT_EQ(vintr_timer(&m, unit_clock_ns + 10, HCLIM_TIMER_MAX_NS), 0);
	teardown();
}

TEST(vintr_timer_counts_missed_periods_and_fires_a_one_shot_once)
{
	setup();
	vcpu()->mask = 1;
	EXPECT_EQ(vintr_timer(&m, 2000000, 1000000), 0);
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(vcpu()->timer_fired, 0);
	unit_clock_ns = 5500000; /* the deadline and three more periods passed */
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(vcpu()->timer_fired, 4);
	EXPECT_EQ(vcpu()->events, HCEV_TIMER);
	EXPECT_EQ(m.upcalls, 0); /* masked */
	EXPECT_EQ(vintr_next_ns(&m), 6000000);
	EXPECT_EQ(vintr_timer(&m, 7000000, 0), 0);
	unit_clock_ns = 9000000;
	vintr_check(&m);
	vintr_check(&m);
	EXPECT_EQ(vcpu()->timer_fired, 5);
	EXPECT_EQ(vintr_next_ns(&m), 0);
	teardown();
}

TEST(vintr_delivers_a_hardware_frame_that_masks)
{
	uint64_t f[5];
	struct gspan s;

	setup();
	vcpu()->events = HCEV_SELF;
	vcpu()->mask = 1;
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(m.upcalls, 0);
	vcpu()->mask = 0;
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(m.upcalls, 1);
	EXPECT_EQ(vcpu()->mask, 1);
	EXPECT_EQ(regs.rip, TEXT_GVA + 0x40);
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x8000 - 40);
	gmem_span(&m.pool, regs.rsp - GUEST_DMAP_BASE, sizeof(f), &s);
	gmem_read(&m.pool, f, s);
	EXPECT_EQ(f[0], TEXT_GVA + 0x10); /* RIP, then CS: no error code */
	EXPECT_EQ(f[1], HCABI_GUEST_CS);
	EXPECT_EQ(f[2] & 0x200, 0x200);    /* it was deliverable: virtual IF set */
	EXPECT_EQ(vintr_check(&m), RUN_RESUME); /* masked now: no second one */
	EXPECT_EQ(m.upcalls, 1);
	teardown();
}

TEST(vintr_ring_3_takes_upcalls_whatever_the_mask)
{
	setup();
	m.ps.kstack = GUEST_DMAP_BASE + 0x6000;
	unit_guest_map(&m, 0x400000, 0x9000, PTE_P | PTE_W | PTE_U);
	regs.cs = HCABI_USER_CS;
	regs.rsp = 0x400800;
	vcpu()->events = HCEV_TIMER;
	vcpu()->mask = 1; /* stale from the kernel: ring 3 runs with IF = 1 */
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(m.upcalls, 1);
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x6000 - 40);
	EXPECT_EQ(regs.cs, HCABI_GUEST_CS);
	teardown();
}

TEST(vintr_inside_the_resume_window_restarts_the_handler_on_the_same_frame)
{
	setup();
	vcpu()->resume_start = TEXT_GVA + 0x80;
	vcpu()->resume_end = TEXT_GVA + 0x88;
	regs.rip = TEXT_GVA + 0x84; /* between the unmask and the iretq */
	regs.rsp = GUEST_DMAP_BASE + 0x7fd8; /* the iretq frame */
	vcpu()->events = HCEV_TIMER;
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(regs.rip, TEXT_GVA + 0x40);
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x7fd8); /* nothing pushed */
	EXPECT_EQ(vcpu()->mask, 1);
	EXPECT_EQ(m.upcalls, 1);
	/* At the window's end (the iretq done) it is an ordinary delivery. */
	vcpu()->mask = 0;
	regs.rip = TEXT_GVA + 0x88;
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(regs.rsp, GUEST_DMAP_BASE + 0x7fd0 - 40);
	teardown();
}
