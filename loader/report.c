/* What the monitor prints when a guest ends: the exit code or the crash
 * report (vector, error code, RIP, CR2, every register), then the counters.
 * report_trap_frame also serves a host's own unexpected exceptions. */
#include "monitor.h"
#include "elfcore.h"
#include "fmt.h"
#include "log.h"
#include "../proto/layout.h"

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

/* The guest function rip is in (where it crashed, or where a run stopped at
 * timeout= was), from the image's symbols. */
static void report_function(const struct monitor *m, uint64_t rip)
{
	uint64_t off;
	const char *fn = m->symbols_len ? elf_symbol(m->symbols, m->symbols_len, rip, &off) : 0;

	if (fn)
		log_printf("monitor:   rip is %s+0x%lx in the guest's image\n", fn, off);
}

static const char *crash_why(uint64_t reason)
{
	switch (reason) {
	case HCCRASH_NESTED:
		return "guest crashed (fault inside its own handler)";
	case MON_CRASH_RING0:
		return "guest crashed (it ran in ring 0: a gate found no stack switch; QEMU's TCG "
		       "gives CPL 0 after `mov ss` of a null selector in ring 1)";
	case MON_CRASH_NO_KSTACK:
		return "guest crashed (double fault: a trap from ring 3 before HC_SET_KSTACK "
		       "named a kernel stack)";
	case MON_CRASH_NO_TRAPS:
		return "guest crashed (exception before it registered any handler)";
	case MON_CRASH_NO_HANDLER:
		return "guest crashed (no handler registered for this vector)";
	case MON_CRASH_STACK:
		return "guest crashed (double fault: its stack cannot take the exception frame)";
	default:
		return "guest crashed (unhandled exception)";
	}
}

/* The report's names of the calls, by number: every call has one. */
static const char *const call_names[HC_NCALLS] = {
	[HC_YIELD] = "yield",   [HC_LOG] = "log",
	[HC_EXIT] = "exit",     [HC_CRASH] = "crash",
	[HC_POST] = "post",     [HC_WAIT] = "wait",
	[HC_SET_TRAPS] = "set_traps", [HC_SET_CR3] = "set_cr3",
	[HC_SET_KSTACK] = "set_kstack", [HC_TIMER] = "timer",
	[HC_STATS] = "stats",   [HC_INVLPG] = "invlpg",
	[HC_FLUSH] = "flush",   [HC_SET_SEGBASE] = "set_segbase",
};

/* " yield N, log N, ..." for every call number, into buf. */
static const char *call_counts(const struct monitor *m, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < HC_NCALLS && n < size; i++)
		n += (size_t)fmt_snprintf(buf + n, size - n, " %s %lu,",
					  call_names[i] ? call_names[i] : "?", m->calls[i]);
	return buf;
}

void report_outcome(struct monitor *m, enum run_outcome how)
{
	const struct passage_guest *g = m->ps.guest;
	char counts[320];
	const struct vtlb_stats *st = &m->vtlb.st;

	if (how == RUN_GUEST_EXIT) {
		log_printf("monitor: guest exited with code %lu\n", m->exit_code);
	} else if (how == RUN_HYPERVISOR) {
		log_printf("monitor: guest stopped: another hypervisor became active while it ran "
			   "(CR4.VMXE or EFER.SVME)\n");
	} else if (how == RUN_TIMEOUT) {
		log_printf("monitor: guest stopped: still running after timeout=%lu s (its RIP %lx, "
			   "ring %u)\n", m->cfg.timeout_s, g->rip, (g->cs & 3) == 3 ? 3u : 1u);
		report_function(m, g->rip);
	} else if (how == RUN_MONITOR_FAULT) {
		log_printf("monitor: BUG: exception in the world switch: vector %lu error code "
			   "0x%lx at rip %lx; the guest is stopped, the host goes on\n",
			   g->mfault_vector, g->mfault_error, g->mfault_rip);
	} else {
		report_trap_frame(crash_why(m->crash_reason), &m->crash);
		if (m->crash_reason == MON_CRASH_STACK)
			log_printf("monitor:   the frame would go at %lx: not writable guest memory "
				   "in its page tables\n", m->frame_gva);
		trap_name_insn(m, m->crash.rip);
		report_function(m, m->crash.rip);
	}
	log_printf("monitor: %lu world switches; hypercalls:%s unknown %lu; "
		   "%lu device requests; %lu exceptions handed to the guest, %lu NMIs/MCEs and "
		   "%lu interrupts to the host\n",
		   m->switches, call_counts(m, counts, sizeof(counts)), m->bad_calls, m->requests,
		   m->traps_delivered, m->host_events, m->host_interrupts);
	log_printf("monitor: shadow page tables: %lu hidden fills, %lu page faults for the guest, "
		   "%lu CR3 loads, %lu invlpg, %lu flushes, %lu trees dropped (%lu for room); "
		   "%lu of %lu pages free at the end\n",
		   st->fills, st->faults, st->cr3_loads, st->invlpgs, st->flushes, st->resets,
		   st->evictions, m->vtlb.nfree, m->vtlb.budget);
}

_Static_assert(ELF_MAX_SEGMENTS + 1 <= ELFCORE_MAX_MAPS, "every segment and the direct map");

/* The guest's memory, page by page, for the core writer. */
static const void *core_page(void *ctx, uint64_t gpa)
{
	const struct pool *p = ctx;

	return gpa < pool_bytes(p) ? gmem_page_hva(p, gpa) : 0;
}

/* The guest's memory as its tables map it, for the core. */
static int core_maps(struct monitor *m, struct elfcore *c)
{
	/* The image as the guest's tables map it: each segment at its link address. */
	for (unsigned i = 0; i < m->image.nsegments; i++) {
		const struct elf_segment *s = &m->image.seg[i];

		c->map[c->nmaps++] = (struct elfcore_map){
			.gva = s->gva,
			.gpa = s->gva - GUEST_KERNEL_BASE,
			.bytes = (s->memsz + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1),
			.flags = ELFCORE_R | (s->perms & PT_WRITE ? ELFCORE_W : 0) |
				 (s->perms & PT_EXEC ? ELFCORE_X : 0),
		};
	}
	/* The direct map of the whole pool: the stacks, the ring, the heap. */
	c->map[c->nmaps++] = (struct elfcore_map){ GUEST_DMAP_BASE, 0, pool_bytes(&m->pool),
						   ELFCORE_R | ELFCORE_W };
	return 0;
}

int monitor_core(struct monitor *m, enum run_outcome how, struct elfcore *c)
{
	const char *name = m->host ? m->host->image_name : 0; /* 0: the built-in guest */

	if (how != RUN_GUEST_CRASH)
		return -1;
	/* Field by field, no compound literal: no second struct on the stack
	 * (on Linux it is the kernel's, in an ioctl). */
	__builtin_memset(c, 0, sizeof(*c));
	c->regs = m->crash;
	c->pid = 1;
	c->page = core_page;
	c->ctx = &m->pool;
	if (name) { /* a foreign image: its file's name, and the path as given */
		const char *base = name;

		for (const char *p = name; *p; p++)
			if (*p == '/' || *p == '\\' || *p == ' ')
				base = p + 1;
		elfcore_set_str(c->program, sizeof(c->program), base);
		elfcore_set_str(c->args, sizeof(c->args), name);
		return core_maps(m, c);
	}
	elfcore_set_str(c->program, sizeof(c->program), "guest.elf"); /* what the Makefile builds */
	__builtin_memcpy(c->args, "guest=", 6); /* what gdb says the core was generated by */
	elfcore_set_str(c->args + 6, sizeof(c->args) - 6, m->cfg.guest);
	return core_maps(m, c);
}
