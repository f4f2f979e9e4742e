/* HC_STATS, the hypercall lab's call (docs/labs/hypercall.md), as the run loop
 * dispatches it on a fake host: the counters come out right, every bad
 * argument gets its named error, and a refused call writes nothing. */
#include <stdio.h>
#include "fake_host.h"
#include "unit.h"
#include "unit_guest.h"
#include "../../loader/monitor.h"
#include "../../mm/guestmem.h"

#define POOL_PAGES 8
#define BUF_GPA 0x2000ull

static struct monitor m;
static struct passage_guest regs;

static void setup(void)
{
	EXPECT_EQ(unit_guest_setup(&m, &regs, POOL_PAGES), 0); /* a zeroed pool */
	unit_clock_ns = 123456789;
}

static void teardown(void)
{
	unit_guest_free(&m);
	EXPECT_EQ(fake_outstanding(), 0);
}

static int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1)
{
	regs.rax = nr;
	regs.rdi = a0;
	regs.rsi = a1;
	EXPECT_EQ(hc_dispatch(&m), RUN_RESUME);
	return (int64_t)regs.rax;
}

static struct hc_stats read_stats(uint64_t gpa)
{
	struct hc_stats st;
	struct gspan s;

	EXPECT_EQ(gmem_span(&m.pool, gpa, sizeof(st), &s), 0);
	gmem_read(&m.pool, &st, s);
	return st;
}

TEST(lab_hypercall_stats_copies_the_counters)
{
	struct hc_stats st;

	setup();
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(hc(HC_YIELD, 0, 0), 0);
	EXPECT_EQ(hc(HC_LOG, BUF_GPA, 0), 0);
	m.switches = 1000;
	m.host_interrupts = 7;
	m.bad_calls = 2;
	EXPECT_EQ(hc(HC_STATS, BUF_GPA, sizeof(struct hc_stats)), 0);
	st = read_stats(BUF_GPA);
	EXPECT_EQ(st.switches, 1000);
	EXPECT_EQ(st.yields, 5);
	EXPECT_EQ(st.hypercalls, 5 + 1 + 2 + 1); /* this HC_STATS, and the unknown numbers */
	EXPECT_EQ(st.host_interrupts, 7);
	EXPECT_EQ(st.now_ns, 123456789);
	/* Across a page boundary: two pieces to copy. */
	unit_clock_ns = 5;
	EXPECT_EQ(hc(HC_STATS, 0x3000 - 12, sizeof(struct hc_stats)), 0);
	st = read_stats(0x3000 - 12);
	EXPECT_EQ(st.now_ns, 5);
	EXPECT_EQ(st.yields, 5);
	teardown();
}

TEST(lab_hypercall_stats_refuses_bad_arguments_and_writes_nothing)
{
	uint64_t end, n = sizeof(struct hc_stats);
	uint8_t page[4096];
	struct gspan s;

	setup();
	end = pool_bytes(&m.pool);
	EXPECT_EQ(hc(HC_STATS, BUF_GPA, n - 1), -HCERR_INVAL);
	EXPECT_EQ(hc(HC_STATS, BUF_GPA, n + 8), -HCERR_INVAL);
	EXPECT_EQ(hc(HC_STATS, BUF_GPA, 0), -HCERR_INVAL);
	EXPECT_EQ(hc(HC_STATS, end, n), -HCERR_FAULT);
	EXPECT_EQ(hc(HC_STATS, end - 8, n), -HCERR_FAULT);
	EXPECT_EQ(hc(HC_STATS, ~0ull - 7, n), -HCERR_FAULT);
	EXPECT_EQ(hc(HC_STATS, 0xffff800000000000ull + BUF_GPA, n), -HCERR_FAULT);
	EXPECT_EQ(hc(HC_STATS, end - n, n), 0); /* the pool's last bytes are the guest's */
	EXPECT_EQ(gmem_span(&m.pool, BUF_GPA, sizeof(page), &s), 0);
	gmem_read(&m.pool, page, s);
	for (unsigned i = 0; i < sizeof(page); i++)
		if (page[i] != 0) {
			unit_fail(__FILE__, __LINE__, "a refused HC_STATS wrote byte %u", i);
			break;
		}
	teardown();
}

/* The guest's assembly sees the same number (proto/hypercall.inc). */
TEST(lab_hypercall_stats_number_in_assembly)
{
	char line[256], name[64];
	long v, found = -1;
	FILE *f = fopen("proto/hypercall.inc", "r");

	EXPECT(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%%define %63s %li", name, &v) == 2 && strcmp(name, "HC_STATS") == 0)
			found = v;
	fclose(f);
	if (found != HC_STATS)
		unit_fail(__FILE__, __LINE__, "proto/hypercall.inc has no \"%%define HC_STATS %d\" "
			  "(the guest's assembly reads the numbers there)", HC_STATS);
}
