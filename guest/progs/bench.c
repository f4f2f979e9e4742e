/* bench: what the world switch, a hypercall, a request batch and boot cost.
 * Under QEMU TCG with -icount shift=0 the TSC advances one tick per guest
 * instruction, so each rdtsc delta is an exact instruction count (checked
 * first with a loop of known length). Each figure is the median of ITER runs
 * after WARMUP, with min and max, net of the measurement's own cost. Output:
 * "BENCH name median min max iterations" lines for scripts/bench.sh. */
#include "bench_vm.h"
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../ring.h"

#define ITER BENCH_ITER
#define WARMUP BENCH_WARMUP
#define BATCH 64

extern uint64_t guest_entry_tsc; /* guest/entry.asm: rdtsc at our first instruction */

static uint64_t samples[ITER];
static uint64_t overhead;
/* The batches' buffers: the pool's last BATCH pages (the image's bss would
 * keep small pools from loading; bench_vm.c's fills start below them). */
#define blocks ((uint8_t (*)[4096])gpa_to_virt(boot->pool_bytes - BATCH * 4096))
static char log16[16] = "bench: 16 bytes\n"; /* 15 characters and a newline */

/* SDM Vol.2 RDTSC: LFENCE first so that earlier instructions have finished. */
static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static void sort(uint64_t *s, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
			uint64_t t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
}

/* Run op ITER times after WARMUP, report median/min/max minus the overhead. */
static void dirty_vectors(void)
{
	static const uint64_t ones[2] __attribute__((aligned(16))) = { ~0ull, ~0ull };

	__asm__ volatile("movdqa %0, %%xmm0\n\tmovdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm8\n\t"
			 "movdqa %%xmm0, %%xmm15\n\tfld1"
			 : : "m"(ones) : "xmm0", "xmm1", "xmm8", "xmm15", "memory");
}

static uint64_t measure(const char *name, void (*op)(void), uint64_t per)
{
	for (int i = -WARMUP; i < ITER; i++) {
		uint64_t t0 = tsc(), t1;

		op();
		t1 = tsc();
		if (i >= 0)
			samples[i] = t1 - t0 - overhead;
	}
	sort(samples, ITER);
	if (name)
		printf("BENCH %s %lu %lu %lu %d\n", name, samples[ITER / 2] / per, samples[0] / per,
		       samples[ITER - 1] / per, ITER);
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

/* 1 + 2 * 1000 instructions: mov, then 1000 x (dec, jnz). */
static void known_loop(void)
{
	__asm__ volatile("mov $1000, %%ecx\n1: dec %%ecx\njnz 1b" ::: "ecx", "cc");
}

static void yield(void)
{
	hypercall(HC_YIELD, 0, 0, 0);
}

/* A host interrupt that lands while the guest computes: read the TSC in a
 * tight loop whose every round costs the same few instructions, and count the
 * rounds that took far longer: each is one interrupt that went through the
 * monitor's gate to the host's handler and back (under icount the extra is
 * its cost in instructions, the host's handler included: on bare metal a
 * six-instruction tick counter). About 100 M instructions: ten ticks at
 * 100 Hz. */
#define GAP_ROUNDS 12000000u
#define GAP_MAX 64

static void forwarded_interrupts(void)
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
	if (!n) {
		printf("guest: bench: no host interrupt in %u rounds\n", GAP_ROUNDS);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		gaps[i] -= base;
	sort(gaps, (int)n);
	printf("BENCH forwarded_host_interrupt %lu %lu %lu %u\n", gaps[n / 2], gaps[0],
	       gaps[n - 1], n);
}

static void on_upcall(struct hc_trap_frame *f)
{
	(void)f;
	vcpu.events = 0;
}

extern const char bench_upcall_entry[]; /* guest/progs/bench_entries.asm */

static void yield_upcall(void)
{
	vcpu.events |= HCEV_SELF;
	hypercall(HC_YIELD, 0, 0, 0);
}

static void log_16(void)
{
	hypercall(HC_LOG, virt_to_gpa(log16), sizeof(log16), 0);
}

static void post_read(int i)
{
	struct ring_desc *d = ring_next();

	*d = (struct ring_desc){ .device = RING_DEV_BLOCK, .op = RING_OP_BLK_READ,
				 .len_bytes = 4096, .buf_gpa = virt_to_gpa(blocks[i]),
				 .offset = 1 + (uint64_t)i * 8 };
}

static void batch_one_post(void)
{
	for (int i = 0; i < BATCH; i++)
		post_read(i);
	ring_publish();
	ring_post();
}

static void batch_many_posts(void)
{
	for (int i = 0; i < BATCH; i++) {
		post_read(i);
		ring_publish();
		ring_post();
	}
}

int prog_bench(void)
{
	uint64_t loop;

	ring_init();
	printf("BENCH reset_to_guest_first_instruction %lu %lu %lu 1\n", guest_entry_tsc,
	       guest_entry_tsc, guest_entry_tsc);
	overhead = 0;
	overhead = measure(0, nothing, 1);
	loop = measure(0, known_loop, 1);
	printf("guest: bench: a 1000-iteration dec/jnz loop measures %lu instructions "
	       "(expected 2001): %s\n",
	       loop, loop == 2001 ? "exact" : "NOT EXACT: the TSC is not counting instructions "
						  "(not under -icount shift=0?)");
	printf("BENCH method_check_loop_2001 %lu %lu %lu %d\n", loop, samples[0],
	       samples[ITER - 1], ITER);
	measure("empty_function_call", call_empty, 1);
	measure("yield_round_trip", yield, 1);
	/* The same with every vector register holding something other than its
	 * initial state, so that an XSAVEOPT (or a CPU's init optimization)
	 * cannot skip them: under icount one instruction is one instruction
	 * either way; on hardware the two differ. */
	dirty_vectors();
	measure("yield_round_trip_vectors_dirty", yield, 1);
	measure("log_16_bytes", log_16, 1);
	forwarded_interrupts();
	/* Virtual interrupts: a YIELD once an upcall handler is registered (the
	 * monitor then looks at the shared page after every exit), and a YIELD
	 * that comes back through an upcall (an event the guest raised itself):
	 * the difference is what delivering one virtual interrupt costs, the
	 * kit's C handler and its way back by iretq included. Then the same with
	 * the smallest handler there is, in assembly (bench_upcall.asm): what
	 * the monitor's delivery and a plain iretq cost (bench_entries.asm). */
	if (vintr_init(on_upcall) == 0) {
		uint64_t y = measure("yield_round_trip_upcalls_registered", yield, 1), u;

		measure("yield_with_one_upcall", yield_upcall, 1);
		trap_set_entry(HCABI_UPCALL_VECTOR, (uint64_t)bench_upcall_entry, 0);
		traps_load();
		u = measure(0, yield_upcall, 1);
		printf("BENCH upcall_delivered_and_iretq %lu %lu %lu %d\n", u - y, samples[0] - y,
		       samples[ITER - 1] - y, ITER);
		guest_cpu_init(); /* the kit's entry again */
		vcpu.mask = 1;
	}
	measure("batch_64_reads_one_post", batch_one_post, 1);
	measure("batch_64_reads_64_posts", batch_many_posts, 1);
	bench_vm(measure);
	console_flush();
	return 0;
}
