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

#endif
