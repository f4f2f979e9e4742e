/* Virtual interrupts (proto/vintr.h): the guest's timer and its upcalls. The
 * monitor looks at them whenever it has the CPU after an exit (a hypercall,
 * a host interrupt, a fault): it expires the timer, records the event in the
 * page the guest shares, and when the guest runs with its virtual IF set
 * (ring 3, or vcpu.mask 0 in ring 1) delivers an upcall as the CPU delivers
 * an interrupt (loader/trap.c): a hardware frame, the handler of trap-table
 * entry 32, virtual IF cleared. The host's own timer interrupts are what
 * bring the monitor back while a guest computes; HC_WAIT sleeps at most
 * until the virtual timer's next expiry. */
#include "monitor.h"
#include "../mm/guestmem.h"
#include "../proto/vintr.h"

int64_t vintr_timer(struct monitor *m, uint64_t deadline_ns, uint64_t period_ns)
{
	if (period_ns && (period_ns < HCLIM_TIMER_MIN_NS || period_ns > HCLIM_TIMER_MAX_NS))
		return -HCERR_INVAL;
	m->timer_deadline_ns = deadline_ns;
	m->timer_period_ns = deadline_ns ? period_ns : 0;
	return 0;
}

uint64_t vintr_next_ns(const struct monitor *m)
{
	return m->upcall ? m->timer_deadline_ns : 0;
}

/* Expire the timer if it is due: events and timer_fired in the shared page
 * (every missed period counts). */
static void vintr_expire(struct monitor *m)
{
	volatile struct hc_vcpu *v = m->vcpu;
	uint64_t now = m->host->time_ns(m->host->mm.ctx), n = 1;

	if (now < m->timer_deadline_ns)
		return;
	if (m->timer_period_ns) {
		n += (now - m->timer_deadline_ns) / m->timer_period_ns;
		m->timer_deadline_ns += n * m->timer_period_ns;
	} else {
		m->timer_deadline_ns = 0;
	}
	v->events |= HCEV_TIMER;
	v->timer_fired += n;
}

/* 1 if an event is pending and ring 1 has not masked it (HC_WAIT's question:
 * the guest waits in ring 1), the timer expired first if it is due. */
static int vintr_update(struct monitor *m)
{
	if (m->timer_deadline_ns)
		vintr_expire(m);
	return m->vcpu->events && !m->vcpu->mask;
}

int vintr_due(struct monitor *m)
{
	return m->upcall && vintr_update(m);
}

enum run_outcome vintr_check(struct monitor *m)
{
	struct passage_guest *g = m->ps.guest;
	volatile struct hc_vcpu *v = m->vcpu;
	enum run_outcome how;

	if (!m->upcall)
		return RUN_RESUME;
	if (m->timer_deadline_ns)
		vintr_expire(m);
	if (!v->events)
		return RUN_RESUME;
	/* Ring 3 runs with IF = 1, whatever mask says: only ring 1 can mask. */
	if ((g->cs & 3) != 3) {
		if (v->mask)
			return RUN_RESUME;
		/* Ring 1 inside its unmask-then-iretq sequence (proto/vintr.h):
		 * RSP is the frame that iretq would pop. Taking the upcall
		 * "after" it is starting the handler again on that same frame,
		 * with the virtual IF cleared as delivery clears it: nothing
		 * nests, and an event that came between the unmask and the
		 * iretq waits for no later exit. */
		if (g->rip >= v->resume_start && g->rip < v->resume_end) {
			v->mask = 1;
			g->rip = m->upcall;
			m->upcalls++;
			return RUN_RESUME;
		}
		if (trap_push_upcall_hot(m)) {
			m->upcalls++;
			return RUN_RESUME;
		}
	}
	how = trap_push(m, HCABI_UPCALL_VECTOR, m->upcall, 0, 0, 1);
	if (how == RUN_RESUME)
		m->upcalls++;
	return how;
}
