/* preempt: compute for seconds=N (default 5; 0: forever) without a single
 * hypercall. Interrupts are the host's: its timer, its devices, its other
 * CPUs' IPIs reach it through the monitor's gates while we compute, and a host
 * that wants its CPU back takes it between two of our instructions. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

int prog_preempt(void)
{
	char arg[16];
	uint64_t seconds = 5, end, sum = 0, n = 0;

	cmdline_arg("seconds", arg, sizeof(arg));
	if (arg[0]) {
		seconds = 0;
		for (const char *c = arg; *c >= '0' && *c <= '9'; c++)
			seconds = seconds * 10 + (uint64_t)(*c - '0');
	}
	printf("guest: preempt: computing for %lu s without a hypercall%s\n", seconds,
	       seconds ? "" : " (forever)");
	console_flush();
	end = rdtsc() + boot->tsc_hz * seconds;
	while (!seconds || rdtsc() < end) {
		for (int k = 0; k < 1000; k++)
			sum += (uint64_t)k * n;
		n++;
	}
	printf("guest: preempt: %lu rounds computed (sum %lx)\n", n, sum);
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: preempt: computing for 5 s without a hypercall
 * expect: rounds computed
 * expect: SUCCESS
 */
