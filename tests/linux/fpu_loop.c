/* fpu: a process that keeps known values in its vector registers (YMM where
 * the CPU has AVX, else XMM) across thousands of context switches, run on the
 * same CPU as a guest that uses its own (scenario.sh pins both to CPU 0). Every
 * sched_yield may switch to the guest's runner and into the guest: if the
 * monitor ever let the guest's state reach this task, or clobbered this
 * task's, a register comes back changed. Also a floating-point series, which
 * must come out the same bit for bit every round.
 * usage: fpu_loop SECONDS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "say.h"

static uint8_t in[16 * 32] __attribute__((aligned(32)));
static uint8_t out[16 * 32] __attribute__((aligned(32)));

static int have_avx(void)
{
	uint32_t a, b, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 28)) || !(c & (1u << 27)))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* Load every vector register, make `yields` sched_yield system calls (which
 * keep vector registers, SysV syscall ABI), store them again. */
#define LOAD(i) "vmovdqu " #i "*32(%[in]), %%ymm" #i "\n\t"
#define STORE(i) "vmovdqu %%ymm" #i ", " #i "*32(%[out])\n\t"
#define LOADX(i) "movdqu " #i "*32(%[in]), %%xmm" #i "\n\t"
#define STOREX(i) "movdqu %%xmm" #i ", " #i "*32(%[out])\n\t"
#define ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define YIELDS "1: mov $24, %%eax\n\tsyscall\n\tdec %[n]\n\tjnz 1b\n\t" /* __NR_sched_yield */

static void round_wide(uint64_t n)
{
	__asm__ volatile(ALL(LOAD) YIELDS ALL(STORE) "vzeroupper"
			 : [n] "+r"(n)
			 : [in] "r"(in), [out] "r"(out)
			 : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
			   "xmm14", "xmm15");
}

static void round_narrow(uint64_t n)
{
	__asm__ volatile(ALL(LOADX) YIELDS ALL(STOREX)
			 : [n] "+r"(n)
			 : [in] "r"(in), [out] "r"(out)
			 : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
			   "xmm14", "xmm15");
}

static double series(void)
{
	volatile double step = 1.0000003;
	double x = 0.5, s = 0;

	for (int i = 1; i <= 3000; i++) {
		x = x * step + 1.0 / i;
		s += x / (i + 0.25);
	}
	return s;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 3, wide = have_avx();
	unsigned width = wide ? 32 : 16;
	unsigned long rounds = 0, bad = 0;
	struct timespec t0, t;
	double first = series();

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 29 + 5);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		memset(out, 0, sizeof(out));
		if (wide)
			round_wide(100);
		else
			round_narrow(100);
		for (unsigned r = 0; r < 16; r++)
			bad += memcmp(out + r * 32, in + r * 32, width) != 0;
		double again = series();
		bad += memcmp(&again, &first, sizeof(again)) != 0;
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	printf("%s fpu: the %s loop beside the guest: %lu rounds of 100 yields, %lu wrong\n", say(),
	       wide ? "AVX" : "SSE", rounds, bad);
	if (bad == 0)
		printf("%s fpu: every register and every series intact: ok\n", say());
	return bad != 0;
}
