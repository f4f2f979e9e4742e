/* ud2-first: the very first thing this guest does is an invalid opcode, before
 * it has registered any exception handler (main.c skips that for it). Ring 0
 * with no IDT would triple-fault the machine; the monitor must report it. */
#include "progs.h"
#include "../kernel.h"

int prog_ud2_first(void)
{
	__asm__ volatile("ud2");
	printf("ABORT: ud2 came back to the guest\n");
	return 1;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 100
 * expect: monitor: guest crashed (exception before it registered any handler): vector 6 (#UD invalid opcode)
 */
