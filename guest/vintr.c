/* The guest's side of virtual interrupts (proto/vintr.h): the page it shares
 * with the monitor (registered with the trap table, guest/cpu.c), the timer,
 * and the upcall's handler, called from guest/traps.asm's entry for vector
 * HCABI_UPCALL_VECTOR (guest/trap.c sends it here), whose way out unmasks. */
#include "hypercall.h"
#include "kernel.h"

struct hc_vcpu vcpu __attribute__((aligned(64)));
void (*upcall_fn)(struct hc_trap_frame *f);

int64_t vintr_init(void (*fn)(struct hc_trap_frame *f))
{
	upcall_fn = fn;
	return 0; /* the trap table has the upcall's entry since guest_cpu_init */
}

int64_t vtimer_arm(uint64_t deadline_ns, uint64_t period_ns)
{
	return hypercall(HC_TIMER, deadline_ns, period_ns, 0);
}

uint64_t now_ns(void)
{
	return bootinfo_tsc_to_ns(rdtsc(), boot->tsc_hz);
}

/* An upcall: the program's handler (the monitor masked delivery for it;
 * guest/traps.asm unmasks on the way out, then iretq). */
void vintr_upcall(struct hc_trap_frame *f)
{
	if (upcall_fn)
		upcall_fn(f);
	else
		vcpu.events = 0; /* nobody asked: nothing to do, nothing to repeat */
}
