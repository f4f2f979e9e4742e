/* Lab threads: kernel threads and a preemptive round-robin scheduler on the
 * virtual timer (docs/labs/threads.md). One CPU; the timer's upcall
 * (trap-table entry 32, HC_TIMER: proto/hypercall.h) takes the CPU from a thread
 * that never gives it up and hands it to the next one. */
#ifndef LAB_THREAD_H
#define LAB_THREAD_H

#include <stdint.h>

#define THREAD_MAX 8                 /* slots, the main thread's (tid 0) included */
#define THREAD_STACK_BYTES 8192
#define THREAD_TICK_NS 10000000u     /* a time slice: 10 ms, 100 Hz */

/* The caller (the program) becomes thread 0, and the timer starts slicing
 * time. 0, or the hypercall's error. */
int thread_init(void);
/* A new thread that runs fn(arg); returning from fn is thread_exit(its
 * value). Its tid (1 .. THREAD_MAX - 1), or -1 when every slot is taken. */
int thread_create(int (*fn)(void *arg), void *arg);
/* End the calling thread (never thread 0) with code, kept for thread_join. */
_Noreturn void thread_exit(int code);
/* Wait until thread tid has exited, put its code in *code (if code is not
 * NULL) and free its slot. 0, or -1 if there is no such thread to join (never
 * created, joined already, or the caller itself). */
int thread_join(int tid, int *code);
/* Give the rest of this time slice to the next thread. */
void thread_yield(void);
/* The calling thread's tid. */
int thread_self(void);
/* The timer stops: the caller runs alone from now on (the program's end). */
void thread_stop(void);

#endif
