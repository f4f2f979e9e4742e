/* fault: a user program that touches what ring 3 may not, chosen by the
 * test (guest/progs/user.c) through a system call of its own (SYS_NCALLS):
 * one process per way to die.
 * Every one is killed; none may reach its exit. */
#include "ulib.h"

static volatile uint8_t data_page[64] = { 0xc3 }; /* a RET, in a RW, NX page */

int main(void)
{
	int how = (int)sys(SYS_NCALLS, 0, 0, 0);
	volatile uint64_t *p;

	printf("user: fault %d: pid %d\n", how, getpid());
	switch (how) {
	case 0: /* a supervisor page: the kernel's image (U/S) */
		p = (volatile uint64_t *)0xffffffff80000000ull;
		(void)*p;
		break;
	case 1: /* a page nothing maps */
		p = (volatile uint64_t *)0x20000000ull;
		*p = 1;
		break;
	case 2: /* write to its own text: read-only */
		*(volatile uint8_t *)main = 0xc3;
		break;
	case 3: /* a privileged instruction */
		__asm__ volatile("cli");
		break;
	case 4: /* the monitor's hypercall gate: DPL 1 */
		__asm__ volatile("int $0x81" : : "a"(0));
		break;
	case 5: /* execute its data: NX */
		((void (*)(void))(uintptr_t)data_page)();
		break;
	case 6: /* ud2 */
		__asm__ volatile("ud2");
		break;
	default:
		return 0;
	}
	printf("user: fault %d: still alive\n", how);
	return 1;
}
