/* hello: say hello, yield to the host 1000 times, exit 0. The smallest proof
 * that the world switch goes both ways and keeps the guest's state. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

#define HELLO_YIELDS 1000

int prog_hello(void)
{
	int64_t bad = 0;

	printf("guest: hello from the cokernel guest (pool %lu KiB, cmdline '%s')\n",
	       boot->pool_bytes >> 10, boot->cmdline);
	for (int i = 0; i < HELLO_YIELDS; i++)
		if (hypercall(HC_YIELD, 0, 0, 0) != 0)
			bad++;
	if (bad) {
		printf("ABORT: %ld of %d yields returned non-zero\n", bad, HELLO_YIELDS);
		return 1;
	}
	printf("guest: hello: %d yields done\n", HELLO_YIELDS);
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: hello: 1000 yields done
 * expect: SUCCESS
 * expect: hypercalls: yield 1000,
 * expect: monitor: guest exited with code 0
 */
