/* lab-device: the device lab's test (docs/labs/device.md). It reads random
 * bytes through the driver (labs/device/guest/rng.c) and looks at them, then
 * sends the device bad requests by hand; one line per check, "lab-device:
 * WHAT: ok" or "lab-device: WHAT: WRONG (got X, want Y)", which
 * labs/device/grade.sh awards points for. */
#include "rng.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/progs/progs.h"
#include "../../../guest/ring.h"

static int wrong;

static void check(const char *what, int64_t got, int64_t want)
{
	if (got == want) {
		printf("lab-device: %s: ok\n", what);
	} else {
		printf("lab-device: %s: WRONG (got %ld, want %ld)\n", what, got, want);
		wrong++;
	}
}

#define BIG (3 * 4096 + 100) /* four requests, the last one short */
#define LONG (64 * 1024)     /* sixteen requests: room for a short period to show */
static uint8_t a[BIG], b[BIG], stream[LONG];
static uint8_t page2[8192] __attribute__((aligned(4096)));

static int64_t ones(const uint8_t *p, unsigned n)
{
	int64_t c = 0;

	for (unsigned i = 0; i < n; i++)
		for (uint8_t v = p[i]; v; v &= v - 1) /* no popcnt on every CPU: by hand */
			c++;
	return c;
}

/* Every byte value shows up in 4096 random bytes (all but certain: the chance
 * that one of 256 values is missing is about 256 * e^-16, 3 in 100000). */
static int all_values(const uint8_t *p, unsigned n)
{
	uint8_t seen[256] = { 0 };
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (!seen[p[i]]++)
			k++;
	return k == 256;
}

/* The most common step from one byte to the next, (uint8_t)(p[i+1] - p[i]),
 * over n bytes: how often it occurs. Random bytes spread the n - 1 steps over
 * 256 values, about 16 each in 4096 bytes (the most common one near 30);
 * a byte counter, whatever its stride, puts nearly all of them on one. */
static unsigned top_step(const uint8_t *p, unsigned n)
{
	unsigned count[256] = { 0 }, top = 0;

	for (unsigned i = 0; i + 1 < n; i++) {
		unsigned c = ++count[(uint8_t)(p[i + 1] - p[i])];

		if (c > top)
			top = c;
	}
	return top;
}

/* Whether the 16 bytes at p + at come back anywhere else in p[0, n): a
 * generator with a period under n repeats every window (splitmix64's period
 * is 2^64 outputs; a chance repeat of 16 random bytes is 2^-128 a place). */
static int repeats(const uint8_t *p, unsigned n, unsigned at)
{
	for (unsigned j = 0; j + 16 <= n; j++)
		if (j != at && p[j] == p[at] && !__builtin_memcmp(p + j, p + at, 16))
			return 1;
	return 0;
}

/* The monitor's count of hypercalls so far (HC_STATS, proto/hypercall.h), or
 * 0 when the call fails. */
static uint64_t hypercalls(void)
{
	struct hc_stats st;

	if (hypercall(HC_STATS, virt_to_gpa(&st), sizeof(st), 0))
		return 0;
	return st.hypercalls;
}

/* One hand-made request: its status. */
static int32_t raw(uint16_t op, uint64_t gpa, uint32_t len, uint64_t offset)
{
	struct ring_desc *d = ring_next();

	if (!d)
		return -HCERR_BADRING;
	*d = (struct ring_desc){ .device = RING_DEV_RNG, .op = op, .len_bytes = len,
				 .buf_gpa = gpa, .offset = offset };
	ring_publish();
	ring_post();
	return d->status;
}

int prog_lab_device(void)
{
	uint64_t same = 0, pool = boot->pool_bytes, buf = virt_to_gpa(page2), calls0, calls1;
	int64_t bits, got;
	unsigned step;

	ring_init();
	/* Nothing printed between the two HC_STATS: a line is an HC_LOG. */
	calls0 = hypercalls();
	got = rng_fill(a, BIG);
	calls1 = hypercalls();
	check("rng_fill of 12388 bytes returns 12388", got, BIG);
	/* Four requests, one doorbell: the HC_POST and the second HC_STATS. */
	printf("lab-device: %lu hypercalls for a fill of 12388 bytes and one HC_STATS\n",
	       calls1 - calls0);
	check("one HC_POST for the four requests (HC_STATS counts 2 hypercalls)",
	      got == BIG && calls0 && calls1 - calls0 <= 2, 1);
	check("a second fill returns 12388", rng_fill(b, BIG), BIG);
	for (unsigned i = 0; i < BIG; i++)
		same += a[i] == b[i];
	/* Two independent fills agree in about 1 byte in 256: 48 of 12388. */
	check("two fills differ (under 200 equal bytes)", same < 200, 1);
	bits = ones(a, 4096);
	printf("lab-device: %lu equal bytes between two fills; %ld of 32768 bits set\n", same, bits);
	check("about half the bits set (16384 +- 1000)", bits > 15384 && bits < 17384, 1);
	check("every byte value in the first 4096", all_values(a, 4096), 1);
	check("the last, short request filled too", all_values(a + BIG - 4096, 4096), 1);
	step = top_step(a, 4096);
	printf("lab-device: the most common step between neighbour bytes: %u of 4095\n", step);
	check("no byte-to-byte step much more common than others (at most 64 of 4095)", step <= 64, 1);
	got = rng_fill(stream, LONG);
	check("no 16 bytes come back within 64 KiB (no short period)",
	      got == LONG && !repeats(stream, LONG, 0) && !repeats(stream, LONG, 5000) &&
		      !repeats(stream, LONG, 40000), 1);

	/* Across a page boundary, by hand: one request, two pages. */
	__builtin_memset(page2, 0, sizeof(page2));
	check("one request across a page boundary", raw(RING_OP_RNG_READ, buf + 2048, 4096, 0), 0);
	check("... filled on both sides", ones(page2 + 2048, 2048) > 7000 && ones(page2 + 4096, 2048) > 7000, 1);

	/* Bad requests: each gets its named error, and the device writes nothing. */
	__builtin_memset(page2, 0, sizeof(page2));
	check("an unknown op: -HCERR_INVAL", raw(7, buf, 64, 0), -HCERR_INVAL);
	check("an offset: -HCERR_INVAL", raw(RING_OP_RNG_READ, buf, 64, 1), -HCERR_INVAL);
	check("a zero length: -HCERR_INVAL", raw(RING_OP_RNG_READ, buf, 0, 0), -HCERR_INVAL);
	check("4097 bytes: -HCERR_2BIG", raw(RING_OP_RNG_READ, buf, 4097, 0), -HCERR_2BIG);
	check("a buffer past the pool's end: -HCERR_FAULT", raw(RING_OP_RNG_READ, pool, 64, 0),
	      -HCERR_FAULT);
	check("a buffer across the pool's end: -HCERR_FAULT",
	      raw(RING_OP_RNG_READ, pool - 32, 64, 0), -HCERR_FAULT);
	check("nothing written by a refused request", ones(page2, sizeof(page2)), 0);

	if (wrong) {
		printf("ABORT: lab-device: %d check(s) wrong\n", wrong);
		return 1;
	}
	return 0;
}
