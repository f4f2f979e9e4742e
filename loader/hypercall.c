/* Hypercall dispatch: read the call from the saved guest registers, check
 * every argument at this boundary (mm/guestmem.h does the range checks), act,
 * and write the result back to the guest's RAX. Nothing a guest passes here can
 * make the host fault: every path ends in a named error or a checked copy. */
#include "monitor.h"
#include "log.h"
#include "ring.h"
#include "../mm/guestmem.h"

static int64_t hc_log(struct monitor *m, uint64_t gpa, uint64_t len)
{
	struct gspan buf;
	int err;

	if (len > HCLIM_LOG_BYTES)
		return -HCERR_2BIG;
	err = gmem_span(&m->pool, gpa, len, &buf);
	if (err)
		return err;
	gmem_read(&m->pool, m->log_buf, buf);
	log_write(m->log_buf, len);
	return (int64_t)len;
}

static int64_t hc_crash(struct monitor *m, uint64_t frame_gpa, uint64_t reason)
{
	struct gspan f;
	int err;

	if (reason != HCCRASH_UNHANDLED && reason != HCCRASH_NESTED)
		return -HCERR_INVAL;
	err = gmem_span(&m->pool, frame_gpa, sizeof(m->crash), &f);
	if (err)
		return err;
	gmem_read(&m->pool, &m->crash, f);
	m->crash_reason = reason;
	return 0;
}

/* HC_STATS (the hypercall lab, docs/labs/hypercall.md): check both arguments,
 * then copy the counters out; a bad call writes nothing. */
static int64_t hc_stats(struct monitor *m, uint64_t gpa, uint64_t len)
{
	// LAB(hypercall) BEGIN
	struct hc_stats st;
	struct gspan buf;
	uint64_t calls = m->bad_calls;
	int err;

	if (len != sizeof(st))
		return -HCERR_INVAL;
	err = gmem_span(&m->pool, gpa, len, &buf);
	if (err)
		return err;
	for (unsigned i = 0; i < HC_NCALLS; i++)
		calls += m->calls[i];
	st = (struct hc_stats){
		.switches = m->switches,
		.hypercalls = calls,
		.yields = m->calls[HC_YIELD],
		.host_interrupts = m->host_interrupts,
		.now_ns = m->host->time_ns(m->host->mm.ctx),
	};
	gmem_write(&m->pool, buf, &st);
	return 0;
	// LAB(hypercall) STARTER
	// (void)m, (void)gpa, (void)len;
	// return -HCERR_NOSYS; /* TODO: check gpa and len, then copy a struct hc_stats out */
	// LAB(hypercall) END
}

static enum run_outcome hc_dispatch_call(struct monitor *m, struct passage_guest *g, uint64_t nr);

enum run_outcome hc_dispatch(struct monitor *m)
{
	struct passage_guest *g = m->ps.guest;
	uint64_t nr = g->rax;

	// LAB(bench) BEGIN
	if (nr == HC_YIELD) { /* the hot call: no argument to check, no frame to build */
		m->calls[HC_YIELD]++;
		g->rax = 0;
		return RUN_RESUME;
	}
	// LAB(bench) END
	return hc_dispatch_call(m, g, nr);
}

static enum run_outcome hc_dispatch_call(struct monitor *m, struct passage_guest *g, uint64_t nr)
{
	int64_t ret;
	int deferred;

	if (nr >= HC_NCALLS) {
		m->bad_calls++;
		g->rax = (uint64_t)-HCERR_NOSYS;
		return RUN_RESUME;
	}
	m->calls[nr]++;
	switch (nr) {
	case HC_YIELD:
		ret = 0;
		break;
	case HC_LOG:
		ret = hc_log(m, g->rdi, g->rsi);
		break;
	case HC_EXIT:
		if (g->rdi <= HCLIM_EXIT_CODE) {
			m->exit_code = g->rdi;
			return RUN_GUEST_EXIT;
		}
		ret = -HCERR_INVAL;
		break;
	case HC_CRASH:
		ret = hc_crash(m, g->rdi, g->rsi);
		if (ret == 0)
			return RUN_GUEST_CRASH;
		break;
	case HC_POST:
		ret = ring_post(m, &deferred);
		if (deferred)
			return RUN_HOST_IO; /* ring_finish sets the guest's RAX */
		break;
	case HC_WAIT:
		ret = ring_wait(m, g->rdi, &deferred);
		if (deferred)
			return RUN_HOST_WAIT; /* monitor_wait_done sets the guest's RAX */
		break;
	case HC_SET_TRAPS:
		ret = trap_set(m, g->rdi);
		break;
	case HC_IRET:
		ret = trap_return(m);
		if (ret == 0)
			return RUN_RESUME; /* every register comes from the frame */
		break;
	case HC_SET_UPCALL:
		ret = vintr_set_upcall(m, g->rdi, g->rsi);
		break;
	case HC_TIMER:
		ret = vintr_timer(m, g->rdi, g->rsi);
		break;
	case HC_STATS:
		ret = hc_stats(m, g->rdi, g->rsi);
		break;
	default:
		ret = -HCERR_NOSYS; /* a number below HC_NCALLS with no case */
	}
	g->rax = (uint64_t)ret;
	return RUN_RESUME;
}

void monitor_wait_done(struct monitor *m, int got_input)
{
	/* HC_WAIT's result (proto/hypercall.h): input, else a virtual interrupt. */
	m->ps.guest->rax = got_input ? 1 : vintr_due(m) ? 2 : 0;
}
