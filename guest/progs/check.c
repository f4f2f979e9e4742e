/* Check lines for the test programs (guest/progs/check.h). */
#include "check.h"
#include "../kernel.h"

static const char *prog;
static int nchecks, nfailed;

void check_begin(const char *program)
{
	prog = program;
	nchecks = nfailed = 0;
}

void check(const char *what, int ok)
{
	nchecks++;
	nfailed += !ok;
	printf("guest: %s: %s %s\n", prog, ok ? "ok  " : "FAIL", what);
}

void check_eq(const char *what, uint64_t got, uint64_t want)
{
	check(what, got == want);
	if (got != want)
		printf("guest: %s:      expected %ld (0x%lx), got %ld (0x%lx)\n", prog,
		       (int64_t)want, want, (int64_t)got, got);
}

void check_fault(const char *what, int64_t probe_ret, uint64_t err_bits)
{
	uint64_t got = last_fault.error_code & (PF_ERR_P | PF_ERR_W | PF_ERR_I);
	int ok = probe_ret == -1 && last_fault.vector == 14 && got == err_bits;

	check(what, ok);
	if (!ok)
		printf("guest: %s:      expected #PF error 0x%lx, got %s vector %lu error 0x%lx\n",
		       prog, err_bits, probe_ret == -1 ? "a fault:" : "no fault; last was",
		       last_fault.vector, last_fault.error_code);
}

int check_end(void)
{
	printf("guest: %s: %d checks, %d failed\n", prog, nchecks, nfailed);
	if (nfailed) {
		printf("ABORT: %d of %d checks failed\n", nfailed, nchecks);
		return 1;
	}
	return 0;
}
