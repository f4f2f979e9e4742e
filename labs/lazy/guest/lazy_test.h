/* Lab lazy's test, shared by its kernel side (lazy_test.c) and its ring-3
 * program (labs/lazy/user/lab_lazy.c): what each process of the test plays
 * (its MEMT_MODE answer, guest/progs/memtest.h) and the test's own system
 * calls, beside memtest's. */
#ifndef LABS_LAZY_LAZY_TEST_H
#define LABS_LAZY_LAZY_TEST_H

#include "../../../guest/progs/memtest.h"

/* lab_lazy's modes: every one but QUIT and GOOD must be killed (#PF). */
#define LAZY_M_QUIT 0        /* exit at once: the process the kernel walks */
#define LAZY_M_KERNEL_PAGE 2 /* read the kernel's text: present, not PTE_U */
#define LAZY_M_KERNEL_HOLE 3 /* write an address of the kernel's half nothing maps */
#define LAZY_M_READ_ONLY 4   /* write a heap page the test made read-only */
#define LAZY_M_BELOW 5       /* touch a page below the image, nothing maps it */
#define LAZY_M_GOOD 6        /* the heap's pages, bits, frames and a kernel copy */

#define LAZY_KERNEL_HOLE 0xffff804000000000ull /* slot 256, past any pool's direct map */

/* (va): the test clears PTE_W of the caller's present heap page at va and
 * invalidates it; 0, or -1 (no such page). */
#define LAZY_T_PROTECT (SYS_NCALLS + 8)
/* (buf, len): copy_to_user of len bytes (at most 256), byte i being
 * lazy_test_byte(i): len, or -1 (the kernel's copy failed). */
#define LAZY_T_FILL (SYS_NCALLS + 9)

static inline unsigned char lazy_test_byte(unsigned i)
{
	return (unsigned char)(i * 13 + 7);
}

#endif
