/* fault: (1) read an unmapped address; the guest's #PF handler prints the
 * register dump, and the fault it recorded must carry the right CR2 and error
 * code. (2) Make the handler itself fault: exceptions nest as on hardware,
 * so the fault comes back to the handler, which hands it to the monitor as
 * nested (HC_CRASH, reason nested); the monitor reports it and stays up. The
 * harness expects the crash status, so returning here is the failure. */
#include "progs.h"
#include "../kernel.h"

/* Unmapped: above the p2m window, below the kernel window (proto/layout.h). */
#define FAULT_VA UINT64_C(0xffff900000dead00)
#define SABOTAGE_VA UINT64_C(0xffff900000beef00)

int prog_fault(void)
{
	printf("guest: fault: reading unmapped address %lx\n", FAULT_VA);
	trap_verbose = 1;
	if (probe_read(FAULT_VA) != -1) {
		printf("ABORT: reading %lx did not fault\n", FAULT_VA);
		return 1;
	}
	if (last_fault.vector != 14 || last_fault.cr2 != FAULT_VA ||
	    (last_fault.error_code & (PF_ERR_P | PF_ERR_W | PF_ERR_I))) {
		printf("ABORT: expected #PF (14) at cr2 %lx, error 0 (read, not present); got "
		       "vector %lu cr2 %lx error 0x%lx\n",
		       FAULT_VA, last_fault.vector, last_fault.cr2, last_fault.error_code);
		return 1;
	}
	printf("guest: fault: page fault reported with cr2 %lx, as expected\n", last_fault.cr2);
	printf("guest: fault: now the handler itself faults at %lx; the monitor must end us\n",
	       SABOTAGE_VA);
	trap_sabotage_va = SABOTAGE_VA;
	probe_read(FAULT_VA);
	printf("ABORT: the nested fault came back to the guest\n");
	return 1;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 100
 * expect: guest: exception: vector 14 error code 0x0
 * expect: guest: fault: page fault reported with cr2 ffff900000dead00, as expected
 * expect: monitor: guest crashed (fault inside its own handler): vector 14 (#PF page fault)
 * expect: cr2    ffff900000beef00
 */
