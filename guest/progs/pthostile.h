/* pthostile's parts (guest/progs/pthostile.c runs them by op=NAME): the named
 * outcome every case prints ("guest: pthostile: ok: WHAT", or FAIL, which
 * fails the op), the probes' faults, the ops of pthostile_pt.c and
 * pthostile_traps.c, and the instructions of pthostile_insns.asm. */
#ifndef GUEST_PROGS_PTHOSTILE_H
#define GUEST_PROGS_PTHOSTILE_H

#include <stdint.h>

/* One case's outcome, printf-style; returns ok. */
int pth_case(int ok, const char *what, ...) __attribute__((format(printf, 2, 3)));

/* A fault a probe took (guest/probe.asm): the #PF error code, or -1 when the
 * access went through, or -2 - vector for another exception. */
int64_t pth_fault_read(uint64_t va);
int64_t pth_fault_write(uint64_t va);
int64_t pth_fault_exec(uint64_t va);
/* CPUID leaf 7's bit in EBX (which) or ECX (ecx != 0): has the CPU it? */
int pth_cpu_has7(int ecx, unsigned bit);

/* The ops; each returns 0 when it ran to its end (its cases say whether they
 * held), and the ones that end the guest never return. */
int pth_op_tables(void);
int pth_op_million(void);
int pth_op_pfnest(void);
int pth_op_traps(void);
int pth_op_user(void);
int pth_op_kstack(int monitor_pushes);

/* guest/progs/pthostile_insns.asm */
extern const char pth_int_table[], pth_iret_at[], pth_iret_fixup[];
extern const char pth_far_jmp_at[], pth_far_call_at[];
int64_t pth_far(uint64_t sel, uint64_t call);
int64_t pth_iret(uint64_t cs, uint64_t ss, uint64_t rflags, uint64_t rflags_now_or);
_Noreturn void pth_nest(uint64_t stack_top, uint64_t fault_va);

#endif
