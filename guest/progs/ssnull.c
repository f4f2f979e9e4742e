/* ssnull: load SS with a null selector in ring 1 (op=N: `mov ss` of N, 0 to
 * 3), then make a hypercall. On hardware `mov ss, 1` is legal in 64-bit mode
 * at CPL 1 (SDM Vol.2 MOV: a null selector whose RPL is the CPL) and ring 1
 * stays ring 1; 0, 2 and 3 are #GP(0). QEMU's TCG (7.2, Debian 12's) loads
 * every one of them and takes the new CPL from the null descriptor's DPL, 0:
 * the guest is then in ring 0, and its hypercall reaches the monitor's gate
 * without a stack switch. The monitor must notice (switch.asm, bad_stack)
 * and end the guest by name, never run on the guest's stack. Which of the
 * two a run saw is what it prints, and scripts/qemu-test.sh expects the one
 * the QEMU it runs is known for. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

/* op=exit: from the ring 0 that TCG gives, write 0 to QEMU's isa-debug-exit
 * (port 0xf4: QEMU exits with 1, what a monitor status of 0 looks like).
 * The test harness must not take that for a verdict (run_status in
 * scripts/qemu-test.sh: the boot ends without the monitor's line for the
 * run). On hardware the `out` is a #GP in ring 1: the monitor's report. */
static int debug_exit(void)
{
	printf("guest: ssnull: mov ss, 1 in ring 1, then 0 to isa-debug-exit\n");
	console_flush();
	__asm__ volatile("mov %0, %%ss" : : "r"(1ull) : "memory");
	__asm__ volatile("outl %0, %1" : : "a"(0u), "Nd"((uint16_t)0xf4));
	hypercall(HC_YIELD, 0, 0, 0);
	printf("guest: ssnull: the write did nothing\n");
	return 0;
}

int prog_ssnull(void)
{
	char op[8];
	uint64_t sel, ss, cs;

	cmdline_arg("op", op, sizeof(op));
	if (__builtin_strcmp(op, "exit") == 0)
		return debug_exit();
	if (op[0] < '0' || op[0] > '3' || op[1]) {
		printf("ABORT: op=%s: expected 0, 1, 2 or 3\n", op);
		return 1;
	}
	sel = (uint64_t)(op[0] - '0');
	printf("guest: ssnull: mov ss, %lu in ring 1, then a hypercall\n", sel);
	console_flush();
	__asm__ volatile("mov %0, %%ss" : : "r"(sel) : "memory");
	__asm__ volatile("mov %%ss, %0; mov %%cs, %1" : "=r"(ss), "=r"(cs));
	hypercall(HC_YIELD, 0, 0, 0); /* from ring 0, under TCG: the monitor ends us */
	printf("guest: ssnull: the CPU kept ring 1 (CS %lx, SS was %lx): as the SDM says\n", cs,
	       ss);
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * Under QEMU's TCG every op ends in the monitor's report (qemu-test.sh's
 * ssnull cases); on hardware op=1 prints the line above and exits 0, and
 * ops 0, 2 and 3 are #GP at the mov, reported by the kit's handler.
 * status: 100
 * expect op=0: monitor: guest crashed (it ran in ring 0: a gate found no stack switch
 * expect op=1: monitor: guest crashed (it ran in ring 0: a gate found no stack switch
 * expect op=2: monitor: guest crashed (it ran in ring 0: a gate found no stack switch
 * expect op=3: monitor: guest crashed (it ran in ring 0: a gate found no stack switch
 */
