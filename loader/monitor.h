/* The monitor core: everything between "here is a guest image and a command
 * line" and "the guest is done", on any host. A host port calls monitor_run
 * and turns the status it returns into its own way of ending. */
#ifndef LOADER_MONITOR_H
#define LOADER_MONITOR_H

#include <stdint.h>
#include "cmdline.h"
#include "elf.h"
#include "host.h"
#include "ring.h"
#include "../mm/guestmem.h"
#include "../mm/pagetable.h"
#include "../mm/pool.h"
#include "../mm/vtlb.h"
#include "../proto/hypercall.h"
#include "../proto/trapframe.h"
#include "../proto/vintr.h"

/* What monitor_run returns: the guest's exit code (0..HCLIM_EXIT_CODE), or
 * one of these. The bare-metal host hands it to QEMU's isa-debug-exit. */
#define MON_STATUS_CRASH 100   /* the guest crashed (HC_CRASH); report printed */
#define MON_STATUS_REFUSED 101 /* bad command line, image or pool: nothing ran */
#define MON_STATUS_PANIC 102   /* the host (or the switch) took an exception */
#define MON_STATUS_HYPERVISOR 103 /* another hypervisor became active mid-run */
#define MON_STATUS_TIMEOUT 104    /* the guest ran past timeout= and was stopped */

/* Why a guest crashed (monitor.crash_reason): HCCRASH_* when the guest said
 * so itself (proto/hypercall.h), or what the monitor saw. */
#define MON_CRASH_NO_TRAPS 16   /* an exception before HC_SET_TRAPS */
#define MON_CRASH_NO_HANDLER 17 /* an exception with no handler registered */
#define MON_CRASH_STACK 19      /* the guest's stack cannot take the frame */
#define MON_CRASH_NO_KSTACK 20  /* a trap from ring 3 before HC_SET_KSTACK */
#define MON_CRASH_RING0 21      /* an exit with no stack switch: it ran in ring 0 */

struct monitor {
	const struct host_ops *host;
	struct mon_config cfg;
	struct pool pool;
	struct pt pt;          /* the monitor's own mappings: p2m, passage, TSS alias */
	struct vtlb vtlb;      /* the shadows of the guest's tables (mm/vtlb.h) */
	uint64_t boot_cr3;     /* the boot tables in the pool (mm/bootpt.h) */
	uint64_t boot_pt_gpa, boot_pt_pages;
	uint64_t pf_rip, pf_page; /* the last hidden fill, and how often in a row */
	unsigned pf_repeats;
	struct elf_image image;
	struct passage ps;
	uint64_t passage_ma[PASSAGE_NPAGES]; /* [0] == 0: no passage */
	uint64_t switches;     /* world switches, both directions */
	struct hc_trap_entry traps[HCLIM_TRAPS]; /* the guest's (HC_SET_TRAPS), checked */
	int traps_set;
	uint64_t traps_delivered; /* exceptions handed to the guest */
	uint64_t frame_gva;    /* where the last frame went, or would have */
	uint64_t host_events;  /* NMIs and machine checks passed on to the host */
	uint64_t aborted_entries; /* entries given up for an NMI */
	uint64_t host_interrupts; /* taken in the guest world, handed to the host */
	volatile struct hc_vcpu *vcpu; /* the guest's (HC_SET_TRAPS), in the pool */
	uint64_t upcall;       /* its upcall handler (traps[32]), 0: none */
	uint64_t timer_deadline_ns, timer_period_ns; /* the virtual timer, 0: off */
	uint64_t upcalls;      /* delivered */
	uint64_t calls[HC_NCALLS];
	uint64_t bad_calls;    /* unknown numbers */
	uint64_t ring_gpa;     /* the request ring, set aside in the pool */
	uint32_t ring_cons;    /* the host's own consumer index (never read back) */
	uint32_t ring_owed_end; /* descriptors ring_cons .. this - 1 an HCPOST_ASYNC left owed */
	int ring_moved;        /* cons moved late, for a guest with no upcall handler (HC_WAIT) */
	uint64_t ring_late;    /* late completions (ring_late_done) */
	int ring_post_waits;   /* a POST waits behind the batch in flight (RING_BUSY) */
	uint32_t ring_waited;  /* that batch's count, for that POST's result */
	uint64_t requests;     /* descriptors completed */
	struct ring_batch batch; /* a POST whose requests the host completes later */
	uint64_t wait_deadline_ns; /* an HC_WAIT the host waits out itself */
	uint64_t end_ns;       /* timeout='s moment, set at the first prepare; 0: none */
	// LAB(device) BEGIN
	uint64_t rng_state;    /* the random device's generator (loader/rng.c), 0: not seeded */
	// LAB(device) END
	/* The net device (loader/net.c): HCEV_NET is due when frames wait and
	 * this is set (by RING_OP_NET_INFO, or a RECV that found none). */
	int net_armed;
	uint64_t net_sent, net_received;
	uint8_t net_frame[RING_NET_HDR_BYTES + RING_NET_MTU_MAX]; /* one frame, in or out */
	char input[256];       /* console input taken from the host, not yet read */
	uint64_t input_len;
	uint64_t exit_code;
	uint64_t crash_reason;
	struct hc_trap_frame crash;
	const void *symbols;   /* the guest image, kept for the whole run: the report */
	uint64_t symbols_len;  /* names the crashed function from it; 0: not kept */
	const void *run_image; /* what host_ops.run_image gave: given back at the teardown */
	uint64_t run_image_len;
	int run_image_held;
	char log_buf[HCLIM_LOG_BYTES];
};

/* A host with its own run loop (Linux) uses the pieces monitor_run is made
 * of. monitor_start: parse, check, set up; 0, or a MON_REFUSED_* class after
 * a "monitor: refused: ..." line, with nothing left allocated.
 * monitor_step: one switch into the guest and back, and its hypercall handled.
 * monitor_finish: monitor_report (the report; the status for the host), then
 * the teardown; a host that must keep the pool a while longer calls the two.
 * monitor_abandon: the teardown alone, for a guest stopped before its end. */
enum mon_refusal {
	MON_REFUSED_CMDLINE = 1, /* a bad command line */
	MON_REFUSED_CPU,         /* another hypervisor, or paging the guest cannot share */
	MON_REFUSED_IMAGE,       /* not a guest ELF of this ABI, or too big for the pool */
	MON_REFUSED_MEMORY,      /* the host could not give the pool, passage or tables */
};
enum run_outcome {
	RUN_RESUME,      /* switch back into the guest */
	RUN_GUEST_EXIT,  /* HC_EXIT: m->exit_code */
	RUN_GUEST_CRASH, /* HC_CRASH: m->crash */
	RUN_HOST_IO,     /* host_ops.defer_io: m->batch waits for the host, then ring_finish */
	RUN_HOST_WAIT,   /* host_ops.defer_io: the host waits until m->wait_deadline_ns */
	RUN_HOST_IO_ASYNC, /* host_ops.async_io: hand m->batch's deferred slots to the
	                    * host's completion thread, resume the guest meanwhile */
	RUN_HOST_RING_BUSY, /* a POST behind the batch in flight: after that batch's
	                     * ring_finish, hc_post_again makes it */
	RUN_HYPERVISOR,  /* CR4.VMXE or EFER.SVME appeared: the guest is stopped */
	RUN_MONITOR_FAULT, /* an exception inside the switch: m->ps.guest->mfault_* */
	RUN_TIMEOUT,     /* timeout= passed (checked at the host's interrupts and HC_WAIT) */
};
int monitor_start(struct monitor *m, const struct host_ops *host, const char *cmdline,
		  const void *image, uint64_t image_len);
/* monitor_prepare: at the start of every run on a CPU (before the first step,
 * and on Linux at every RUN, with preemption off): 0, -HCERR_AGAIN when the
 * guest's tables need a page mapped first (monitor_map_tss, where the host may
 * sleep; then prepare again), or another error after a "refused" line. */
int monitor_prepare(struct monitor *m);
int monitor_map_tss(struct monitor *m);
enum run_outcome monitor_step(struct monitor *m);
int monitor_report(struct monitor *m, enum run_outcome how);
int monitor_finish(struct monitor *m, enum run_outcome how);
void monitor_abandon(struct monitor *m);
/* The whole life of one guest, for hosts that complete every request at once. */
int monitor_run(const struct host_ops *host, const char *cmdline, const void *image,
		uint64_t image_len);
/* Each run of a command line with several (" -- " between them) in turn, in
 * one boot; the status of the last. */
int monitor_run_all(const struct host_ops *host, const char *cmdline, const void *image,
		    uint64_t image_len);
/* loader/wait.c, after RUN_HOST_WAIT: got_input says whether console input
 * arrived (it is in m->input); the guest's HC_WAIT returns it. */
void monitor_wait_done(struct monitor *m, int got_input);

/* loader/hypercall.c: act on the hypercall the guest just made. */
enum run_outcome hc_dispatch(struct monitor *m);
/* After RUN_HOST_RING_BUSY, once the batch in flight is done: the POST that
 * waited, made with the flags still in the guest's RDI. */
enum run_outcome hc_post_again(struct monitor *m);
/* The one place a hypercall's result reaches the guest's RAX: at once
 * (hc_dispatch), or after the host's work (ring_finish, monitor_wait_done). */
static inline void hc_set_result(struct monitor *m, int64_t result)
{
	m->ps.guest->rax = (uint64_t)result;
}

/* loader/trap.c: the guest's exceptions and handlers. */
/* The exception the guest just raised (the gate's vector and error code, or
 * the error code the vTLB gave a #PF) to its handler, or its end. */
enum run_outcome trap_deliver(struct monitor *m, uint64_t vector, uint64_t error_code);
/* The hardware frame on the stack the CPU would use, the guest in handler
 * (trap_deliver, upcalls); has_err: push error_code; masks: vcpu.mask = 1. */
enum run_outcome trap_push(struct monitor *m, uint64_t vector, uint64_t handler, int has_err,
			   uint64_t error_code, int masks);
int trap_handler_ok(const struct monitor *m, uint64_t gva); /* in the image's text? */
/* Copy len bytes at guest virtual va through the guest's tables, as the CPU
 * would (A and D bits set): 0, or -HCERR_FAULT at the first page it may not. */
int trap_read_gva(struct monitor *m, uint64_t va, void *buf, uint64_t len);

/* loader/vintr.c: the guest's virtual timer and upcalls (proto/vintr.h). */
int64_t vintr_timer(struct monitor *m, uint64_t deadline_ns, uint64_t period_ns);
uint64_t vintr_next_ns(const struct monitor *m); /* the timer's next expiry, 0: none */
int vintr_due(struct monitor *m);                /* an unmasked event pending (now) */
enum run_outcome vintr_check(struct monitor *m);  /* deliver one if due */
/* The cheap question before vintr_check: an upcall handler, and an event
 * pending or a timer armed (the guest registers its handler at boot, so
 * that alone says nothing). */
static inline int vintr_may_be_due(const struct monitor *m)
{
	return m->upcall && (m->timer_deadline_ns || m->vcpu->events);
}
/* The upcall's usual case: its frame in the vtlb's hot page. 1: delivered as
 * trap_push would; 0: not the case, nothing done (then trap_push). */
int trap_push_upcall_hot(struct monitor *m);
int64_t trap_set(struct monitor *m, uint64_t table_gpa, uint64_t vcpu_gpa);
/* The report's line naming the instruction at rip if ring 1 or 3 may not
 * execute it and the crash is its #GP or #UD. */
void trap_name_insn(struct monitor *m, uint64_t rip);
/* loader/pagefault.c: a #PF the guest world took: a hidden fill, or the guest's. */
enum run_outcome pf_exit(struct monitor *m);

/* loader/report.c */
void report_trap_frame(const char *who, const struct hc_trap_frame *f);
void report_outcome(struct monitor *m, enum run_outcome how);
/* A guest that crashed (how == RUN_GUEST_CRASH), as a core file shows it
 * (loader/elfcore.h): its registers at the crash, the image's segments at
 * their link addresses and the direct map of the pool; 0, or -1 for any
 * other end. c reads the pool: valid until the teardown. */
struct elfcore;
int monitor_core(struct monitor *m, enum run_outcome how, struct elfcore *c);

#endif
