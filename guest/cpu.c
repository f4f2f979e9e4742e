/* The guest kernel's trap table: `lidt` for a ring-1 kernel. Every exception
 * vector and the upcall vector go to the stubs of guest/traps.asm, the vcpu
 * page (proto/vintr.h) comes with it, and HC_SET_TRAPS copies both in. The
 * system-call vector is added by a kernel that has user programs
 * (trap_set_syscall). */
#include "hypercall.h"
#include "kernel.h"

extern const char trap_vectors[], guest_trap_resume_start[], guest_trap_resume_end[];

static struct hc_trap_entry trap_table[HCLIM_TRAPS] __attribute__((aligned(4096)));

/* The stub of vector v (guest/traps.asm: 16 bytes each; the system-call
 * vector's after the upcall's). */
static uint64_t stub(unsigned v)
{
	return (uint64_t)trap_vectors + (v == HCABI_SYSCALL_VECTOR ? 33 : v) * 16;
}

int64_t traps_load(void)
{
	return hypercall(HC_SET_TRAPS, virt_to_gpa(trap_table), virt_to_gpa(&vcpu), 0);
}

void trap_set_entry(unsigned vector, uint64_t handler, uint32_t flags)
{
	trap_table[vector] = (struct hc_trap_entry){ .handler = handler, .flags = flags };
}

int64_t trap_set_syscall(void)
{
	trap_set_entry(HCABI_SYSCALL_VECTOR, stub(HCABI_SYSCALL_VECTOR), HCTRAP_USER);
	return traps_load();
}

void guest_cpu_init(void)
{
	for (unsigned v = 0; v <= HCABI_UPCALL_VECTOR; v++)
		trap_set_entry(v, stub(v), 0);
	vcpu.resume_start = (uint64_t)guest_trap_resume_start;
	vcpu.resume_end = (uint64_t)guest_trap_resume_end;
	if (traps_load() != 0)
		guest_exit(3);
}
