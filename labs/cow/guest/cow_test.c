/* Lab cow's test program (guest=lab-cow): first cow_copy and cow_fault on
 * two tables of its own, entry by entry (never loaded: every effect is read
 * from the tables and the allocator's counts); then the kit's processes
 * with them as fork and the write fault: guest/user/cow.c's parent, two
 * children and a grandchild checking every byte, frame and reference, and
 * guest/user/fault.c writing its own text, which must kill it. The copies
 * and reuses are counted by the kit from the leaves (guest/proc.c), the
 * faults by the monitor. Prints "guest: lab-cow: ok|FAIL <what>" per check
 * (labs/cow/grade.sh). */
#include "cow.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"
#include "../../../guest/proc.h"
#include "../../../guest/progs/check.h"
#include "../../../guest/progs/memtest.h"
#include "../../../guest/progs/progs.h"
#include "../../../guest/progs/user_images.h"

#define UVA 0x400000ull               /* slot 0: three writable pages, one read-only */
#define UTOP (PT_USER_TOP - 2 * 4096) /* slot 255: one writable page */
#define NPAGES 5
#define FAULT_TEXT_WRITE 2 /* guest/user/fault.c's case: a write to its own text */

static const uint64_t va_of[NPAGES] = { UVA, UVA + 4096, UVA + 8192, UVA + 12288, UTOP };
static const int writable[NPAGES] = { 1, 1, 1, 0, 1 };
static uint64_t frame[NPAGES];
static int fault_pid;

static uint64_t mark(int i, unsigned k)
{
	return 0x636f776c61620000ull ^ (uint64_t)i << 12 ^ k;
}

/* The leaf for va under root, 0 for none; the AND of the entries above it
 * in *uppers and the table holding it in *pt. */
static uint64_t leaf(uint64_t root, uint64_t va, uint64_t *uppers, uint64_t *pt)
{
	uint64_t t = root, and_bits = ~0ull;

	for (int level = 3; level > 0; level--) {
		uint64_t e = ((uint64_t *)gpa_to_virt(t))[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_P))
			return 0;
		and_bits &= e;
		t = e & PTE_ADDR;
	}
	*uppers = and_bits;
	*pt = t;
	return ((uint64_t *)gpa_to_virt(t))[(va >> 12) & 511];
}

static uint64_t leaf_of(uint64_t root, uint64_t va)
{
	uint64_t uppers, pt;

	return leaf(root, va, &uppers, &pt);
}

/* Every word of the frame is page i's mark. */
static int holds(uint64_t gpa, int i)
{
	const uint64_t *w = gpa_to_virt(gpa);

	for (unsigned k = 0; k < 512; k++)
		if (w[k] != mark(i, k))
			return 0;
	return 1;
}

static void tables_part(void)
{
	uint64_t parent = pt_new(), child = pt_new(), free_start, free_before, e, u, pt, ppt;
	unsigned shared = 0, marked = 0, ro_kept = 0, refs2 = 0, own_tables = 0, kept = 0;
	int ok;

	check("two fresh tables (pt_new)", parent && child);
	if (!parent || !child)
		return;
	free_start = palloc_free_pages() + 2;
	for (int i = 0; i < NPAGES; i++) {
		frame[i] = palloc();
		for (unsigned k = 0; k < 512; k++)
			((uint64_t *)gpa_to_virt(frame[i]))[k] = mark(i, k);
		pt_map(parent, va_of[i], frame[i], 4096,
		       PTE_U | PTE_NX | (writable[i] ? PTE_W : 0));
	}
	free_before = palloc_free_pages();
	check_eq("cow_copy of four writable pages and a read-only one says COW_OK",
		 (uint64_t)cow_copy(parent, child), COW_OK);
	for (int i = 0; i < NPAGES; i++) {
		uint64_t p = leaf(parent, va_of[i], &u, &ppt), c;

		u = pt = 0; /* a child with no leaf passes none of the checks below */
		c = leaf(child, va_of[i], &u, &pt);
		if (!(c & PTE_P))
			continue;
		shared += (p & PTE_ADDR) == frame[i] && (c & PTE_ADDR) == frame[i];
		refs2 += palloc_refs(frame[i]) == 2;
		own_tables += pt != ppt && (u & (PTE_P | PTE_W | PTE_U)) == (PTE_P | PTE_W | PTE_U);
		kept += (c & (PTE_P | PTE_U | PTE_NX)) == (PTE_P | PTE_U | PTE_NX) && p == c;
		if (writable[i])
			marked += (p & (PTE_W | PTE_COW)) == PTE_COW && (c & (PTE_W | PTE_COW)) == PTE_COW;
		else
			ro_kept += (p & (PTE_W | PTE_COW)) == 0 && (c & (PTE_W | PTE_COW)) == 0;
	}
	check_eq("both tables map each page on its own frame", shared, NPAGES);
	check_eq("each frame has two references (palloc_ref)", refs2, NPAGES);
	check_eq("the writable pages are read-only and PTE_COW in both", marked, NPAGES - 1);
	check_eq("the read-only page stays read-only, not PTE_COW", ro_kept, 1);
	check_eq("the child's leaves are the parent's entries (P U NX kept)", kept, NPAGES);
	check_eq("the child's tables are its own pages, P W U above the leaves", own_tables,
		 NPAGES);
	check_eq("it took six table pages (two slots, three levels each), no frame",
		 free_before - palloc_free_pages(), 6);

	e = leaf_of(child, va_of[3]);
	ok = cow_fault(child, va_of[3], PF_ERR_P | PF_ERR_W);
	check("a write fault on the read-only page (never PTE_COW) is refused (0)",
	      ok == 0 && leaf_of(child, va_of[3]) == e && palloc_refs(frame[3]) == 2);
	e = leaf_of(child, va_of[0]);
	ok = cow_fault(child, va_of[0], PF_ERR_P);
	check("a read fault on a PTE_COW page is refused (0), nothing changed",
	      ok == 0 && leaf_of(child, va_of[0]) == e);
	check_eq("a fault where nothing is mapped is refused (0)",
		 (uint64_t)cow_fault(child, UVA + 64 * 4096, PF_ERR_W), 0);
	free_before = palloc_free_pages();
	ok = cow_fault(child, va_of[0] + 123, PF_ERR_P | PF_ERR_W | 4);
	e = leaf_of(child, va_of[0]);
	check("a write to a shared PTE_COW page is made good (1)", ok == 1);
	check("the child's page is a new frame, writable, not PTE_COW",
	      (e & PTE_ADDR) != frame[0] && (e & (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_COW)) ==
						    (PTE_P | PTE_W | PTE_U | PTE_NX));
	check("holding the page's bytes", holds(e & PTE_ADDR, 0));
	check("one page taken; the old frame has one reference, the copy one",
	      free_before - palloc_free_pages() == 1 && palloc_refs(frame[0]) == 1 &&
		      palloc_refs(e & PTE_ADDR) == 1);
	check("the parent's page is as it was (its frame, PTE_COW)",
	      leaf_of(parent, va_of[0]) == ((frame[0] | PTE_P | PTE_U | PTE_NX | PTE_COW)));
	free_before = palloc_free_pages();
	ok = cow_fault(parent, va_of[0], PF_ERR_P | PF_ERR_W | 4);
	e = leaf_of(parent, va_of[0]);
	check("the last holder's write fault reuses its frame: writable, not PTE_COW, no page",
	      ok == 1 && e == (frame[0] | PTE_P | PTE_W | PTE_U | PTE_NX) &&
		      palloc_free_pages() == free_before && holds(frame[0], 0));
	pt_free(child);
	check("the child freed, the parent's frames have one reference",
	      palloc_refs(frame[1]) == 1 && palloc_refs(frame[4]) == 1);
	pt_free(parent);
	check_eq("both freed: every page is back", palloc_free_pages(), free_start);
}

/* The fault program's question (MEMT_MODE is its SYS_NCALLS): how to die. */
static int fault_mode(const struct proc *p)
{
	return p->pid == fault_pid ? FAULT_TEXT_WRITE : 0;
}

int prog_lab_cow(void)
{
	uint64_t free_before;
	int parent, run;

	check_begin("lab-cow");
	tables_part();

	free_before = palloc_free_pages();
	parent = proc_spawn(user_image_cow, USER_IMAGE_BYTES(cow));
	fault_pid = proc_spawn(user_image_fault, USER_IMAGE_BYTES(fault));
	check("the cow and fault programs are loaded", parent > 0 && fault_pid > 0);
	proc_fork_copy = cow_copy;
	proc_write_fault = cow_fault;
	proc_syscall_hook = memtest_syscall;
	memtest_mode = fault_mode;
	run = proc_run(0);
	proc_syscall_hook = 0;
	memtest_mode = 0;
	proc_fork_copy = 0;
	proc_write_fault = 0;
	check_eq("every process ran to its end", (uint64_t)run, 0);
	/* The cow program's pids come in fork order after the fault program's:
	 * A, B, the chain's child C, then G. */
	check_eq("the parent passed its checks (exit 0)", (uint64_t)proc_exit_status(parent), 0);
	check_eq("child A passed its checks (exit 40)", (uint64_t)proc_exit_status(fault_pid + 1), 40);
	check_eq("child B exited 41", (uint64_t)proc_exit_status(fault_pid + 2), 41);
	check_eq("child C passed its checks (exit 43)", (uint64_t)proc_exit_status(fault_pid + 3), 43);
	check_eq("grandchild G passed its checks (exit 42)",
		 (uint64_t)proc_exit_status(fault_pid + 4), 42);
	check_eq("a write to its own text killed the fault program (#PF: 128 + 14)",
		 (uint64_t)proc_exit_status(fault_pid), 128 + 14);
	check_eq("every page is back in the allocator", palloc_free_pages(), free_before);
	printf("lab-cow: the processes' write faults: %lu copies, %lu reuses\n", proc_cow_copies,
	       proc_cow_reuses);
	return check_end();
}
