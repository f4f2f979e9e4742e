/* vtimer: the virtual timer at 100 Hz for 2 s, the guest idle in HC_WAIT
 * between upcalls: 200 upcalls (within 10%), each one timer expiry. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

#define PERIOD_NS 10000000u
#define RUN_NS 2000000000u

static volatile uint64_t upcalls;

static void on_timer(struct hc_trap_frame *f)
{
	(void)f;
	/* Every bit at once (one XCHG: no exit between reading and clearing):
	 * one left set, HCEV_INPUT when someone types, would upcall again at once. */
	if (__atomic_exchange_n(&vcpu.events, 0, __ATOMIC_SEQ_CST) & HCEV_TIMER)
		upcalls++;
}

/* A deadline the clock never reaches (docs/ABI.md: any u64, nothing wraps):
 * with a period too, 100 ms of waiting bring no upcall. */
static int far_deadline(void)
{
	uint64_t before = upcalls, end;

	vtimer_arm(~0ull, PERIOD_NS);
	end = now_ns() + 100000000u;
	while (now_ns() < end)
		hypercall(HC_WAIT, end, 0, 0);
	vtimer_arm(0, 0);
	if (upcalls != before) {
		printf("ABORT: a deadline of 2^64 - 1 ns fired\n");
		return 1;
	}
	printf("guest: vtimer: a deadline of 2^64 - 1 ns never fires\n");
	return 0;
}

int prog_vtimer(void)
{
	uint64_t t0, end, fired;

	if (vintr_init(on_timer) != 0) {
		printf("ABORT: HC_SET_UPCALL refused\n");
		return 1;
	}
	t0 = now_ns();
	end = t0 + RUN_NS;
	vtimer_arm(t0 + PERIOD_NS, PERIOD_NS);
	while (now_ns() < end)
		hypercall(HC_WAIT, end, 0, 0); /* the idle loop: until an upcall or the end */
	vtimer_arm(0, 0);
	fired = vcpu.timer_fired;
	printf("guest: vtimer: %lu upcalls in 2 s at 100 Hz (%lu expiries)\n", upcalls, fired);
	if (upcalls < 180 || upcalls > 220) {
		printf("ABORT: expected 200 upcalls, within 10%%\n");
		return 1;
	}
	return far_deadline();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: vtimer:
 * expect: upcalls in 2 s at 100 Hz
 * expect: guest: vtimer: a deadline of 2^64 - 1 ns never fires
 * expect: SUCCESS
 */
