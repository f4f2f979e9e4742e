/* Virtual interrupts and the vcpu page (docs/ABI.md, "Virtual interrupts"):
 * the page the guest shares with the monitor to mask and see its interrupts,
 * to read CR2, and to name its unmask-and-return sequence. The guest
 * registers it with HC_SET_TRAPS; its upcall handler is the trap table's
 * entry HCABI_UPCALL_VECTOR; it arms its timer with HC_TIMER. */
#ifndef PROTO_VINTR_H
#define PROTO_VINTR_H

#include <stdint.h>

#define HCEV_TIMER 1u /* the virtual timer expired (timer_fired says how often) */
#define HCEV_INPUT (1u << 1) /* console input is waiting (what HC_WAIT_INPUT reports) */
#define HCEV_RING (1u << 2)  /* the host completed descriptors after their HC_POST returned */
#define HCEV_NET (1u << 3)   /* frames wait on the net device (RING_OP_NET_RECV takes them) */
#define HCEV_SELF (1u << 31) /* set by the guest itself: an upcall at the next exit */

/* In the guest's pool, 64-byte aligned (so within one page). Who writes what:
 *   mask         the guest's virtual IF, inverted: 1 = deliver no upcall (`cli`),
 *                0 = deliver (`sti`); the monitor sets it to 1 when it delivers
 *                through a masking entry (every upcall), as an interrupt gate
 *                clears IF. In ring 3 upcalls are always delivered (ring 3
 *                runs with IF = 1), whatever mask says.
 *   events       the monitor ORs in HCEV_* bits; the guest clears what it handled
 *   timer_fired  the monitor: expiries of the virtual timer so far
 *   cr2          the monitor: the faulting address of the last #PF it delivered
 *                (SDM Vol.3 4.7: what CR2 would hold), written before the
 *                handler starts
 *   resume_start, resume_end
 *                the guest: [start, end) holds its "events pending? else
 *                iretq" sequence, run with mask 0 at the end of an upcall
 *                handler (0, 0: none). An upcall due while ring 1 is inside it
 *                is not nested: the monitor restarts the upcall handler on the
 *                frame at RSP (the one the iretq would pop), with mask 1, so
 *                an event that arrives between the unmask and the iretq waits
 *                for no later exit and costs no stack (docs/ABI.md).
 *   reserved     0 */
struct hc_vcpu {
	uint32_t mask;
	uint32_t events;
	uint64_t timer_fired;
	uint64_t cr2;
	uint64_t resume_start, resume_end;
	uint64_t reserved[3];
};
_Static_assert(sizeof(struct hc_vcpu) == 64, "hc_vcpu size");
_Static_assert(__builtin_offsetof(struct hc_vcpu, cr2) == 16, "cr2 offset");
_Static_assert(__builtin_offsetof(struct hc_vcpu, resume_start) == 24, "resume offset");

/* An upcall is delivered like a hardware interrupt, with no error code, to the
 * trap table's entry for this vector (proto/hypercall.h, HC_SET_TRAPS). */
#define HCABI_UPCALL_VECTOR 32

#endif
