/* The host side of the request ring and the hypercall dispatch, on a fake
 * host with a scattered pool and a RAM disk: every malformed descriptor gets
 * its named status, nothing outside a buffer is touched, a POST is bounded,
 * and the host never believes the guest's copy of its consumer index. */
#include <stdlib.h>
#include "fake_host.h"
#include "unit.h"
#include "../../loader/monitor.h"
#include "../../loader/ring.h"
#include "../../loader/ring_device.h"
#include "../../mm/guestmem.h"
#include "../../proto/ring.h"

#define POOL_PAGES 64
#define RING_GPA 0x10000ull
#define BUF_GPA 0x20000ull
#define SECTORS 64

static struct monitor m;
static struct passage_guest regs;
static uint8_t disk[SECTORS * 512];
static uint64_t now_ns;
static const char *console_in;

static int d_read(void *c, uint64_t off, void *buf, uint64_t len)
{
	(void)c;
	memcpy(buf, disk + off, len);
	return 0;
}

static int d_write(void *c, uint64_t off, const void *buf, uint64_t len)
{
	(void)c;
	memcpy(disk + off, buf, len);
	return 0;
}

static int d_flush(void *c)
{
	(void)c;
	return -HCERR_IO; /* a backend failure, to see it reported */
}

static uint64_t con_read(void *c, char *buf, uint64_t len)
{
	uint64_t n = strlen(console_in);

	(void)c;
	n = n < len ? n : len;
	memcpy(buf, console_in, n);
	console_in += n;
	return n;
}

static uint64_t clock_ns(void *c)
{
	(void)c;
	return now_ns += 1000000;
}

static struct host_blk blk = { SECTORS, 0, d_read, d_write, d_flush, 0 };
static struct host_ops host = {
	.name = "test", .console_read = con_read, .time_ns = clock_ns, .blk = &blk
};

static void setup(void)
{
	uint64_t got;
	struct gspan all;

	fake_reset();
	memset(&m, 0, sizeof(m));
	host.mm = fake_mm;
	host.blk = &blk;
	blk.read_only = 0;
	m.host = &host;
	m.ps.guest = &regs;
	pool_init(&m.pool, &fake_mm, POOL_PAGES, 1, &got);
	gmem_span(&m.pool, 0, POOL_PAGES * 4096, &all);
	gmem_zero(&m.pool, all);
	m.ring_gpa = RING_GPA;
	ring_setup(&m);
	for (unsigned i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i / 512 + i * 7);
	console_in = "";
}

static void teardown(void)
{
	pool_destroy(&m.pool);
	EXPECT_EQ(fake_outstanding(), 0);
}

static void *g(uint64_t gpa)
{
	return gmem_page_hva(&m.pool, gpa);
}

static struct ring_desc *slot(uint32_t n)
{
	return g(RING_GPA + RING_DESC_OFFSET + (n % RING_ENTRIES) * 64);
}

static uint32_t *prod(void)
{
	return g(RING_GPA + 64);
}

/* HC_POST on a host that completes everything itself. */
static int64_t post(void)
{
	int deferred;
	int64_t n = ring_post(&m, 0, &deferred);

	EXPECT_EQ(deferred, 0);
	return n;
}

/* Post one descriptor and ring; the descriptor as the host left it. */
static struct ring_desc post1(struct ring_desc d)
{
	uint32_t n = *prod();

	*slot(n) = d;
	*prod() = n + 1;
	EXPECT_EQ(post(), 1);
	return *slot(n);
}

static int32_t status_of(struct ring_desc d)
{
	return post1(d).status;
}

static struct ring_desc blk_req(uint16_t op, uint64_t gpa, uint32_t len, uint64_t sector)
{
	return (struct ring_desc){ .device = RING_DEV_BLOCK, .op = op, .buf_gpa = gpa,
				   .len_bytes = len, .offset = sector, .cookie = 0x1234 };
}

TEST(ring_every_malformed_descriptor_gets_its_named_status)
{
	setup();
	EXPECT_EQ(status_of((struct ring_desc){ .device = 0, .op = 1 }), -HCERR_NODEV);
	EXPECT_EQ(status_of((struct ring_desc){ .device = 9, .op = 1 }), -HCERR_NODEV);
	EXPECT_EQ(status_of((struct ring_desc){ .device = RING_DEV_CONSOLE, .op = 3 }), -HCERR_INVAL);
	EXPECT_EQ(status_of((struct ring_desc){ .device = RING_DEV_CONSOLE, .op = 1, .offset = 1 }),
		  -HCERR_INVAL);
	EXPECT_EQ(status_of(blk_req(0, BUF_GPA, 512, 0)), -HCERR_INVAL);
	EXPECT_EQ(status_of(blk_req(5, BUF_GPA, 512, 0)), -HCERR_INVAL);
	EXPECT_EQ(status_of(blk_req(1, POOL_PAGES * 4096, 512, 0)), -HCERR_FAULT);
	EXPECT_EQ(status_of(blk_req(1, POOL_PAGES * 4096 - 256, 512, 0)), -HCERR_FAULT);
	EXPECT_EQ(status_of(blk_req(1, UINT64_MAX - 100, 512, 0)), -HCERR_FAULT);
	EXPECT_EQ(status_of(blk_req(1, 0, RING_MAX_LEN_BYTES + 512, 0)), -HCERR_2BIG);
	EXPECT_EQ(status_of(blk_req(1, BUF_GPA, 100, 0)), -HCERR_INVAL);
	EXPECT_EQ(status_of(blk_req(1, BUF_GPA, 512, SECTORS)), -HCERR_RANGE);
	EXPECT_EQ(status_of(blk_req(1, BUF_GPA, 1024, SECTORS - 1)), -HCERR_RANGE);
	EXPECT_EQ(status_of(blk_req(1, BUF_GPA, 512, UINT64_MAX)), -HCERR_RANGE);
	EXPECT_EQ(status_of(blk_req(1, BUF_GPA, 512, 1ull << 55)), -HCERR_RANGE);
	EXPECT_EQ(status_of(blk_req(3, BUF_GPA, 512, 0)), -HCERR_INVAL); /* flush with a length */
	EXPECT_EQ(status_of(blk_req(4, BUF_GPA, 8, 0)), -HCERR_INVAL);   /* geometry too short */
	EXPECT_EQ(status_of(blk_req(3, 0, 0, 0)), -HCERR_IO);            /* the backend failed */
	blk.read_only = 1;
	EXPECT_EQ(status_of(blk_req(2, BUF_GPA, 512, 0)), -HCERR_ROFS);
	blk.read_only = 0;
	m.cfg.disk_ro = 1;
	EXPECT_EQ(status_of(blk_req(2, BUF_GPA, 512, 0)), -HCERR_ROFS);
	m.cfg.disk_ro = 0;
	host.blk = NULL;
	EXPECT_EQ(status_of(blk_req(1, BUF_GPA, 512, 0)), -HCERR_NODEV);
	teardown();
}

TEST(ring_errors_leave_the_guest_fields_and_memory_alone)
{
	struct ring_desc d;

	setup();
	memset(g(BUF_GPA), 0x77, 4096);
	d = post1(blk_req(1, BUF_GPA, 512, SECTORS));
	EXPECT_EQ(d.status, -HCERR_RANGE);
	EXPECT_EQ(d.done_bytes, 0);
	EXPECT_EQ(d.cookie, 0x1234);
	EXPECT_EQ(d.offset, SECTORS);
	EXPECT_EQ(((uint8_t *)g(BUF_GPA))[0], 0x77);
	teardown();
}

TEST(ring_block_read_and_write_cross_scattered_pages)
{
	/* 1024 bytes over the boundary between two 4-page scatter chunks. */
	uint64_t at = BUF_GPA + POOL_SCATTER_CHUNK_PAGES * 4096 - 512;
	struct ring_desc d;
	struct gspan s;
	uint8_t got[1024], guard_lo, guard_hi;

	setup();
	/* really scattered */
	EXPECT(pool_page_ma(&m.pool, at / 4096) + 4096 != pool_page_ma(&m.pool, at / 4096 + 1));
	d = post1(blk_req(RING_OP_BLK_READ, at, 1024, 5));
	EXPECT_EQ(d.status, 0);
	EXPECT_EQ(d.done_bytes, 1024);
	gmem_span(&m.pool, at, 1024, &s);
	gmem_read(&m.pool, got, s);
	EXPECT_EQ(memcmp(got, disk + 5 * 512, 1024), 0);
	guard_lo = *(uint8_t *)g(at - 1);
	guard_hi = *(uint8_t *)g(at + 1024);
	EXPECT_EQ(guard_lo, 0);
	EXPECT_EQ(guard_hi, 0);
	memset(disk + 10 * 512, 0, 1024);
	EXPECT_EQ(status_of(blk_req(RING_OP_BLK_WRITE, at, 1024, 10)), 0);
	EXPECT_EQ(memcmp(disk + 10 * 512, got, 1024), 0);
	teardown();
}

TEST(ring_geometry_and_console)
{
	struct ring_blk_geometry geo;
	struct ring_desc d;

	setup();
	EXPECT_EQ(status_of(blk_req(RING_OP_BLK_GEOMETRY, BUF_GPA, 16, 0)), 0);
	memcpy(&geo, g(BUF_GPA), sizeof(geo));
	EXPECT_EQ(geo.sector_bytes, 512);
	EXPECT_EQ(geo.nsectors, SECTORS);
	EXPECT_EQ(geo.flags, 0);
	console_in = "hi there";
	d = post1((struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_READ,
				      .buf_gpa = BUF_GPA, .len_bytes = 2 });
	EXPECT_EQ(d.status, 0);
	EXPECT_EQ(d.done_bytes, 2);
	EXPECT_EQ(memcmp(g(BUF_GPA), "hi", 2), 0);
	d = post1((struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_READ,
				      .buf_gpa = BUF_GPA, .len_bytes = 100 });
	EXPECT_EQ(d.done_bytes, 6);
	EXPECT_EQ(memcmp(g(BUF_GPA), " there", 6), 0);
	d = post1((struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_WRITE,
				      .buf_gpa = BUF_GPA, .len_bytes = 6 });
	EXPECT_EQ(d.status, 0);
	EXPECT_EQ(d.done_bytes, 6);
	teardown();
}

TEST(ring_post_is_bounded_and_trusts_only_its_own_cons)
{
	uint32_t *cons;

	setup();
	cons = g(RING_GPA + 128);
	for (uint32_t i = 0; i < RING_ENTRIES; i++)
		*slot(i) = blk_req(RING_OP_BLK_READ, BUF_GPA, 512, i % SECTORS);
	*prod() = RING_ENTRIES; /* a full ring: allowed */
	EXPECT_EQ(post(), RING_ENTRIES);
	EXPECT_EQ(*cons, RING_ENTRIES);
	EXPECT_EQ(post(), 0); /* nothing new */
	*prod() = 2 * RING_ENTRIES + 1; /* claims 129 */
	EXPECT_EQ(post(), -HCERR_BADRING);
	EXPECT_EQ(m.ring_cons, RING_ENTRIES);
	*prod() = RING_ENTRIES - 5; /* behind cons: claims ~2^32 */
	EXPECT_EQ(post(), -HCERR_BADRING);
	*cons = 0; /* the guest scribbles on cons: the host does not care */
	*prod() = RING_ENTRIES + 1;
	EXPECT_EQ(post(), 1);
	EXPECT_EQ(*cons, RING_ENTRIES + 1);
	teardown();
}

/* A host that completes I/O itself (Linux's runner): the monitor checks each
 * descriptor, answers console input and geometry itself, leaves the rest in
 * the batch, and writes back only what the host said, bounded, in ring order. */
TEST(ring_defers_io_to_the_host_and_bounds_its_answers)
{
	struct ring_batch *b = &m.batch;
	uint32_t *cons;
	int deferred;

	setup();
	host.defer_io = 1;
	cons = g(RING_GPA + 128);
	console_in = "";
	m.input_len = 2;
	memcpy(m.input, "hi", 2);
	*slot(0) = blk_req(RING_OP_BLK_READ, BUF_GPA, 1024, 3);
	*slot(1) = blk_req(RING_OP_BLK_READ, BUF_GPA, 1000, 3); /* not whole sectors */
	*slot(2) = (struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_READ,
				       .buf_gpa = BUF_GPA + 8192, .len_bytes = 16 };
	*slot(3) = blk_req(RING_OP_BLK_WRITE, BUF_GPA, 512, 5);
	*slot(4) = blk_req(RING_OP_BLK_FLUSH, 0, 0, 0);
	*prod() = 5;
	regs.rax = 99;
	EXPECT_EQ(ring_post(&m, 0, &deferred), 0);
	EXPECT_EQ(deferred, 1);
	EXPECT_EQ(*cons, 0);        /* nothing completed before the host answers */
	EXPECT_EQ(b->n, 5);
	EXPECT_EQ(b->ndeferred, 3);
	EXPECT_EQ(b->slot[0].deferred, 1);
	EXPECT_EQ(b->slot[0].r.disk_off, 3 * 512);
	EXPECT_EQ(b->slot[0].r.buf.len_bytes, 1024);
	EXPECT_EQ(b->slot[1].deferred, 0);
	EXPECT_EQ(b->slot[1].status, -HCERR_INVAL);
	EXPECT_EQ(b->slot[2].deferred, 0);
	EXPECT_EQ(b->slot[2].done, 2); /* from the monitor's input buffer */
	EXPECT_EQ(memcmp(g(BUF_GPA + 8192), "hi", 2), 0);
	b->slot[0].done = 1u << 30;     /* the host claims more than the length */
	b->slot[3].status = -HCERR_AGAIN; /* a network send's word only: -HCERR_IO here */
	b->slot[3].done = 512;
	b->slot[4].status = 0;
	ring_finish(&m);
	EXPECT_EQ(regs.rax, 5);
	EXPECT_EQ(*cons, 5);
	EXPECT_EQ(slot(0)->status, 0);
	EXPECT_EQ(slot(0)->done_bytes, 1024);
	EXPECT_EQ(slot(1)->status, -HCERR_INVAL);
	EXPECT_EQ(slot(2)->done_bytes, 2);
	EXPECT_EQ(slot(3)->status, -HCERR_IO);
	EXPECT_EQ(slot(3)->done_bytes, 0);
	EXPECT_EQ(slot(4)->status, 0);
	EXPECT_EQ(b->n, 0);
	host.defer_io = 0;
	teardown();
}

/* A deferred block transfer the host answers as done but short (a runner
 * that wrote 0 bytes, or half) is an I/O error to the guest, never success;
 * a short console write is what it says. */
TEST(ring_short_deferred_block_transfers_are_errors)
{
	struct ring_batch *b = &m.batch;
	int deferred;

	setup();
	host.defer_io = 1;
	*slot(0) = blk_req(RING_OP_BLK_WRITE, BUF_GPA, 1024, 3);
	*slot(1) = blk_req(RING_OP_BLK_READ, BUF_GPA, 1024, 3);
	*slot(2) = blk_req(RING_OP_BLK_WRITE, BUF_GPA, 1024, 3);
	*slot(3) = (struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_WRITE,
				       .buf_gpa = BUF_GPA, .len_bytes = 16 };
	*prod() = 4;
	EXPECT_EQ(ring_post(&m, 0, &deferred), 0);
	EXPECT_EQ(b->ndeferred, 4);
	b->slot[0].done = 0; /* status 0, nothing moved */
	b->slot[1].done = 512;
	b->slot[2].done = 1024;
	b->slot[3].done = 8;
	ring_finish(&m);
	EXPECT_EQ(slot(0)->status, -HCERR_IO);
	EXPECT_EQ(slot(0)->done_bytes, 0);
	EXPECT_EQ(slot(1)->status, -HCERR_IO);
	EXPECT_EQ(slot(1)->done_bytes, 0);
	EXPECT_EQ(slot(2)->status, 0);
	EXPECT_EQ(slot(2)->done_bytes, 1024);
	EXPECT_EQ(slot(3)->status, 0);
	EXPECT_EQ(slot(3)->done_bytes, 8);
	host.defer_io = 0;
	teardown();
}

/* The hypercalls as the run loop dispatches them, registers in, RAX out. */
static int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1, enum run_outcome *how)
{
	enum run_outcome o;

	regs.rax = nr;
	regs.rdi = a0;
	regs.rsi = a1;
	o = hc_dispatch(&m);
	if (how)
		*how = o;
	return (int64_t)regs.rax;
}

TEST(hypercalls_check_their_arguments)
{
	enum run_outcome how;
	uint64_t end = POOL_PAGES * 4096;

	setup();
	EXPECT_EQ(hc(HC_YIELD, 0, 0, &how), 0);
	EXPECT_EQ(how, RUN_RESUME);
	EXPECT_EQ(hc(HC_LOG, BUF_GPA, 10, 0), 10);
	EXPECT_EQ(hc(HC_LOG, end, 0, 0), 0);
	EXPECT_EQ(hc(HC_LOG, end, 1, 0), -HCERR_FAULT);
	EXPECT_EQ(hc(HC_LOG, end - 1, 1, 0), 1);
	EXPECT_EQ(hc(HC_LOG, UINT64_MAX - 4, 16, 0), -HCERR_FAULT);
	EXPECT_EQ(hc(HC_LOG, 0, HCLIM_LOG_BYTES + 1, 0), -HCERR_2BIG);
	EXPECT_EQ(hc(HC_NCALLS, 0, 0, 0), -HCERR_NOSYS);
	EXPECT_EQ(hc(UINT64_MAX, 0, 0, 0), -HCERR_NOSYS);
	EXPECT_EQ(m.bad_calls, 2);
	EXPECT_EQ(hc(HC_EXIT, 100, 0, &how), -HCERR_INVAL);
	EXPECT_EQ(how, RUN_RESUME);
	EXPECT_EQ(hc(HC_CRASH, BUF_GPA, 0, &how), -HCERR_INVAL);
	EXPECT_EQ(hc(HC_CRASH, end - 8, HCCRASH_UNHANDLED, &how), -HCERR_FAULT);
	EXPECT_EQ(how, RUN_RESUME);
	hc(HC_CRASH, BUF_GPA, HCCRASH_NESTED, &how);
	EXPECT_EQ(how, RUN_GUEST_CRASH);
	EXPECT_EQ(m.crash_reason, HCCRASH_NESTED);
	hc(HC_EXIT, 7, 0, &how);
	EXPECT_EQ(how, RUN_GUEST_EXIT);
	EXPECT_EQ(m.exit_code, 7);
	EXPECT_EQ(m.calls[HC_LOG], 6);
	teardown();
}

TEST(hypercall_wait_returns_on_input_or_at_the_deadline)
{
	setup();
	now_ns = 0;
	EXPECT_EQ(hc(HC_WAIT, 5000000, 0, 0), 0); /* no input: the deadline */
	EXPECT(now_ns >= 5000000 && now_ns < 10000000);
	EXPECT_EQ(hc(HC_WAIT, UINT64_MAX, 0, 0), 0); /* ends with the host's slice */
	console_in = "x";
	EXPECT_EQ(hc(HC_WAIT, UINT64_MAX, 0, 0), 1);
	teardown();
}

/* A host that waits itself (Linux: cokrun polls stdin): HC_WAIT hands it the
 * deadline instead of spinning, unless input is already there or the deadline
 * has passed; the host's answer becomes the guest's result. */
TEST(hypercall_wait_is_left_to_a_host_that_defers)
{
	enum run_outcome how;

	setup();
	host.defer_io = 1;
	host.console_read = 0; /* its input arrives through the monitor's buffer */
	now_ns = 0;
	hc(HC_WAIT, 50000000, 0, &how);
	EXPECT_EQ(how, RUN_HOST_WAIT);
	EXPECT_EQ(m.wait_deadline_ns, 50000000);
	monitor_wait_done(&m, 0);
	EXPECT_EQ(regs.rax, 0); /* the host's wait ended without input */
	EXPECT_EQ(hc(HC_WAIT, 1000, 0, &how), 0); /* a deadline already passed */
	EXPECT_EQ(how, RUN_RESUME);
	m.input[0] = 'x';
	m.input_len = 1;
	EXPECT_EQ(hc(HC_WAIT, UINT64_MAX, 0, &how), 1); /* input already waiting */
	EXPECT_EQ(how, RUN_RESUME);
	host.defer_io = 0;
	host.console_read = con_read;
	teardown();
}

/* A vcpu page in the pool and an upcall handler, as HC_SET_TRAPS leaves them. */
#define VCPU_GPA 0x30000ull
static struct hc_vcpu *with_vcpu(uint64_t upcall)
{
	m.vcpu = g(VCPU_GPA);
	m.upcall = upcall;
	return (struct hc_vcpu *)m.vcpu;
}

static struct ring_desc rng_req(uint32_t len)
{
	return (struct ring_desc){ .device = RING_DEV_RNG, .op = RING_OP_RNG_READ,
				   .buf_gpa = BUF_GPA, .len_bytes = len };
}

/* HCPOST_ASYNC where the monitor does the work: nothing done before the call
 * returns, everything at the next completion point, in ring order, then
 * HCEV_RING; other flags are refused with nothing done. */
TEST(ring_async_post_completes_late_and_raises_hcev_ring)
{
	uint32_t *cons;
	struct hc_vcpu *v;
	int deferred;

	setup();
	cons = g(RING_GPA + 128);
	v = with_vcpu(0x1000);
	*slot(0) = rng_req(16);
	*slot(1) = blk_req(RING_OP_BLK_READ, BUF_GPA + 4096, 512, 1);
	*prod() = 2;
	EXPECT_EQ(ring_post(&m, 2, &deferred), -HCERR_INVAL);
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC | (1u << 31), &deferred), -HCERR_INVAL);
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC | (1ull << 32), &deferred), -HCERR_INVAL); /* all 64 bits of rdi */
	EXPECT_EQ(m.ring_owed_end, 0); /* the refused calls left nothing owed */
	slot(0)->status = slot(1)->status = 77;
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC, &deferred), 0);
	EXPECT_EQ(deferred, 0);
	EXPECT_EQ(*cons, 0);
	EXPECT_EQ(slot(0)->status, 77); /* not yet */
	EXPECT_EQ(v->events, 0);
	ring_complete_owed(&m);
	EXPECT_EQ(*cons, 2);
	EXPECT_EQ(slot(0)->status, 0);
	EXPECT_EQ(slot(0)->done_bytes, 16);
	EXPECT_EQ(slot(1)->status, 0);
	EXPECT_EQ(memcmp(g(BUF_GPA + 4096), disk + 512, 512), 0);
	EXPECT_EQ(v->events, HCEV_RING);
	EXPECT_EQ(m.ring_moved, 0); /* it has a handler: the event tells it */
	v->events = 0;
	ring_complete_owed(&m); /* nothing owed: nothing happens */
	EXPECT_EQ(v->events, 0);
	teardown();
}

/* A POST with flags 0 while an asynchronous one is owed completes both and
 * counts both; the owed ones raise HCEV_RING. prod moved back behind what is
 * owed is a bad ring, with nothing done. */
TEST(ring_sync_post_completes_what_async_left_owed)
{
	uint32_t *cons;
	struct hc_vcpu *v;
	int deferred;

	setup();
	cons = g(RING_GPA + 128);
	v = with_vcpu(0x1000);
	*slot(0) = rng_req(8);
	*prod() = 1;
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC, &deferred), 0);
	*prod() = 0; /* the guest takes it back: refused */
	EXPECT_EQ(ring_post(&m, 0, &deferred), -HCERR_BADRING);
	EXPECT_EQ(*cons, 0);
	*slot(1) = rng_req(8);
	*prod() = 2;
	EXPECT_EQ(post(), 2);
	EXPECT_EQ(*cons, 2);
	EXPECT_EQ(slot(0)->status, 0);
	EXPECT_EQ(slot(1)->status, 0);
	EXPECT_EQ(v->events, HCEV_RING);
	v->events = 0;
	*slot(2) = rng_req(8);
	*prod() = 3;
	EXPECT_EQ(post(), 1); /* nothing owed now: no event */
	EXPECT_EQ(v->events, 0);
	teardown();
}

/* A guest without an upcall handler learns of late completions from HC_WAIT
 * (HC_WAIT_UPCALL, once), which also completes what is owed. */
TEST(ring_late_completion_without_handler_ends_hc_wait)
{
	uint32_t *cons;
	enum run_outcome how;
	int deferred;

	setup();
	cons = g(RING_GPA + 128);
	*slot(0) = rng_req(8);
	*prod() = 1;
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC, &deferred), 0);
	now_ns = 0;
	EXPECT_EQ(hc(HC_WAIT, UINT64_MAX, 0, &how), HC_WAIT_UPCALL);
	EXPECT_EQ(*cons, 1);
	EXPECT_EQ(m.ring_moved, 0);
	now_ns = 0;
	EXPECT_EQ(hc(HC_WAIT, 5000000, 0, &how), HC_WAIT_TIMEOUT); /* said once */
	teardown();
}

/* On a host that defers I/O without a completion thread, an asynchronous
 * batch with work for the host is done before the call returns (all of it);
 * one of the monitor's own work is taken and served at its POST and only its
 * statuses are owed, so a descriptor rewritten meanwhile changes nothing. */
TEST(ring_async_on_a_deferring_host)
{
	struct ring_batch *b = &m.batch;
	uint32_t *cons;
	int deferred;

	setup();
	cons = g(RING_GPA + 128);
	host.defer_io = 1;
	*slot(0) = rng_req(8);
	*slot(1) = (struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_WRITE,
				       .buf_gpa = BUF_GPA, .len_bytes = 4 };
	*prod() = 2;
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC, &deferred), 0);
	EXPECT_EQ(deferred, RING_HOST);
	EXPECT_EQ(b->ndeferred, 1);
	b->slot[1].done = 4;
	ring_finish(&m);
	EXPECT_EQ(regs.rax, 2);
	EXPECT_EQ(*cons, 2);
	*slot(2) = rng_req(8);
	*prod() = 3;
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC, &deferred), 0);
	EXPECT_EQ(deferred, RING_DONE);
	EXPECT_EQ(*cons, 2);
	*slot(2) = *slot(1); /* now work for the host: too late, the snapshot was served */
	slot(2)->status = 0x7777;
	ring_complete_owed(&m);
	EXPECT_EQ(*cons, 3);
	EXPECT_EQ(slot(2)->status, 0);
	EXPECT_EQ(slot(2)->done_bytes, 8);
	host.defer_io = 0;
	teardown();
}

/* A host with a completion thread (async_io): the batch goes to it and the
 * guest resumes with 0; the answers complete it late, with HCEV_RING and no
 * write to the guest's RAX (its POST returned long ago). A POST meanwhile
 * waits (RING_BUSY, nothing done); made again after the answers, it counts
 * the batch it waited for. */
TEST(ring_async_batch_in_flight_on_a_host_with_a_thread)
{
	struct ring_batch *b = &m.batch;
	struct hc_vcpu *v;
	uint32_t *cons;
	int deferred;

	setup();
	cons = g(RING_GPA + 128);
	v = with_vcpu(0x1000);
	host.defer_io = host.async_io = 1;
	*slot(0) = rng_req(8);
	*slot(1) = (struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_WRITE,
				       .buf_gpa = BUF_GPA, .len_bytes = 4 };
	*prod() = 2;
	EXPECT_EQ(ring_post(&m, HCPOST_ASYNC, &deferred), 0);
	EXPECT_EQ(deferred, RING_ASYNC);
	EXPECT_EQ(b->in_flight, 1);
	*slot(1) = (struct ring_desc){ .device = 99 }; /* rewritten: the snapshot is served */
	ring_complete_owed(&m); /* a host interrupt: the host has not answered */
	EXPECT_EQ(*cons, 0);
	*slot(2) = rng_req(8);
	*prod() = 3;
	EXPECT_EQ(ring_post(&m, 0, &deferred), 0);
	EXPECT_EQ(deferred, RING_BUSY);
	EXPECT_EQ(*cons, 0);
	regs.rax = 0x5555;
	b->slot[1].done = 4; /* the thread's answer */
	ring_finish(&m);
	EXPECT_EQ(regs.rax, 0x5555); /* not the in-flight batch's to set */
	EXPECT_EQ(*cons, 2);
	EXPECT_EQ(slot(1)->status, 0);
	EXPECT_EQ(slot(1)->done_bytes, 4);
	EXPECT_EQ(v->events, HCEV_RING);
	regs.rdi = 0;
	EXPECT_EQ(hc_post_again(&m), RUN_RESUME);
	EXPECT_EQ(regs.rax, 3); /* the 2 it waited for and its own */
	EXPECT_EQ(*cons, 3);
	host.defer_io = host.async_io = 0;
	teardown();
}

/* Console input: HCEV_INPUT once per "nothing waiting" to "input waiting". */
TEST(console_input_raises_hcev_input_on_the_transition_only)
{
	struct hc_vcpu *v;

	setup();
	v = with_vcpu(0x1000);
	console_in = "ab";
	console_refill(&m);
	EXPECT_EQ(m.input_len, 2);
	EXPECT_EQ(v->events, HCEV_INPUT);
	v->events = 0;
	console_in = "cd"; /* more, while some is still waiting: no new event */
	console_refill(&m);
	EXPECT_EQ(m.input_len, 4);
	EXPECT_EQ(v->events, 0);
	m.input_len = 0; /* the guest read it all */
	console_refill(&m); /* nothing came */
	EXPECT_EQ(v->events, 0);
	console_in = "e";
	console_refill(&m);
	EXPECT_EQ(v->events, HCEV_INPUT);
	teardown();
}

/* ---- the net device (loader/net.c) over a fake backend ---- */
static uint8_t net_sent_frame[1600], net_queue[4][1600];
static uint32_t net_sent_len, net_queue_len[4], net_queued, net_send_err;

static int n_send(void *c, const void *frame, uint32_t len)
{
	(void)c;
	if (net_send_err)
		return (int)net_send_err;
	memcpy(net_sent_frame, frame, len);
	net_sent_len = len;
	return 0;
}

static int n_recv(void *c, void *buf, uint32_t cap)
{
	uint32_t len;

	(void)c;
	if (!net_queued)
		return 0;
	len = net_queue_len[0];
	EXPECT(len <= cap);
	memcpy(buf, net_queue[0], len);
	memmove(net_queue[0], net_queue[1], sizeof(net_queue) - sizeof(net_queue[0]));
	memmove(net_queue_len, net_queue_len + 1, sizeof(net_queue_len) - sizeof(net_queue_len[0]));
	net_queued--;
	return (int)len;
}

static uint64_t n_dropped(void *c)
{
	(void)c;
	return 7;
}

static struct host_net net = { .mac = { 0x02, 0, 0, 0xc0, 0x4b, 1 }, .mtu = 1500,
				.send = n_send, .recv = n_recv, .rx_dropped = n_dropped };

static struct ring_desc net_req(uint16_t op, uint64_t gpa, uint32_t len)
{
	return (struct ring_desc){ .device = RING_DEV_NET, .op = op, .buf_gpa = gpa,
				   .len_bytes = len };
}

/* Every malformed net descriptor gets its named status and moves no frame. */
TEST(net_malformed_descriptors_get_named_statuses)
{
	struct ring_desc d;

	setup();
	EXPECT_EQ(status_of(net_req(RING_OP_NET_INFO, BUF_GPA, 32)), -HCERR_NODEV); /* no backend */
	host.net = &net;
	net_sent_len = 0;
	EXPECT_EQ(status_of(net_req(RING_OP_NET_SEND, BUF_GPA, 0)), -HCERR_INVAL);
	EXPECT_EQ(status_of(net_req(RING_OP_NET_SEND, BUF_GPA, 13)), -HCERR_INVAL); /* no header */
	EXPECT_EQ(status_of(net_req(RING_OP_NET_SEND, BUF_GPA, 1515)), -HCERR_2BIG);
	EXPECT_EQ(status_of(net_req(RING_OP_NET_SEND, POOL_PAGES * 4096ull - 100, 200)),
		  -HCERR_FAULT); /* past the pool's end */
	EXPECT_EQ(status_of(net_req(RING_OP_NET_RECV, BUF_GPA, 1513)), -HCERR_INVAL); /* too small */
	EXPECT_EQ(status_of(net_req(RING_OP_NET_INFO, BUF_GPA, 31)), -HCERR_INVAL);
	EXPECT_EQ(status_of(net_req(9, BUF_GPA, 64)), -HCERR_INVAL);
	d = net_req(RING_OP_NET_SEND, BUF_GPA, 64);
	d.offset = 1;
	EXPECT_EQ(status_of(d), -HCERR_INVAL);
	EXPECT_EQ(net_sent_len, 0);
	EXPECT_EQ(m.net_sent, 0);
	host.net = 0;
	teardown();
}

/* Frames out and in byte for byte, across a page boundary; INFO says the
 * address, MTU and drops; a busy backend is -HCERR_AGAIN. */
TEST(net_frames_move_exactly_and_info_reads_the_backend)
{
	struct ring_desc d;
	struct ring_net_info info;

	setup();
	host.net = &net;
	net_send_err = 0;
	for (int i = 0; i < 300; i++) /* g() is one page's: write byte by byte */
		*(uint8_t *)g(BUF_GPA + 4096 - 100 + (uint64_t)i) = (uint8_t)(i * 13 + 1);
	d = post1(net_req(RING_OP_NET_SEND, BUF_GPA + 4096 - 100, 300));
	EXPECT_EQ(d.status, 0);
	EXPECT_EQ(d.done_bytes, 300);
	EXPECT_EQ(net_sent_len, 300);
	for (int i = 0; i < 300; i++)
		EXPECT_EQ(net_sent_frame[i], (uint8_t)(i * 13 + 1));
	net_send_err = (uint32_t)-HCERR_AGAIN;
	EXPECT_EQ(status_of(net_req(RING_OP_NET_SEND, BUF_GPA, 60)), -HCERR_AGAIN);
	net_send_err = 0;
	net_queued = 1;
	net_queue_len[0] = 60;
	for (int i = 0; i < 60; i++)
		net_queue[0][i] = (uint8_t)(200 - i);
	memset(g(BUF_GPA + 8192), 0xee, 2048);
	d = post1(net_req(RING_OP_NET_RECV, BUF_GPA + 8192, 2048));
	EXPECT_EQ(d.status, 0);
	EXPECT_EQ(d.done_bytes, 60);
	EXPECT_EQ(((uint8_t *)g(BUF_GPA + 8192))[59], 200 - 59);
	EXPECT_EQ(((uint8_t *)g(BUF_GPA + 8192))[60], 0xee); /* nothing past the frame */
	d = post1(net_req(RING_OP_NET_INFO, BUF_GPA, 64));
	EXPECT_EQ(d.done_bytes, 32);
	memcpy(&info, g(BUF_GPA), sizeof(info));
	EXPECT_EQ(info.mtu, 1500);
	EXPECT_EQ(info.mac[5], 1);
	EXPECT_EQ(info.rx_dropped, 7);
	EXPECT_EQ(m.net_sent, 1);
	EXPECT_EQ(m.net_received, 1);
	host.net = 0;
	teardown();
}

/* HCEV_NET: not before the guest asked for INFO, once when frames wait, and
 * again only after a RECV found none. */
TEST(net_event_is_armed_by_info_and_by_an_empty_recv)
{
	struct hc_vcpu *v;

	setup();
	host.net = &net;
	v = with_vcpu(0x1000);
	net_rx_event(&m);
	EXPECT_EQ(v->events, 0); /* a guest that never opened the device */
	post1(net_req(RING_OP_NET_INFO, BUF_GPA, 32));
	net_rx_event(&m);
	EXPECT_EQ(v->events, HCEV_NET);
	v->events = 0;
	net_rx_event(&m); /* frames still wait: no second event */
	EXPECT_EQ(v->events, 0);
	net_queued = 1;
	net_queue_len[0] = 14;
	EXPECT_EQ(post1(net_req(RING_OP_NET_RECV, BUF_GPA, 1514)).done_bytes, 14);
	net_rx_event(&m);
	EXPECT_EQ(v->events, 0); /* it took a frame, not "none": not re-armed */
	EXPECT_EQ(post1(net_req(RING_OP_NET_RECV, BUF_GPA, 1514)).done_bytes, 0);
	net_rx_event(&m);
	EXPECT_EQ(v->events, HCEV_NET);
	host.net = 0;
	teardown();
}
