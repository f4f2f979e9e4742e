/* masked: a timer event that comes while the guest has masked upcalls (a flag
 * in the shared page, no hypercall) is delivered exactly once, right after it
 * unmasks, and not before. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

static volatile uint64_t upcalls;

static void on_timer(struct hc_trap_frame *f)
{
	(void)f;
	/* Every bit at once: one left set (typed input) would upcall again. */
	if (__atomic_exchange_n(&vcpu.events, 0, __ATOMIC_SEQ_CST) & HCEV_TIMER)
		upcalls++;
}

int prog_masked(void)
{
	uint64_t t0, before;

	if (vintr_init(on_timer) != 0)
		return 1;
	vcpu.mask = 1;
	t0 = now_ns();
	vtimer_arm(t0 + 20000000u, 0); /* once, in 20 ms */
	while (now_ns() < t0 + 60000000u) /* compute through it: host ticks come */
		;
	hypercall(HC_YIELD, 0, 0, 0); /* and the monitor has certainly looked */
	before = upcalls;
	printf("guest: masked: while masked: %lu upcalls, events %x\n", before, vcpu.events);
	if (before != 0 || !(vcpu.events & HCEV_TIMER)) {
		printf("ABORT: expected the event pending and no upcall while masked\n");
		return 1;
	}
	vcpu.mask = 0;
	hypercall(HC_YIELD, 0, 0, 0); /* the monitor's next look: delivered now */
	hypercall(HC_YIELD, 0, 0, 0);
	printf("guest: masked: after unmasking: %lu upcall(s)\n", upcalls);
	if (upcalls != 1) {
		printf("ABORT: expected exactly one upcall, right after unmasking\n");
		return 1;
	}
	printf("guest: masked: the masked event was delivered once, right after unmasking\n");
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: masked: the masked event was delivered once, right after unmasking
 * expect: SUCCESS
 */
