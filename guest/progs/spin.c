/* spin: never ends on its own. It works and yields, over and over, so a host
 * can be seen to keep control of a guest that does not stop: the Linux host's
 * time slices, Ctrl-C on cokrun, a runner killed mid-run. Every 2^16 yields it
 * says how far it came. */
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
		hypercall(HC_YIELD, 0, 0, 0);
		if ((i & 0xffff) == 0)
			printf("guest: spin: %lu yields (sum %lx)\n", i, sum);
	}
}
