/* The hypercall ABI: the contract between the guest and the monitor. This file
 * is normative; docs/ABI.md explains it and links here, and `make check`
 * fails if the two disagree on a number (tests/unit/test_abi.c).
 *
 * The guest kernel runs in ring 1 (its user programs in ring 3 cannot make
 * hypercalls). It calls the monitor with the software interrupt
 * `int $HCABI_VECTOR`: RAX = call number, RDI, RSI, RDX = arguments.
 * On return RAX holds the result (>= 0 success, -HCERR_* error,
 * proto/errors.h); every other general-purpose register, RFLAGS and the
 * x87/SSE/AVX state are preserved. Buffers passed as arguments are guest
 * pseudo-physical addresses (gpa): offsets into the pool, whatever page
 * tables are loaded; the calls that play an instruction on a virtual address
 * (HC_INVLPG, HC_FLUSH, HC_SET_KSTACK, HC_SET_SEGBASE) take guest virtual
 * addresses, as the instruction would. The clock of HC_WAIT and HC_TIMER: ns = rdtsc() * 10^9 /
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
 * 4: HC_STATS, and the random-number device on the ring (the labs).
 * 5: the guest's CPU is an x86-64 CPU: its own page tables (SET_CR3, INVLPG,
 * FLUSH, shadowed by the monitor), ring 3 and its selectors, system calls
 * through a direct gate (HCABI_SYSCALL_VECTOR), a 256-entry trap table with
 * hardware frames returned from by a plain iretq (HC_IRET and HC_SET_UPCALL
 * are gone), SET_KSTACK, SET_SEGBASE, the larger vcpu page (CR2), the boot
 * page tables in the pool.
 * 6: HC_POST's flags (HCPOST_ASYNC) and the events HCEV_INPUT and HCEV_RING
 * (proto/vintr.h): console input and late completions as virtual interrupts. */
#define HCABI_VERSION 6

/* The calls (proto/hypercall.inc repeats them for assembly). */
#define HC_YIELD        0
#define HC_LOG          1
#define HC_EXIT         2
#define HC_CRASH        3
#define HC_POST         4
#define HC_WAIT         5
#define HC_SET_TRAPS    6
#define HC_SET_CR3      7
#define HC_SET_KSTACK   8
#define HC_TIMER        9
#define HC_STATS       10
#define HC_INVLPG      11
#define HC_FLUSH       12
#define HC_SET_SEGBASE 13
#define HC_NCALLS      14 /* a number >= this: -HCERR_NOSYS */

/* The hypercall gate: an interrupt gate of DPL 1 in the monitor's IDT (from
 * ring 3, `int $HCABI_VECTOR` is a #GP like any other DPL-0 vector). */
#define HCABI_VECTOR 0x81
/* The system-call vector: a DPL-3 trap gate straight into the guest kernel's
 * handler in ring 1, on the stack HC_SET_KSTACK named, with no monitor code
 * on the way (SDM Vol.3 6.12.1, 6.14.4). 0x80 because no host takes a device
 * interrupt there: Linux reserves it (IA32_SYSCALL_VECTOR), the bare-metal
 * host's PIC sits at 0x20-0x2f, OVMF's at 0x68-0x77. */
#define HCABI_SYSCALL_VECTOR 0x80
/* The guest's selectors (the monitor's GDT, read-only to the guest): ring 1
 * 64-bit code and data, ring 3 64-bit code and data. SS is the ring's own;
 * DS, ES, FS and GS hold HCABI_USER_DS in both rings after every exit to the
 * monitor (a DPL-3 data segment is usable in ring 1, and the guest's iretq
 * to ring 3 keeps it where it would null a DPL-1 one, FS's base with it: SDM
 * Vol.2 IRET); FS and GS bases are those of HC_SET_SEGBASE (0 at entry). */
#define HCABI_GUEST_CS 0xf1
#define HCABI_GUEST_DS 0xf9
#define HCABI_USER_DS 0x103
#define HCABI_USER_CS 0x10b

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
 *   args:    rdi = flags: 0, or HCPOST_ASYNC
 *   result:  flags 0: how many descriptors the host completed: every one
 *            between its cons and the ring's prod, at most RING_ENTRIES
 *            (bounded work); all of them are complete when it returns.
 *            HCPOST_ASYNC: how many the host completed before returning (it
 *            may be all of them); the rest complete later, in ring order (cons
 *            advances, statuses written before cons as always), and each time
 *            cons advances after the call returned the host ORs HCEV_RING into
 *            the vcpu page's events (proto/vintr.h), an upcall. A guest without
 *            a vcpu page polls cons, or HC_WAITs: HC_WAIT_UPCALL then says cons
 *            moved (docs/ABI.md, "Late completions").
 *   errors:  HCERR_BADRING  prod - cons > RING_ENTRIES (nothing done)
 *            HCERR_INVAL    a flag other than HCPOST_ASYNC (nothing done)
 *   returns: yes. Each descriptor carries its own status. A POST while
 *            descriptors of an HCPOST_ASYNC one are still owed completes those
 *            first, in ring order, and counts them in its result. */
#define HCPOST_ASYNC 1u /* the host may return before it completes what was posted */

/* HC_WAIT: give the CPU to the host until something happens (the guest's
 * idle loop; hlt is forbidden).
 *   args:    rdi = deadline (ns, on the clock above)
 *   result:  HC_WAIT_INPUT   console input is waiting
 *            HC_WAIT_UPCALL  a virtual interrupt is pending and unmasked (it
 *                            is delivered as the call returns); for a guest
 *                            without a vcpu page: the host completed
 *                            descriptors of an HCPOST_ASYNC post since it
 *                            returned (cons moved; nothing is delivered)
 *            HC_WAIT_TIMEOUT the deadline passed, or HCLIM_WAIT_SLICE_NS did
 *                            (the host's slice: check the clock, wait again)
 *   errors:  none
 *   returns: yes */
#define HC_WAIT_TIMEOUT 0
#define HC_WAIT_INPUT 1
#define HC_WAIT_UPCALL 2
#define HCLIM_WAIT_SLICE_NS 100000000ull /* 100 ms */

/* HC_SET_TRAPS: the guest's interrupt descriptor table and vcpu page: `lidt`.
 *   args:    rdi = table (gpa of struct hc_trap_entry[HCLIM_TRAPS], one page),
 *            rsi = vcpu (gpa of the guest's struct hc_vcpu, proto/vintr.h,
 *            64-byte aligned)
 *   result:  0
 *   errors:  HCERR_FAULT  the table or the vcpu page is not inside the pool,
 *                         or the vcpu page is not 64-byte aligned
 *            HCERR_INVAL  a handler is not in an executable segment of the
 *                         image; a flag the vector cannot have; an entry for a
 *                         vector above 32 but HCABI_SYSCALL_VECTOR; nonzero
 *                         reserved bits (nothing changes)
 *   returns: yes. The table is copied: later writes to it change nothing
 *            until the next HC_SET_TRAPS.
 * Delivery is the CPU's (SDM Vol.3 6.12, 6.14): an exception (vectors 0-31)
 * or an upcall (HCABI_UPCALL_VECTOR, proto/vintr.h) raised in ring 1 or 3
 * reaches the monitor, which writes a hardware frame: SS, RSP, RFLAGS, CS,
 * RIP and, for the vectors that have one, the error code (SDM Vol.3 6.13), on
 * the kernel stack of HC_SET_KSTACK if it came from ring 3, else below the
 * interrupted RSP, aligned down to 16 as 64-bit mode does (SDM Vol.3 6.14.2),
 * and starts the handler in ring 1 with RSP at the frame. RFLAGS in the frame
 * holds IF = the virtual interrupt flag (1 in ring 3, !vcpu.mask in ring 1);
 * the handler starts with TF, NT and RF clear, every other register as it
 * was. A #PF's faulting address is in vcpu.cr2 before the handler runs. The
 * handler returns with a plain `iretq` (ring 1 cannot raise privilege or
 * change IF or IOPL with it, SDM Vol.2 IRET). Exceptions nest as on hardware;
 * only a frame that cannot be written (the guest's double fault) or a vector
 * without a handler ends the guest with a report. NMIs (2) and machine checks
 * (18) are the host's, and a double fault (8) is the monitor's report: their
 * entries are never used. */
#define HCLIM_TRAPS 256
struct hc_trap_entry {
	uint64_t handler; /* guest virtual address in the image's text, 0: none */
	uint32_t flags;   /* HCTRAP_* */
	uint32_t reserved; /* 0 */
};
_Static_assert(sizeof(struct hc_trap_entry) == 16, "a trap entry is 16 bytes");
/* `int N` from ring 3 may raise it (a DPL-3 gate): only for #BP (3), #OF (4)
 * and HCABI_SYSCALL_VECTOR, as Linux allows; a vector with a CPU error code
 * could not tell the two apart. */
#define HCTRAP_USER 1u
/* An interrupt gate: delivery sets vcpu.mask (virtual IF = 0); without it the
 * entry is a trap gate, which leaves the mask alone. Upcalls always mask;
 * HCABI_SYSCALL_VECTOR never can (no monitor code runs on that path). */
#define HCTRAP_MASK 2u

/* HC_SET_CR3: load a guest page table: `mov cr3` with CR4.PCIDE = 1.
 *   args:    rdi = cr3: bits 51:12 the gpa of a 4-level PML4 the guest wrote
 *            in its pool (SDM Vol.3 4.5: frames in its entries are gpa too),
 *            bits 11:0 a PCID, bit 63 HC_CR3_NOFLUSH
 *   result:  0
 *   errors:  HCERR_INVAL  the PML4 is not inside the pool, or a bit outside
 *                         those above is set (nothing changes)
 *   returns: yes. As on hardware (SDM Vol.3 4.10.4.1): the PCID's non-global
 *            translations are dropped unless HC_CR3_NOFLUSH is set; other
 *            PCIDs' translations and global ones survive. The monitor never
 *            lets the CPU walk this table: it builds shadow tables from it on
 *            demand (docs/ABI.md, "Page tables"). The boot tables
 *            (bootinfo.boot_cr3) are loaded at entry, with PCID 0. */
#define HC_CR3_NOFLUSH (1ull << 63)
#define HC_CR3_PCID_MASK 0xfffull
#define HC_CR3_ADDR_MASK 0x000ffffffffff000ull

/* HC_SET_KSTACK: the ring-1 stack for traps from ring 3: writing TSS.RSP0
 * on hardware (here TSS.RSP1, the guest kernel's ring).
 *   args:    rdi = rsp (a guest virtual address; canonical)
 *   result:  0
 *   errors:  HCERR_INVAL  not canonical
 *   returns: yes. Until it is called, a trap from ring 3 ends the guest (its
 *            double fault: no stack). */

/* HC_INVLPG: `invlpg`.
 *   args:    rdi = va
 *   result:  0
 *   errors:  none (a non-canonical va does nothing, as INVLPG is a NOP then)
 *   returns: yes. Drops the translation of the page holding va for the
 *            current PCID, and any global translation of it for every PCID;
 *            for a large page, the whole of it (SDM Vol.2 INVLPG). */

/* HC_FLUSH: `invpcid`, and the CR4.PGE toggle that flushes global pages.
 *   args:    rdi = type, HC_FLUSH_*; rsi = pcid; rdx = va (HC_FLUSH_ADDR)
 *   result:  0
 *   errors:  HCERR_INVAL  an unknown type, a PCID above 0xfff, a
 *                         non-canonical va for HC_FLUSH_ADDR (SDM Vol.2
 *                         INVPCID: #GP)
 *   returns: yes */
#define HC_FLUSH_ADDR 0          /* one page, one PCID, global translations kept */
#define HC_FLUSH_PCID 1          /* one PCID, global translations kept */
#define HC_FLUSH_ALL 2           /* everything, global translations too */
#define HC_FLUSH_ALL_NONGLOBAL 3 /* every PCID, global translations kept */

/* HC_SET_SEGBASE: `wrmsr IA32_FS_BASE / IA32_GS_BASE` (a user thread's TLS).
 *   args:    rdi = HC_SEG_FS or HC_SEG_GS, rsi = base (canonical)
 *   result:  0
 *   errors:  HCERR_INVAL  another segment, or a non-canonical base
 *   returns: yes. The base holds from the next instruction on, in ring 1 and
 *            ring 3, until the next call; a guest's own `mov fs`/`mov gs`
 *            loads base 0 until its next exit to the monitor, which restores
 *            the registered one (docs/ABI.md lists this difference). */
#define HC_SEG_FS 0
#define HC_SEG_GS 1

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
