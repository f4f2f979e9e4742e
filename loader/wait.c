/* HC_WAIT (proto/hypercall.h): the guest's idle loop. The guest gives the
 * CPU up until console input is there, a virtual interrupt is due, or its
 * deadline; never longer than HCLIM_WAIT_SLICE_NS, so that a host that
 * completes the wait itself (Linux) comes back to its run loop. */
#include "monitor.h"
#include "ring.h"
#include "ring_device.h"
#include "wait.h"

int64_t wait_for_event(struct monitor *m, uint64_t deadline_ns, int *deferred)
{
	const struct host_ops *h = m->host;
	uint64_t slice_end = h->time_ns(h->mm.ctx) + HCLIM_WAIT_SLICE_NS;
	uint64_t timer = vintr_next_ns(m);

	*deferred = 0;
	if (timer && timer < deadline_ns)
		deadline_ns = timer; /* a virtual interrupt ends the wait too */
	ring_complete_owed(m); /* the guest idles: nothing to overlap with */
	for (;;) {
		uint64_t now;

		console_refill(m);
		net_poll(m);
		if (m->input_len)
			return HC_WAIT_INPUT;
		if (m->ring_moved) { /* no upcall handler: the call itself says so */
			m->ring_moved = 0;
			return HC_WAIT_UPCALL;
		}
		if (vintr_due(m))
			return HC_WAIT_UPCALL;
		now = h->time_ns(h->mm.ctx);
		if (now >= deadline_ns || now >= slice_end)
			return vintr_due(m) ? HC_WAIT_UPCALL : HC_WAIT_TIMEOUT;
		if (h->defer_io) { /* the host waits (Linux: cokrun polls stdin) */
			m->wait_deadline_ns = deadline_ns;
			*deferred = 1;
			return 0;
		}
		__asm__ volatile("pause"); /* SDM Vol.2: PAUSE, for spin-wait loops */
	}
}

/* The host's answers to a batch in flight may have come during the wait
 * (ring_late_done): for a guest without an upcall handler, ring_moved ends it
 * as HC_WAIT_UPCALL, as it would have in wait_for_event. */
void monitor_wait_done(struct monitor *m, int got_input)
{
	int moved = m->ring_moved;

	m->ring_moved = 0;
	hc_set_result(m, got_input ? HC_WAIT_INPUT :
			 vintr_due(m) || moved ? HC_WAIT_UPCALL : HC_WAIT_TIMEOUT);
}
