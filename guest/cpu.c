/* The guest's exception handlers: ring 1 cannot load an IDT, so the guest
 * registers one entry (guest/traps.asm) for all 32 vectors with the monitor. */
#include "hypercall.h"
#include "kernel.h"

extern const char guest_trap_entry[];
static uint64_t trap_table[HCLIM_TRAPS];

void guest_cpu_init(void)
{
	for (int v = 0; v < HCLIM_TRAPS; v++)
		trap_table[v] = (uint64_t)guest_trap_entry;
	if (hypercall(HC_SET_TRAPS, virt_to_gpa(trap_table), 0, 0) != 0)
		guest_exit(3);
}
