/* The kit's processes: user programs in ring 3, each in an address space of
 * its own (guest/pt.h) with a PCID of its own, entered with iretq and back in
 * the kernel only through traps: a system call on HCABI_SYSCALL_VECTOR (the
 * direct gate, no monitor code on the way), a fault, a timer upcall. The
 * kernel does all its work at trap time on one kernel stack (HC_SET_KSTACK),
 * and switches processes by swapping the trap frame it returns from, so it
 * never blocks; proc_run comes back when every process has ended. A fault
 * a process's tables cannot explain kills it, with a line that says why, and
 * the others go on. Lazy heap pages (sbrk) are mapped on their first touch,
 * copy-on-write pages copied on their first write (fork), in user code or
 * inside a system call copying user memory. The processes share the x87/SSE
 * state: their programs are built without it (guest/user/). */
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

#include <stdint.h>
#include "../proto/trapframe.h"

#define PROC_MAX 8
#define PROC_USER_BASE 0x400000ull        /* where the programs are linked */
#define PROC_STACK_TOP 0x7ffffffff000ull   /* the user stack's top, growing down */
#define PROC_STACK_PAGES 4
#define PROC_HEAP_MAX (64ull << 20)        /* sbrk's limit past the image */

/* The system calls (RAX = number, RDI, RSI, RDX = arguments; the result in
 * RAX, negative for an error), Linux's i386 way: int $0x80. */
#define SYS_EXIT 1     /* (code): never returns */
#define SYS_WRITE 2    /* (buf, len): to the console; len, or -1 for a bad buffer */
#define SYS_GETPID 3
#define SYS_SBRK 4     /* (increment): the old break; pages come on first touch */
#define SYS_FORK 5     /* the child's pid to the parent, 0 to the child; -1 */
#define SYS_WAIT 6     /* (&code or 0): a child's pid once it ended; -1: no child */
#define SYS_YIELD 7
#define SYS_SETFS 8    /* (base): the thread's FS base (TLS) */
#define SYS_GETPPID 9
#define SYS_NCALLS 10

enum proc_state { PROC_FREE, PROC_RUNNABLE, PROC_WAITING, PROC_ZOMBIE };

struct proc {
	enum proc_state state;
	int pid, parent;
	uint64_t root;      /* its PML4 (gpa) */
	uint32_t pcid;
	uint64_t image_end; /* the heap starts here */
	uint64_t brk;       /* [image_end, brk) is the heap, mapped on first touch */
	uint64_t fs_base;
	int exit_code;      /* its own, or 128 + the vector that killed it */
	uint64_t wait_code; /* SYS_WAIT's user pointer, while it waits */
	struct hc_trap_frame tf; /* its registers while it does not run */
	/* What the kernel did for it: #PFs it made good; of them, those taken
	 * inside a system call's copy (copy_from_user, copy_to_user); pages
	 * copied on a write (copy-on-write), pages made writable again in place
	 * because nobody else had them any more, heap pages mapped on first
	 * touch. */
	uint64_t faults, uaccess_faults, cow_copies, cow_reuses, lazy_pages;
};

/* A new process from a static ELF image (guest/user/): its PT_LOAD segments
 * copied into fresh pages, read-only/no-exec as their flags say, a user
 * stack, registers zeroed, RIP at the entry. Its pid, or -1 with a line
 * saying why (a bad image, no memory, no slot). */
int proc_spawn(const void *elf, uint64_t elf_bytes);
/* Run every process until all have ended (round robin: on SYS_YIELD, on
 * exit, on wait and, with timeslice_ns, on the virtual timer). 0, or -1 if a
 * process was still waiting for a child that could not end. */
int proc_run(uint64_t timeslice_ns);
struct proc *proc_get(int pid); /* its slot, while not FREE */
/* How a process ended: its exit code, 128 + the vector that killed it, or -1
 * (not ended, or too long ago: the last 64 pids are kept). */
int proc_exit_status(int pid);
/* A system call of one's own (a test's): called for numbers >= SYS_NCALLS;
 * returns the result. */
extern int64_t (*proc_syscall_hook)(struct proc *p, struct hc_trap_frame *f);
/* fork's copy of the user half, src's into dst's (a fresh pt_new table):
 * pt_copy_cow unless a kernel sets its own (the cow lab, labs/cow/). 0, or
 * negative: the fork fails with -1 and dst is freed with pt_free. */
extern int (*proc_fork_copy)(uint64_t src, uint64_t dst);
/* A kernel's own handler of a #PF on a present user page (the cow lab's
 * copy-on-write), instead of the kit's: root is the running process's
 * table (loaded), va the fault's address, err its error code (SDM Vol.3
 * 4.7). 1: made good, the access is retried (the kit checks that the leaf
 * now allows it); anything else: the process is killed. Faults on pages not
 * present (lazy heap pages) stay the kit's. */
extern int (*proc_write_fault)(uint64_t root, uint64_t va, uint64_t err);
/* A kernel's own handler of the #PFs the kit's copy-on-write does not take
 * (the lazy lab, labs/lazy/), instead of the kit's lazy heap: every #PF of
 * the running process p, in ring 3 or inside a system call's copy of user
 * memory, except a write to a present PTE_COW page (or any present page,
 * with proc_write_fault set). va is the fault's address as it came (the
 * kernel's half too), err its error code (SDM Vol.3 4.7). 1: made good; the
 * kit then checks that va is in the lower half and its leaf present, PTE_U
 * and allowing the access, and counts a lazy page when there was none before;
 * anything else, or a check failing: the process is killed (the copy fails). */
extern int (*proc_lazy_fault)(struct proc *p, uint64_t va, uint64_t err);
/* Counters: switches between processes, system calls, the faults of present
 * pages made good (pages copied, pages made writable in place), and heap
 * pages mapped on their first touch (the kit's, or proc_lazy_fault's). */
extern uint64_t proc_switches, proc_syscalls, proc_cow_copies, proc_cow_reuses,
	proc_lazy_pages;

/* A scheduler of a kernel's own (the sched lab, labs/sched/): when set,
 * proc_run(timeslice_ns) hands every upcall of the virtual timer to it
 * instead of the kit's round robin, which then switches only on the system
 * calls (yield, exit, wait). It runs with upcalls masked, on the frame of
 * whatever was interrupted (ring 3, or the kernel inside a system call),
 * and preempts by saving that frame into the running process's tf, entering
 * another (proc_enter) and putting that one's tf in the frame. */
extern void (*proc_timer_fn)(struct hc_trap_frame *f);
struct proc *proc_current(void); /* the running process; 0 when none runs */
struct proc *proc_slot(int i);   /* slot i (0 <= i < PROC_MAX), whatever its state; else 0 */
/* Make p the running process: its address space (CR3 with its PCID), its
 * FS base, a switch counted when it was not running already. Its registers
 * are the caller's to put in the frame it returns from. */
void proc_enter(struct proc *p);

/* User memory from the kernel (guest/uaccess.asm): the bytes copied, or -1
 * when [user, user + n) is not user memory of the running process or a page
 * of it cannot be had. A fault inside the copy is taken as any other (a lazy
 * page mapped, a copy-on-write page copied) and the copy goes on. */
int64_t copy_from_user(void *dst, uint64_t user, uint64_t n);
int64_t copy_to_user(uint64_t user, const void *src, uint64_t n);

#endif
