/* fpu: the guest's own x87/SSE/AVX state across thousands of world switches.
 * (1) A floating-point series computed twice, once without and once with a
 * hypercall at every step (the compiler keeps its values in XMM registers
 * across them, as the ABI allows): the two results must agree to the bit.
 * (2) Every vector register (YMM where the CPU and the host have AVX) and two
 * x87 registers filled with known patterns, then 2000 hypercalls with upcalls
 * at 1 kHz among them (the handler computes with SSE), then read back: every
 * byte must be as it was. (3) A non-default MXCSR survives too. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

#define STEPS 3000
#define ROUNDS 2000

static uint8_t in[16 * 32 + 16] __attribute__((aligned(32)));
static uint8_t out[16 * 32 + 16] __attribute__((aligned(32)));

uint64_t fpu_regs_survive(const void *in, uint64_t rounds, uint64_t wide, void *out);

/* Upcalls land in the middle of the register test: their handler computes
 * with SSE, and the interrupted code's registers must not notice. */
static volatile double sink = 1.0;
static volatile uint64_t upcalls;

static void on_tick(struct hc_trap_frame *f)
{
	(void)f;
	vcpu.events = 0;
	sink = sink * 1.5 + 2.0;
	upcalls++;
}

static double series(int switching)
{
	double x = 0.5, s = 0;

	for (int i = 1; i <= STEPS; i++) {
		x = x * 1.0000003 + 1.0 / i;
		s += x / (i + 0.25);
		if (switching)
			hypercall(HC_YIELD, 0, 0, 0);
	}
	return s;
}

/* CPUID.1:ECX.AVX and the OS (here: the host) enabled YMM in XCR0 (SDM Vol.1
 * 14.3). XGETBV is allowed in ring 1 once CR4.OSXSAVE is on. */
static int have_avx(void)
{
	uint32_t a, b, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 28)) || !(c & (1u << 27))) /* AVX, OSXSAVE */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

int prog_fpu(void)
{
	double quiet, busy;
	uint64_t qbits, bbits;
	uint32_t mxcsr = 0x3f80, after; /* rounding toward -inf: not the reset value */
	int wide = have_avx(), bad = 0;

	quiet = series(0);
	busy = series(1);
	__builtin_memcpy(&qbits, &quiet, 8);
	__builtin_memcpy(&bbits, &busy, 8);
	printf("guest: fpu: the series without switches %lx, with %d switches %lx\n", qbits,
	       2 * STEPS, bbits);
	if (qbits != bbits) {
		printf("ABORT: the series differs after world switches\n");
		return 1;
	}
	for (unsigned i = 0; i < 16 * 32; i++)
		in[i] = (uint8_t)(i * 37 + 11);
	{
		double x87[2] = { 3.14159265358979, -2.718281828459045 };

		__builtin_memcpy(in + 512, x87, sizeof(x87));
	}
	if (vintr_init(on_tick) != 0)
		return 1;
	vtimer_arm(now_ns() + 1000000u, 1000000u); /* 1 kHz while the registers wait */
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	fpu_regs_survive(in, ROUNDS, (uint64_t)wide, out);
	__asm__ volatile("stmxcsr %0" : "=m"(after));
	vtimer_arm(0, 0);
	vcpu.mask = 1;
	for (unsigned r = 0; r < 16; r++)
		for (unsigned i = 0; i < (wide ? 32u : 16u); i++)
			if (out[r * 32 + i] != in[r * 32 + i]) {
				printf("guest: fpu: %smm%u byte %u: %x, expected %x\n",
				       wide ? "y" : "x", r, i, out[r * 32 + i], in[r * 32 + i]);
				bad++;
				break;
			}
	if (__builtin_memcmp(out + 512, in + 512, 16) != 0) {
		printf("guest: fpu: the x87 registers changed\n");
		bad++;
	}
	if (after != mxcsr) {
		printf("guest: fpu: MXCSR %x, expected %x\n", after, mxcsr);
		bad++;
	}
	mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	if (bad) {
		printf("ABORT: %d register(s) changed across %d world switches\n", bad, 2 * ROUNDS);
		return 1;
	}
	printf("guest: fpu: %s0-15, two x87 registers and MXCSR intact across %d switches and "
	       "%lu upcalls whose handler computes with SSE\n", wide ? "ymm" : "xmm", 2 * ROUNDS,
	       upcalls);
	if (!upcalls) {
		printf("ABORT: no upcall came while the registers waited\n");
		return 1;
	}
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: fpu: the series without switches 4044a0c5d76c6130, with 6000 switches 4044a0c5d76c6130
 * expect: two x87 registers and MXCSR intact across 4000 switches
 * expect: SUCCESS
 */
