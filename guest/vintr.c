/* The guest's side of virtual interrupts (proto/vintr.h): the page it shares
 * with the monitor, its registration, the timer, and the upcall entry, which
 * is guest/traps.asm's (guest/trap.c sends vector HCABI_UPCALL_VECTOR here). */
#include "hypercall.h"
#include "kernel.h"

struct hc_vcpu vcpu __attribute__((aligned(16)));
void (*upcall_fn)(struct hc_trap_frame *f);

extern const char guest_trap_entry[];

int64_t vintr_init(void (*fn)(struct hc_trap_frame *f))
{
	upcall_fn = fn;
	return hypercall(HC_SET_UPCALL, virt_to_gpa(&vcpu), (uint64_t)guest_trap_entry, 0);
}

int64_t vtimer_arm(uint64_t deadline_ns, uint64_t period_ns)
{
	return hypercall(HC_TIMER, deadline_ns, period_ns, 0);
}

uint64_t now_ns(void)
{
	return bootinfo_tsc_to_ns(rdtsc(), boot->tsc_hz);
}

/* An upcall: the program's handler, then delivery unmasked again (the
 * monitor masked it to deliver); HC_IRET follows in traps.asm. */
void vintr_upcall(struct hc_trap_frame *f)
{
	if (upcall_fn)
		upcall_fn(f);
	vcpu.mask = 0;
}
