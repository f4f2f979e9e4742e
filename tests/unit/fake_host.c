/* The fake machine of tests/unit/fake_host.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_host.h"
#include "../../loader/cpu.h"
#include "../../proto/errors.h"

static uint8_t *arena;
static uint8_t used[FAKE_PAGES];
static uint8_t taken[FAKE_PAGES];
static uint64_t outstanding;
static int64_t fail_after = -1;
uint64_t fake_cr0, fake_cr4, fake_efer;

void fake_reset(void)
{
	if (!arena)
		arena = aligned_alloc(4096, FAKE_PAGES * 4096ull);
	memset(arena, 0xaa, FAKE_PAGES * 4096ull);
	memset(used, 0, sizeof(used));
	memset(taken, 0, sizeof(taken));
	outstanding = 0;
	fail_after = -1;
	fake_cr0 = CR0_WP; /* every host's: the guest world relies on it */
	fake_cr4 = 0;
	fake_efer = EFER_NXE;
}

uint64_t cpu_read_cr0(void)
{
	return fake_cr0;
}

uint64_t cpu_read_cr4(void)
{
	return fake_cr4;
}

uint64_t cpu_rdmsr(uint32_t msr)
{
	return msr == MSR_EFER ? fake_efer : 0;
}

uint64_t cpu_rdtsc(void)
{
	static uint64_t tsc;

	return ++tsc;
}

void fake_fail_after(int64_t n)
{
	fail_after = n;
}

void fake_take(uint64_t first, uint64_t n)
{
	memset(&taken[first], 1, n);
}

uint64_t fake_outstanding(void)
{
	return outstanding;
}

int fake_is_fake_ma(uint64_t ma)
{
	return ma >= FAKE_MA_BASE && ma < FAKE_MA_BASE + FAKE_PAGES * 4096ull;
}

uint8_t *fake_hva(uint64_t ma)
{
	if (!fake_is_fake_ma(ma)) {
		fprintf(stderr, "fake host: ma %llx was never handed out\n", (unsigned long long)ma);
		abort();
	}
	return arena + (ma - FAKE_MA_BASE);
}

int fake_holds_hva(uint64_t hva, uint64_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)arena, size = FAKE_PAGES * 4096ull;

	return arena && hva >= base && hva < base + size && len <= base + size - hva;
}

static int f_alloc(void *ctx, uint64_t n, uint64_t *ma)
{
	(void)ctx;
	if (fail_after == 0)
		return -HCERR_NOMEM;
	for (uint64_t i = 0; n && i + n <= FAKE_PAGES; i++) {
		uint64_t k = 0;

		while (k < n && !used[i + k] && !taken[i + k])
			k++;
		if (k == n) {
			memset(&used[i], 1, n);
			outstanding += n;
			if (fail_after > 0)
				fail_after--;
			*ma = FAKE_MA_BASE + i * 4096;
			return 0;
		}
		i += k;
	}
	return -HCERR_NOMEM;
}

static void f_free(void *ctx, uint64_t ma, uint64_t n)
{
	uint64_t first = (ma - FAKE_MA_BASE) / 4096;

	(void)ctx;
	for (uint64_t i = 0; i < n; i++) {
		if (!fake_is_fake_ma(ma) || !used[first + i]) {
			fprintf(stderr, "fake host: freeing page %llx that is not allocated\n",
				(unsigned long long)(ma + i * 4096));
			abort();
		}
		used[first + i] = 0;
	}
	outstanding -= n;
}

static void *f_hva(void *ctx, uint64_t ma)
{
	(void)ctx;
	return fake_hva(ma);
}

const struct mm_host fake_mm = { .alloc_pages = f_alloc, .free_pages = f_free,
				  .ma_to_hva = f_hva }; /* pages come with 0xAA */

unsigned fake_machine_checks; /* what monitor_step re-raised */

void cpu_raise_machine_check(void)
{
	fake_machine_checks++;
}

unsigned fake_interrupts; /* what monitor_step re-raised */

void cpu_raise_interrupt(unsigned vector)
{
	(void)vector;
	fake_interrupts++;
}
