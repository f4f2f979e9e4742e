/* badring: post every kind of malformed descriptor and check that each comes
 * back with its named status and nothing else changed; then a prod that claims
 * more than the ring holds; then thousands of random descriptors. Run with
 * disk=ro (the read-only case needs it) and best with scatter=1. */
#include "check.h"
#include "progs.h"
#include "../blk.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../../lib/fmt.h"
#include "../../proto/diskimg.h"

#define GUARD 0xa5

static uint8_t buf[8192] __attribute__((aligned(4096)));

/* Post one descriptor and check its status (named in the check line), and
 * that the host wrote nothing but status and done_bytes. */
#define expect_status(what, want, ...) expect_status_named(what, (__VA_ARGS__), want, #want)
static void expect_status_named(const char *what, struct ring_desc req, int32_t want,
				const char *want_name)
{
	struct ring_desc *d = ring_next();
	char line[160];

	req.cookie = 0xc0ffee0000000000ull | (uint64_t)req.device << 16 | req.op;
	*d = req;
	ring_publish();
	ring_post();
	fmt_snprintf(line, sizeof(line), "%s: status %s", what, want_name);
	check_eq(line, (uint64_t)(int64_t)d->status, (uint64_t)(int64_t)want);
	if (d->cookie != req.cookie || (want != 0 && d->done_bytes != 0) ||
	    d->len_bytes != req.len_bytes || d->buf_gpa != req.buf_gpa || d->offset != req.offset) {
		fmt_snprintf(line, sizeof(line), "%s: the host changed a guest-written field",
			     what);
		check(line, 0);
	}
}

static struct ring_desc blk_req(uint16_t op, uint64_t gpa, uint32_t len, uint64_t sector)
{
	return (struct ring_desc){
	    .device = RING_DEV_BLOCK, .op = op, .buf_gpa = gpa, .len_bytes = len, .offset = sector};
}

static void malformed(uint64_t nsectors)
{
	uint64_t pool = boot->pool_bytes, b = virt_to_gpa(buf);

	expect_status("device 0", -HCERR_NODEV, (struct ring_desc){.device = 0, .op = 1});
	expect_status("device 99", -HCERR_NODEV, (struct ring_desc){.device = 99, .op = 1});
	expect_status("console op 0", -HCERR_INVAL, (struct ring_desc){.device = RING_DEV_CONSOLE});
	expect_status("console op 99", -HCERR_INVAL,
		      (struct ring_desc){.device = RING_DEV_CONSOLE, .op = 99});
	expect_status("console write with an offset", -HCERR_INVAL,
		      (struct ring_desc){.device = RING_DEV_CONSOLE,
					 .op = RING_OP_CONSOLE_WRITE,
					 .buf_gpa = b,
					 .len_bytes = 1,
					 .offset = 5});
	expect_status("block op 0", -HCERR_INVAL, blk_req(0, b, 512, 0));
	expect_status("block op 5", -HCERR_INVAL, blk_req(5, b, 512, 0));
	expect_status("block op 0xffff", -HCERR_INVAL, blk_req(0xffff, b, 512, 0));
	expect_status("buffer at the pool's end", -HCERR_FAULT,
		      blk_req(RING_OP_BLK_READ, pool, 512, 0));
	expect_status("buffer running past the pool's end", -HCERR_FAULT,
		      blk_req(RING_OP_BLK_READ, pool - 256, 512, 0));
	expect_status("buffer whose end wraps past 2^64", -HCERR_FAULT,
		      blk_req(RING_OP_BLK_READ, ~0ull - 100, 512, 0));
	expect_status("length over RING_MAX_LEN_BYTES", -HCERR_2BIG,
		      blk_req(RING_OP_BLK_READ, 0, RING_MAX_LEN_BYTES + 512, 0));
	expect_status("length 2^32-1", -HCERR_2BIG, blk_req(RING_OP_BLK_READ, 0, 0xffffffffu, 0));
	expect_status("length not whole sectors", -HCERR_INVAL, blk_req(RING_OP_BLK_READ, b, 100, 0));
	expect_status("first sector past the end", -HCERR_RANGE,
		      blk_req(RING_OP_BLK_READ, b, 512, nsectors));
	expect_status("last sector past the end", -HCERR_RANGE,
		      blk_req(RING_OP_BLK_READ, b, 1024, nsectors - 1));
	expect_status("sector 2^64-1", -HCERR_RANGE, blk_req(RING_OP_BLK_READ, b, 512, ~0ull));
	expect_status("sector 2^55 (byte offset overflows)", -HCERR_RANGE,
		      blk_req(RING_OP_BLK_READ, b, 512, 1ull << 55));
	expect_status("write to a read-only disk", -HCERR_ROFS,
		      blk_req(RING_OP_BLK_WRITE, b, 512, 1));
	expect_status("flush with a length", -HCERR_INVAL, blk_req(RING_OP_BLK_FLUSH, b, 512, 0));
	expect_status("geometry into 8 bytes", -HCERR_INVAL, blk_req(RING_OP_BLK_GEOMETRY, b, 8, 0));
}

/* A good read into a buffer that crosses to a non-adjacent machine page: the
 * host must copy piecewise and touch nothing around the buffer. */
static void across_pages(void)
{
	const uint64_t *p2m = (const uint64_t *)boot->p2m_gva;
	uint64_t page = (boot->free_gpa >> 12) + 1, last = (boot->pool_bytes >> 12) - 1;
	uint8_t *at;
	int ok = 1;

	for (uint64_t k = page; k < last; k++)
		if (p2m[k - 1] + 4096 != p2m[k]) {
			page = k;
			break;
		}
	at = gpa_to_virt((page << 12) - 512);
	__builtin_memset(at - 64, GUARD, 1024 + 128);
	expect_status("read across two machine pages", 0,
		      blk_req(RING_OP_BLK_READ, (page << 12) - 512, 1024, 3));
	for (uint32_t i = 0; i < 1024; i++)
		ok &= at[i] == diskimg_byte(3 + i / 512, i % 512);
	for (uint32_t i = 0; i < 64; i++)
		ok &= at[-1 - (int)i] == GUARD && at[1024 + i] == GUARD;
	check(p2m[page - 1] + 4096 != p2m[page]
		  ? "the data landed across non-contiguous machine pages, nothing around it changed"
		  : "the data landed across the page boundary, nothing around it changed",
	      ok);
}

static void bad_prod(void)
{
	struct ring_hdr *h = ring_header();
	uint32_t cons = *(volatile uint32_t *)&h->cons;

	*(volatile uint32_t *)&h->prod = cons + RING_ENTRIES + 1;
	check_eq("prod more than RING_ENTRIES ahead: POST fails", (uint64_t)ring_post(),
		 (uint64_t)-HCERR_BADRING);
	check_eq("... and completes nothing", *(volatile uint32_t *)&h->cons, cons);
	*(volatile uint32_t *)&h->prod = cons;
	check_eq("POST with nothing posted completes nothing", (uint64_t)ring_post(), 0);
}

/* Random descriptors by the ringful: every one must come back with a named
 * status, and each POST completes exactly what was posted. Buffers are either
 * in a scratch area (buf) or anywhere at all; console writes are left out so
 * the serial log stays readable. */
static void garbage(void)
{
	uint64_t x = 0x2545f4914f6cdd1dull, bad_status = 0, bad_count = 0;
	static const uint16_t devices[] = {0, RING_DEV_CONSOLE, RING_DEV_BLOCK, 3, 0xffff};

	for (int round = 0; round < 40; round++) {
		for (unsigned i = 0; i < RING_ENTRIES; i++) {
			struct ring_desc *d = ring_next();

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			*d = (struct ring_desc){.device = devices[x % 5],
						.op = (uint16_t)(x >> 8) % 6,
						.len_bytes = (uint32_t)(x >> 16) % 5000,
						.buf_gpa =
						    (x >> 40) & 1 ? virt_to_gpa(buf) : x * 4099,
						.offset = (x >> 41) & 1 ? (x >> 20) % 2100 : x};
			if (d->device == RING_DEV_CONSOLE && d->op == RING_OP_CONSOLE_WRITE)
				d->op = RING_OP_CONSOLE_READ;
			if (d->buf_gpa == virt_to_gpa(buf) && d->len_bytes > sizeof(buf))
				d->len_bytes = sizeof(buf);
		}
		ring_publish();
		bad_count += ring_post() != RING_ENTRIES;
		for (unsigned i = 0; i < RING_ENTRIES; i++) {
			int32_t st =
			    ((struct ring_desc *)((char *)ring_header() + RING_DESC_OFFSET))[i]
				.status;

			bad_status += st > 0 || st <= -HCERR_COUNT;
		}
	}
	check_eq("40 POSTs of 128 random descriptors: each completes 128 (mismatches)", bad_count,
		 0);
	check_eq("... every status is 0 or a named error (others)", bad_status, 0);
}

int prog_badring(void)
{
	struct ring_blk_geometry g;

	check_begin("badring");
	ring_init();
	check_eq("geometry", (uint64_t)blk_geometry(&g), 0);
	if (!(g.flags & RING_BLK_F_READ_ONLY)) {
		printf("ABORT: badring needs a read-only disk: run it with disk=ro\n");
		return 1;
	}
	malformed(g.nsectors);
	across_pages();
	bad_prod();
	garbage();
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * args: disk=ro scatter=1
 * expect: ok   write to a read-only disk: status -HCERR_ROFS
 * expect: ok   the data landed across non-contiguous machine pages
 * expect: ok   prod more than RING_ENTRIES ahead: POST fails
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
