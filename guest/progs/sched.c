/* sched: three kernel threads and a round-robin scheduler driven by the
 * virtual timer (100 Hz). No thread ever yields: each computes, and the timer's
 * upcall switches threads by swapping the interrupted context in the frame
 * for the next thread's, which the handler's iretq then resumes. Thread A is the program
 * itself; after 1.5 s it stops the timer and shows the turns taken. (The
 * threads share the FPU state: they use none; a lab's scheduler would keep
 * each thread's.) */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

#define NTHREADS 3
#define STACK_BYTES 16384
#define TURNS_SHOWN 40

static struct hc_trap_frame ctx[NTHREADS];
static volatile uint64_t work[NTHREADS];
static uint8_t stacks[NTHREADS - 1][STACK_BYTES] __attribute__((aligned(16)));
static volatile int cur;
static char turns[TURNS_SHOWN + 1];
static volatile unsigned nturns;

static void on_tick(struct hc_trap_frame *f)
{
	/* Every bit, the timer's and any other (typed input): one left set
	 * would upcall again at once. */
	if (!(__atomic_exchange_n(&vcpu.events, 0, __ATOMIC_SEQ_CST) & HCEV_TIMER))
		return;
	ctx[cur] = *f; /* the interrupted thread, as it was */
	cur = (cur + 1) % NTHREADS;
	*f = ctx[cur]; /* the iretq resumes the next one */
	if (nturns < TURNS_SHOWN)
		turns[nturns] = (char)('A' + cur);
	nturns++;
}

static _Noreturn void worker(uint64_t id)
{
	for (;;)
		work[id]++;
}

int prog_sched(void)
{
	uint64_t end;

	for (int i = 1; i < NTHREADS; i++)
		ctx[i] = (struct hc_trap_frame){
			.rip = (uint64_t)worker,
			.rdi = (uint64_t)i,
			.rsp = (uint64_t)&stacks[i - 1][STACK_BYTES - 8], /* as after a call */
			.rflags = 0x202,
			.cs = HCABI_GUEST_CS,
			.ss = HCABI_GUEST_DS,
		};
	if (vintr_init(on_tick) != 0)
		return 1;
	end = now_ns() + 1500000000u;
	vtimer_arm(now_ns() + 10000000u, 10000000u);
	while (now_ns() < end)
		work[0]++;
	vcpu.mask = 1; /* no more switches: thread A reports */
	vtimer_arm(0, 0);
	turns[nturns < TURNS_SHOWN ? nturns : TURNS_SHOWN] = 0;
	printf("guest: sched: %u switches; turns: %s\n", nturns, turns);
	printf("guest: sched: work done: A %lu, B %lu, C %lu\n", work[0], work[1], work[2]);
	if (nturns < 30 || !work[0] || !work[1] || !work[2]) {
		printf("ABORT: expected every thread to run, turn by turn\n");
		return 1;
	}
	printf("guest: sched: three threads that never yield, interleaved by the timer\n");
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: turns: BCABCABCABC
 * expect: guest: sched: three threads that never yield, interleaved by the timer
 * expect: SUCCESS
 */
