/* The guest's own descriptor tables: a GDT (it stops using the passage's boot
 * GDT) and an IDT whose 32 exception gates lead to guest/trap.c. */
#include "kernel.h"

#define GUEST_CS 0x08
#define GUEST_DS 0x10

/* SDM Vol.3 3.4.5: null, 64-bit code (L=1, type exec/read), data (read/write). */
static uint64_t gdt[3] = { 0, 0x00209a0000000000ull, 0x0000920000000000ull };
static struct trap_gate idt[32];

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

void guest_cpu_init(void)
{
	struct dtr g = { sizeof(gdt) - 1, (uint64_t)gdt };
	struct dtr i = { sizeof(idt) - 1, (uint64_t)idt };

	trap_fill_gates(idt, GUEST_CS);
	__asm__ volatile("lidt %0" : : "m"(i));
	__asm__ volatile("lgdt %0" : : "m"(g));
	/* Reload CS with a far return (SDM Vol.2 RET), then the data segments. */
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss"
			 :
			 : [cs] "i"(GUEST_CS), [ds] "i"(GUEST_DS)
			 : "rax", "memory");
}
