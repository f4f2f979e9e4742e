/* The few privileged instructions the monitor core itself executes (it runs in
 * ring 0 on every host). The switch's own are in switch/switch.asm. */
#ifndef LOADER_CPU_H
#define LOADER_CPU_H

#include <stdint.h>

#define CR0_WP (1ull << 16)     /* SDM Vol.3 2.5: supervisor writes honour read-only pages */
#define CR4_VMXE (1ull << 13)   /* SDM Vol.3 2.5: VMX enabled */
#define MSR_EFER 0xc0000080u    /* SDM Vol.4 2.1: IA32_EFER */
#define EFER_NXE (1ull << 11)   /* SDM Vol.3 2.2.1: execute-disable enable */
#define EFER_SVME (1ull << 12)  /* AMD APM Vol.2 3.1.7: SVM enabled */

#ifdef CPU_FAKE
/* The unit tests run in user mode, where these instructions fault: they
 * build with CPU_FAKE and give the monitor a fake CPU whose registers they
 * set (tests/unit/fake_host.c). */
uint64_t cpu_read_cr0(void);
uint64_t cpu_read_cr4(void);
uint64_t cpu_rdmsr(uint32_t msr);
uint64_t cpu_rdtsc(void);
void cpu_raise_machine_check(void);
void cpu_raise_interrupt(unsigned vector);
#else

static inline uint64_t cpu_read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* A machine check taken in the guest world, handed to the host's own handler
 * through its IDT (SDM Vol.3 15.9: vector 18), in the host world. */
static inline void cpu_raise_machine_check(void)
{
	__asm__ volatile("int $18" : : : "memory");
}

/* A host interrupt (vector 32-255) the switch took in the guest world,
 * handed to the host's own handler through its IDT (loader/irq_raise.asm). */
extern const char irq_raise_table[];
static inline void cpu_raise_interrupt(unsigned vector)
{
	((void (*)(void))(irq_raise_table + (vector - 32) * 8))();
}

/* SDM Vol.2 RDTSC; under QEMU -icount shift=0, one tick per instruction. */
static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#endif

#endif
