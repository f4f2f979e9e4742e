/* The user side of the memory scenarios' test system calls
 * (guest/progs/memtest.h): what the kernel did for this process, what its
 * tables say about a page, and checks that the kernel makes its own. */
#ifndef GUEST_USER_MEMTEST_USER_H
#define GUEST_USER_MEMTEST_USER_H

#include "ulib.h"
#include "../pt.h"
#include "../progs/memtest.h"

static inline int test_mode(void)
{
	return (int)sys(MEMT_MODE, 0, 0, 0);
}

static inline uint64_t kcount(int which)
{
	return (uint64_t)sys(MEMT_COUNT, (uint64_t)which, 0, 0);
}

static inline uint64_t kpte(const volatile void *va)
{
	return (uint64_t)sys(MEMT_PTE, (uint64_t)va, 0, 0);
}

static inline uint64_t kframe(const volatile void *va)
{
	return kpte(va) & PTE_ADDR;
}

static inline int64_t krefs(const volatile void *va)
{
	return sys(MEMT_REFS, (uint64_t)va, 0, 0);
}

static inline uint64_t kfree_pages(void)
{
	return (uint64_t)sys(MEMT_FREE, 0, 0, 0);
}

/* A check line of the kernel's; 0 if it failed. */
static inline int kcheck(const char *what, uint64_t got, uint64_t want)
{
	return (int)sys(MEMT_CHECK, (uint64_t)what, got, want);
}

#endif
