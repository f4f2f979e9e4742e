/* Lab syscall's user program (ring 3, run by lab_first_process): calls the
 * lab's system calls with good arguments and with every bad one a process
 * may pass (a kernel address, NULL, an unmapped page, a range running into
 * one, a read-only page for a write, lengths too long or wrapping, numbers
 * the table lacks), prints "lab-syscall: ok|FAIL <what>" per check and exits
 * with the number that failed (labs/syscall/grade.sh reads the lines). */
#define LAB_SYSCALL_USER
#include "../../../guest/user/ulib.h"
#include "../guest/syscall.h"

#define KERNEL_TEXT 0xffffffff80000000ull /* GUEST_KERNEL_BASE: mapped, not PTE_U */
#define UNMAPPED 0x10000000ull            /* nothing of a process is there */

#define BIG (LAB_LEN_MAX + 4096)

static int failures, checks;
static uint8_t page[3 * 4096] __attribute__((aligned(4096)));
static const uint8_t ro[4096] __attribute__((aligned(4096))) = "a read-only page";

static void check(const char *what, int ok)
{
	printf("lab-syscall: %s %s\n", ok ? "ok  " : "FAIL", what);
	checks++;
	failures += !ok;
}

static int64_t call(uint64_t nr, uint64_t a, uint64_t b, uint64_t c)
{
	return sys(nr, a, b, c);
}

static uint64_t sum_of(const uint8_t *p, uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

static int all_are(const uint8_t *p, uint64_t n, uint8_t v)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void numbers(void)
{
	check("ADD3(1, 2, 3) is 6: three arguments fetched",
	      call(LAB_SYS_ADD3, 1, 2, 3) == 6);
	check("ADD3 of 64-bit arguments (2^40 + 2^41 - 1)",
	      call(LAB_SYS_ADD3, 1ull << 40, 1ull << 41, (uint64_t)-1) ==
		      (int64_t)((1ull << 40) + (1ull << 41) - 1));
	check("numbers the table lacks are -1 (10, 15, 20, 255, 2^40, 2^64-1)",
	      call(10, 0, 0, 0) == -1 && call(15, 0, 0, 0) == -1 && call(20, 0, 0, 0) == -1 &&
		      call(255, 0, 0, 0) == -1 && call(1ull << 40, 0, 0, 0) == -1 &&
		      call((uint64_t)-1, 0, 0, 0) == -1);
	check("the kit's own calls still work (getpid)", getpid() > 0);
}

static void strings(uint8_t *heap)
{
	char *s = (char *)page + 4096 - 3;
	char long_one[LAB_STR_MAX + 8];

	check("STRLEN(\"hello\") is 5", call(LAB_SYS_STRLEN, (uint64_t)"hello", 0, 0) == 5);
	check("STRLEN(\"\") is 0", call(LAB_SYS_STRLEN, (uint64_t)"", 0, 0) == 0);
	memcpy(s, "abcdef", 7); /* across the boundary of two pages */
	check("STRLEN of a string across two pages is 6",
	      call(LAB_SYS_STRLEN, (uint64_t)s, 0, 0) == 6);
	memset(long_one, 'x', sizeof(long_one));
	long_one[LAB_STR_MAX - 1] = 0;
	check("STRLEN of 127 bytes and a NUL is 127",
	      call(LAB_SYS_STRLEN, (uint64_t)long_one, 0, 0) == LAB_STR_MAX - 1);
	long_one[LAB_STR_MAX - 1] = 'x';
	long_one[LAB_STR_MAX + 7] = 0;
	check("STRLEN with no NUL in the first 128 bytes is -1",
	      call(LAB_SYS_STRLEN, (uint64_t)long_one, 0, 0) == -1);
	check("STRLEN of a kernel address, of NULL, of an unmapped page is -1",
	      call(LAB_SYS_STRLEN, KERNEL_TEXT, 0, 0) == -1 &&
		      call(LAB_SYS_STRLEN, 0, 0, 0) == -1 &&
		      call(LAB_SYS_STRLEN, UNMAPPED, 0, 0) == -1);
	memset(heap + 4096 - 16, 'y', 16); /* no NUL before the unmapped page */
	check("STRLEN of a string running into an unmapped page is -1",
	      call(LAB_SYS_STRLEN, (uint64_t)heap + 4096 - 16, 0, 0) == -1);
}

static void sums(uint8_t *heap, uint8_t *big)
{
	for (unsigned i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7 + 3);
	check("SUM of three pages (a buffer across page boundaries)",
	      call(LAB_SYS_SUM, (uint64_t)page, sizeof(page), 0) ==
		      (int64_t)sum_of(page, sizeof(page)));
	check("SUM of 10 bytes across a page boundary",
	      call(LAB_SYS_SUM, (uint64_t)page + 4090, 10, 0) ==
		      (int64_t)sum_of(page + 4090, 10));
	check("SUM of a read-only page (reading it is fine)",
	      call(LAB_SYS_SUM, (uint64_t)ro, sizeof(ro), 0) == (int64_t)sum_of(ro, sizeof(ro)));
	check("SUM of 0 bytes is 0, at any address", call(LAB_SYS_SUM, UNMAPPED, 0, 0) == 0);
	check("SUM of kernel memory is -1 (the kernel's text is mapped, not PTE_U)",
	      call(LAB_SYS_SUM, KERNEL_TEXT, 64, 0) == -1);
	check("SUM of NULL and of an unmapped page is -1",
	      call(LAB_SYS_SUM, 0, 8, 0) == -1 && call(LAB_SYS_SUM, UNMAPPED, 8, 0) == -1);
	check("SUM of a range whose second page is unmapped is -1 (the length checked)",
	      call(LAB_SYS_SUM, (uint64_t)heap + 4096 - 8, 16, 0) == -1);
	check("SUM longer than LAB_LEN_MAX is -1, every page of it mapped",
	      call(LAB_SYS_SUM, (uint64_t)big, LAB_LEN_MAX + 1, 0) == -1);
	check("SUM of a length that wraps around the address space is -1",
	      call(LAB_SYS_SUM, (uint64_t)page, (uint64_t)-4096, 0) == -1 &&
		      call(LAB_SYS_SUM, (uint64_t)page, (uint64_t)-(uint64_t)page + 8, 0) == -1);
	check("SUM of a range past the lower half's end is -1",
	      call(LAB_SYS_SUM, PROC_STACK_TOP - 8, 4096 + 16, 0) == -1);
}

static void fills(uint8_t *heap, uint8_t *big)
{
	memset(page, 0, sizeof(page));
	check("FILL of 8 bytes across a page boundary returns 8",
	      call(LAB_SYS_FILL, (uint64_t)page + 4092, 8, 'q') == 8);
	check("and wrote exactly those 8", all_are(page + 4092, 8, 'q') &&
						   page[4091] == 0 && page[4100] == 0);
	check("FILL of three pages",
	      call(LAB_SYS_FILL, (uint64_t)page, sizeof(page), 0x5a) == (int64_t)sizeof(page) &&
		      all_are(page, sizeof(page), 0x5a));
	check("FILL of a read-only page is -1, and it is unchanged",
	      call(LAB_SYS_FILL, (uint64_t)ro, 16, 'w') == -1 && ro[0] == 'a');
	check("FILL of the program's own text is -1",
	      call(LAB_SYS_FILL, (uint64_t)main, 16, 0xcc) == -1);
	/* 512 bytes on the mapped page, 512 on the unmapped one: a FILL that
	 * checks piece by piece as it writes has written some of the first. */
	memset(heap + 4096 - 512, 0, 512);
	check("FILL of a range whose second page is unmapped is -1",
	      call(LAB_SYS_FILL, (uint64_t)heap + 4096 - 512, 1024, 'z') == -1);
	check("and wrote nothing, not even to the first page", all_are(heap + 4096 - 512, 512, 0));
	check("FILL longer than LAB_LEN_MAX is -1 (writing nothing), of NULL -1",
	      call(LAB_SYS_FILL, (uint64_t)big, LAB_LEN_MAX + 1, 1) == -1 &&
		      all_are(big, BIG, 0) && call(LAB_SYS_FILL, 0, 8, 1) == -1);
	check("FILL of a kernel address is -1 (the kernel's data would be overwritten)",
	      call(LAB_SYS_FILL, KERNEL_TEXT, 8, 0) == -1);
}

/* What a call of the lab's costs from ring 3 and back, against the kit's own
 * SYS_GETPID, each once warm: the hook's dispatch and the table. Printed, never judged:
 * instructions only under -icount (scripts/qemu-run.sh). */
static void bench(void)
{
	uint64_t t0, t1, t2;

	call(LAB_SYS_ADD3, 1, 2, 3); /* warm: the code's and the table's first touch */
	getpid();
	t0 = rdtsc();
	call(LAB_SYS_ADD3, 1, 2, 3);
	t1 = rdtsc();
	getpid();
	t2 = rdtsc();
	printf("BENCH lab_syscall_add3 %lu getpid %lu\n", t1 - t0, t2 - t1);
}

int main(void)
{
	/* Two heap pages; only the first is touched, so the second stays
	 * unmapped (the kit maps heap pages on their first touch). */
	uint8_t *heap = sbrk(2 * 4096), *big;

	heap[0] = 1;
	/* Five more, every one touched: a range longer than LAB_LEN_MAX whose
	 * every page is mapped. */
	big = sbrk(BIG);
	memset(big, 0, BIG);
	bench();
	numbers();
	strings(heap);
	sums(heap, big);
	fills(heap, big);
	printf("lab-syscall: %d checks, %d failed\n", checks, failures);
	return failures;
}
