/* crash: a guest that dies of a bug two calls deep, for the crash dumps
 * (docs/CRASHDUMP.md): prog_crash calls crash_walk, which calls crash_store,
 * which stores through a pointer to unmapped memory. The guest's own handler
 * hands the #PF to the monitor (HC_CRASH), so the guest ends with status 100,
 * and its core opens in gdb at the store in crash_store, with crash_walk and
 * prog_crash under it. */
#include "progs.h"
#include "../kernel.h"

/* Unmapped: above the p2m window, below the kernel window (proto/layout.h). */
#define CRASH_VA UINT64_C(0xffff900000c0de00)

/* noipa: neither inlined nor cloned nor merged into a tail call, so each of
 * the three keeps a frame of its own under its own name. */
__attribute__((noipa)) static int crash_store(volatile uint64_t *p, uint64_t v)
{
	*p = v; /* the fault: nothing is mapped there */
	return (int)*p;
}

__attribute__((noipa)) static int crash_walk(uint64_t index)
{
	volatile uint64_t *table = (volatile uint64_t *)CRASH_VA;

	return crash_store(table + index, 0xc0ffee) + 1;
}

int prog_crash(void)
{
	int r;

	printf("guest: crash: storing to %lx, two calls deep\n", CRASH_VA + 2 * 8);
	r = crash_walk(2);
	printf("ABORT: the store came back (%d)\n", r);
	return 1;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 100
 * expect: monitor: guest crashed (unhandled exception): vector 14 (#PF page fault) error code 0x2
 */
