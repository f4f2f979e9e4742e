/* The memory scenarios' test system calls (guest/progs/memtest.h): a ring-3
 * program's questions about its own pages and counters, answered from its
 * tables and the page allocator without touching the pages, and its checks
 * made the kernel's check lines. */
#include "check.h"
#include "memtest.h"
#include "../kernel.h"
#include "../palloc.h"
#include "../pt.h"
#include "../../lib/fmt.h"

int (*memtest_mode)(const struct proc *p);

/* The present leaf entry for va in p's tables, or 0. */
static uint64_t leaf(const struct proc *p, uint64_t va)
{
	uint64_t *e = va < PT_USER_TOP ? pt_walk(p->root, va, 0) : 0;

	return e && (*e & PTE_P) ? *e : 0;
}

static int64_t counter(const struct proc *p, uint64_t which)
{
	switch (which) {
	case MEMT_C_FAULTS:
		return (int64_t)p->faults;
	case MEMT_C_UACCESS:
		return (int64_t)p->uaccess_faults;
	case MEMT_C_COW_COPIES:
		return (int64_t)p->cow_copies;
	case MEMT_C_COW_REUSES:
		return (int64_t)p->cow_reuses;
	case MEMT_C_LAZY:
		return (int64_t)p->lazy_pages;
	}
	return -1;
}

/* The check's name, copied a byte at a time: it may end just before a page
 * that is not mapped. */
static int64_t user_check(const struct proc *p, uint64_t what, uint64_t got, uint64_t want)
{
	char name[MEMT_WHAT_MAX + 1], line[MEMT_WHAT_MAX + 16];
	unsigned n = 0;

	for (; n < MEMT_WHAT_MAX; n++)
		if (copy_from_user(&name[n], what + n, 1) < 0 || !name[n])
			break;
	name[n] = 0;
	fmt_snprintf(line, sizeof(line), "pid %d: %s", p->pid, name);
	check_eq(line, got, want);
	return got == want;
}

int64_t memtest_syscall(struct proc *p, struct hc_trap_frame *f)
{
	uint64_t e;

	switch (f->rax) {
	case MEMT_MODE:
		return memtest_mode ? memtest_mode(p) : 0;
	case MEMT_COUNT:
		return counter(p, f->rdi);
	case MEMT_PTE:
		return (int64_t)leaf(p, f->rdi);
	case MEMT_REFS:
		e = leaf(p, f->rdi);
		return e ? (int64_t)palloc_refs(e & PTE_ADDR) : -1;
	case MEMT_FREE:
		return (int64_t)palloc_free_pages();
	case MEMT_CHECK:
		return user_check(p, f->rdi, f->rsi, f->rdx);
	}
	return -1;
}
