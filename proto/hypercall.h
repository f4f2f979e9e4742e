/* The hypercall ABI: how the guest calls the monitor, and the calls there are.
 *
 * Convention (docs/ABI.md): the guest executes `call *bootinfo->hc_entry` with
 *   RAX = call number, RDI, RSI, RDX = arguments.
 * On return RAX holds the result (>= 0 success, -HC_E* error); every other
 * general-purpose register is preserved; RFLAGS arithmetic flags are not.
 * Addresses passed as arguments are guest pseudo-physical addresses (gpa):
 * offsets into the pool, never guest virtual addresses. */
#ifndef PROTO_HYPERCALL_H
#define PROTO_HYPERCALL_H

#include "errors.h"

#define COKERNEL_ABI_VERSION 2 /* 2: the request ring, POST and WAIT */

/* HC_YIELD(): give the CPU back to the host; returns 0 when the host resumes. */
#define HC_YIELD 0
/* HC_LOG(gpa buf, u64 len_bytes): write len bytes to the host console,
 * synchronously. Returns len. -HC_EFAULT if [buf, buf+len) is not inside the
 * pool or wraps; -HC_E2BIG if len > HC_LOG_MAX_BYTES. The buffer may cross
 * page (and machine-chunk) boundaries. */
#define HC_LOG 1
#define HC_LOG_MAX_BYTES 4096u
/* HC_EXIT(u64 code): end the guest with code 0..HC_EXIT_MAX_CODE. Does not
 * return; -HC_EINVAL (and the guest keeps running) if code is out of range. */
#define HC_EXIT 2
#define HC_EXIT_MAX_CODE 99u
/* HC_CRASH(gpa frame, u64 reason): the guest cannot go on; frame points to a
 * struct hc_trap_frame (proto/trapframe.h). Does not return, unless frame is
 * not inside the pool (-HC_EFAULT) or reason is unknown (-HC_EINVAL). */
#define HC_CRASH 3
#define HC_CRASH_UNHANDLED 1 /* an exception the guest has no handler for */
#define HC_CRASH_NESTED 2    /* an exception inside the guest's own handler */
/* HC_POST(): the doorbell. The host completes every descriptor between its
 * cons and the ring's prod (at most RING_ENTRIES: bounded work per call) and
 * returns how many; -HC_EBADRING if prod - cons > RING_ENTRIES (nothing done). */
#define HC_POST 4
/* HC_WAIT(u64 deadline_ns): give the CPU to the host until console input is
 * there (returns 1) or the monotonic clock reaches deadline_ns (returns 0).
 * The clock: ns = rdtsc() * 10^9 / bootinfo.tsc_hz. */
#define HC_WAIT 5
#define HC_NCALLS 6

#endif
