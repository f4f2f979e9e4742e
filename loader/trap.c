/* Guest exceptions and upcalls, delivered as the CPU delivers them (SDM Vol.3
 * 6.12, 6.14). Every vector 0-31 the guest raises in ring 1 or 3 reaches the
 * monitor through a gate of switch/switch.asm; the monitor writes the
 * hardware frame (SS, RSP, RFLAGS, CS, RIP, and the error code where the
 * vector has one) on the stack the CPU would have used, through the guest's
 * own page tables, and starts the handler of the guest's trap table in ring 1
 * with RSP at the frame. The handler returns with a plain iretq; nothing of
 * the monitor runs on the way back. The guest ends with a report only when
 * it has no handler or the frame cannot be written (its double fault). */
#include "monitor.h"
#include "ring_device.h"
#include "insn.h"
#include "log.h"
#include "../mm/guestmem.h"
#include "../proto/layout.h"

#define RFLAGS_TF (1ull << 8)  /* SDM Vol.1 3.4.3 */
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)

/* SDM Vol.3 6.3.1 table 6-1: the vectors for which the CPU pushes an error code. */
static int has_error_code(uint64_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
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
		.rip = g->rip, .cs = g->cs, .rflags = g->rflags,
		.rsp = g->rsp, .ss = (g->cs & 3) == 3 ? HCABI_USER_DS : HCABI_GUEST_DS,
	};
}

static enum run_outcome crash(struct monitor *m, uint64_t reason)
{
	m->crash_reason = reason;
	return RUN_GUEST_CRASH;
}

/* Copy to or from guest virtual memory page by page, each page translated as
 * the CPU would for the access (the frame's pushes are supervisor writes,
 * which set A and D; the report's reads change nothing). */
static int copy_gva(struct monitor *m, uint64_t va, void *buf, uint64_t len, int write)
{
	while (len) {
		uint64_t n = GUEST_PAGE_SIZE - (va & (GUEST_PAGE_SIZE - 1)), gpa;
		unsigned err;
		struct gspan s;

		if (n > len)
			n = len;
		if (vtlb_translate(&m->vtlb, va, write ? VTLB_ACC_W : 0, write, &gpa, &err) ||
		    gmem_span(&m->pool, gpa, n, &s))
			return -HCERR_FAULT;
		if (write)
			gmem_write(&m->pool, s, buf);
		else
			gmem_read(&m->pool, buf, s);
		va += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

int trap_read_gva(struct monitor *m, uint64_t va, void *buf, uint64_t len)
{
	return copy_gva(m, va, buf, len, 0);
}

/* The crash report's frame: the context that could not take the exception. */
static enum run_outcome push_failed(struct monitor *m, uint64_t vector, uint64_t error_code,
				    uint64_t reason)
{
	frame_from_guest(m->ps.guest, &m->crash);
	m->crash.vector = vector;
	m->crash.error_code = error_code;
	return crash(m, reason);
}

/* The frame's bytes onto the guest's stack: straight into the page when the
 * shadow already has it writable (the usual case: the guest just ran on that
 * stack, and then its dirty bit is set too), else through its tables. */
static int write_frame(struct monitor *m, uint64_t at, const uint64_t *f, uint64_t len)
{
	void *p = (at & (GUEST_PAGE_SIZE - 1)) + len <= GUEST_PAGE_SIZE ?
		  vtlb_cached(&m->vtlb, at, 1) : 0;

	if (p) { /* 5 or 6 whole u64, 8-byte aligned: the CPU's pushes */
		uint64_t *q = p;

		q[0] = f[0], q[1] = f[1], q[2] = f[2], q[3] = f[3], q[4] = f[4];
		if (len > 40)
			q[5] = f[5];
		return 0;
	}
	return copy_gva(m, at, (void *)f, len, 1);
}

/* The stack the CPU would push on (SDM Vol.3 6.14.4): from ring 3 the new
 * ring's (TSS.RSP1 here), from ring 1 the one in use; 64-bit mode aligns it
 * down to 16 bytes first (SDM Vol.3 6.14.2). */
static inline uint64_t frame_stack(const struct monitor *m, int from_user)
{
	return (from_user ? m->ps.kstack : m->ps.guest->rsp) & ~15ull;
}

/* The frame's RFLAGS: the guest's, with IF its virtual one (ring 3 always
 * runs with IF = 1; ring 1's is the inverse of vcpu.mask). */
static inline uint64_t frame_rflags(const struct monitor *m, int from_user)
{
	int virtual_if = from_user || !m->vcpu || !m->vcpu->mask;

	return (m->ps.guest->rflags & ~RFLAGS_IF) | (virtual_if ? RFLAGS_IF : 0);
}

/* The frame is at m->frame_gva: the handler starts on it, in ring 1. */
static inline void start_handler(struct monitor *m, uint64_t handler, int masks)
{
	struct passage_guest *g = m->ps.guest;

	if (masks && m->vcpu)
		m->vcpu->mask = 1; /* an interrupt gate clears IF (SDM Vol.3 6.12.1.3) */
	m->traps_delivered++;
	g->rsp = m->frame_gva;
	g->rip = handler;
	g->cs = HCABI_GUEST_CS;
	/* SDM Vol.3 6.12.1.3: through an interrupt or trap gate the CPU clears
	 * TF, NT and RF (and VM) once RFLAGS is saved. */
	g->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF);
}

enum run_outcome trap_push(struct monitor *m, uint64_t vector, uint64_t handler, int has_err,
			   uint64_t error_code, int masks)
{
	struct passage_guest *g = m->ps.guest;
	int from_user = (g->cs & 3) == 3;
	uint64_t f[6], *p = f, rsp;

	if (from_user && !m->ps.kstack)
		return push_failed(m, vector, has_err ? error_code : 0, MON_CRASH_NO_KSTACK);
	rsp = frame_stack(m, from_user);
	if (has_err)
		*p++ = error_code;
	*p++ = g->rip;
	*p++ = g->cs;
	*p++ = frame_rflags(m, from_user);
	*p++ = g->rsp;
	*p++ = from_user ? HCABI_USER_DS : HCABI_GUEST_DS;
	m->frame_gva = rsp - (uint64_t)(p - f) * 8;
	if (rsp < (uint64_t)(p - f) * 8 ||
	    write_frame(m, m->frame_gva, f, (uint64_t)(p - f) * 8) != 0)
		return push_failed(m, vector, has_err ? error_code : 0, MON_CRASH_STACK);
	start_handler(m, handler, masks);
	return RUN_RESUME;
}

/* The usual case of a delivery, kept short (docs/PERFORMANCE.md): the frame
 * goes to the page the last frame went to (the vtlb's hot page, writable and
 * dirty already), and a ring-3 guest has its kernel stack. The same frame
 * and state as trap_push would leave; 0 when the case is another one, and
 * then nothing is changed. */
static inline __attribute__((always_inline)) int push_hot(struct monitor *m, uint64_t handler,
							   int has_err, uint64_t error_code,
							   int masks)
{
	struct passage_guest *g = m->ps.guest;
	int from_user = (g->cs & 3) == 3;
	uint64_t len = has_err ? 48 : 40, rsp, at, *q;

	if (from_user && !m->ps.kstack)
		return 0;
	rsp = frame_stack(m, from_user);
	at = rsp - len;
	if (rsp < len || !(q = vtlb_hot(&m->vtlb, at, len)))
		return 0;
	if (has_err)
		*q++ = error_code;
	q[0] = g->rip;
	q[1] = g->cs;
	q[2] = frame_rflags(m, from_user);
	q[3] = g->rsp;
	q[4] = from_user ? HCABI_USER_DS : HCABI_GUEST_DS;
	m->frame_gva = at;
	start_handler(m, handler, masks);
	return 1;
}

/* The upcall's: push_hot with its constants folded in (94 instructions for
 * delivery and iretq under make bench, against 113 with push_hot called with
 * its arguments, 170 through trap_push). */
int trap_push_upcall_hot(struct monitor *m)
{
	return push_hot(m, m->upcall, 0, 0, 1);
}

enum run_outcome trap_deliver(struct monitor *m, uint64_t vector, uint64_t error_code)
{
	struct passage_guest *g = m->ps.guest;
	const struct hc_trap_entry *e = &m->traps[vector];

	if (!m->traps_set || !e->handler || vector == 8) {
		frame_from_guest(g, &m->crash);
		m->crash.error_code = error_code;
		return crash(m, m->traps_set ? MON_CRASH_NO_HANDLER : MON_CRASH_NO_TRAPS);
	}
	if (vector == 14 && m->vcpu)
		m->vcpu->cr2 = g->cr2; /* SDM Vol.3 4.7: where CR2 would be */
	if (push_hot(m, e->handler, has_error_code(vector), error_code,
		     (e->flags & HCTRAP_MASK) != 0))
		return RUN_RESUME;
	return trap_push(m, vector, e->handler, has_error_code(vector), error_code,
			 (e->flags & HCTRAP_MASK) != 0);
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

/* Which flags an entry of this vector may carry (proto/hypercall.h). */
static int entry_ok(const struct monitor *m, unsigned v, const struct hc_trap_entry *e)
{
	if (e->reserved || (e->flags & ~(HCTRAP_USER | HCTRAP_MASK)))
		return 0;
	if (!e->handler)
		return e->flags == 0;
	if (v > HCABI_UPCALL_VECTOR && v != HCABI_SYSCALL_VECTOR)
		return 0;
	if ((e->flags & HCTRAP_USER) && v != 3 && v != 4 && v != HCABI_SYSCALL_VECTOR)
		return 0;
	/* The system-call vector is a direct DPL-3 trap gate: always user, and
	 * no monitor code runs to mask anything. */
	if (v == HCABI_SYSCALL_VECTOR && e->flags != HCTRAP_USER)
		return 0;
	return trap_handler_ok(m, e->handler);
}

int64_t trap_set(struct monitor *m, uint64_t table_gpa, uint64_t vcpu_gpa)
{
	struct gspan t, vs, one;
	struct hc_trap_entry e;

	if (gmem_span(&m->pool, table_gpa, sizeof(m->traps), &t) || (vcpu_gpa & 63) ||
	    gmem_span(&m->pool, vcpu_gpa, sizeof(struct hc_vcpu), &vs))
		return -HCERR_FAULT;
	/* Every entry checked first, one at a time (no 4 KiB copy on the stack):
	 * a refused table changes nothing. */
	for (unsigned v = 0; v < HCLIM_TRAPS; v++) {
		gmem_span(&m->pool, table_gpa + v * sizeof(e), sizeof(e), &one);
		gmem_read(&m->pool, &e, one);
		if (!entry_ok(m, v, &e))
			return -HCERR_INVAL;
	}
	gmem_read(&m->pool, m->traps, t);
	/* Another thread of the Linux runner, which maps the pool, could have
	 * changed it since: what the gates and the upcall use is checked again. */
	for (unsigned v = 0; v < HCLIM_TRAPS; v++)
		if (!entry_ok(m, v, &m->traps[v]))
			m->traps[v] = (struct hc_trap_entry){ 0 };
	m->traps_set = 1;
	/* 64-byte aligned, so inside one page: the monitor keeps a pointer to
	 * it and reads it after exits without a copy. */
	m->vcpu = (volatile struct hc_vcpu *)gmem_page_hva(&m->pool, vs.gpa);
	/* Input typed before the guest had a vcpu page raised no event then:
	 * what waits is news to this page (echo typed ahead: issue 21). */
	console_input_event(m, 0);
	m->upcall = m->traps[HCABI_UPCALL_VECTOR].handler;
	passage_set_user_gates(&m->ps, m->traps[HCABI_SYSCALL_VECTOR].handler,
			       (m->traps[3].flags & HCTRAP_USER) != 0,
			       (m->traps[4].flags & HCTRAP_USER) != 0);
	return 0;
}

void trap_name_insn(struct monitor *m, uint64_t rip)
{
	uint8_t bytes[15];
	uint64_t len = GUEST_PAGE_SIZE - (rip & (GUEST_PAGE_SIZE - 1));
	const char *name;

	/* Only a #GP or #UD is what executing a forbidden instruction raises
	 * (SDM Vol.3 6.15); any other exception at it has another cause (an
	 * int $0x80 whose frame could not be pushed is the system call). */
	if (m->crash.vector != 13 && m->crash.vector != 6)
		return;
	if (len > sizeof(bytes))
		len = sizeof(bytes);
	if (!m->vtlb.host || trap_read_gva(m, rip, bytes, len) != 0)
		return;
	name = insn_forbidden_name(bytes, (unsigned)len);
	if (name)
		log_printf("monitor: guest executed `%s` at RIP %lx: not allowed in ring %u\n", name,
			   rip, (m->crash.cs & 3) == 3 ? 3u : 1u);
}
