/* A guest for the unit tests of the monitor's guest-facing code (trap
 * delivery, virtual interrupts, hypercalls): a zeroed pool on the fake host,
 * the guest's own page tables in pages after it (the direct map of the
 * pool, one page read-only if asked), the vTLB over them, and a passage
 * buffer for the gates and the TSS the monitor writes. */
#ifndef TESTS_UNIT_GUEST_H
#define TESTS_UNIT_GUEST_H

#include "../../loader/monitor.h"

#define UNIT_GUEST_NO_RO_PAGE UINT64_MAX
#define UNIT_GUEST_PT_PAGES 16 /* the guest's tables, at gpa npages * 4096 on */

/* m is zeroed first. 0, or the first failure's error. */
int unit_guest_memory(struct monitor *m, uint64_t npages, uint64_t ro_page);
void unit_guest_free(struct monitor *m);
/* The guest maps gva -> gpa (a 4 KiB leaf with these PTE bits) in its tables. */
void unit_guest_map(struct monitor *m, uint64_t gva, uint64_t gpa, uint64_t bits);
/* The guest's leaf entry for gva (it must be mapped). */
uint64_t *unit_guest_pte(struct monitor *m, uint64_t gva);

/* A whole guest for the tests of hypercalls and upcalls: the fake host reset,
 * the memory above (no read-only page), regs zeroed as the guest's saved
 * registers (in ring 1), and a host whose clock reads unit_clock_ns. */
extern uint64_t unit_clock_ns;
int unit_guest_setup(struct monitor *m, struct passage_guest *regs, uint64_t npages);

#endif
