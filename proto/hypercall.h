/* The hypercall ABI: the contract between the guest and the monitor. This file
 * is normative; docs/ABI.md explains it and links here, and `make check`
 * fails if the two disagree on a number (tests/unit/test_abi.c).
 *
 * The guest kernel runs in ring 1. It calls the monitor with the software
 * interrupt `int $HCABI_VECTOR`: RAX = call number, RDI, RSI, RDX = arguments.
 * On return RAX holds the result (>= 0 success, -HCERR_* error,
 * proto/errors.h); every other general-purpose register, RFLAGS and the
 * x87/SSE/AVX state are preserved. Addresses passed as arguments are guest
 * pseudo-physical addresses (gpa): offsets into the pool, never guest virtual
 * addresses. The clock of HC_WAIT and HC_TIMER: ns = rdtsc() * 10^9 /
 * bootinfo.tsc_hz (proto/bootinfo.h).
 *
 * When the version changes: HCABI_VERSION goes up by one with every change a
 * guest or a monitor of the other version could misread: a call added,
 * removed or renumbered; an argument, result or error of a call changed; a
 * layout in proto/ (boot info, ring, trap frame, vcpu page, note) changed.
 * Comments and names alone do not change it. The monitor runs only images
 * whose ABI note (proto/note.h) carries its own version. */
#ifndef PROTO_HYPERCALL_H
#define PROTO_HYPERCALL_H

#include <stdint.h>
#include "errors.h"

/* 2: the request ring, POST and WAIT. 3: the guest in ring 1, the hypercall
 * gate, SET_TRAPS, IRET, SET_UPCALL, TIMER, the monitor's selectors.
 * 4: HC_STATS, and the random-number device on the ring (the labs). */
#define HCABI_VERSION 4

/* The calls (proto/hypercall.inc repeats them for assembly). */
#define HC_YIELD       0
#define HC_LOG         1
#define HC_EXIT        2
#define HC_CRASH       3
#define HC_POST        4
#define HC_WAIT        5
#define HC_SET_TRAPS   6
#define HC_IRET        7
#define HC_SET_UPCALL  8
#define HC_TIMER       9
#define HC_STATS      10
#define HC_NCALLS     11 /* a number >= this: -HCERR_NOSYS */

/* The hypercall gate: an interrupt gate of DPL 1 in the monitor's IDT. */
#define HCABI_VECTOR 0x81
/* The guest's selectors (the monitor's GDT, read-only to the guest): ring 1
 * 64-bit code, and the data selector for SS, DS, ES, FS and GS. FS and GS
 * bases are 0 and stay 0: wrfsbase, wrgsbase and swapgs are not the guest's. */
#define HCABI_GUEST_CS 0xf1
#define HCABI_GUEST_DS 0xf9

/* HC_YIELD
 *   args:    none
 *   result:  0
 *   errors:  none
 *   returns: yes, when the host resumes the guest */

/* HC_LOG: write bytes to the host console, synchronously.
 *   args:    rdi = buf (gpa), rsi = len (bytes)
 *   result:  len
 *   errors:  HCERR_2BIG   len > HCLIM_LOG_BYTES
 *            HCERR_FAULT  [buf, buf + len) not inside the pool, or wraps
 *   returns: yes. The buffer may cross page (and machine-chunk) boundaries. */
#define HCLIM_LOG_BYTES 4096u

/* HC_EXIT: end the guest.
 *   args:    rdi = code, 0..HCLIM_EXIT_CODE (the host's status for the run)
 *   result:  none
 *   errors:  HCERR_INVAL  code out of range (the guest keeps running)
 *   returns: only with an error */
#define HCLIM_EXIT_CODE 99u

/* HC_CRASH: the guest cannot go on; the monitor reports the frame.
 *   args:    rdi = frame (gpa of a struct hc_trap_frame, proto/trapframe.h),
 *            rsi = reason, HCCRASH_*
 *   result:  none
 *   errors:  HCERR_INVAL  unknown reason
 *            HCERR_FAULT  the frame is not inside the pool
 *   returns: only with an error */
#define HCCRASH_UNHANDLED 1 /* an exception the guest has no handler for */
#define HCCRASH_NESTED 2    /* an exception inside the guest's own handler */

/* HC_POST: the request ring's doorbell (proto/ring.h).
 *   args:    none
 *   result:  how many descriptors the host completed: every one between its
 *            cons and the ring's prod, at most RING_ENTRIES (bounded work)
 *   errors:  HCERR_BADRING  prod - cons > RING_ENTRIES (nothing done)
 *   returns: yes. Each descriptor carries its own status. */

/* HC_WAIT: give the CPU to the host until something happens (the guest's
 * idle loop; hlt is forbidden).
 *   args:    rdi = deadline (ns, on the clock above)
 *   result:  HC_WAIT_INPUT   console input is waiting
 *            HC_WAIT_UPCALL  a virtual interrupt is pending and unmasked (it
 *                            is delivered as the call returns)
 *            HC_WAIT_TIMEOUT the deadline passed, or HCLIM_WAIT_SLICE_NS did
 *                            (the host's slice: check the clock, wait again)
 *   errors:  none
 *   returns: yes */
#define HC_WAIT_TIMEOUT 0
#define HC_WAIT_INPUT 1
#define HC_WAIT_UPCALL 2
#define HCLIM_WAIT_SLICE_NS 100000000ull /* 100 ms */

/* HC_SET_TRAPS: the guest's exception handlers.
 *   args:    rdi = table (gpa of u64 handler[HCLIM_TRAPS]: for vector v the
 *            guest virtual address of its handler, or 0 for none: the monitor
 *            then ends the guest with a report when v is raised)
 *   result:  0
 *   errors:  HCERR_INVAL  a nonzero address is not in an executable segment
 *                         of the image (no handler changes)
 *            HCERR_FAULT  the table is not inside the pool
 *   returns: yes. A handler is entered on the interrupted stack: the monitor
 *            writes a struct hc_trap_frame (proto/trapframe.h) at
 *            (RSP & ~15) - HCABI_TRAP_FRAME_BYTES and starts the handler with
 *            RSP = RDI = the frame's address, RFLAGS.TF clear, every other
 *            register as at the exception. The handler ends with HC_IRET. */
#define HCLIM_TRAPS 32

/* HC_IRET: resume the context of the running handler's frame, with whatever
 * the handler changed in it (RIP, RSP, the GPRs, the RFLAGS bits a guest may
 * hold; CS, SS and the rest are the monitor's).
 *   args:    none
 *   result:  none (every register comes from the frame)
 *   errors:  HCERR_INVAL  no handler is running
 *   returns: only with an error. An exception raised while a handler runs
 *            (before its HC_IRET) ends the guest with a report. */

/* HC_SET_UPCALL: the guest's virtual interrupts (proto/vintr.h).
 *   args:    rdi = vcpu (gpa of a struct hc_vcpu, 16-byte aligned),
 *            rsi = handler (guest virtual address)
 *   result:  0
 *   errors:  HCERR_FAULT  the page is not inside the pool, or misaligned
 *            HCERR_INVAL  the handler is not in an executable segment
 *   returns: yes. An upcall is delivered at the monitor's next chance (any
 *            exit of the guest: a hypercall, a host interrupt) when
 *            vcpu.events is nonzero, vcpu.mask is 0 and no handler runs: like
 *            an exception's frame, vector HCABI_UPCALL_VECTOR, with vcpu.mask
 *            set to 1. The handler clears the events it handled and
 *            vcpu.mask, then HC_IRET. */

/* HC_TIMER: the virtual timer; it fires HCEV_TIMER.
 *   args:    rdi = deadline (ns; 0 disarms), rsi = period (ns; 0: once)
 *   result:  0
 *   errors:  HCERR_INVAL  a period under HCLIM_TIMER_MIN_NS or over
 *                         HCLIM_TIMER_MAX_NS (no later expiry can wrap)
 *   returns: yes */
#define HCLIM_TIMER_MIN_NS 100000u
#define HCLIM_TIMER_MAX_NS (1ull << 48)

/* HC_STATS: the monitor's counters for this guest (the hypercall lab,
 * docs/labs/hypercall.md).
 *   args:    rdi = buf (gpa), rsi = len, which must be sizeof(struct hc_stats)
 *            (a struct of another size is another version of the call)
 *   result:  0, with buf holding one struct hc_stats
 *   errors:  HCERR_INVAL  len is not sizeof(struct hc_stats)
 *            HCERR_FAULT  [buf, buf + len) not inside the pool, or wraps
 *   returns: yes. Nothing is written unless the call succeeds; the buffer may
 *            cross pages. */
struct hc_stats {
	uint64_t switches;        /* world switches so far, both directions */
	uint64_t hypercalls;      /* hypercalls the monitor took, this one included */
	uint64_t yields;          /* of which HC_YIELD */
	uint64_t host_interrupts; /* host interrupts taken while the guest ran */
	uint64_t now_ns;          /* the monotonic clock of HC_WAIT */
};
_Static_assert(sizeof(struct hc_stats) == 40, "struct hc_stats is ABI: docs/ABI.md");

#endif
