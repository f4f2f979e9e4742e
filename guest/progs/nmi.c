/* nmi: a hypercall-heavy loop for NMI_SECONDS while the test injects NMIs
 * (it waits for the "inject now" line). Every NMI that hits the guest world or
 * the switch must reach the host, and the guest must not notice. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

/* The injector's 150 NMIs 20 ms apart take about 3.5 s on a loaded 2-core
 * machine (scripts/qemu-test.sh): they must all come while we run. */
#define NMI_SECONDS 6

int prog_nmi(void)
{
	uint64_t end, n = 0;

	printf("guest: nmi: inject now\n");
	console_flush();
	end = rdtsc() + boot->tsc_hz * NMI_SECONDS;
	while (rdtsc() < end) {
		hypercall(HC_YIELD, 0, 0, 0);
		n++;
	}
	printf("guest: nmi: %lu yields in %d s, every one came back\n", n, NMI_SECONDS);
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: every one came back
 * expect: SUCCESS
 */
