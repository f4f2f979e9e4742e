/* What every part of the guest kernel shares: the boot info, printing over
 * HC_LOG, address conversion, exit, and the trap/probe interface. */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "../proto/bootinfo.h"
#include "../proto/trapframe.h"

extern const struct bootinfo *boot; /* set by guest_main (guest/boot.c) */

/* printf over HC_LOG, line-buffered; every line starts as the caller wrote it. */
int printf(const char *f, ...) __attribute__((format(printf, 1, 2)));
void console_flush(void);

/* The gpa of a guest kernel or direct-map address (what the hypercalls take). */
uint64_t virt_to_gpa(const void *va);
void *gpa_to_virt(uint64_t gpa);

_Noreturn void guest_exit(uint64_t code);

/* The string functions of lib/string.c (the guest links them; GCC may call
 * them on its own too), declared here so that any guest code, a lab's
 * included, can call them by name. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Probes (guest/probe.asm): 0 if the access worked, -1 if it faulted; the
 * fault is in last_fault. */
int64_t probe_read(uint64_t va);
int64_t probe_write(uint64_t va);
int64_t probe_exec(uint64_t va);
struct fault_record {
	uint64_t count, vector, error_code, cr2, rip;
};
extern struct fault_record last_fault;

/* Test hooks for the fault program (guest/trap.c). */
extern int trap_verbose;                 /* print the dump even for probe faults */
extern volatile uint64_t trap_sabotage_va; /* nonzero: the handler reads it (nested fault) */
/* A program's own handler: returns 1 if it dealt with the exception (the
 * frame is resumed as it left it), 0 to go on as usual. */
extern int (*trap_hook)(struct hc_trap_frame *f);

void guest_cpu_init(void);
/* The trap table (guest/cpu.c): an entry of one's own, then traps_load()
 * (HC_SET_TRAPS again); the system-call vector to the kit's stub, whose
 * frame goes to syscall_fn (guest/trap.c). */
void trap_set_entry(unsigned vector, uint64_t handler, uint32_t flags);
int64_t traps_load(void);
int64_t trap_set_syscall(void);
extern void (*syscall_fn)(struct hc_trap_frame *f);
/* guest/traps.asm keeps the interrupted x87/SSE state (FXSAVE64, 512 bytes,
 * 16-byte aligned; SDM Vol.1 10.5.1 table 10-2: FCW at byte 0, MXCSR at byte
 * 24) this far below the frame it gives a handler: a scheduler
 * that swaps frames swaps this too (labs/threads). */
#define TRAP_FPU_BELOW 520
static inline uint8_t *trap_frame_fpu(struct hc_trap_frame *f)
{
	return (uint8_t *)f - TRAP_FPU_BELOW;
}

/* Virtual interrupts (guest/vintr.c, proto/vintr.h). */
#include "../proto/vintr.h"
extern struct hc_vcpu vcpu;
int64_t vintr_init(void (*fn)(struct hc_trap_frame *f));
int64_t vtimer_arm(uint64_t deadline_ns, uint64_t period_ns); /* 0: off */
uint64_t now_ns(void); /* the monotonic clock of HC_WAIT and HC_TIMER */

/* SDM Vol.2 RDTSC: allowed in ring 1 (the guest world clears CR4.TSD). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
void vintr_upcall(struct hc_trap_frame *f);
/* The value of KEY=VALUE in the command line, or "" (guest/boot.c). */
void cmdline_arg(const char *key, char *out, unsigned size);

/* #PF error code bits (SDM Vol.3 4.7): P present, W write, U user mode (CPL 3), I
 * instruction fetch. */
#define PF_ERR_P 1u
#define PF_ERR_W 2u
#define PF_ERR_U 4u
#define PF_ERR_I 16u
#define PF_ERR_RSVD 8u /* a reserved bit set; the vTLB: a frame outside the pool too */

#endif
