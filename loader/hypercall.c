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

typedef struct hc_ret hc_handler(struct monitor *m, uint64_t a0, uint64_t a1, uint64_t a2);

static struct hc_ret hc_yield(struct monitor *m, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)m, (void)a0, (void)a1, (void)a2;
	return RESULT(0);
}

static struct hc_ret hc_log(struct monitor *m, uint64_t gpa, uint64_t len, uint64_t a2)
{
	struct gspan buf;
	int err;

	(void)a2;
	if (len > HCLIM_LOG_BYTES)
		return RESULT(-HCERR_2BIG);
	err = gmem_span(&m->pool, gpa, len, &buf);
	if (err)
		return RESULT(err);
	gmem_read(&m->pool, m->log_buf, buf);
	log_write(m->log_buf, len);
	return RESULT((int64_t)len);
}

static struct hc_ret hc_exit(struct monitor *m, uint64_t code, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	if (code > HCLIM_EXIT_CODE)
		return RESULT(-HCERR_INVAL);
	m->exit_code = code;
	return OUTCOME(RUN_GUEST_EXIT);
}

static struct hc_ret hc_crash(struct monitor *m, uint64_t frame_gpa, uint64_t reason, uint64_t a2)
{
	struct gspan f;
	int err;

	(void)a2;
	if (reason != HCCRASH_UNHANDLED && reason != HCCRASH_NESTED)
		return RESULT(-HCERR_INVAL);
	err = gmem_span(&m->pool, frame_gpa, sizeof(m->crash), &f);
	if (err)
		return RESULT(err);
	gmem_read(&m->pool, &m->crash, f);
	m->crash_reason = reason;
	return OUTCOME(RUN_GUEST_CRASH);
}

static struct hc_ret hc_post(struct monitor *m, uint64_t flags, uint64_t a1, uint64_t a2)
{
	int deferred;
	int64_t n = ring_post(m, flags, &deferred);

	(void)a1, (void)a2;
	if (n < 0)
		return RESULT(n);
	switch (deferred) {
	case RING_HOST: /* the host does the I/O, then ring_finish sets the result */
		return OUTCOME(RUN_HOST_IO);
	case RING_ASYNC: /* the guest goes on with its result while the host works */
		return (struct hc_ret){ RUN_HOST_IO_ASYNC, 1, n };
	case RING_BUSY:
		return OUTCOME(RUN_HOST_RING_BUSY);
	default:
		return RESULT(n);
	}
}

enum run_outcome hc_post_again(struct monitor *m)
{
	struct hc_ret r = hc_post(m, m->ps.guest->rdi, 0, 0);

	if (r.has_result)
		hc_set_result(m, r.result);
	return r.run;
}

static struct hc_ret hc_wait(struct monitor *m, uint64_t deadline_ns, uint64_t a1, uint64_t a2)
{
	int deferred;
	int64_t why = wait_for_event(m, deadline_ns, &deferred);

	(void)a1, (void)a2;
	/* deferred: the host waits, then monitor_wait_done sets the result */
	if (deferred)
		return OUTCOME(RUN_HOST_WAIT);
	if (m->end_ns && m->host->time_ns(m->host->mm.ctx) >= m->end_ns) /* timeout= */
		return OUTCOME(RUN_TIMEOUT);
	return RESULT(why);
}

static struct hc_ret hc_set_traps(struct monitor *m, uint64_t table_gpa, uint64_t vcpu_gpa,
				  uint64_t a2)
{
	(void)a2;
	return RESULT(trap_set(m, table_gpa, vcpu_gpa));
}

/* SDM Vol.1 3.3.7.1: bits 63:47 of a linear address all equal bit 47. */
static int canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

static struct hc_ret hc_set_cr3(struct monitor *m, uint64_t cr3, uint64_t a1, uint64_t a2)
{
	int err = vtlb_set_cr3(&m->vtlb, cr3);

	(void)a1, (void)a2;
	if (!err) /* the next enter loads it, and flushes the CPU's own TLB */
		m->ps.world->guest_cr3 = vtlb_root_ma(&m->vtlb);
	return RESULT(err);
}

static struct hc_ret hc_set_kstack(struct monitor *m, uint64_t rsp, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	if (!canonical(rsp))
		return RESULT(-HCERR_INVAL);
	passage_set_kstack(&m->ps, rsp);
	return RESULT(0);
}

static struct hc_ret hc_timer(struct monitor *m, uint64_t deadline_ns, uint64_t period_ns,
			      uint64_t a2)
{
	(void)a2;
	return RESULT(vintr_timer(m, deadline_ns, period_ns));
}

static struct hc_ret hc_invlpg(struct monitor *m, uint64_t va, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	vtlb_invlpg(&m->vtlb, va);
	return RESULT(0);
}

static struct hc_ret hc_flush(struct monitor *m, uint64_t type, uint64_t pcid, uint64_t va)
{
	return RESULT(vtlb_flush(&m->vtlb, type, pcid, va));
}

static struct hc_ret hc_set_segbase(struct monitor *m, uint64_t seg, uint64_t base, uint64_t a2)
{
	(void)a2;
	if ((seg != HC_SEG_FS && seg != HC_SEG_GS) || !canonical(base))
		return RESULT(-HCERR_INVAL);
	if (seg == HC_SEG_FS)
		m->ps.world->fs_base = base;
	else
		m->ps.world->gs_base = base;
	m->ps.world->segbase_set = (m->ps.world->fs_base | m->ps.world->gs_base) != 0;
	return RESULT(0);
}

/* HC_STATS (the hypercall lab, docs/labs/hypercall.md): check both arguments,
 * then copy the counters out; a bad call writes nothing. */
static struct hc_ret hc_stats(struct monitor *m, uint64_t gpa, uint64_t len, uint64_t a2)
{
	// LAB(hypercall) BEGIN
	struct hc_stats st;
	struct gspan buf;
	uint64_t calls = m->bad_calls;
	int err;

	(void)a2;
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
	// (void)m, (void)gpa, (void)len, (void)a2;
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
	[HC_SET_CR3] = hc_set_cr3,
	[HC_SET_KSTACK] = hc_set_kstack,
	[HC_TIMER] = hc_timer,
	[HC_STATS] = hc_stats,
	[HC_INVLPG] = hc_invlpg,
	[HC_FLUSH] = hc_flush,
	[HC_SET_SEGBASE] = hc_set_segbase,
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
		r = handlers[nr](m, g->rdi, g->rsi, g->rdx);
	}
	if (r.has_result)
		hc_set_result(m, r.result);
	return r.run;
}
