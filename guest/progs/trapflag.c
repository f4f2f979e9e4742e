/* trapflag: single-step ourselves. With RFLAGS.TF set, every instruction ends
 * in a #DB that the monitor hands to our handler, hypercalls included; the
 * switch must never take that #DB itself. After a few hypercalls, clear TF
 * from the handler and check the steps were counted. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

#define RFLAGS_TF (1ull << 8)

static volatile uint64_t steps, stop;

static int on_debug(struct hc_trap_frame *f)
{
	if (f->vector != 1)
		return 0;
	steps++;
	if (stop)
		f->rflags &= ~RFLAGS_TF; /* HC_IRET resumes without it */
	return 1;
}

int prog_trapflag(void)
{
	trap_hook = on_debug;
	__asm__ volatile("pushfq; orq %0, (%%rsp); popfq" : : "i"(RFLAGS_TF) : "memory", "cc");
	for (int i = 0; i < 10; i++)
		hypercall(HC_YIELD, 0, 0, 0);
	stop = 1;
	__asm__ volatile("nop");
	trap_hook = 0;
	printf("guest: trapflag: %lu single-step traps across 10 hypercalls\n", steps);
	if (steps < 20) {
		printf("ABORT: expected at least 20 single-step traps\n");
		return 1;
	}
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: single-step traps across 10 hypercalls
 * expect: SUCCESS
 */
