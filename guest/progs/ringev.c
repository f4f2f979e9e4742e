/* ringev: a batch posted with HCPOST_ASYNC, its completion taken as HCEV_RING
 * by the upcall handler while the guest computes without a hypercall; at every
 * upcall each descriptor below cons already has its status (statuses before
 * cons, in ring order). Then a second batch finished by HC_WAIT, and a flag the
 * ABI does not have refused with nothing done (proto/hypercall.h, HC_POST). */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../ring.h"

#define NDESC 8
#define LEN 64
#define UNSET 0x7777 /* a status no host writes */

static struct ring_desc *posted[NDESC];
static uint8_t buf[NDESC][LEN];
static volatile uint32_t ring_upcalls, out_of_order;
static uint32_t first; /* the batch's first descriptor, as a free-running count */

static uint32_t cons_now(void)
{
	return *(volatile uint32_t *)&ring_header()->cons;
}

static void on_upcall(struct hc_trap_frame *f)
{
	uint32_t cons = cons_now();

	(void)f;
	if (vcpu.events & HCEV_RING) {
		ring_upcalls++;
		for (uint32_t i = 0; i < NDESC && first + i != cons; i++)
			out_of_order += *(volatile int32_t *)&posted[i]->status == UNSET;
	}
	vcpu.events = 0; /* nothing else is armed here */
}

/* NDESC random-number reads published (not yet posted). */
static void publish_batch(void)
{
	first = ring_header()->prod;
	for (int i = 0; i < NDESC; i++) {
		posted[i] = ring_next();
		*posted[i] = (struct ring_desc){ .device = RING_DEV_RNG, .op = RING_OP_RNG_READ,
						 .len_bytes = LEN, .buf_gpa = virt_to_gpa(buf[i]),
						 .status = UNSET };
		__builtin_memset(buf[i], 0, LEN);
	}
	ring_publish();
}

/* Every descriptor done, whole, with random bytes in its buffer. */
static int batch_ok(void)
{
	for (int i = 0; i < NDESC; i++) {
		int nonzero = 0;

		for (int k = 0; k < LEN; k++)
			nonzero |= buf[i][k];
		if (posted[i]->status != 0 || posted[i]->done_bytes != LEN || !nonzero) {
			printf("ABORT: descriptor %d: status %d, %u bytes%s\n", i, posted[i]->status,
			       posted[i]->done_bytes, nonzero ? "" : ", buffer still zero");
			return 0;
		}
	}
	return 1;
}

int prog_ringev(void)
{
	uint64_t end;
	int64_t n, r;
	uint32_t cons;

	ring_init();
	vintr_init(on_upcall);
	publish_batch();
	cons = cons_now();
	r = hypercall(HC_POST, 2, 0, 0); /* a flag the ABI does not have */
	if (r != -HCERR_INVAL || cons_now() != cons || posted[0]->status != UNSET) {
		printf("ABORT: HC_POST(flags 2) returned %ld and moved cons %u -> %u\n", r, cons,
		       cons_now());
		return 1;
	}
	printf("guest: ringev: HC_POST with flags 2: -HCERR_INVAL, nothing done\n");

	n = ring_post_async();
	end = now_ns() + 2000000000ull;
	while (cons_now() != first + NDESC && now_ns() < end)
		; /* compute: no hypercall; the host's interrupts bring the completions */
	printf("guest: ringev: HCPOST_ASYNC returned %ld of %d; %u HCEV_RING upcall(s) while "
	       "computing\n", n, NDESC, ring_upcalls);
	if (n < 0 || n > NDESC || cons_now() != first + NDESC || !batch_ok())
		return printf("ABORT: the batch did not complete within 2 s\n"), 1;
	if (n < NDESC && ring_upcalls == 0)
		return printf("ABORT: descriptors completed after the call, no HCEV_RING\n"), 1;
	if (n == NDESC)
		return printf("ABORT: the host completed all in the call: no late completion "
			      "to take\n"), 1;
	if (out_of_order)
		return printf("ABORT: %u descriptors below cons without their status\n",
			      out_of_order), 1;
	printf("guest: ringev: %ld completed late, taken as HCEV_RING by the upcall handler, "
	       "statuses before cons\n", NDESC - n);

	ring_upcalls = 0;
	publish_batch();
	n = ring_post_async();
	r = hypercall(HC_WAIT, ~0ull, 0, 0); /* idle: the host need not wait for a tick */
	if (cons_now() != first + NDESC || !batch_ok() || (n < NDESC && ring_upcalls == 0))
		return printf("ABORT: HC_WAIT after HCPOST_ASYNC: result %ld, cons %u, %u "
			      "upcalls\n", r, cons_now() - first, ring_upcalls), 1;
	printf("guest: ringev: HCPOST_ASYNC then HC_WAIT: %s, %u HCEV_RING upcall(s)\n",
	       r == HC_WAIT_UPCALL ? "HC_WAIT_UPCALL" : "returned", ring_upcalls);
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: ringev: HC_POST with flags 2: -HCERR_INVAL, nothing done
 * expect: completed late, taken as HCEV_RING by the upcall handler, statuses before cons
 * expect: guest: ringev: HCPOST_ASYNC then HC_WAIT: HC_WAIT_UPCALL, 1 HCEV_RING upcall(s)
 * expect: SUCCESS
 */
