/* Virtual interrupts (proto/vintr.h): the guest's timer and its upcalls. The
 * monitor looks at them whenever it has the CPU after an exit (a hypercall,
 * a host interrupt): it expires the timer, records the event in the page the
 * guest shares, and when the guest has not masked them and no handler runs,
 * bounces an upcall to its handler as loader/trap.c bounces an exception. The
 * host's own timer interrupts are what bring the monitor back while a guest
 * computes; HC_WAIT sleeps at most until the virtual timer's next expiry. */
#include "monitor.h"
#include "../mm/guestmem.h"
#include "../proto/vintr.h"

int64_t vintr_set_upcall(struct monitor *m, uint64_t vcpu_gpa, uint64_t handler)
{
	struct gspan s;

	/* 16-byte aligned, so inside one page: the monitor keeps a pointer to
	 * it and reads it after every exit without a copy. */
	if ((vcpu_gpa & 15) || gmem_span(&m->pool, vcpu_gpa, sizeof(struct hc_vcpu), &s))
		return -HCERR_FAULT;
	if (!trap_handler_ok(m, handler))
		return -HCERR_INVAL;
	m->vcpu = (volatile struct hc_vcpu *)gmem_page_hva(&m->pool, s.gpa);
	m->upcall = handler;
	return 0;
}

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
 * (every missed period counts). 1 if an unmasked event is pending. */
static int vintr_update(struct monitor *m)
{
	volatile struct hc_vcpu *v = m->vcpu;

	if (m->timer_deadline_ns) {
		uint64_t now = m->host->time_ns(m->host->mm.ctx);

		if (now >= m->timer_deadline_ns) {
			uint64_t n = 1;

			if (m->timer_period_ns) {
				n += (now - m->timer_deadline_ns) / m->timer_period_ns;
				m->timer_deadline_ns += n * m->timer_period_ns;
			} else {
				m->timer_deadline_ns = 0;
			}
			v->events |= HCEV_TIMER;
			v->timer_fired += n;
		}
	}
	return v->events && !v->mask;
}

int vintr_due(struct monitor *m)
{
	return m->upcall && vintr_update(m);
}

enum run_outcome vintr_check(struct monitor *m)
{
	enum run_outcome how;

	if (!m->upcall || m->in_handler || !vintr_update(m))
		return RUN_RESUME;
	how = trap_bounce(m, m->upcall, HCABI_UPCALL_VECTOR);
	if (how == RUN_RESUME) {
		m->vcpu->mask = 1; /* delivering masks, as Xen's evtchn_upcall_mask */
		m->upcalls++;
	}
	return how;
}
