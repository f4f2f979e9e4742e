/* doublefault: with handlers registered, point RSP at memory that is not
 * mapped and fault. The exception frame cannot be written: on bare hardware a
 * double fault, then a reset. The monitor must end the guest with a report. */
#include "progs.h"
#include "../kernel.h"

#define BAD_STACK UINT64_C(0xffff900000001000) /* between the windows: unmapped */

int prog_doublefault(void)
{
	printf("guest: doublefault: RSP = %lx, then ud2\n", BAD_STACK);
	console_flush();
	__asm__ volatile("mov %0, %%rsp\n\tud2" : : "r"(BAD_STACK));
	return 1; /* not reached: the monitor cannot resume a guest without a stack */
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 100
 * expect: monitor: guest crashed (double fault: its stack cannot take the exception frame)
 * expect: rsp ffff900000001000
 */
