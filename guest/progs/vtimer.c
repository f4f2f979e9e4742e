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
	vcpu.events &= ~HCEV_TIMER;
	upcalls++;
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
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: vtimer:
 * expect: upcalls in 2 s at 100 Hz
 * expect: SUCCESS
 */
