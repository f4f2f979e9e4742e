/* Virtual interrupts (loader/vintr.c) on a fake host: HC_SET_UPCALL checks its
 * page and handler, the timer counts missed periods and a one-shot fires once,
 * nothing is delivered while masked or while a handler runs, and a delivery
 * masks and bounces a frame with the upcall vector. */
#include "fake_host.h"
#include "unit.h"
#include "unit_guest.h"
#include "../../loader/monitor.h"
#include "../../mm/guestmem.h"
#include "../../proto/layout.h"

#define POOL_PAGES 16
#define TEXT_GVA (GUEST_KERNEL_BASE + 0x1000)
#define VCPU_GPA 0x3010ull

static struct monitor m;
static struct passage_guest regs;

static void setup(void)
{
	EXPECT_EQ(unit_guest_setup(&m, &regs, POOL_PAGES), 0);
	unit_clock_ns = 1000000;
	m.image.nsegments = 1;
	m.image.seg[0] = (struct elf_segment){ .gva = TEXT_GVA, .memsz = 0x1000, .perms = PT_EXEC };
	regs.rsp = GUEST_DMAP_BASE + 0x8000;
	regs.rip = TEXT_GVA + 0x10;
}

static void teardown(void)
{
	unit_guest_free(&m);
	EXPECT_EQ(fake_outstanding(), 0);
}

static struct hc_vcpu *vcpu(void)
{
	return gmem_page_hva(&m.pool, VCPU_GPA);
}

TEST(vintr_set_upcall_checks_its_page_and_handler)
{
	setup();
	EXPECT_EQ(vintr_set_upcall(&m, VCPU_GPA + 8, TEXT_GVA), -HCERR_FAULT); /* not 16-aligned */
	EXPECT_EQ(vintr_set_upcall(&m, POOL_PAGES * 4096, TEXT_GVA), -HCERR_FAULT);
	EXPECT_EQ(vintr_set_upcall(&m, VCPU_GPA, GUEST_DMAP_BASE), -HCERR_INVAL);
	EXPECT_EQ(m.upcall, 0);
	EXPECT_EQ(vintr_set_upcall(&m, VCPU_GPA, TEXT_GVA + 4), 0);
	EXPECT_EQ(vintr_timer(&m, unit_clock_ns + 10, 50000), -HCERR_INVAL); /* under 100 us */
	EXPECT_EQ(vintr_timer(&m, unit_clock_ns + 10, UINT64_MAX), -HCERR_INVAL); /* would wrap */
	EXPECT_EQ(vintr_timer(&m, unit_clock_ns + 10, HCLIM_TIMER_MAX_NS), 0);
	teardown();
}

TEST(vintr_timer_counts_missed_periods_and_fires_a_one_shot_once)
{
	setup();
	EXPECT_EQ(vintr_set_upcall(&m, VCPU_GPA, TEXT_GVA), 0);
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

TEST(vintr_delivers_unmasked_events_once_and_not_inside_a_handler)
{
	struct hc_trap_frame f;
	struct gspan s;

	setup();
	EXPECT_EQ(vintr_set_upcall(&m, VCPU_GPA, TEXT_GVA + 0x40), 0);
	vcpu()->events = HCEV_SELF;
	m.in_handler = 1;
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(m.upcalls, 0);
	m.in_handler = 0;
	EXPECT_EQ(vintr_check(&m), RUN_RESUME);
	EXPECT_EQ(m.upcalls, 1);
	EXPECT_EQ(vcpu()->mask, 1);
	EXPECT_EQ(regs.rip, TEXT_GVA + 0x40);
	gmem_span(&m.pool, regs.rsp - GUEST_DMAP_BASE, sizeof(f), &s);
	gmem_read(&m.pool, &f, s);
	EXPECT_EQ(f.vector, HCABI_UPCALL_VECTOR);
	EXPECT_EQ(f.rip, TEXT_GVA + 0x10);
	EXPECT_EQ(vintr_check(&m), RUN_RESUME); /* masked and in the handler: no second one */
	EXPECT_EQ(m.upcalls, 1);
	teardown();
}
