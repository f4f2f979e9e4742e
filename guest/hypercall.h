/* The guest's side of the hypercall ABI (proto/hypercall.h): one software
 * interrupt through the monitor's hypercall gate. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "../proto/hypercall.h"

#define HC_STR_(x) #x
#define HC_STR(x) HC_STR_(x)

static inline int64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int64_t ret;

	/* The ABI preserves every register but RAX, and RFLAGS; "memory"
	 * because the host reads and writes our buffers. */
	__asm__ volatile("int $" HC_STR(HCABI_VECTOR)
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "memory");
	return ret;
}

#endif
