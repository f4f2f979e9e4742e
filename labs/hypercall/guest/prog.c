/* lab-hypercall: the hypercall lab's test (docs/labs/hypercall.md). It calls
 * HC_STATS the right way and the wrong ways, and prints one line per check,
 * "lab-hypercall: WHAT: ok" or "lab-hypercall: WHAT: WRONG (got X, want Y)";
 * labs/hypercall/grade.sh awards the points. */
#include "stats.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/progs/progs.h"

#define YIELDS 100

static int wrong;

static void check(const char *what, int64_t got, int64_t want)
{
	if (got == want) {
		printf("lab-hypercall: %s: ok\n", what);
	} else {
		printf("lab-hypercall: %s: WRONG (got %ld, want %ld)\n", what, got, want);
		wrong++;
	}
}

/* Two pages, so that a struct can straddle the boundary between them. */
static uint8_t pages[8192] __attribute__((aligned(4096)));

static int untouched(const uint8_t *p, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (p[i] != 0xa5)
			return 0;
	return 1;
}

int prog_lab_hypercall(void)
{
	struct hc_stats a = { 0 }, b = { 0 };
	struct hc_stats *across = (struct hc_stats *)(pages + 4096 - 16);
	uint64_t buf = virt_to_gpa(pages), pool = boot->pool_bytes;
	int64_t r1, r2;
	int got;

	/* The good call, twice around YIELDS yields: nothing printed in between
	 * (a printed line is an HC_LOG, one more hypercall). */
	r1 = guest_stats(&a);
	for (int i = 0; i < YIELDS; i++)
		hypercall(HC_YIELD, 0, 0, 0);
	r2 = guest_stats(&b);
	check("HC_STATS returns 0", r1, 0);
	check("HC_STATS returns 0 again", r2, 0);
	printf("lab-hypercall: between the calls: %lu switches, %lu hypercalls, %lu yields, "
	       "%lu host interrupts, %lu ns\n", b.switches - a.switches, b.hypercalls - a.hypercalls,
	       b.yields - a.yields, b.host_interrupts - a.host_interrupts, b.now_ns - a.now_ns);
	/* -1 stands for "no counters to compare" when a call failed. */
	got = r1 == 0 && r2 == 0;
	check("yields counted", got ? (int64_t)(b.yields - a.yields) : -1, YIELDS);
	check("hypercalls counted (the yields and the second HC_STATS)",
	      got ? (int64_t)(b.hypercalls - a.hypercalls) : -1, YIELDS + 1);
	check("two switches a hypercall or host interrupt",
	      got ? (int64_t)(b.switches - a.switches) : -1,
	      (int64_t)(2 * (b.hypercalls - a.hypercalls + b.host_interrupts - a.host_interrupts)));
	check("the clock moves forward", got && b.now_ns > a.now_ns && a.now_ns > 0, 1);
	check("the clock agrees with HC_WAIT's",
	      got && b.now_ns <= now_ns() && now_ns() - b.now_ns < 1000000000ull, 1);

	/* A struct that straddles two pages. */
	__builtin_memset(pages, 0xa5, sizeof(pages));
	check("a buffer across a page boundary", guest_stats(across), 0);
	check("... filled in", across->yields >= YIELDS && across->hypercalls > across->yields, 1);

	/* The wrong uses: each gets its error, and nothing is written. */
	__builtin_memset(pages, 0xa5, sizeof(pages));
	check("a length too short: -HCERR_INVAL",
	      hypercall(HC_STATS, buf, sizeof(struct hc_stats) - 8, 0), -HCERR_INVAL);
	check("a length too long: -HCERR_INVAL",
	      hypercall(HC_STATS, buf, sizeof(struct hc_stats) + 8, 0), -HCERR_INVAL);
	check("a zero length: -HCERR_INVAL", hypercall(HC_STATS, buf, 0, 0), -HCERR_INVAL);
	check("a guest virtual address, not a gpa: -HCERR_FAULT",
	      hypercall(HC_STATS, (uint64_t)pages, sizeof(struct hc_stats), 0), -HCERR_FAULT);
	check("a buffer past the pool's end: -HCERR_FAULT",
	      hypercall(HC_STATS, pool, sizeof(struct hc_stats), 0), -HCERR_FAULT);
	check("a buffer across the pool's end: -HCERR_FAULT",
	      hypercall(HC_STATS, pool - 8, sizeof(struct hc_stats), 0), -HCERR_FAULT);
	check("a buffer wrapping past 2^64: -HCERR_FAULT",
	      hypercall(HC_STATS, ~0ull - 7, sizeof(struct hc_stats), 0), -HCERR_FAULT);
	check("nothing written by a refused call", untouched(pages, sizeof(pages)), 1);

	if (wrong) {
		printf("ABORT: lab-hypercall: %d check(s) wrong\n", wrong);
		return 1;
	}
	return 0;
}
