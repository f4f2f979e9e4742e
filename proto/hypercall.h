/* The hypercall ABI: how the guest calls the monitor, and the calls there are.
 *
 * The guest kernel runs in ring 1 (docs/ABI.md, docs/ARCHITECTURE.md). It
 * calls the monitor with the software interrupt `int $HCABI_VECTOR`:
 *   RAX = call number, RDI, RSI, RDX = arguments.
 * On return RAX holds the result (>= 0 success, -HCERR_* error); every other
 * general-purpose register and RFLAGS are preserved.
 * Addresses passed as arguments are guest pseudo-physical addresses (gpa):
 * offsets into the pool, never guest virtual addresses. */
#ifndef PROTO_HYPERCALL_H
#define PROTO_HYPERCALL_H

#include <stdint.h>
#include "errors.h"

/* 2: the request ring, POST and WAIT. 3: the guest in ring 1, the hypercall
 * gate, SET_TRAPS and IRET, the monitor's selectors. */
#define HCABI_VERSION 3

/* The hypercall gate: an interrupt gate of DPL 1 in the monitor's IDT. */
#define HCABI_VECTOR 0x81
/* The guest's selectors (the monitor's GDT, read-only to the guest): ring 1
 * 64-bit code, and the data selector for SS, DS, ES, FS and GS. FS and GS
 * bases are 0 and stay 0: wrfsbase, wrgsbase and swapgs are not the guest's. */
#define HCABI_GUEST_CS 0xf1
#define HCABI_GUEST_DS 0xf9

/* HC_YIELD(): give the CPU back to the host; returns 0 when the host resumes. */
#define HC_YIELD 0
/* HC_LOG(gpa buf, u64 len_bytes): write len bytes to the host console,
 * synchronously. Returns len. -HCERR_FAULT if [buf, buf+len) is not inside the
 * pool or wraps; -HCERR_2BIG if len > HCLIM_LOG_BYTES. The buffer may cross
 * page (and machine-chunk) boundaries. */
#define HC_LOG 1
#define HCLIM_LOG_BYTES 4096u
/* HC_EXIT(u64 code): end the guest with code 0..HCLIM_EXIT_CODE. Does not
 * return; -HCERR_INVAL (and the guest keeps running) if code is out of range. */
#define HC_EXIT 2
#define HCLIM_EXIT_CODE 99u
/* HC_CRASH(gpa frame, u64 reason): the guest cannot go on; frame points to a
 * struct hc_trap_frame (proto/trapframe.h). Does not return, unless frame is
 * not inside the pool (-HCERR_FAULT) or reason is unknown (-HCERR_INVAL). */
#define HC_CRASH 3
#define HCCRASH_UNHANDLED 1 /* an exception the guest has no handler for */
#define HCCRASH_NESTED 2    /* an exception inside the guest's own handler */
/* HC_POST(): the doorbell. The host completes every descriptor between its
 * cons and the ring's prod (at most RING_ENTRIES: bounded work per call) and
 * returns how many; -HCERR_BADRING if prod - cons > RING_ENTRIES (nothing done). */
#define HC_POST 4
/* HC_WAIT(u64 deadline_ns): give the CPU to the host until console input is
 * there (returns 1), or a virtual interrupt is pending and unmasked (returns
 * 2: it is delivered as the call returns), or the monotonic clock reaches
 * deadline_ns (returns 0).
 * The clock: ns = rdtsc() * 10^9 / bootinfo.tsc_hz. */
#define HC_WAIT 5
/* HC_SET_TRAPS(gpa table): table is u64 handler[HCLIM_TRAPS], the guest
 * virtual address of the handler for exception vector v, or 0 for none (the
 * monitor then ends the guest with a report when v is raised). Every nonzero
 * address must lie in an executable segment of the image: -HCERR_INVAL, and no
 * handler changes, if one does not; -HCERR_FAULT if the table is not in the pool.
 * Returns 0. A handler is entered on the interrupted stack: the monitor writes
 * a struct hc_trap_frame (proto/trapframe.h) at (RSP & ~15) - HCABI_TRAP_FRAME_BYTES,
 * and starts the handler with RSP = RDI = the frame's address, RFLAGS.TF clear,
 * every other register as at the exception. The handler ends with HC_IRET. */
#define HC_SET_TRAPS 6
#define HCLIM_TRAPS 32
/* HC_IRET(): resume the context of the frame the monitor wrote for the
 * running handler, with whatever the handler changed in it (RIP, RSP, the
 * GPRs, the RFLAGS bits a guest may hold; CS, SS and the rest are the
 * monitor's). Does not return; -HCERR_INVAL if no handler is running. An
 * exception raised while a handler runs (before its HC_IRET) ends the guest:
 * the monitor reports it as a fault inside the guest's own handler. */
#define HC_IRET 7
/* HC_SET_UPCALL(gpa vcpu, u64 handler): the page of proto/vintr.h (struct
 * hc_vcpu, in the pool, 16-byte aligned) and the handler for virtual
 * interrupts (in an executable segment of the image). Returns 0; -HCERR_FAULT
 * for a page outside the pool or not 16-byte aligned, -HCERR_INVAL for a handler outside
 * the text. An upcall is delivered at the monitor's next chance (any exit of
 * the guest: a hypercall, a host interrupt) when vcpu.events is nonzero,
 * vcpu.mask is 0 and no handler runs: like an exception's frame, vector
 * HCABI_UPCALL_VECTOR, with vcpu.mask set to 1. The handler clears the events it
 * handled and vcpu.mask, then HC_IRET. */
#define HC_SET_UPCALL 8
/* HC_TIMER(u64 deadline_ns, u64 period_ns): the virtual timer, on the clock of
 * HC_WAIT: fires (HCEV_TIMER) at deadline_ns, then every period_ns (0: once).
 * deadline_ns 0 disarms it. Returns 0; -HCERR_INVAL for a period under 100 us or
 * over 2^48 ns (about 3 days: no later expiry can wrap the clock). */
#define HC_TIMER 9
#define HCLIM_TIMER_MIN_NS 100000u
#define HCLIM_TIMER_MAX_NS (1ull << 48)
/* HC_STATS(gpa buf, u64 len): the monitor's counters for this guest, copied
 * into buf as one struct hc_stats (the hypercall lab, docs/labs/hypercall.md).
 * len must be sizeof(struct hc_stats): -HCERR_INVAL otherwise (a struct of
 * another size is another version of the call); -HCERR_FAULT if [buf,
 * buf+len) is not inside the pool or wraps. Nothing is written unless the
 * call succeeds. Returns 0. The buffer may cross pages. */
#define HC_STATS 10
struct hc_stats {
	uint64_t switches;        /* world switches so far, both directions */
	uint64_t hypercalls;      /* hypercalls the monitor took, this one included */
	uint64_t yields;          /* of which HC_YIELD */
	uint64_t host_interrupts; /* host interrupts taken while the guest ran */
	uint64_t now_ns;          /* the monotonic clock of HC_WAIT */
};
_Static_assert(sizeof(struct hc_stats) == 40, "struct hc_stats is ABI: docs/ABI.md");
#define HC_NCALLS 11

#endif
