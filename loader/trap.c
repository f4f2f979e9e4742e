/* Guest exceptions. Every vector 0-31 that the ring-1 guest raises reaches the
 * monitor through a gate of switch/switch.asm. The monitor hands it to the
 * handler the guest registered with HC_SET_TRAPS, as a struct hc_trap_frame on
 * the guest's own stack (Xen PV's trap bounce), or ends the guest with a
 * report: no handler, a fault inside the handler, or a stack that cannot take
 * the frame (the guest's double fault). HC_IRET resumes from the frame. */
#include "monitor.h"
#include "insn.h"
#include "log.h"
#include "../mm/guestmem.h"
#include "../proto/layout.h"

#define RFLAGS_TF (1ull << 8) /* SDM Vol.1 3.4.3: cleared for a handler, as a gate does */

/* A guest virtual range in one of the two windows onto the pool (the direct
 * map, the image), every page of it present (and writable, for write) in the
 * guest's tables, which the guest cannot change. */
static int gva_span(struct monitor *m, uint64_t gva, uint64_t len, int write, struct gspan *out)
{
	uint64_t gpa;

	if (gva + len < gva)
		return -HCERR_FAULT;
	if (gva >= GUEST_DMAP_BASE && gva - GUEST_DMAP_BASE < GUEST_DMAP_MAX_BYTES)
		gpa = gva - GUEST_DMAP_BASE;
	else if (gva >= GUEST_KERNEL_BASE)
		gpa = gva - GUEST_KERNEL_BASE;
	else
		return -HCERR_FAULT;
	if (gmem_span(&m->pool, gpa, len, out))
		return -HCERR_FAULT;
	for (uint64_t va = gva & ~(GUEST_PAGE_SIZE - 1); va < gva + len; va += GUEST_PAGE_SIZE) {
		uint64_t ma, bits;

		if (pt_walk(&m->pt, va, &ma, &bits) || (write && !(bits & PTE_W)))
			return -HCERR_FAULT;
	}
	return 0;
}

static void frame_from_guest(const struct passage_guest *g, struct hc_trap_frame *f)
{
	*f = (struct hc_trap_frame){
		/* CR2 only for #PF: otherwise it may hold a host fault's address. */
		.cr2 = g->exit == 14 ? g->cr2 : 0,
		.r15 = g->r15, .r14 = g->r14, .r13 = g->r13, .r12 = g->r12,
		.r11 = g->r11, .r10 = g->r10, .r9 = g->r9, .r8 = g->r8,
		.rbp = g->rbp, .rdi = g->rdi, .rsi = g->rsi, .rdx = g->rdx,
		.rcx = g->rcx, .rbx = g->rbx, .rax = g->rax,
		.vector = g->exit, .error_code = g->error_code,
		.rip = g->rip, .cs = HCABI_GUEST_CS, .rflags = g->rflags,
		.rsp = g->rsp, .ss = HCABI_GUEST_DS,
	};
}

static enum run_outcome crash(struct monitor *m, uint64_t reason)
{
	m->crash_reason = reason;
	return RUN_GUEST_CRASH;
}

enum run_outcome trap_deliver(struct monitor *m)
{
	struct passage_guest *g = m->ps.guest;
	uint64_t handler = m->traps[g->exit];

	if (m->in_handler) {
		frame_from_guest(g, &m->crash);
		return crash(m, MON_CRASH_IN_HANDLER);
	}
	if (!handler) {
		frame_from_guest(g, &m->crash);
		return crash(m, m->traps_set ? MON_CRASH_NO_HANDLER : MON_CRASH_NO_TRAPS);
	}
	return trap_bounce(m, handler, g->exit);
}

enum run_outcome trap_bounce(struct monitor *m, uint64_t handler, uint64_t vector)
{
	struct passage_guest *g = m->ps.guest;
	uint64_t at = (g->rsp & ~15ull) - HCABI_TRAP_FRAME_BYTES;
	struct gspan s;

	frame_from_guest(g, &m->crash);
	m->crash.vector = vector;
	if (vector != 14)
		m->crash.cr2 = 0;
	if (g->rsp < HCABI_TRAP_FRAME_BYTES ||
	    gva_span(m, at, sizeof(struct hc_trap_frame), 1, &s) != 0)
		return crash(m, MON_CRASH_STACK);
	gmem_write(&m->pool, s, &m->crash);
	m->handler_frame = s;
	m->in_handler = 1;
	m->traps_delivered++;
	g->rsp = at;
	g->rdi = at;
	g->rip = handler;
	g->rflags &= ~RFLAGS_TF;
	return RUN_RESUME;
}

int trap_handler_ok(const struct monitor *m, uint64_t gva)
{
	for (unsigned i = 0; i < m->image.nsegments; i++) {
		const struct elf_segment *seg = &m->image.seg[i];

		if ((seg->perms & PT_EXEC) && gva >= seg->gva && gva - seg->gva < seg->memsz)
			return 1;
	}
	return 0;
}

int64_t trap_set(struct monitor *m, uint64_t table_gpa)
{
	uint64_t t[HCLIM_TRAPS];
	struct gspan s;

	if (gmem_span(&m->pool, table_gpa, sizeof(t), &s))
		return -HCERR_FAULT;
	gmem_read(&m->pool, t, s);
	for (unsigned v = 0; v < HCLIM_TRAPS; v++)
		if (t[v] && !trap_handler_ok(m, t[v]))
			return -HCERR_INVAL;
	__builtin_memcpy(m->traps, t, sizeof(t));
	m->traps_set = 1;
	return 0;
}

int trap_return(struct monitor *m)
{
	struct passage_guest *g = m->ps.guest;
	struct hc_trap_frame f;

	if (!m->in_handler)
		return -HCERR_INVAL;
	gmem_read(&m->pool, &f, m->handler_frame);
	*g = (struct passage_guest){
		.rax = f.rax, .rbx = f.rbx, .rcx = f.rcx, .rdx = f.rdx, .rsi = f.rsi,
		.rdi = f.rdi, .rbp = f.rbp, .r8 = f.r8, .r9 = f.r9, .r10 = f.r10,
		.r11 = f.r11, .r12 = f.r12, .r13 = f.r13, .r14 = f.r14, .r15 = f.r15,
		.rsp = f.rsp, .rip = f.rip,
		.rflags = f.rflags, /* enter keeps only what ring 1 may hold */
	};
	m->in_handler = 0;
	return 0;
}

void trap_name_insn(struct monitor *m, uint64_t rip)
{
	uint8_t bytes[15];
	uint64_t len = GUEST_PAGE_SIZE - (rip & (GUEST_PAGE_SIZE - 1));
	struct gspan s;
	const char *name;

	if (len > sizeof(bytes))
		len = sizeof(bytes);
	if (gva_span(m, rip, len, 0, &s) != 0)
		return;
	gmem_read(&m->pool, bytes, s);
	name = insn_forbidden_name(bytes, (unsigned)len);
	if (name)
		log_printf("monitor: guest executed `%s` at RIP %lx: not allowed in ring 1\n", name,
			   rip);
}
