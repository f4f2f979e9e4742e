/* Lab threads' test program (guest=lab-threads): three threads that compute
 * without ever yielding, then threads created and joined by the dozen. One
 * line per check, "threads: ok: ..." or "threads: FAIL: ...", with the
 * numbers the grader (labs/threads/grade.sh) judges. A check that cannot run
 * (thread_create failed) fails and the test goes on with the next one. */
#include "thread.h"
#include "../../../guest/kernel.h"
#include "../../../guest/progs/progs.h"

#define WORKERS 3
#define RUN_NS 600000000u /* how long the workers compute: 60 time slices */
#define TRACE 48

static volatile uint64_t deadline;
static volatile uint64_t work[WORKERS];   /* additions done */
static volatile unsigned turns[WORKERS];  /* times it was seen taking over from another */
static volatile int fpu_ok[WORKERS], self[WORKERS];
static volatile int last_runner = -1;
static char trace[TRACE + 1];
static volatile unsigned ntrace;
static int failures;

#define FAIL(...) (printf("threads: FAIL: " __VA_ARGS__), failures++)

/* A worker never yields: only the timer can take the CPU from it. Its sum
 * lives in an XMM register across the inner loop, so a scheduler that does
 * not keep each thread's x87/SSE state shows up as a wrong sum. */
static int worker(void *arg)
{
	int id = (int)(uintptr_t)arg;
	double sum = 0, step = id + 1.0; /* each thread adds its own number */
	uint64_t n = 0;

	self[id] = thread_self();
	while (now_ns() < deadline) {
		for (int k = 0; k < 1024; k++)
			sum += step;
		n += 1024;
		work[id] = n;
		if (last_runner != id) { /* a race between threads here only blurs the trace */
			last_runner = id;
			turns[id]++;
			if (ntrace < TRACE)
				trace[ntrace++] = (char)('A' + id);
		}
	}
	fpu_ok[id] = sum == step * (double)n; /* exact: integers below 2^53 */
	if (id == 1)
		thread_exit(10 + id); /* one ends by thread_exit, the others by returning */
	return 10 + id;
}

static void compute(void)
{
	int tid[WORKERS], code;
	uint64_t most = 0, least = ~UINT64_C(0);

	deadline = now_ns() + RUN_NS;
	for (int i = 0; i < WORKERS; i++) {
		tid[i] = thread_create(worker, (void *)(uintptr_t)i);
		if (tid[i] <= 0 || tid[i] >= THREAD_MAX) {
			FAIL("thread_create returned %d\n", tid[i]);
			return;
		}
	}
	printf("threads: ok: created %d threads: tids %d %d %d\n", WORKERS, tid[0], tid[1], tid[2]);
	for (int i = 0; i < WORKERS; i++) {
		if (thread_join(tid[i], &code) != 0)
			FAIL("thread_join(%d) failed\n", tid[i]);
		else if (code != 10 + i)
			FAIL("thread %d's exit code: %d, want %d\n", tid[i], code, 10 + i);
		else
			printf("threads: ok: joined thread %d, exit code %d\n", tid[i], code);
	}
	trace[ntrace] = 0;
	printf("threads: work done: A %lu, B %lu, C %lu; turns: A %u, B %u, C %u; trace %s\n",
	       work[0], work[1], work[2], turns[0], turns[1], turns[2], trace);
	for (int i = 0; i < WORKERS; i++) {
		most = work[i] > most ? work[i] : most;
		least = work[i] < least ? work[i] : least;
		if (self[i] != tid[i])
			FAIL("thread_self() in thread %d said %d\n", tid[i], self[i]);
	}
	if (turns[0] >= 5 && turns[1] >= 5 && turns[2] >= 5)
		printf("threads: ok: interleaved: every thread took at least 5 turns\n");
	else
		FAIL("not interleaved: a thread took fewer than 5 turns\n");
	printf("threads: fairness: the least work is %lu%% of the most\n",
	       most ? least * 100 / most : 0);
	if (!(most && least * 2 >= most))
		FAIL("unfair: one thread did less than half the work of another\n");
	/* A sum of nothing is exact too: each worker must have computed. */
	if (fpu_ok[0] && fpu_ok[1] && fpu_ok[2] && work[0] && work[1] && work[2])
		printf("threads: ok: every thread's floating-point sum is exact\n");
	else
		FAIL("floating-point sums wrong or empty: A %d B %d C %d (1 = right), "
		     "work A %lu B %lu C %lu: is the x87/SSE state per thread?\n",
		     fpu_ok[0], fpu_ok[1], fpu_ok[2], work[0], work[1], work[2]);
}

static volatile int go;
static volatile int started[THREAD_MAX]; /* waiter i has run */

static int short_lived(void *arg)
{
	return (int)(uintptr_t)arg * 2;
}

static int waiter(void *arg)
{
	started[(uintptr_t)arg - 100] = 1;
	while (!go) /* no yield: the timer has to get main going again */
		;
	return (int)(uintptr_t)arg;
}

static void reap(void)
{
	int tid[THREAD_MAX + 1] = { 0 }, n = 0, code = 0, bad = 0, ran = 0;
	uint64_t limit;

	/* Many more threads than slots, one after another: join must free them. */
	for (int i = 0; i < 4 * THREAD_MAX; i++) {
		int t = thread_create(short_lived, (void *)(uintptr_t)i);

		if (t <= 0 || thread_join(t, &code) != 0 || code != 2 * i) {
			FAIL("thread %d of %d created and joined in turn: tid %d, code %d\n", i,
			     4 * THREAD_MAX, t, code);
			return;
		}
	}
	printf("threads: ok: %d threads created and joined in turn (their slots reused)\n",
	       4 * THREAD_MAX);
	/* Every slot at once, then one more: -1. */
	go = 0;
	while (n < THREAD_MAX && (tid[n] = thread_create(waiter, (void *)(uintptr_t)(n + 100))) > 0)
		n++;
	if (n == THREAD_MAX - 1)
		printf("threads: ok: %d threads at once, then thread_create said -1\n", n);
	else
		FAIL("%d threads at once before thread_create said %d (want %d)\n", n, tid[n],
		     THREAD_MAX - 1);
	/* All of them run before any ends: main waits for each to have started
	 * without yielding, so only the timer can hand them the CPU (a thread
	 * run to its end inside thread_join never gets here). */
	limit = now_ns() + 1000000000u;
	for (;;) {
		ran = 0;
		for (int i = 0; i < n; i++)
			ran += started[i];
		if (ran == n || now_ns() >= limit)
			break;
	}
	if (ran != n)
		FAIL("only %d of %d threads ran in 1 s while main spun: is the timer switching?\n",
		     ran, n);
	go = 1;
	for (int i = 0; i < n; i++)
		if (thread_join(tid[i], &code) != 0 || code != i + 100)
			bad++;
	if (n && !bad && ran == n)
		printf("threads: ok: joined all %d, after they ran side by side\n", n);
	else if (bad)
		FAIL("%d of %d threads did not join with their code\n", bad, n);
	if (n && thread_join(tid[0], &code) == -1 && thread_join(0, &code) == -1 &&
	    thread_join(THREAD_MAX + 3, &code) == -1 && thread_join(-1, &code) == -1)
		printf("threads: ok: thread_join refuses a joined thread and bad tids\n");
	else
		FAIL("thread_join accepted a joined thread or a bad tid\n");
}

/* What a new thread finds at its first instruction: the x87 control word
 * FNINIT sets, 0x37f (SDM Vol.1 8.1.5: every x87 exception masked, 64-bit
 * precision, round to nearest), MXCSR as at power-up, 0x1f80 (Vol.1 10.2.3:
 * every SIMD exception masked, round to nearest), and a stack as just after
 * a CALL (SysV AMD64 ABI 3.2.2: rsp + 8 a multiple of 16 at entry), which
 * the compiler counts on when it places an aligned local or uses MOVAPS.
 * The control words are read, not tried: QEMU's TCG raises no SIMD
 * floating-point exception (#XM) whatever MXCSR masks, so an inexact 1/3
 * under MXCSR = 0 computes as if all were well. */
static volatile unsigned fresh_fcw, fresh_mxcsr, fresh_misalign = ~0u;

static int fresh(void *arg)
{
	uint32_t mxcsr;
	uint16_t fcw;
	_Alignas(16) char local[16];
	uintptr_t at = (uintptr_t)local;

	(void)arg;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	/* Hide the address: the compiler would take local's alignment on trust. */
	__asm__ volatile("" : "+r"(at));
	fresh_mxcsr = mxcsr;
	fresh_fcw = fcw;
	fresh_misalign = at & 15;
	return 0;
}

static volatile int self_join = -2; /* thread_join(self)'s value, once it returns */

static int join_self(void *arg)
{
	int code;

	(void)arg;
	self_join = thread_join(thread_self(), &code);
	return 0;
}

static void fresh_state(void)
{
	int t, code;
	uint64_t limit;

	t = thread_create(fresh, 0);
	if (t <= 0 || thread_join(t, &code) != 0) {
		FAIL("a new thread's state: thread_create %d, or its join failed\n", t);
		return;
	}
	printf("threads: a new thread's FCW 0x%x, MXCSR 0x%x, 16-byte local at %u mod 16\n",
	       fresh_fcw, fresh_mxcsr, fresh_misalign);
	if (fresh_fcw == 0x37f && fresh_mxcsr == 0x1f80)
		printf("threads: ok: a new thread starts with FCW 0x37f and MXCSR 0x1f80\n");
	else
		FAIL("a new thread's FCW 0x%x and MXCSR 0x%x, want 0x37f and 0x1f80\n", fresh_fcw,
		     fresh_mxcsr);
	if (fresh_misalign == 0)
		printf("threads: ok: a new thread's stack is aligned (rsp + 8 = 0 mod 16 at entry)\n");
	else
		FAIL("a new thread's 16-byte aligned local is at %u mod 16: its entry rsp + 8 "
		     "must be a multiple of 16\n", fresh_misalign);

	/* A thread joining itself would wait for good: give it 0.2 s. */
	t = thread_create(join_self, 0);
	limit = now_ns() + 200000000u;
	while (t > 0 && self_join == -2 && now_ns() < limit)
		thread_yield();
	if (t > 0 && self_join == -1 && thread_join(t, &code) == 0)
		printf("threads: ok: a thread's thread_join of itself says -1\n");
	else /* left as it is if it still waits: the timer stops soon */
		FAIL("thread_join of the caller itself: %s\n",
		     t <= 0 ? "thread_create failed" : self_join == -2 ? "still waiting after 0.2 s" :
		     "did not say -1");
}

int prog_lab_threads(void)
{
	int err = thread_init();

	if (err) {
		printf("ABORT: thread_init failed: %d\n", err);
		return 1;
	}
	compute();
	reap();
	fresh_state();
	thread_stop();
	if (failures) {
		printf("ABORT: %d threads checks failed\n", failures);
		return 1;
	}
	return 0;
}
