/* The guest's side of the hypercall ABI (proto/hypercall.h): one inline call
 * through the entry the boot info gave us. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "../proto/hypercall.h"

extern uint64_t hc_entry_va; /* from bootinfo.hc_entry, set by guest_main */

static inline int64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int64_t ret;

	/* The ABI preserves every register but RAX; "memory" because the host
	 * reads and writes our buffers. -mno-red-zone keeps the call's push safe. */
	__asm__ volatile("call *%[entry]"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), [entry] "m"(hc_entry_va)
			 : "memory", "cc");
	return ret;
}

#endif
