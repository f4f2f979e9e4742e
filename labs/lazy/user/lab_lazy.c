/* Lab lazy's ring-3 program (labs/lazy/guest/lazy_test.c runs it, once per
 * mode): the ways a fault must not be taken for a lazy one, each of which
 * must kill it, and the heap's good faults checked from the kernel's side
 * (kcheck lines: "guest: lab-lazy: ok   pid N: ..."): the page mapped and no
 * other, its bits, a frame each, a read then a write, a kernel copy. */
#include "../../../guest/user/memtest_user.h"
#include "../guest/lazy_test.h"

#define PAGE 4096

static int fails;

static void expect(const char *what, uint64_t got, uint64_t want)
{
	fails += !kcheck(what, got, want);
}

static int good(void)
{
	uint8_t *heap = sbrk(4 * PAGE);
	uint64_t lazy0 = kcount(MEMT_C_LAZY), faults0 = kcount(MEMT_C_FAULTS), free0 = kfree_pages();
	uint64_t uaccess0, bits = PTE_P | PTE_W | PTE_U | PTE_NX;
	unsigned bad = 0;

	expect("sbrk of 4 pages maps none", !!kpte(heap) + !!kpte(heap + PAGE) +
						     !!kpte(heap + 2 * PAGE) + !!kpte(heap + 3 * PAGE), 0);
	expect("a first touch that reads sees 0", ((volatile uint8_t *)heap)[PAGE + 100], 0);
	expect("it mapped that page, P W U NX", kpte(heap + PAGE) & bits, bits);
	expect("and no page beside it", !!kpte(heap) + !!kpte(heap + 2 * PAGE), 0);
	heap[PAGE + 100] = 7;
	expect("a write after that read takes no second fault", kcount(MEMT_C_FAULTS) - faults0, 1);
	heap[3 * PAGE + PAGE - 1] = 9; /* the heap's last byte */
	expect("the heap's last byte maps its own page, not the next or the one before",
	       !!kpte(heap + 3 * PAGE) * 2 + !!kpte(heap + 2 * PAGE), 2);
	expect("a frame of its own each, one reference",
	       krefs(heap + PAGE) == 1 && krefs(heap + 3 * PAGE) == 1 &&
		       kframe(heap + PAGE) != kframe(heap + 3 * PAGE),
	       1);
	expect("one frame taken per page touched", free0 - kfree_pages(), 2);
	uaccess0 = kcount(MEMT_C_UACCESS);
	expect("a kernel copy into a page never touched (then one touched) gives its length",
	       (uint64_t)sys(LAZY_T_FILL, (uint64_t)heap + 2 * PAGE + 4000, 200, 0), 200);
	expect("its fault was taken inside the system call", kcount(MEMT_C_UACCESS) - uaccess0, 1);
	for (unsigned i = 0; i < 200; i++)
		bad += heap[2 * PAGE + 4000 + i] != lazy_test_byte(i);
	expect("and its bytes are there, on both pages", bad, 0);
	expect("three lazy pages in all, the kit's count", kcount(MEMT_C_LAZY) - lazy0, 3);
	return fails;
}

int main(void)
{
	int mode = test_mode();
	volatile uint8_t *p;

	printf("user: lab-lazy: pid %d, mode %d\n", getpid(), mode);
	switch (mode) {
	case LAZY_M_QUIT:
		return 0;
	case LAZY_M_GOOD:
		return good();
	case LAZY_M_KERNEL_PAGE:
		p = (volatile uint8_t *)0xffffffff80000000ull; /* GUEST_KERNEL_BASE */
		(void)*p;
		break;
	case LAZY_M_KERNEL_HOLE:
		*(volatile uint8_t *)LAZY_KERNEL_HOLE = 1;
		break;
	case LAZY_M_READ_ONLY:
		p = sbrk(2 * PAGE);
		p[0] = 0x5a;
		if (sys(LAZY_T_PROTECT, (uint64_t)p, 0, 0) != 0 || p[0] != 0x5a) {
			printf("user: lab-lazy: the heap page could not be made read-only\n");
			return 2;
		}
		p[0] = 0xa5;
		break;
	case LAZY_M_BELOW:
		p = (volatile uint8_t *)(PROC_USER_BASE - PAGE);
		(void)*p;
		break;
	}
	printf("user: lab-lazy: pid %d still alive after mode %d's access\n", getpid(), mode);
	return 1;
}
