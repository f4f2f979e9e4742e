/* Virtual interrupts (docs/ABI.md, "Virtual interrupts"): the page the guest
 * shares with the monitor to mask and see them, and the events. The guest
 * registers it and its upcall handler with HC_SET_UPCALL and arms its timer
 * with HC_TIMER (proto/hypercall.h). */
#ifndef PROTO_VINTR_H
#define PROTO_VINTR_H

#include <stdint.h>

#define HCEV_TIMER 1u /* the virtual timer expired (timer_fired says how often) */
#define HCEV_SELF (1u << 31) /* set by the guest itself: an upcall at the next exit */

/* In the guest's pool, 16-byte aligned (so within one page). Who writes what:
 *   mask         the guest: 1 = deliver no upcall (the monitor sets it to 1 when
 *                it delivers one; the handler clears it before HC_IRET)
 *   events       the monitor ORs in HCEV_* bits; the guest clears what it handled
 *   timer_fired  the monitor: expiries of the virtual timer so far */
struct hc_vcpu {
	uint32_t mask;
	uint32_t events;
	uint64_t timer_fired;
};
_Static_assert(sizeof(struct hc_vcpu) == 16, "hc_vcpu size");

/* An upcall is delivered like an exception (proto/trapframe.h), with this
 * vector in the frame, to the handler HC_SET_UPCALL named. */
#define HCABI_UPCALL_VECTOR 32

#endif
