/* bench: a null system call from ring 3, measured in ring 3 (the TSC counts
 * instructions under QEMU's -icount shift=0): SYS_GETPID through the kit's C
 * trap path, then BENCH_SYS_NULL through the smallest handler the gate can
 * have (guest/progs/bench_entries.asm), which the kernel puts there when
 * asked (guest/progs/bench_vm.c). Lines "BENCH name median min max n". */
#include "ulib.h"
#include "../progs/bench_vm.h"

static uint64_t samples[BENCH_ITER], overhead;

static void sort(uint64_t *s, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
			uint64_t t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
}

static uint64_t measure(const char *name, uint64_t nr)
{
	for (int i = -BENCH_WARMUP; i < BENCH_ITER; i++) {
		uint64_t t0 = rdtsc(), t1;

		if (nr)
			sys(nr, 0, 0, 0);
		t1 = rdtsc();
		if (i >= 0)
			samples[i] = t1 - t0 - overhead;
	}
	sort(samples, BENCH_ITER);
	if (name)
		printf("BENCH %s %lu %lu %lu %d\n", name, samples[BENCH_ITER / 2], samples[0],
		       samples[BENCH_ITER - 1], BENCH_ITER);
	return samples[BENCH_ITER / 2];
}

int main(void)
{
	overhead = measure(0, 0);
	measure("null_syscall_kit_c_path", SYS_GETPID);
	sys(SYS_NCALLS, 1, 0, 0); /* the smallest handler on the gate */
	measure("null_syscall_direct_gate", BENCH_SYS_NULL);
	sys(SYS_NCALLS, 0, 0, 0); /* the kit's again */
	return 0;
}
