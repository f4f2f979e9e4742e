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
