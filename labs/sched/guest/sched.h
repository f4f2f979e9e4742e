/* Lab sched: preempting the kit's ring-3 processes with the virtual timer,
 * round robin (docs/labs/sched.md): a process that computes and never makes
 * a system call still gives the CPU up at each tick. The kit's processes
 * (guest/proc.h) call sched_tick for every upcall while they run
 * (proc_timer_fn); the kit still switches on their system calls. */
#ifndef LABS_SCHED_SCHED_H
#define LABS_SCHED_SCHED_H

#include <stdint.h>
#include "../../../guest/proc.h" /* struct proc, proc_current, proc_slot, proc_enter */

#define SCHED_TICK_NS 10000000ull /* a time slice: 10 ms, 100 Hz */

/* The process to run after cur, round robin: the first PROC_RUNNABLE slot
 * after cur's (proc_slot), wrapping around, cur itself last; slot 0 first
 * when cur is 0. 0 when no slot is runnable. Never a process that waits
 * (PROC_WAITING) or has ended. */
struct proc *sched_next(struct proc *cur);

/* The upcall handler (proto/vintr.h): called with upcalls masked, f the
 * interrupted context. Takes every pending event at once (vcpu.events
 * exchanged with 0: one left set brings the upcall straight back). On
 * HCEV_TIMER, when f is ring-3 code of the running process (the kernel
 * inside a system call is never preempted: it has one stack), and another
 * process is runnable: every register of f saved in the running process's
 * tf, the next one entered (proc_enter) and its tf put in *f, which the
 * upcall's iretq then resumes. */
void sched_tick(struct hc_trap_frame *f);

#endif
