/* What the monitor prints when a guest ends: the exit code or the crash
 * report (vector, error code, RIP, CR2, every register), then the counters.
 * report_trap_frame also serves a host's own unexpected exceptions. */
#include "monitor.h"
#include "log.h"

/* SDM Vol.3 6.3.1 table 6-1: the architecturally defined vectors. */
static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM no math coprocessor",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

void report_trap_frame(const char *who, const struct hc_trap_frame *f)
{
	const char *name = f->vector < 32 ? vector_names[f->vector] : "not an exception";

	log_printf("monitor: %s: vector %lu (%s) error code 0x%lx\n", who, f->vector, name,
		   f->error_code);
	log_printf("monitor:   rip %016lx  cs %04lx  rflags %016lx\n", f->rip, f->cs, f->rflags);
	log_printf("monitor:   rsp %016lx  ss %04lx  cr2    %016lx\n", f->rsp, f->ss, f->cr2);
	log_printf("monitor:   rax %016lx  rbx %016lx  rcx %016lx\n", f->rax, f->rbx, f->rcx);
	log_printf("monitor:   rdx %016lx  rsi %016lx  rdi %016lx\n", f->rdx, f->rsi, f->rdi);
	log_printf("monitor:   rbp %016lx  r8  %016lx  r9  %016lx\n", f->rbp, f->r8, f->r9);
	log_printf("monitor:   r10 %016lx  r11 %016lx  r12 %016lx\n", f->r10, f->r11, f->r12);
	log_printf("monitor:   r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
}

void report_outcome(const struct monitor *m, enum hc_outcome how)
{
	if (how == HC_GUEST_EXIT) {
		log_printf("monitor: guest exited with code %lu\n", m->exit_code);
	} else {
		report_trap_frame(m->crash_reason == HC_CRASH_NESTED
					  ? "guest crashed (fault inside its own handler)"
					  : "guest crashed (unhandled exception)",
				  &m->crash);
	}
	log_printf("monitor: %lu world switches; hypercalls: yield %lu, log %lu, exit %lu, "
		   "crash %lu, post %lu, wait %lu, unknown %lu; %lu device requests\n",
		   m->switches, m->calls[HC_YIELD], m->calls[HC_LOG], m->calls[HC_EXIT],
		   m->calls[HC_CRASH], m->calls[HC_POST], m->calls[HC_WAIT], m->bad_calls,
		   m->requests);
}
