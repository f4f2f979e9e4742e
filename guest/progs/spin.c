/* spin: never ends on its own, and never yields: it works, so a host can be
 * seen to keep control of a guest that does not stop (its interrupts take the
 * CPU back): the Linux host's time slices, Ctrl-C on cokrun, a runner killed
 * mid-run. Every 2^22 rounds it says how far it came. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

int prog_spin(void)
{
	uint64_t sum = 0;

	printf("guest: spin: running until the host stops me\n");
	for (uint64_t i = 1;; i++) {
		for (int k = 0; k < 100; k++) /* some work between yields */
			sum += i * (uint64_t)k;
		if ((i & 0x3fffff) == 0) /* no yield: the host takes its CPU back itself */
			printf("guest: spin: %lu rounds (sum %lx)\n", i, sum);
	}
}
