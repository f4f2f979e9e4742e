/* Lab syscall: system calls of one's own (docs/labs/syscall.md): a first user
 * process, a table of calls, and arguments fetched from user memory by a walk
 * of the process's tables, so that no pointer a process passes can make the
 * kernel fault or read what is not the process's. The numbers are shared
 * with the lab's user program (labs/syscall/user/). */
#ifndef LABS_SYSCALL_SYSCALL_H
#define LABS_SYSCALL_SYSCALL_H

#include <stdint.h>
#include "../../../guest/proc.h"

/* The lab's calls: RAX the number, RDI, RSI, RDX the arguments, the result
 * in RAX (guest/proc.h's convention); any other number of LAB_SYS_BASE and
 * up, or between SYS_NCALLS and it, is -1. */
#define LAB_SYS_BASE 16
#define LAB_SYS_ADD3 16   /* (a, b, c): a + b + c, 64-bit, wrapping */
#define LAB_SYS_STRLEN 17 /* (str): its length if a NUL is among its first LAB_STR_MAX bytes; -1 */
#define LAB_SYS_SUM 18    /* (buf, len): the sum of len bytes (unsigned); -1 */
#define LAB_SYS_FILL 19   /* (buf, len, byte): len bytes set; len, or -1 and nothing written */
#define LAB_STR_MAX 128
#define LAB_LEN_MAX (4u * 4096) /* SUM's and FILL's largest len: a call's work is bounded */

#ifndef LAB_SYSCALL_USER /* the kernel's side */
/* Argument n (0: RDI, 1: RSI, 2: RDX) of the call in f; 0 for another n. */
uint64_t lab_arg(const struct hc_trap_frame *f, int n);
/* Is [uva, uva + len) user memory of p that it may read (write: and write)?
 * Every page present and PTE_U (and PTE_W) in p's tables, the range inside
 * the lower half and not wrapping. len 0 is always fine. 1 or 0. A heap page
 * not touched yet is not mapped: 0 (the lazy lab maps it). */
int lab_user_ok(struct proc *p, uint64_t uva, uint64_t len, int write);
/* Copies between the kernel and p's memory, through the direct map of each
 * page's frame (p's tables need not be loaded): len, or -1 (not
 * lab_user_ok, and then nothing was written to user memory). */
int64_t lab_copyin(struct proc *p, void *dst, uint64_t uva, uint64_t len);
int64_t lab_copyout(struct proc *p, uint64_t uva, const void *src, uint64_t len);
/* A NUL-terminated string of at most max bytes, NUL included, into dst: its
 * length, or -1 (a byte on the way not readable, or no NUL in max bytes). */
int64_t lab_copyinstr(struct proc *p, char *dst, uint64_t uva, uint64_t max);
/* The dispatcher, for the calls the kit does not serve (numbers >=
 * SYS_NCALLS): the call's result goes into f's RAX, the register the process
 * reads it from (xv6's syscall() writing trapframe->a0). */
void lab_syscall(struct proc *p, struct hc_trap_frame *f);
/* guest/proc.h's proc_syscall_hook, given: lab_syscall, then f's RAX. */
int64_t lab_syscall_hook(struct proc *p, struct hc_trap_frame *f);
/* The first user process: the lab's program (user_image_lab_syscall) spawned
 * and run with lab_syscall_hook as proc_syscall_hook (unset again after);
 * its exit status, or -1. */
int lab_first_process(void);
#endif

#endif
