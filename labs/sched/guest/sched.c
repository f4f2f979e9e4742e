/* Lab sched: the timer's upcall preempts the running user process and
 * resumes the next one, round robin (sched.h, docs/labs/sched.md). A process
 * that does not run is its registers in its slot's tf; the kit puts them
 * there too when a system call switches (yield, wait, exit). */
#include "sched.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"

// LAB(sched) BEGIN
struct proc *sched_next(struct proc *cur)
{
	int start = -1;

	for (int i = 0; cur && i < PROC_MAX; i++)
		if (proc_slot(i) == cur)
			start = i;
	for (int k = 1; k <= PROC_MAX; k++) { /* cur's own slot last */
		struct proc *p = proc_slot((start + k + PROC_MAX) % PROC_MAX);

		if (p->state == PROC_RUNNABLE)
			return p;
	}
	return 0;
}

void sched_tick(struct hc_trap_frame *f)
{
	/* One XCHG (SDM Vol.2B: locked, whatever the prefix): no exit between
	 * reading and clearing, so no event set in between is lost. Every bit:
	 * the others (HCEV_INPUT when someone types) are nobody's here. */
	uint32_t events = __atomic_exchange_n(&vcpu.events, 0, __ATOMIC_SEQ_CST);
	struct proc *cur = proc_current(), *next;

	/* CS's low two bits are the CPL of the code interrupted (SDM Vol.3
	 * 5.5); the kernel's system calls run on one stack and are not
	 * preempted. */
	if (!(events & HCEV_TIMER) || !cur || (f->cs & 3) != 3)
		return;
	next = sched_next(cur);
	if (!next || next == cur)
		return;
	cur->tf = *f;   /* the interrupted process, every register as it was */
	proc_enter(next);
	*f = next->tf;  /* the upcall's iretq resumes it */
}
// LAB(sched) STARTER
// struct proc *sched_next(struct proc *cur)
// {
// 	return cur; /* your code: the next runnable process, round robin */
// }
//
// void sched_tick(struct hc_trap_frame *f)
// {
// 	(void)f;
// 	vcpu.events = 0; /* your code: take the events; on the timer's, switch */
// }
// LAB(sched) END
