/* The test system calls of the memory scenarios (guest/progs/lazy.c, cow.c):
 * numbers past SYS_NCALLS that their ring-3 programs (guest/user/lazy.c,
 * cow.c, through guest/user/memtest_user.h) make to ask what the kernel did
 * for them and to have the kernel check it, so that every check is one of
 * the scenario's own check lines. memtest_syscall is the proc_syscall_hook. */
#ifndef GUEST_PROGS_MEMTEST_H
#define GUEST_PROGS_MEMTEST_H

#include <stdint.h>
#include "../proc.h"

/* The calls (RAX; RDI, RSI, RDX as for any system call, guest/proc.h):
 *   MEMT_MODE   which part of the test the caller plays (memtest_mode)
 *   MEMT_COUNT  (MEMT_C_*): one of the caller's struct proc counters
 *   MEMT_PTE    (va): the caller's present leaf entry for va, 0 for none (not
 *               an error when negative: NX is bit 63)
 *   MEMT_REFS   (va): palloc_refs of the frame mapped at va; -1: none
 *   MEMT_FREE   palloc_free_pages()
 *   MEMT_CHECK  (what, got, want): the kernel's check_eq, named by the caller's
 *               pid and its NUL-terminated string what (at most MEMT_WHAT_MAX
 *               bytes); 1 if got == want, else 0 */
#define MEMT_MODE (SYS_NCALLS + 0)
#define MEMT_COUNT (SYS_NCALLS + 1)
#define MEMT_PTE (SYS_NCALLS + 2)
#define MEMT_REFS (SYS_NCALLS + 3)
#define MEMT_FREE (SYS_NCALLS + 4)
#define MEMT_CHECK (SYS_NCALLS + 5)
#define MEMT_WHAT_MAX 95

/* MEMT_COUNT's argument: the fields of struct proc (guest/proc.h). */
#define MEMT_C_FAULTS 0
#define MEMT_C_UACCESS 1
#define MEMT_C_COW_COPIES 2
#define MEMT_C_COW_REUSES 3
#define MEMT_C_LAZY 4

/* The scenario's: what MEMT_MODE answers a process (0 when unset). */
extern int (*memtest_mode)(const struct proc *p);
int64_t memtest_syscall(struct proc *p, struct hc_trap_frame *f);

#endif
