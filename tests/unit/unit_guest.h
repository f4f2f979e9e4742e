/* A guest's memory for the unit tests of the monitor's guest-facing code
 * (trap delivery, virtual interrupts): a zeroed pool on the fake host, and
 * guest page tables with the direct map of it (one page read-only, if asked). */
#ifndef TESTS_UNIT_GUEST_H
#define TESTS_UNIT_GUEST_H

#include "../../loader/monitor.h"

#define UNIT_GUEST_NO_RO_PAGE UINT64_MAX

/* m is zeroed first. 0, or the first failure's error. */
int unit_guest_memory(struct monitor *m, uint64_t npages, uint64_t ro_page);
void unit_guest_free(struct monitor *m);

/* A whole guest for the tests of hypercalls and upcalls: the fake host reset,
 * the memory above (no read-only page), regs zeroed as the guest's saved
 * registers, and a host whose clock reads unit_clock_ns (set it at will). */
extern uint64_t unit_clock_ns;
int unit_guest_setup(struct monitor *m, struct passage_guest *regs, uint64_t npages);

#endif
