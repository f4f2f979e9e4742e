/* Lab threads: the threads and their scheduler (thread.h,
 * docs/labs/threads.md). A thread that does not run is its registers (a trap
 * frame, as the monitor writes one for an upcall) and its x87/SSE state. The
 * timer's upcall saves the interrupted thread's, picks the next runnable
 * thread round robin, and puts that thread's in their place: the iretq
 * that ends the upcall (guest/traps.asm) then resumes the other thread. */
#include "thread.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"

/* A slot's life: FREE -> RUNNABLE (thread_create) -> ZOMBIE (thread_exit,
 * the code kept) -> FREE (thread_join). */
enum thread_state { T_FREE, T_RUNNABLE, T_ZOMBIE };

struct thread {
	volatile int state;
	int code;                 /* thread_exit's code, for the joiner */
	struct hc_trap_frame ctx; /* its registers while another thread runs */
	/* its x87/SSE registers while another thread runs: an FXSAVE image
	 * (SDM Vol.1 10.5.1: 512 bytes, 16-byte aligned; table 10-2: FCW in
	 * bytes 0-1, MXCSR in bytes 24-27) */
	uint8_t fpu[512] __attribute__((aligned(16)));
};

struct thread threads[THREAD_MAX];
/* Thread 0 runs on the boot stack; slot t > 0 on stacks[t]. */
uint8_t thread_stacks[THREAD_MAX][THREAD_STACK_BYTES] __attribute__((aligned(16)));
volatile int thread_current; /* the running thread's tid */

/* guest/traps.asm saves the interrupted code's x87/SSE state (FXSAVE64) in
 * 512 bytes just below the frame it hands to the handler (trap_frame_fpu,
 * guest/kernel.h), and restores it from there (FXRSTOR64) before its iretq. */
static inline uint8_t *frame_fpu(struct hc_trap_frame *f)
{
	return trap_frame_fpu(f);
}

/* No upcall while vcpu.mask is 1 (proto/vintr.h): a critical section. An
 * event that comes meanwhile stays pending and is delivered at the next exit
 * after the mask is 0 again. */
static inline void upcalls_off(void)
{
	vcpu.mask = 1;
	__asm__ volatile("" ::: "memory");
}

static inline void upcalls_on(void)
{
	__asm__ volatile("" ::: "memory");
	vcpu.mask = 0;
}

// LAB(threads) BEGIN
/* The upcall (the timer, or a thread's own HCEV_SELF): the next runnable
 * thread after the current one, round robin; the current one again if it is
 * the only one. Thread 0 never exits, so some thread is always runnable. */
static void schedule(struct hc_trap_frame *f)
{
	int cur = thread_current, next = cur;

	vcpu.events = 0; /* the timer, HCEV_SELF and what we ignore (typed input) */
	for (int n = 1; n <= THREAD_MAX; n++) {
		int t = (cur + n) % THREAD_MAX;

		if (threads[t].state == T_RUNNABLE) {
			next = t;
			break;
		}
	}
	if (next == cur)
		return;
	threads[cur].ctx = *f;
	__builtin_memcpy(threads[cur].fpu, frame_fpu(f), 512);
	thread_current = next;
	*f = threads[next].ctx;
	__builtin_memcpy(frame_fpu(f), threads[next].fpu, 512);
}

int thread_init(void)
{
	int64_t err;

	threads[0].state = T_RUNNABLE;
	thread_current = 0;
	err = vintr_init(schedule);
	if (err)
		return (int)err;
	return (int)vtimer_arm(now_ns() + THREAD_TICK_NS, THREAD_TICK_NS);
}

/* A new thread's first instruction: fn's value is its exit code. */
static _Noreturn void thread_start(int (*fn)(void *arg), void *arg)
{
	thread_exit(fn(arg));
}

int thread_create(int (*fn)(void *arg), void *arg)
{
	upcalls_off(); /* two creators must not take the same slot */
	for (int t = 1; t < THREAD_MAX; t++) {
		struct thread *th = &threads[t];

		if (th->state != T_FREE)
			continue;
		th->ctx = (struct hc_trap_frame){
			.rip = (uint64_t)thread_start,
			.rdi = (uint64_t)fn, /* SysV: the first two arguments */
			.rsi = (uint64_t)arg,
			/* 16-byte aligned minus 8: as just after a CALL (SysV ABI 3.2.2) */
			.rsp = (uint64_t)&thread_stacks[t][THREAD_STACK_BYTES - 8],
			.rflags = 0x202, /* IF and the always-1 bit 1 (SDM Vol.1 3.4.3, EFLAGS) */
			.cs = HCABI_GUEST_CS, /* the iretq that starts it stays in ring 1 */
			.ss = HCABI_GUEST_DS,
		};
		/* A valid x87/SSE state to start from (control words, MXCSR): ours. */
		__asm__ volatile("fxsave64 %0" : "=m"(th->fpu));
		th->code = 0;
		th->state = T_RUNNABLE; /* last: now the scheduler may pick it */
		upcalls_on();
		return t;
	}
	upcalls_on();
	return -1;
}

_Noreturn void thread_exit(int code)
{
	upcalls_off();
	threads[thread_current].code = code;
	threads[thread_current].state = T_ZOMBIE; /* never picked again */
	upcalls_on();
	for (;;)
		thread_yield();
}

int thread_join(int tid, int *code)
{
	if (tid <= 0 || tid >= THREAD_MAX || tid == thread_current)
		return -1;
	for (;;) {
		upcalls_off();
		if (threads[tid].state == T_FREE) {
			upcalls_on();
			return -1;
		}
		if (threads[tid].state == T_ZOMBIE) {
			if (code)
				*code = threads[tid].code;
			threads[tid].state = T_FREE; /* reaped: the slot and stack are free */
			upcalls_on();
			return 0;
		}
		upcalls_on();
		thread_yield(); /* it still runs: let it */
	}
}

void thread_yield(void)
{
	/* An upcall of our own at the next exit (proto/vintr.h): the hypercall's. */
	__atomic_or_fetch(&vcpu.events, HCEV_SELF, __ATOMIC_RELAXED);
	hypercall(HC_YIELD, 0, 0, 0);
}

int thread_self(void)
{
	return thread_current;
}

void thread_stop(void)
{
	upcalls_off();
	vtimer_arm(0, 0);
}
// LAB(threads) STARTER
// int thread_init(void)
// {
// 	return 0; /* your code: register the upcall, start the timer */
// }
//
// int thread_create(int (*fn)(void *arg), void *arg)
// {
// 	(void)fn;
// 	(void)arg;
// 	return -1; /* your code */
// }
//
// _Noreturn void thread_exit(int code)
// {
// 	(void)code;
// 	for (;;) /* your code */
// 		;
// }
//
// int thread_join(int tid, int *code)
// {
// 	(void)tid;
// 	(void)code;
// 	return -1; /* your code */
// }
//
// void thread_yield(void)
// {
// 	/* your code */
// }
//
// int thread_self(void)
// {
// 	return 0; /* your code */
// }
//
// void thread_stop(void)
// {
// 	/* your code */
// }
// LAB(threads) END
