/* Lab lazy's test program (guest=lab-lazy): first lazy_fault called on a
 * process spawned and not run (the kernel's tables loaded), fault by fault,
 * every effect read from its tables and the allocator; then the kit's
 * processes with it as their fault handler (proc_lazy_fault): the kit's own
 * pager (guest/user/lazy.c: sparse touches, zeros, sbrk's limit, a shrink, a
 * lazy fault inside SYS_WRITE's copy), its touch past the break, and
 * labs/lazy/user/lab_lazy.c's ways to die and its good faults. The lazy
 * pages are counted by the kit from the leaves; every page must come back.
 * Prints "guest: lab-lazy: ok|FAIL <what>" per check (labs/lazy/grade.sh). */
#include "lazy.h"
#include "lazy_test.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"
#include "../../../guest/pt.h"
#include "../../../guest/progs/check.h"
#include "../../../guest/progs/progs.h"
#include "../../../guest/progs/user_images.h"
#include "../../../proto/layout.h" /* GUEST_KERNEL_BASE */

#define PAGE 4096ull
#define KILLED_PF (128 + 14)
#define ERR_UW (PF_ERR_W | PF_ERR_U) /* a write from ring 3 */

static int mode_of[64]; /* by pid: what each plays (MEMT_MODE) */

static int test_mode(const struct proc *p)
{
	return p->pid < 64 ? mode_of[p->pid] : 0;
}

/* Every byte of the frame is 0. */
static int zeroed(uint64_t gpa)
{
	const uint64_t *w = gpa_to_virt(gpa);

	for (unsigned k = 0; k < 512; k++)
		if (w[k])
			return 0;
	return 1;
}

/* va's present leaf in p's tables (the test's own walk), or 0. */
static uint64_t leaf(struct proc *p, uint64_t va)
{
	uint64_t *e = va < PT_USER_TOP ? pt_walk(p->root, va, 0) : 0;

	return e && (*e & PTE_P) ? *e : 0;
}

/* The test's own calls, then memtest's (the pages' and counters' questions). */
static int64_t test_syscall(struct proc *p, struct hc_trap_frame *f)
{
	uint8_t bytes[256];
	uint64_t *e;

	switch (f->rax) {
	case LAZY_T_PROTECT:
		e = f->rdi >= p->image_end && f->rdi < p->brk ? pt_walk(p->root, f->rdi, 0) : 0;
		if (!e || !(*e & PTE_P))
			return -1;
		*e &= ~PTE_W;
		invlpg(f->rdi & ~(PAGE - 1)); /* SDM Vol.3 4.10.4.2: a right taken away */
		return 0;
	case LAZY_T_FILL:
		if (f->rsi > sizeof(bytes))
			return -1;
		for (unsigned i = 0; i < f->rsi; i++)
			bytes[i] = lazy_test_byte(i);
		return copy_to_user(f->rdi, bytes, f->rsi);
	}
	return memtest_syscall(p, f);
}

/* lazy_fault on a process that does not run: its heap grown as sbrk would,
 * then a fault of each kind, and what each did to the tables and the pool. */
static void direct_part(void)
{
	int pid = proc_spawn(user_image_lab_lazy, USER_IMAGE_BYTES(lab_lazy)), r;
	struct proc *p = pid > 0 ? proc_get(pid) : 0;
	uint64_t heap, free0, e, ro_frame, text;
	int works;

	check("a process to fault in (lab_lazy, spawned, not run)", p != 0);
	if (!p)
		return;
	mode_of[pid] = LAZY_M_QUIT;
	heap = p->image_end;
	p->brk = heap + 4 * PAGE;
	free0 = palloc_free_pages();
	check("the heap's first pages lie under the image's page table",
	      pt_walk(p->root, heap + PAGE, 0) != 0 && !leaf(p, heap + PAGE));
	r = lazy_fault(p, heap + PAGE + 123, ERR_UW);
	e = leaf(p, heap + PAGE);
	works = r == 1 && e != 0;
	check("a write to a heap page not present is made good (1)", r == 1);
	check("it mapped that page, P W U NX, on a frame of its own (one reference)",
	      (e & (PTE_P | PTE_W | PTE_U | PTE_NX)) == (PTE_P | PTE_W | PTE_U | PTE_NX) &&
		      palloc_refs(e & PTE_ADDR) == 1);
	check("and no page beside it", works && !leaf(p, heap) && !leaf(p, heap + 2 * PAGE));
	check("one frame taken, zeroed", works && free0 - palloc_free_pages() == 1 &&
						 zeroed(e & PTE_ADDR));
	/* The refusals count only from a lazy_fault that also maps. */
	free0 = palloc_free_pages();
	check("a fault at the break (one byte past the heap) is refused, nothing taken",
	      works && lazy_fault(p, heap + 4 * PAGE, ERR_UW) == 0 && !leaf(p, heap + 4 * PAGE) &&
		      palloc_free_pages() == free0);
	check("a fault far past the break is refused",
	      works && lazy_fault(p, heap + 40 * PAGE, PF_ERR_U) == 0 && palloc_free_pages() == free0);
	check("a fault below the image (nothing there) is refused",
	      works && lazy_fault(p, PROC_USER_BASE - PAGE, PF_ERR_U) == 0 &&
		      !leaf(p, PROC_USER_BASE - PAGE) && palloc_free_pages() == free0);
	check("a fault in the kernel's half is refused, nothing taken",
	      works && lazy_fault(p, LAZY_KERNEL_HOLE, ERR_UW) == 0 &&
		      lazy_fault(p, GUEST_KERNEL_BASE, PF_ERR_U) == 0 && palloc_free_pages() == free0 &&
		      !pt_walk(cr3_current(), LAZY_KERNEL_HOLE, 0));
	text = leaf(p, PROC_USER_BASE);
	check("a write to the present, read-only text is refused, its leaf unchanged",
	      works && lazy_fault(p, PROC_USER_BASE, PF_ERR_P | ERR_UW) == 0 &&
		      leaf(p, PROC_USER_BASE) == text && palloc_free_pages() == free0);
	/* A heap page present and read-only: a write to it is no page missing. */
	ro_frame = palloc();
	((uint8_t *)gpa_to_virt(ro_frame))[0] = 0x5a;
	pt_map(p->root, heap + 2 * PAGE, ro_frame, PAGE, PTE_U | PTE_NX);
	free0 = palloc_free_pages();
	e = leaf(p, heap + 2 * PAGE);
	check("a write to a read-only heap page is refused: same frame, bytes, rights",
	      works && lazy_fault(p, heap + 2 * PAGE, PF_ERR_P | ERR_UW) == 0 &&
		      leaf(p, heap + 2 * PAGE) == e &&
		      ((uint8_t *)gpa_to_virt(ro_frame))[0] == 0x5a && palloc_free_pages() == free0);
	r = lazy_fault(p, heap + 3 * PAGE + 4095, 0); /* a read, from the kernel (U clear) */
	check("a kernel read of the heap's last byte maps its page (1)",
	      r == 1 && leaf(p, heap + 3 * PAGE) && free0 - palloc_free_pages() == 1);
	/* It runs with the kit's own lazy heap: only the test's calls set. */
	proc_syscall_hook = test_syscall;
	memtest_mode = test_mode;
	r = proc_run(0);
	memtest_mode = 0;
	proc_syscall_hook = 0;
	check("the process ran to its end (exit 0); its pages with it",
	      r == 0 && proc_exit_status(pid) == 0);
}

int prog_lab_lazy(void)
{
	static const int modes[] = { LAZY_M_KERNEL_PAGE, LAZY_M_KERNEL_HOLE, LAZY_M_READ_ONLY,
				     LAZY_M_BELOW, LAZY_M_GOOD };
	static const char *const what[] = {
		"a read of the kernel's text (present, not PTE_U) kills it",
		"a write to the kernel's half where nothing is mapped kills it",
		"a write to a heap page made read-only kills it",
		"a touch below the image kills it",
		"the good faults: every check of lab_lazy passed (exit 0)",
	};
	int pid[5], pager, past_break, run;
	uint64_t free_before, lazy_before;

	check_begin("lab-lazy");
	free_before = palloc_free_pages();
	direct_part();
	check_eq("every page is back after the walked process", palloc_free_pages(), free_before);

	past_break = proc_spawn(user_image_lazy, USER_IMAGE_BYTES(lazy));
	pager = proc_spawn(user_image_lazy, USER_IMAGE_BYTES(lazy));
	for (unsigned i = 0; i < 5; i++)
		pid[i] = proc_spawn(user_image_lab_lazy, USER_IMAGE_BYTES(lab_lazy));
	check("the seven processes are loaded", past_break > 0 && pager > 0 && pid[4] > 0);
	if (past_break > 0 && past_break < 64)
		mode_of[past_break] = 1; /* guest/user/lazy.c's: touch the byte past the break */
	for (unsigned i = 0; i < 5; i++)
		if (pid[i] > 0 && pid[i] < 64)
			mode_of[pid[i]] = modes[i];
	lazy_before = proc_lazy_pages;
	proc_lazy_fault = lazy_fault;
	proc_syscall_hook = test_syscall;
	memtest_mode = test_mode;
	run = proc_run(0);
	memtest_mode = 0;
	proc_syscall_hook = 0;
	proc_lazy_fault = 0;
	check_eq("every process ran to its end", (uint64_t)run, 0);
	check_eq("the kit's pager passed its own checks (exit 0)",
		 (uint64_t)proc_exit_status(pager), 0);
	check_eq("a touch of the byte past the break kills it",
		 (uint64_t)proc_exit_status(past_break), KILLED_PF);
	for (unsigned i = 0; i < 5; i++)
		check_eq(what[i], (uint64_t)proc_exit_status(pid[i]),
			 modes[i] == LAZY_M_GOOD ? 0 : KILLED_PF);
	check("nothing was mapped in the kernel's half", !pt_walk(cr3_current(), LAZY_KERNEL_HOLE, 0));
	check_eq("every page is back in the allocator", palloc_free_pages(), free_before);
	printf("lab-lazy: the processes' lazy pages: %lu\n", proc_lazy_pages - lazy_before);
	return check_end();
}
