/* The references a user compares the world switch with, measured inside a
 * Linux VM (Debian's kernel under QEMU -icount shift=0) by the same method as
 * the bench guest: lfence; rdtsc deltas are instruction counts, median of 101
 * after 10 warm-up runs, net of the measurement's own cost. Prints
 * "BENCH name median min max n" lines. Built static for the initramfs. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ITER 101
#define WARMUP 10

static uint64_t samples[ITER], overhead;
static int to_child[2], to_parent[2];

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t measure(const char *name, void (*op)(void))
{
	for (int i = -WARMUP; i < ITER; i++) {
		uint64_t t0 = tsc(), t1;

		op();
		t1 = tsc();
		if (i >= 0)
			samples[i] = t1 - t0 - overhead;
	}
	qsort(samples, ITER, sizeof(samples[0]), cmp);
	if (name)
		printf("BENCH %s %lu %lu %lu %d\n", name, samples[ITER / 2], samples[0],
		       samples[ITER - 1], ITER);
	return samples[ITER / 2];
}

static void nothing(void)
{
}

static void __attribute__((noinline)) empty_function(void)
{
	__asm__ volatile("");
}

static void call_empty(void)
{
	empty_function();
}

static void known_loop(void)
{
	__asm__ volatile("mov $1000, %%ecx\n1: dec %%ecx\njnz 1b" ::: "ecx", "cc");
}

/* A signal to ourselves and its handler's return (sigreturn): what an upcall
 * is to the guest. */
static void on_signal(int sig)
{
	(void)sig;
}

static void signal_round_trip(void)
{
	raise(SIGUSR1);
}

/* Two threads on one CPU taking turns with sched_yield: one round trip is two
 * yields and two context switches, what a world switch is to two kernels. */
static volatile int stop_yielder;

static void *yielder(void *arg)
{
	(void)arg;
	while (!stop_yielder)
		sched_yield();
	return NULL;
}

static void sched_yield_ping_pong(void)
{
	sched_yield();
}

static void getppid_syscall(void)
{
	syscall(SYS_getppid); /* not glibc's getppid: it must enter the kernel */
}

/* One byte to the child, one byte back: two pipe writes, two reads and two
 * context switches between processes. */
static void pipe_round_trip(void)
{
	char c = 'x';

	if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
		exit(1);
}

/* The faults of a process's memory, beside the guest's (lazy, COW): each
 * sample one fresh page of an anonymous mapping, touched once. */
#define FAULT_PAGES (ITER + WARMUP)
static char *fault_area;
static int fault_next;

static void minor_fault(void)
{
	fault_area[(fault_next++) * 4096] = 1; /* a zero page mapped on first touch */
}

static void cow_fault(void)
{
	fault_area[(fault_next++) * 4096] = 2; /* shared with a child: copied now */
}

/* A process made and reaped: fork, the child's _exit, the parent's waitpid. */
static void fork_exit_wait(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
}

static void faults(void)
{
	size_t bytes = (size_t)FAULT_PAGES * 4096;
	int hold[2];
	pid_t sharer;

	fault_area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fault_area == MAP_FAILED)
		return;
	fault_next = 0;
	measure("linux_minor_fault", minor_fault);
	/* Every page now written; a child that keeps them shares each one, so
	 * the parent's next write to a page copies it. */
	if (pipe(hold))
		return;
	sharer = fork();
	if (sharer == 0) {
		char c;

		close(hold[1]);
		(void)!read(hold[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	close(hold[0]);
	fault_next = 0;
	measure("linux_cow_fault", cow_fault);
	close(hold[1]);
	waitpid(sharer, NULL, 0);
	munmap(fault_area, bytes);
	measure("linux_fork_exit_wait", fork_exit_wait);
}

/* The host's own timer interrupt, as the bench guest measures a forwarded
 * one (guest/progs/bench.c, forwarded_interrupts): a user-space loop reads the
 * TSC, each round a few instructions, and every round that took far longer is
 * one interrupt (the tick: entry from ring 3, the kernel's timer handler with
 * its scheduler tick, the return to user space). Beside the guest's figure it
 * says what forwarding adds (docs/PERFORMANCE.md). About 100 M instructions:
 * 25 ticks at HZ=250. */
#define GAP_ROUNDS 12000000u
#define GAP_MAX 64

static void timer_interrupt(void)
{
	uint64_t gaps[GAP_MAX], prev = tsc(), t, d, base = ~0ull;
	unsigned n = 0;

	for (unsigned i = 0; i < GAP_ROUNDS; i++) {
		t = tsc();
		d = t - prev;
		prev = t;
		if (d < base)
			base = d;
		if (d > 64 && n < GAP_MAX) /* a round is a few instructions */
			gaps[n++] = d;
	}
	if (!n)
		return;
	for (unsigned i = 0; i < n; i++)
		gaps[i] -= base;
	qsort(gaps, n, sizeof(gaps[0]), cmp);
	printf("BENCH linux_host_timer_interrupt %lu %lu %lu %u\n", gaps[n / 2], gaps[0],
	       gaps[n - 1], n);
}

int main(void)
{
	uint64_t loop;
	pid_t child;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(to_child) || pipe(to_parent))
		return 1;
	child = fork();
	if (child == 0) {
		char c;

		close(to_child[1]); /* else read never sees end of file */
		close(to_parent[0]);
		while (read(to_child[0], &c, 1) == 1)
			if (write(to_parent[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	overhead = measure(NULL, nothing);
	loop = measure(NULL, known_loop);
	printf("linux: a 1000-iteration dec/jnz loop measures %lu instructions (expected 2001): %s\n",
	       loop, loop == 2001 ? "exact" : "NOT EXACT");
	measure("linux_empty_function_call", call_empty);
	measure("linux_getppid_syscall", getppid_syscall);
	measure("linux_pipe_ping_pong_round_trip", pipe_round_trip);
	signal(SIGUSR1, on_signal);
	measure("linux_signal_and_sigreturn", signal_round_trip);
	{
		pthread_t t;
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		sched_setaffinity(0, sizeof(one), &one); /* both threads on CPU 0 */
		if (pthread_create(&t, NULL, yielder, NULL) == 0) {
			measure("linux_sched_yield_ping_pong_2_threads", sched_yield_ping_pong);
			stop_yielder = 1;
			pthread_join(t, NULL);
		}
	}
	close(to_child[1]);
	waitpid(child, NULL, 0);
	faults();
	timer_interrupt();
	return 0;
}
