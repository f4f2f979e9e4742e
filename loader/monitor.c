/* The monitor core (loader/monitor.h): parse the command line, refuse a CPU
 * with another hypervisor active, carve the pool, load the image, build the
 * guest's address space, install the passage, then the run loop: switch to the
 * guest, handle its hypercall, repeat until it exits or crashes. One exit path
 * undoes everything in reverse, whatever went wrong. */
#include "monitor.h"
#include "cpu.h"
#include "elfcore.h"
#include "errors.h"
#include "log.h"
#include "ring.h"
#include "ring_device.h"
#include "../mm/bootpt.h"
#include "../mm/guestmem.h"
#include "../proto/bootinfo.h"
#include "../proto/layout.h"
#include "../proto/ring.h"

#define RESERVE_PAGES (GUEST_BOOTINFO_PAGES + GUEST_STACK_PAGES + GUEST_RING_PAGES)
_Static_assert(GUEST_RING_PAGES == RING_PAGES, "proto/layout.h and proto/ring.h agree");

static struct monitor mon; /* monitor_run's guest; large, so not on the stack */
static int run_number = 1; /* which run of the command line (monitor_run_all) */

#define CR4_LA57 (1ull << 12) /* SDM Vol.3 2.5: 5-level paging (CR3 roots a PML5) */

/* coLinux refused to run beside another hypervisor; so do we (docs/ARCHITECTURE.md).
 * SDM Vol.3 23.7: CR4.VMXE set means VMX is on; AMD APM Vol.2 15.4: EFER.SVME. */
static int other_hypervisor(void)
{
	return (cpu_read_cr4() & CR4_VMXE) || (cpu_rdmsr(MSR_EFER) & EFER_SVME);
}

/* The monitor's own mappings of the guest world, in monitor pages the guest
 * can never reach (mm/pagetable.c): the p2m read-only, the passage. The vTLB
 * copies their slots into every shadow tree. */
static int build_monitor_tables(struct monitor *m)
{
	struct pool *p = &m->pool;
	int err = pt_init(&m->pt, &m->host->mm, m->host->use_nx);

	for (uint64_t i = 0; !err && i < pool_p2m_npages(p); i++) /* not contiguous */
		err = pt_map(&m->pt, GUEST_P2M_BASE + i * GUEST_PAGE_SIZE, pool_p2m_page_ma(p, i), 0);
	if (!err)
		err = passage_map_guest(&m->ps, &m->pt);
	return err;
}

/* SDM Vol.2 CPUID 0x80000008: EAX[7:0] is MAXPHYADDR (36 where the leaf is
 * missing, SDM Vol.3 4.1.4). */
static unsigned maxphyaddr(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000008u)
		return 36;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
	return a & 0xff;
}

_Static_assert(CMDLINE_SHADOW_MIN == VTLB_MIN_PAGES, "shadow= takes what the vTLB can run on");

/* The boot page tables, in the pool after the ring (mm/bootpt.h), and the
 * vTLB that shadows them. 0, -HCERR_RANGE (the pool cannot hold them) or
 * -HCERR_NOMEM. */
static int build_guest_tables(struct monitor *m)
{
	struct bootpt_range r[BOOTPT_MAX_RANGES];
	const struct host_ops *h = m->host;
	uint64_t used, budget = m->cfg.shadow_pages ? m->cfg.shadow_pages : VTLB_DEFAULT_PAGES;
	unsigned n = 0;

	for (unsigned i = 0; i < m->image.nsegments && n < BOOTPT_MAX_RANGES; i++) {
		const struct elf_segment *s = &m->image.seg[i];

		r[n++] = (struct bootpt_range){
			.gva = s->gva, .gpa = s->gva - GUEST_KERNEL_BASE,
			.bytes = (s->memsz + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1),
			.perms = s->perms,
		};
	}
	m->boot_pt_gpa = m->ring_gpa + GUEST_RING_PAGES * GUEST_PAGE_SIZE;
	m->boot_pt_pages = bootpt_pages(pool_bytes(&m->pool), r, n);
	if (m->boot_pt_gpa + m->boot_pt_pages * GUEST_PAGE_SIZE > pool_bytes(&m->pool))
		return -HCERR_RANGE;
	m->boot_cr3 = bootpt_build(&m->pool, m->boot_pt_gpa, r, n, h->use_nx, &used);
	if (used != m->boot_pt_pages)
		return -HCERR_RANGE; /* bootpt_pages and bootpt_build disagree: a bug */
	return vtlb_init(&m->vtlb, &h->mm, &m->pool, h->mm.ma_to_hva(h->mm.ctx, m->pt.root_ma),
			 budget, h->use_nx, (m->ps.world->cr4_set & PASSAGE_CR4_SMEP) != 0,
			 maxphyaddr(), m->boot_cr3);
}

static int install_passage(struct monitor *m)
{
	const struct host_ops *h = m->host;
	uint64_t hva;
	int err;

	err = h->alloc_passage(h->mm.ctx, m->passage_ma, &hva);
	if (err) {
		m->passage_ma[0] = 0;
		return err;
	}
	/* proto/layout.h: the monitor's slots hold no guest window, and they are
	 * where the guest's own mappings will never be. */
	if (!layout_in_monitor_slots(hva, PASSAGE_NPAGES * GUEST_PAGE_SIZE)) {
		log_printf("monitor: refused: the host put the passage at %lx, outside the "
			   "monitor's PML4 slots %d-%d\n",
			   hva, LAYOUT_MONITOR_SLOT_FIRST, LAYOUT_MONITOR_SLOT_LAST);
		err = -HCERR_RANGE;
	} else if (hva < GUEST_P2M_BASE + GUEST_DMAP_MAX_BYTES / GUEST_PAGE_SIZE * 8 &&
		   hva + PASSAGE_NPAGES * GUEST_PAGE_SIZE > GUEST_P2M_BASE) {
		log_printf("monitor: refused: the host put the passage at %lx, on the p2m's window\n",
			   hva);
		err = -HCERR_RANGE;
	} else {
		err = passage_install(&m->ps, hva, m->passage_ma);
	}
	if (!err && h->seal_passage)
		err = h->seal_passage(h->mm.ctx, hva); /* the stub is in: page 0 now RX */
	if (err) {
		h->free_passage(h->mm.ctx, m->passage_ma, hva);
		m->passage_ma[0] = 0;
	}
	return err;
}

static void write_bootinfo(struct monitor *m, const char *cmdline)
{
	struct bootinfo bi = {
		.magic = BOOTINFO_MAGIC,
		.abi_version = HCABI_VERSION,
		.size_bytes = sizeof(struct bootinfo),
		.pool_bytes = pool_bytes(&m->pool),
		.dmap_base = GUEST_DMAP_BASE,
		.kernel_base = GUEST_KERNEL_BASE,
		.p2m_gva = GUEST_P2M_BASE,
		.p2m_entries = m->pool.npages,
		.passage_gva = m->ps.hva,
		.bootinfo_gpa = m->image.end_gpa,
		.stack_gpa = m->image.end_gpa + GUEST_BOOTINFO_PAGES * GUEST_PAGE_SIZE,
		.stack_bytes = GUEST_STACK_PAGES * GUEST_PAGE_SIZE,
		.free_gpa = m->boot_pt_gpa + m->boot_pt_pages * GUEST_PAGE_SIZE,
		.host = m->host->bootinfo_host,
		.flags = m->cfg.scatter ? BOOTINFO_F_SCATTER : 0,
		.ring_gpa = m->ring_gpa,
		.tsc_hz = m->host->tsc_hz,
		.boot_cr3 = m->boot_cr3,
		.boot_pt_gpa = m->boot_pt_gpa,
		.boot_pt_pages = m->boot_pt_pages,
	};
	struct gspan at;

	/* cmdline_parse refused lines that do not fit; verdict= is not the guest's. */
	cmdline_for_guest(cmdline, bi.cmdline, sizeof(bi.cmdline));
	gmem_span(&m->pool, bi.bootinfo_gpa, sizeof(bi), &at); /* inside: elf_check */
	gmem_write(&m->pool, at, &bi);
}

int monitor_prepare(struct monitor *m)
{
	if (m->cfg.timeout_s && !m->end_ns)
		m->end_ns = m->host->time_ns(m->host->mm.ctx) + m->cfg.timeout_s * 1000000000ull;
	return passage_host_prepare(&m->ps, &m->pt);
}

/* timeout=: looked at where time passes anyway (a host interrupt, HC_WAIT),
 * never on the hypercalls' hot path. A guest that computes forever takes the
 * host's timer interrupts (100 Hz at least), so it is always noticed. */
static enum run_outcome past_timeout(struct monitor *m, enum run_outcome how)
{
	if (m->end_ns && how == RUN_RESUME && m->host->time_ns(m->host->mm.ctx) >= m->end_ns)
		return RUN_TIMEOUT;
	return how;
}

int monitor_map_tss(struct monitor *m)
{
	int err = passage_map_tss(&m->ps, &m->pt);

	if (!err) /* a new slot of the monitor's, perhaps: every shadow root gets it */
		vtlb_sync_monitor(&m->vtlb);
	return err;
}

static enum run_outcome step_other(struct monitor *m, uint64_t exit);

/* An exit that found no stack switch (switch.asm, bad_stack): the guest ran
 * in ring 0. Out of line: it keeps monitor_step's hot path small. */
static __attribute__((noinline)) enum run_outcome ring0_exit(struct monitor *m)
{
	const struct passage_guest *g = m->ps.guest;

	m->crash = (struct hc_trap_frame){ .vector = 256, /* which gate: unknown */
					   .rsp = g->bad_rsp, .rax = g->rax, .rbx = g->rbx,
					   .rcx = g->rcx, .rdx = g->rdx, .rsi = g->rsi,
					   .rdi = g->rdi };
	m->crash_reason = MON_CRASH_RING0;
	return RUN_GUEST_CRASH;
}

enum run_outcome monitor_step(struct monitor *m)
{
	enum run_outcome how;
	uint64_t exit;

	m->ps.enter(); /* returns when the guest world is left again */
	m->switches += 2;
	exit = m->ps.guest->exit;
	how = exit == PASSAGE_HC_VECTOR ? hc_dispatch(m) : step_other(m, exit);
	/* Whenever the guest is to run again: a virtual interrupt due? */
	// LAB(bench) BEGIN
	if (__builtin_expect(vintr_may_be_due(m), 0) && how == RUN_RESUME)
		how = vintr_check(m);
	// LAB(bench) STARTER
	// if (how == RUN_RESUME)
	// 	how = vintr_check(m);
	// LAB(bench) END
	return how;
}

/* Every exit but a hypercall: an exception, an interrupt or NMI of the host,
 * an entry given up, or the switch's own trouble. */
static enum run_outcome step_other(struct monitor *m, uint64_t exit)
{
	switch (exit) {
	case 2: /* NMI: the switch has re-raised it in the host world already */
		m->host_events++;
		return RUN_RESUME;
	case 18: /* #MC in the guest world: the host's handler decides */
		m->host_events++;
		cpu_raise_machine_check();
		return RUN_RESUME;
	case PASSAGE_EXIT_ABORT: /* an NMI during the entry, given to the host */
		m->aborted_entries++;
		m->host_events++;
		return RUN_RESUME;
	case PASSAGE_EXIT_HYPERVISOR:
		return RUN_HYPERVISOR;
	case PASSAGE_EXIT_BADSTACK: /* the CPU let the guest into ring 0 (QEMU's TCG) */
		return ring0_exit(m);
	case PASSAGE_EXIT_MONITOR:
		if (m->ps.guest->mfault_vector == 18) /* #MC inside the switch */
			cpu_raise_machine_check();
		return RUN_MONITOR_FAULT;
	case 14: /* a page fault: the shadow's, or the guest's (loader/pagefault.c) */
		return pf_exit(m);
	default:
		if (exit < 32)
			return trap_deliver(m, exit, m->ps.guest->error_code);
		if (exit < 256) { /* a host interrupt: its handler runs now, then the guest */
			m->host_interrupts++;
			cpu_raise_interrupt((unsigned)exit);
			/* The host's own time: what an HCPOST_ASYNC left owed (HCEV_RING). */
			if (m->ring_owed_end != m->ring_cons)
				ring_complete_owed(m);
			/* Input its handler queued (COM1's on bare metal): HCEV_INPUT now. */
			if (m->host->input_ready && *m->host->input_ready)
				console_refill(m);
			net_poll(m); /* a polled card (bare metal, UEFI): frames there? */
			return past_timeout(m, RUN_RESUME);
		}
		return RUN_MONITOR_FAULT;
	}
}

/* 0, or the MON_REFUSED_* class of what went wrong, after saying what. */
static int setup(struct monitor *m, const char *cmdline, const void *image, uint64_t image_len)
{
	const char *name = m->host->image_name;
	uint64_t npages = m->cfg.pool_bytes / GUEST_PAGE_SIZE, got = 0;
	int err;

	err = pool_init(&m->pool, &m->host->mm, npages, m->cfg.scatter, &got);
	if (err) {
		log_printf("monitor: refused: pool=%luM: the host could give only %luM; "
			   "ask for less with pool=SIZE\n",
			   m->cfg.pool_bytes >> 20, got * GUEST_PAGE_SIZE >> 20);
		return MON_REFUSED_MEMORY;
	}
	log_printf("monitor: pool %lu KiB in %lu chunk(s)%s; p2m in %lu page(s), the first at "
		   "machine %lx\n",
		   pool_bytes(&m->pool) >> 10, m->pool.nchunks,
		   m->cfg.scatter ? ", scattered on purpose" : "", pool_p2m_npages(&m->pool),
		   pool_p2m_page_ma(&m->pool, 0));
	if (name)
		log_printf("monitor: image: %s (%lu bytes)\n", name, image_len);
	err = elf_check(image, image_len, pool_bytes(&m->pool), RESERVE_PAGES * GUEST_PAGE_SIZE,
			&m->image);
	if (err == -ELF_EABI) {
		log_printf("monitor: refused: guest image built for ABI version %u, this "
			   "monitor speaks version %u%s%s\n",
			   m->image.abi_version, HCABI_VERSION, name ? ": " : "", name ? name : "");
		return MON_REFUSED_IMAGE;
	}
	if (err) {
		log_printf("monitor: refused: guest image (%lu bytes%s%s): %s\n", image_len,
			   name ? ", " : "", name ? name : "", elf_strerror(err));
		return MON_REFUSED_IMAGE;
	}
	elf_load(&m->pool, image, &m->image);
	m->ring_gpa = m->image.end_gpa + (GUEST_BOOTINFO_PAGES + GUEST_STACK_PAGES) * GUEST_PAGE_SIZE;
	err = install_passage(m);
	if (!err)
		err = build_monitor_tables(m);
	if (!err) {
		err = build_guest_tables(m);
		if (err == -HCERR_RANGE) {
			log_printf("monitor: refused: pool=%luK cannot hold the image, its stack, "
				   "ring and %lu pages of boot page tables\n",
				   pool_bytes(&m->pool) >> 10, m->boot_pt_pages);
			return MON_REFUSED_IMAGE;
		}
	}
	if (err) {
		log_printf("monitor: refused: building the guest address space: %s\n",
			   hc_strerror(err));
		return MON_REFUSED_MEMORY;
	}
	ring_setup(m);
	write_bootinfo(m, cmdline);
	/* A foreign image by its name: guest= picks a program of the built-in one only. */
	log_printf("monitor: %s '%s' entry %lx, boot page tables at gpa %lx (%lu pages), "
		   "%lu shadow pages, passage at %lx\n",
		   name ? "image" : "guest", name ? name : m->cfg.guest, m->image.entry,
		   m->boot_cr3, m->boot_pt_pages, m->vtlb.budget, m->ps.hva);
	log_printf("monitor: the guest's x87/SSE/AVX state: %s, XSAVE components %lx, %u bytes\n",
		   m->ps.fpu_mode == PASSAGE_FPU_FXSAVE  ? "FXSAVE"
		   : m->ps.fpu_mode == PASSAGE_FPU_XSAVE ? "XSAVE"
							 : "XSAVEOPT",
		   m->ps.host->xsave_mask, m->ps.fpu_bytes);
	passage_guest_start(&m->ps, vtlb_root_ma(&m->vtlb), m->image.entry,
			    GUEST_DMAP_BASE + m->ring_gpa, /* the stack's top */
			    GUEST_DMAP_BASE + m->image.end_gpa);
	return 0;
}

void monitor_abandon(struct monitor *m)
{
	const struct host_ops *h = m->host;

	vtlb_destroy(&m->vtlb);
	pt_destroy(&m->pt);
	if (m->passage_ma[0])
		h->free_passage(h->mm.ctx, m->passage_ma, m->ps.hva);
	m->passage_ma[0] = 0; /* a second call frees nothing twice */
	pool_destroy(&m->pool);
	if (m->run_image_held && h->run_image_done)
		h->run_image_done(m->run_image, m->run_image_len);
	m->run_image_held = 0;
}

int monitor_start(struct monitor *m, const struct host_ops *host, const char *cmdline,
		  const void *image, uint64_t image_len)
{
	char why[160];
	int err;

	__builtin_memset(m, 0, sizeof(*m));
	m->host = host;
	log_printf("monitor: cokernel ABI v%u on the %s host; command line '%s'\n",
		   HCABI_VERSION, host->name, cmdline);
	if (cmdline_parse(cmdline, &m->cfg, why, sizeof(why)) != 0) {
		log_printf("monitor: refused: %s\n", why);
		return MON_REFUSED_CMDLINE;
	}
	if (other_hypervisor()) {
		log_printf("monitor: refused: another hypervisor is active (CR4.VMXE or "
			   "EFER.SVME is set)\n");
		return MON_REFUSED_CPU;
	}
	if (!(cpu_read_cr0() & CR0_WP)) {
		/* SDM Vol.3 4.6.1: supervisor writes would ignore R/W, and ring 1
		 * is a supervisor: the guest could write the monitor's read-only
		 * pages of its world (GDT, IDT, TSS, the CR3s of the world page).
		 * The guest world keeps the host's CR0 (switch/switch.asm). */
		log_printf("monitor: refused: the host runs with CR0.WP clear: the guest could "
			   "write the monitor's read-only pages\n");
		return MON_REFUSED_CPU;
	}
	if (cpu_read_cr4() & CR4_LA57) {
		/* The guest's tables have four levels; CR4.LA57 can only change
		 * with paging off (SDM Vol.3 4.1.1), which a switch cannot do. */
		log_printf("monitor: refused: the host uses 5-level paging (CR4.LA57)\n");
		return MON_REFUSED_CPU;
	}
	/* A host that reads an image per run (UEFI's image=PATH): kept until the
	 * teardown (monitor_abandon gives it back), so that the report names the
	 * crashed function from this image's symbols, not the built-in one's. */
	if (host->run_image) {
		if (host->run_image(cmdline, &image, &image_len) != 0)
			return MON_REFUSED_IMAGE;
		m->run_image = image;
		m->run_image_len = image_len;
		m->run_image_held = 1;
		m->symbols = image;
		m->symbols_len = image_len;
	}
	err = setup(m, cmdline, image, image_len);
	if (err)
		monitor_abandon(m);
	return err;
}

int monitor_report(struct monitor *m, enum run_outcome how)
{
	report_outcome(m, how);
	switch (how) {
	case RUN_GUEST_EXIT:
		return (int)m->exit_code;
	case RUN_HYPERVISOR:
		return MON_STATUS_HYPERVISOR;
	case RUN_MONITOR_FAULT:
		return MON_STATUS_PANIC;
	case RUN_TIMEOUT:
		return MON_STATUS_TIMEOUT;
	default:
		return MON_STATUS_CRASH;
	}
}

int monitor_finish(struct monitor *m, enum run_outcome how)
{
	int status = monitor_report(m, how);

	monitor_abandon(m);
	return status;
}

/* A crash, and core=1 asked for its core: the host keeps it, if it can. */
static void save_core(struct monitor *m, enum run_outcome how)
{
	const struct host_ops *h = m->host;
	struct elfcore core;

	if (how != RUN_GUEST_CRASH)
		return;
	if (!h->save_core) {
		if (m->cfg.core)
			log_printf("monitor: core=1: the %s host has no file system for a "
				   "core; the report above is the dump\n", h->name);
	} else if (!m->cfg.core) {
		log_printf("monitor: core=1 on the command line keeps an ELF core of such a crash "
			   "for gdb\n");
	} else if (monitor_core(m, how, &core) == 0) {
		h->save_core(&core, run_number);
	}
}

int monitor_run(const struct host_ops *host, const char *cmdline, const void *image,
		uint64_t image_len)
{
	struct monitor *m = &mon;
	enum run_outcome how;
	int err;

	if (monitor_start(m, host, cmdline, image, image_len) != 0)
		return MON_STATUS_REFUSED;
	if (!m->symbols_len) { /* these hosts keep the image while the guest runs */
		m->symbols = image;
		m->symbols_len = image_len;
	}
	err = monitor_prepare(m); /* one CPU, one run: the TSS alias at most once */
	if (err == -HCERR_AGAIN && monitor_map_tss(m) == 0)
		err = monitor_prepare(m);
	if (err) {
		log_printf("monitor: refused: the guest world cannot be set up on this CPU: %s\n",
			   hc_strerror(err));
		monitor_abandon(m);
		return MON_STATUS_REFUSED;
	}
	log_printf("monitor: first switch into the guest at TSC %lu\n", cpu_rdtsc());
	passage_fpu_host_save(&m->ps); /* the host's x87/SSE/AVX: the guest's live in between */
	do
		how = monitor_step(m);
	while (how == RUN_RESUME);
	passage_fpu_host_restore(&m->ps);
	err = monitor_report(m, how);
	save_core(m, how);
	monitor_abandon(m);
	return err;
}

/* The line that ends run n: its status, and the run's verdict= token when it
 * has one, which the guest never saw (cmdline_for_guest): a test harness
 * takes the status only from a line with its token, so no text the guest
 * logs can pass for it. Without a token, the last run's status is only the
 * host's exit status (isa-debug-exit), as before. */
static void run_ended(const char *line, int n, int status, int last)
{
	char token[CMDLINE_VERDICT_MAX + 1];

	if (cmdline_value(line, "verdict", token, sizeof(token)) > 0)
		log_printf("monitor: run %d ended with status %d; the %s one (verdict %s)\n", n,
			   status, last ? "last" : "next", token);
	else if (!last)
		log_printf("monitor: run %d ended with status %d; the next one\n", n, status);
}

int monitor_run_all(const struct host_ops *host, const char *cmdline, const void *image,
		    uint64_t image_len)
{
	char line[BOOTINFO_CMDLINE_BYTES];
	int status, n = 1;

	for (;;) {
		run_number = n;
		if (cmdline_next_run(&cmdline, line, sizeof(line)) != 0) {
			log_printf("monitor: refused: a run's command line is longer than %lu "
				   "characters\n", sizeof(line) - 1);
			status = MON_STATUS_REFUSED;
		} else {
			status = monitor_run(host, line, image, image_len);
		}
		run_ended(line, n, status, !cmdline);
		if (!cmdline) {
			run_number = 1;
			return status;
		}
		n++;
	}
}
