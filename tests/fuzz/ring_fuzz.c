/* libFuzzer target over everything a guest can hand the monitor: the request
 * ring's bytes, the monitor's consumer index, and a sequence of hypercalls with
 * arbitrary registers. Built with -fsanitize=fuzzer,address,undefined (make
 * fuzz): any out-of-bounds access, overflow or broken invariant is a crash.
 * Invariants checked here: a POST completes at most RING_ENTRIES descriptors
 * and exactly what it says; the status it writes last is 0 or a named error;
 * the RAM disk's guard bytes never change; mm/ never asks for a machine address
 * it was not given. The guest's boot page tables, optionally scribbled over
 * by the input, are walked by the vTLB for addresses and error codes the
 * input names: a fill never maps a page outside the pool. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../loader/monitor.h"
#include "../../loader/ring.h"
#include "../../mm/bootpt.h"
#include "../../mm/guestmem.h"
#include "../../mm/pagetable.h"
#include "../../proto/layout.h"
#include "../../proto/ring.h"

#define ARENA_PAGES 384
#define POOL_PAGES 64
#define DISK_SECTORS 64
#define RING_GPA 0x8000ull
#define BOOT_PT_GPA 0xb000ull /* after the ring's three pages */
#define GUARD 0x5a

static uint8_t *arena;          /* fake machine memory; ma = 0x10000000 + offset */
static uint8_t arena_used[ARENA_PAGES];
static uint8_t disk[DISK_SECTORS * 512 + 64]; /* + guard bytes */
static struct monitor mon;
static struct passage_guest regs;
static uint64_t fake_ns;
static const uint8_t *input_bytes;
static size_t input_left;
static uint8_t passage_pages[PASSAGE_NPAGES * 4096] __attribute__((aligned(4096)));
static uint64_t monitor_root[512]; /* no monitor slots but the fixed range */
/* switch/passage.c links for its gates and TSS (HC_SET_TRAPS, HC_SET_KSTACK);
 * nothing here installs a stub. */
const uint8_t switch_blob_start[1], switch_blob_end[1];
static const struct bootpt_range image = { GUEST_KERNEL_BASE, 0, 0x2000, PT_EXEC };

static int f_alloc(void *ctx, uint64_t n, uint64_t *ma)
{
	(void)ctx;
	for (uint64_t i = 0; i + n <= ARENA_PAGES; i++) {
		uint64_t k = 0;

		while (k < n && !arena_used[i + k])
			k++;
		if (k == n) {
			memset(&arena_used[i], 1, n);
			*ma = 0x10000000 + i * 4096;
			return 0;
		}
	}
	return -HCERR_NOMEM;
}

static void f_free(void *ctx, uint64_t ma, uint64_t n)
{
	(void)ctx;
	memset(&arena_used[(ma - 0x10000000) / 4096], 0, n);
}

static void *f_hva(void *ctx, uint64_t ma)
{
	(void)ctx;
	if (ma < 0x10000000 || ma >= 0x10000000 + ARENA_PAGES * 4096ull)
		abort(); /* mm/ asked for memory it was never given */
	return arena + (ma - 0x10000000);
}

static uint64_t f_console_read(void *ctx, char *buf, uint64_t len)
{
	uint64_t n = input_left < len ? input_left : len;

	(void)ctx;
	n = n > 3 ? 3 : n; /* a trickle of input, taken from the fuzz data */
	memcpy(buf, input_bytes, n);
	input_bytes += n;
	input_left -= n;
	return n;
}

static uint64_t f_time_ns(void *ctx)
{
	(void)ctx;
	return fake_ns += 7000000; /* 7 ms a look: HC_WAIT always ends */
}

static int d_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	(void)ctx;
	if (off + len > DISK_SECTORS * 512)
		abort();
	memcpy(buf, disk + off, len);
	return 0;
}

static int d_write(void *ctx, uint64_t off, const void *buf, uint64_t len)
{
	(void)ctx;
	if (off + len > DISK_SECTORS * 512)
		abort();
	memcpy(disk + off, buf, len);
	return 0;
}

static int d_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct host_blk blk = { DISK_SECTORS, 0, d_read, d_write, d_flush, 0 };
static const struct host_ops host = {
	.name = "fuzz",
	.mm = { .alloc_pages = f_alloc, .free_pages = f_free, .ma_to_hva = f_hva },
	.console_read = f_console_read,
	.time_ns = f_time_ns,
	.tsc_hz = 1000000000,
	.blk = &blk,
};

/* The same host, but one that completes I/O and waits itself (Linux's). */
static struct host_ops host_defer;

/* A deferring host answers the batch with whatever the input says (the
 * POST's unused RDX, spread over the slots); the monitor must bound it:
 * statuses 0 or -HCERR_IO, done within each length. */
static void answer_batch(uint64_t seed)
{
	struct ring_batch *b = &mon.batch;
	uint32_t cons = mon.ring_cons, n = b->n;

	for (uint32_t i = 0; i < n; i++) {
		struct ring_slot *sl = &b->slot[i];
		uint64_t word = seed ^ (i * 0x9e3779b97f4a7c15ull);

		if (!sl->deferred)
			continue;
		sl->status = (int32_t)(word >> 32);
		sl->done = (uint32_t)word;
	}
	ring_finish(&mon);
	if (mon.ring_cons - cons != n || regs.rax != n)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = RING_GPA + RING_DESC_OFFSET + ((cons + i) % RING_ENTRIES) * 64;
		uint32_t result[2]; /* status, done_bytes */

		memcpy(result, gmem_page_hva(&mon.pool, gpa + 32), sizeof(result));
		if (b->slot[i].deferred && ((result[0] != 0 && result[0] != (uint32_t)-HCERR_IO) ||
					    result[1] > b->slot[i].r.buf.len_bytes))
			abort();
	}
}

static void setup_once(void)
{
	uint64_t got;

	arena = aligned_alloc(4096, ARENA_PAGES * 4096);
	if (!arena || pool_init(&mon.pool, &host.mm, POOL_PAGES, 1, &got) != 0)
		abort();
	mon.host = &host;
	host_defer = host;
	host_defer.defer_io = 1;
	mon.ps.guest = &regs;
	mon.ps.hva = (uint64_t)passage_pages;
	mon.ps.world = (struct passage_world *)(passage_pages + PASSAGE_PAGE_WORLD * 4096);
	mon.image.nsegments = 1; /* the text trap handlers must lie in */
	mon.image.seg[0] = (struct elf_segment){ .gva = GUEST_KERNEL_BASE, .memsz = 0x2000,
						 .perms = PT_EXEC };
	mon.ring_gpa = RING_GPA;
	memset(disk + DISK_SECTORS * 512, GUARD, 64);
	if (vtlb_init(&mon.vtlb, &host.mm, &mon.pool, monitor_root, VTLB_MIN_PAGES, 1, 1, 40, 0))
		abort();
}

/* The boot tables afresh in the zeroed pool, and the vTLB back on them. */
static void boot_tables(void)
{
	uint64_t used;

	if (bootpt_build(&mon.pool, BOOT_PT_GPA, &image, 1, 1, &used) != BOOT_PT_GPA)
		abort();
	vtlb_flush(&mon.vtlb, HC_FLUSH_ALL, 0, 0);
	if (vtlb_set_cr3(&mon.vtlb, BOOT_PT_GPA) != 0)
		abort();
}

/* A #PF at va with this error code: the vTLB fills or refuses; a filled
 * translation leads to a page of the pool, nothing else. */
static void fault_at(uint64_t va, uint64_t err)
{
	unsigned guest_err;
	int r = vtlb_fault(&mon.vtlb, va, (unsigned)err & 0x1f, &guest_err);
	struct pt shadow = { .host = &host.mm, .root_ma = vtlb_root_ma(&mon.vtlb) };
	uint64_t ma, bits, i;

	if (r == -HCERR_AGAIN)
		r = vtlb_fault(&mon.vtlb, va, (unsigned)err & 0x1f, &guest_err);
	if (r != 0 && r != 1)
		abort();
	if (r == 1) {
		if (pt_walk(&shadow, va, &ma, &bits) != 0)
			abort(); /* filled, yet not there */
		for (i = 0; i < POOL_PAGES; i++)
			if (pool_page_ma(&mon.pool, i) == (ma & ~0xfffull))
				break;
		if (i == POOL_PAGES)
			abort(); /* a shadow leaf outside the pool */
	}
}

static uint64_t take_u64(const uint8_t **p, size_t *left)
{
	uint64_t v = 0;
	size_t n = *left < 8 ? *left : 8;

	memcpy(&v, *p, n);
	*p += n;
	*left -= n;
	return v;
}

/* The status of the last descriptor a POST completed. Only that one: a later
 * request may legitimately read disk or console data into the ring itself
 * (the guest named it as its buffer), over earlier descriptors' statuses. */
static void check_last_status(uint32_t cons)
{
	uint64_t gpa = RING_GPA + RING_DESC_OFFSET + ((cons - 1) % RING_ENTRIES) * 64 + 32;
	int32_t st;

	memcpy(&st, gmem_page_hva(&mon.pool, gpa), sizeof(st));
	if (st > 0 || st <= -HCERR_COUNT)
		abort(); /* a status that names nothing */
}

/* One input: the monitor's consumer index (4 bytes), a flags byte, the
 * number of hypercalls (1 byte, 1-8), the hypercalls (25 bytes each: number,
 * RDI, RSI, RDX), the ring's prod (4 bytes), then descriptor bytes from slot 0
 * on. Short fields come first so that small inputs already reach the POST
 * path. Console input, if read, comes from whatever follows a hypercall. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t calls[8 * 25] = { 0 };
	struct gspan all, part;
	uint32_t ncalls, prod;
	uint8_t flags;
	size_t n;

	if (!arena)
		setup_once();
	gmem_span(&mon.pool, 0, POOL_PAGES * 4096, &all);
	gmem_zero(&mon.pool, all);
	ring_setup(&mon);
	mon.ring_cons = (uint32_t)take_u64(&data, &size);
	mon.ring_owed_end = mon.ring_cons; /* nothing owed yet: the monitor's own invariant */
	/* No batch from the last input: one left in flight there (an HCPOST_ASYNC
	 * on the deferring host) belongs to another ring's indices. */
	memset(&mon.batch, 0, sizeof(mon.batch));
	mon.ring_post_waits = mon.ring_waited = 0;
	flags = size ? data[0] : 0;
	data += size ? 1 : 0, size -= size ? 1 : 0;
	mon.cfg.disk_ro = flags & 1;
	mon.host = flags & 4 ? &host_defer : &host; /* bit 2: a host that defers I/O */
	mon.input_len = 0;
	ncalls = 1 + (size ? data[0] % 8 : 0);
	data += size ? 1 : 0, size -= size ? 1 : 0;
	n = size < ncalls * 25 ? size : ncalls * 25;
	memcpy(calls, data, n);
	data += n, size -= n;
	prod = (uint32_t)take_u64(&data, &size);
	/* flags bit 1: a prod near cons, as a well-behaved guest would post. */
	if (flags & 2)
		prod = mon.ring_cons + prod % (RING_ENTRIES + 1);
	memcpy(gmem_page_hva(&mon.pool, RING_GPA + 64), &prod, sizeof(prod));
	n = size < RING_BYTES - RING_DESC_OFFSET ? size : RING_BYTES - RING_DESC_OFFSET;
	gmem_span(&mon.pool, RING_GPA + RING_DESC_OFFSET, n, &part);
	gmem_write(&mon.pool, part, data);
	boot_tables();
	if (flags & 8) { /* the same bytes over the boot tables: a guest's own tables */
		uint64_t m = n < 4 * 4096 ? n : 4 * 4096;

		gmem_span(&mon.pool, BOOT_PT_GPA, m, &part);
		gmem_write(&mon.pool, part, data);
	}
	input_bytes = data + n;
	input_left = size - n;
	for (uint32_t c = 0; c < ncalls; c++) {
		const uint8_t *call = calls + c * 25;
		size_t left = 24;
		uint32_t before = mon.ring_cons;
		uint64_t nr = call[0] % (HC_NCALLS + 2), post_flags;
		int64_t ret;

		call++;
		regs.rax = nr;
		regs.rdi = take_u64(&call, &left);
		regs.rsi = take_u64(&call, &left);
		regs.rdx = take_u64(&call, &left);
		post_flags = regs.rdi;
		if (nr == HC_WAIT)
			regs.rdi %= 1000000000; /* deadlines within a (fake) second */
		switch (hc_dispatch(&mon)) {
		case RUN_HOST_IO:
			answer_batch(regs.rdx);
			break;
		case RUN_HOST_WAIT:
			monitor_wait_done(&mon, c & 1);
			break;
		default:
			break;
		}
		ret = (int64_t)regs.rax;
		fault_at(regs.rdi, regs.rsi);
		if (nr == HC_POST) {
			/* ABI 6: other flag bits are refused with nothing done; an
			 * HCPOST_ASYNC batch still to do may complete at a later call
			 * (this POST among them), so cons moves at least by ret. */
			uint32_t moved = mon.ring_cons - before;

			if (ret == -HCERR_INVAL ? moved != 0 || !(post_flags & ~(uint64_t)HCPOST_ASYNC)
			    : ret == -HCERR_BADRING ? moved != 0
			    : ret < 0 || ret > RING_ENTRIES || moved < (uint32_t)ret ||
				      moved > 2 * RING_ENTRIES)
				abort();
			if (ret > 0)
				check_last_status(mon.ring_cons);
		}
	}
	for (int i = 0; i < 64; i++)
		if (disk[DISK_SECTORS * 512 + i] != GUARD)
			abort();
	return 0;
}
