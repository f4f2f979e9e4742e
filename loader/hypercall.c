/* Hypercall dispatch (proto/hypercall.h): one handler per call, in a table
 * by number, as xv6's syscall table. A handler checks every argument at this
 * boundary (mm/guestmem.h does the range checks), acts, and returns what
 * becomes of the guest: resume it with a result in RAX, or another outcome
 * (it exited, crashed, or waits for the host). Nothing a guest passes here
 * can make the host fault: every path ends in a named error or a checked copy. */
#include "monitor.h"
#include "log.h"
#include "ring.h"
#include "wait.h"
#include "../mm/guestmem.h"

/* What a handler returns: resume with RAX = result, or an outcome of its own
 * (RAX then comes from elsewhere: a frame, or the host's later completion). */
struct hc_ret {
	enum run_outcome run;
	int has_result;
	int64_t result;
};
#define RESULT(v) ((struct hc_ret){ RUN_RESUME, 1, (v) })
#define OUTCOME(o) ((struct hc_ret){ (o), 0, 0 })

typedef struct hc_ret hc_handler(struct monitor *m, uint64_t a0, uint64_t a1);

static struct hc_ret hc_yield(struct monitor *m, uint64_t a0, uint64_t a1)
{
	(void)m, (void)a0, (void)a1;
	return RESULT(0);
}

static struct hc_ret hc_log(struct monitor *m, uint64_t gpa, uint64_t len)
{
	struct gspan buf;
	int err;

	if (len > HCLIM_LOG_BYTES)
		return RESULT(-HCERR_2BIG);
	err = gmem_span(&m->pool, gpa, len, &buf);
	if (err)
		return RESULT(err);
	gmem_read(&m->pool, m->log_buf, buf);
	log_write(m->log_buf, len);
	return RESULT((int64_t)len);
}

static struct hc_ret hc_exit(struct monitor *m, uint64_t code, uint64_t a1)
{
	(void)a1;
	if (code > HCLIM_EXIT_CODE)
		return RESULT(-HCERR_INVAL);
	m->exit_code = code;
	return OUTCOME(RUN_GUEST_EXIT);
}

static struct hc_ret hc_crash(struct monitor *m, uint64_t frame_gpa, uint64_t reason)
{
	struct gspan f;
	int err;

	if (reason != HCCRASH_UNHANDLED && reason != HCCRASH_NESTED)
		return RESULT(-HCERR_INVAL);
	err = gmem_span(&m->pool, frame_gpa, sizeof(m->crash), &f);
	if (err)
		return RESULT(err);
	gmem_read(&m->pool, &m->crash, f);
	m->crash_reason = reason;
	return OUTCOME(RUN_GUEST_CRASH);
}

static struct hc_ret hc_post(struct monitor *m, uint64_t a0, uint64_t a1)
{
	int deferred;
	int64_t n = ring_post(m, &deferred);

	(void)a0, (void)a1;
	/* deferred: the host does the I/O, then ring_finish sets the result */
	return deferred ? OUTCOME(RUN_HOST_IO) : RESULT(n);
}

static struct hc_ret hc_wait(struct monitor *m, uint64_t deadline_ns, uint64_t a1)
{
	int deferred;
	int64_t why = wait_for_event(m, deadline_ns, &deferred);

	(void)a1;
	/* deferred: the host waits, then monitor_wait_done sets the result */
	return deferred ? OUTCOME(RUN_HOST_WAIT) : RESULT(why);
}

static struct hc_ret hc_set_traps(struct monitor *m, uint64_t table_gpa, uint64_t a1)
{
	(void)a1;
	return RESULT(trap_set(m, table_gpa));
}

static struct hc_ret hc_iret(struct monitor *m, uint64_t a0, uint64_t a1)
{
	int err = trap_return(m);

	(void)a0, (void)a1;
	return err ? RESULT(err) : OUTCOME(RUN_RESUME); /* every register from the frame */
}

static struct hc_ret hc_set_upcall(struct monitor *m, uint64_t vcpu_gpa, uint64_t handler)
{
	return RESULT(vintr_set_upcall(m, vcpu_gpa, handler));
}

static struct hc_ret hc_timer(struct monitor *m, uint64_t deadline_ns, uint64_t period_ns)
{
	return RESULT(vintr_timer(m, deadline_ns, period_ns));
}

/* HC_STATS (the hypercall lab, docs/labs/hypercall.md): check both arguments,
 * then copy the counters out; a bad call writes nothing. */
static struct hc_ret hc_stats(struct monitor *m, uint64_t gpa, uint64_t len)
{
	// LAB(hypercall) BEGIN
	struct hc_stats st;
	struct gspan buf;
	uint64_t calls = m->bad_calls;
	int err;

	if (len != sizeof(st))
		return RESULT(-HCERR_INVAL);
	err = gmem_span(&m->pool, gpa, len, &buf);
	if (err)
		return RESULT(err);
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
	return RESULT(0);
	// LAB(hypercall) STARTER
	// (void)m, (void)gpa, (void)len;
	// return RESULT(-HCERR_NOSYS); /* TODO: check gpa and len, then copy a struct hc_stats out */
	// LAB(hypercall) END
}

static hc_handler *const handlers[HC_NCALLS] = {
	[HC_YIELD] = hc_yield,
	[HC_LOG] = hc_log,
	[HC_EXIT] = hc_exit,
	[HC_CRASH] = hc_crash,
	[HC_POST] = hc_post,
	[HC_WAIT] = hc_wait,
	[HC_SET_TRAPS] = hc_set_traps,
	[HC_IRET] = hc_iret,
	[HC_SET_UPCALL] = hc_set_upcall,
	[HC_TIMER] = hc_timer,
	[HC_STATS] = hc_stats,
};

enum run_outcome hc_dispatch(struct monitor *m)
{
	struct passage_guest *g = m->ps.guest;
	uint64_t nr = g->rax;
	struct hc_ret r;

	// LAB(bench) BEGIN
	if (nr == HC_YIELD) { /* the hot call: no argument, no indirect call */
		m->calls[HC_YIELD]++;
		hc_set_result(m, 0);
		return RUN_RESUME;
	}
	// LAB(bench) END
	if (nr >= HC_NCALLS) {
		m->bad_calls++;
		r = RESULT(-HCERR_NOSYS);
	} else {
		m->calls[nr]++;
		r = handlers[nr](m, g->rdi, g->rsi);
	}
	if (r.has_result)
		hc_set_result(m, r.result);
	return r.run;
}
