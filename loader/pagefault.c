/* A page fault the guest world took (loader/monitor.h, pf_exit). The CPU
 * walked the shadow tables (mm/vtlb.h), never the guest's: the fault is
 * either a translation the shadow has not cached yet, which the guest's own
 * tables allow (filled, and the guest resumes as if nothing happened: the
 * hidden fill), or one they do not, which becomes the guest's own #PF with
 * the error code its tables explain. */
#include "monitor.h"
#include "log.h"

/* A fill that does not take shows as the same instruction faulting on the
 * same page again and again: a monitor bug, never the guest's doing (an
 * instruction touches only a few pages, and each fill stays until the
 * guest invalidates it or the next enter). */
#define PF_REPEATS_MAX 8

enum run_outcome pf_exit(struct monitor *m)
{
	struct passage_guest *g = m->ps.guest;
	unsigned err = 0;
	int r = vtlb_fault(&m->vtlb, g->cr2, (unsigned)g->error_code, &err);

	if (r == -HCERR_AGAIN) /* the fill emptied this tree for room: once more */
		r = vtlb_fault(&m->vtlb, g->cr2, (unsigned)g->error_code, &err);
	if (r == 0)
		return trap_deliver(m, 14, err);
	if (g->rip == m->pf_rip && g->cr2 >> 12 == m->pf_page) {
		if (++m->pf_repeats > PF_REPEATS_MAX || r < 0) {
			log_printf("monitor: BUG: the shadow of %lx (error code %lx at rip %lx) "
				   "does not take\n", g->cr2, g->error_code, g->rip);
			g->mfault_vector = 14;
			g->mfault_error = g->error_code;
			g->mfault_rip = g->rip;
			return RUN_MONITOR_FAULT;
		}
	} else {
		m->pf_rip = g->rip;
		m->pf_page = g->cr2 >> 12;
		m->pf_repeats = 0;
	}
	return RUN_RESUME;
}
