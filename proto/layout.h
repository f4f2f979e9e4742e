/* The guest's virtual address-space layout (docs/ARCHITECTURE.md has the table).
 * The guest owns PML4 slots 0-271 (the lower half, for its user processes,
 * and the first 8 TiB of the upper half, where its direct map is) and slot 511
 * (its kernel image); the monitor owns slots 272-510, where every host puts
 * the passage and the TSS alias and the monitor the p2m. Whatever tables the
 * guest loads, the monitor's slots are the monitor's (docs/ABI.md). */
#ifndef PROTO_LAYOUT_H
#define PROTO_LAYOUT_H

#include <stdint.h>

/* The whole pool, gpa 0 at this base, read-write, never executable. Inside the
 * range Linux reserves for a hypervisor (Documentation/x86/x86_64/mm.rst). */
#define GUEST_DMAP_BASE UINT64_C(0xffff800000000000)
#define GUEST_DMAP_MAX_BYTES (UINT64_C(1) << 36) /* 64 GiB: the largest pool */
/* The p2m table, read-only: one u64 machine address per pool page; the first
 * address of the monitor's slots (the guest reads it whatever tables it loads). */
#define GUEST_P2M_BASE UINT64_C(0xffff880000000000)
/* The guest kernel's link window (-mcmodel=kernel needs the top 2 GiB); it
 * ends where the Linux module area begins. The image's gpa is va - BASE. */
#define GUEST_KERNEL_BASE UINT64_C(0xffffffff80000000)
#define GUEST_KERNEL_WINDOW_BYTES (UINT64_C(512) << 20)

#define GUEST_PAGE_SIZE UINT64_C(4096)

/* SDM Vol.3 4.5.4: bits 47:39 of a linear address pick the PML4 entry. */
#define LAYOUT_MONITOR_SLOT_FIRST 272u
#define LAYOUT_MONITOR_SLOT_LAST 510u
#define LAYOUT_MONITOR_BASE UINT64_C(0xffff880000000000) /* slot 272 */
#define LAYOUT_MONITOR_END UINT64_C(0xffffff8000000000)  /* slot 511 begins */

static inline unsigned layout_pml4_slot(uint64_t va)
{
	return (unsigned)(va >> 39) & 511u;
}

/* Does [va, va + len) lie wholly in the monitor's slots? */
static inline int layout_in_monitor_slots(uint64_t va, uint64_t len)
{
	return va >= LAYOUT_MONITOR_BASE && len <= LAYOUT_MONITOR_END - va;
}

/* What the monitor puts in the pool right after the image (page aligned):
 * one page of boot info, the boot stack the guest runs on, the request ring. */
#define GUEST_BOOTINFO_PAGES 1
#define GUEST_STACK_PAGES 8
#define GUEST_RING_PAGES 3 /* RING_PAGES of proto/ring.h */

/* Does [va, va + len) touch one of the guest's windows? A host address the
 * guest world must also map (the passage, a TSS alias) must not. */
static inline int layout_hits_guest_windows(uint64_t va, uint64_t len)
{
	static const uint64_t win[][2] = {
		{ GUEST_DMAP_BASE, GUEST_DMAP_MAX_BYTES },
		{ GUEST_P2M_BASE, GUEST_DMAP_MAX_BYTES / GUEST_PAGE_SIZE * 8 },
		{ GUEST_KERNEL_BASE, GUEST_KERNEL_WINDOW_BYTES },
	};

	for (unsigned i = 0; i < sizeof(win) / sizeof(win[0]); i++)
		if (va < win[i][0] + win[i][1] && win[i][0] < va + len)
			return 1;
	return 0;
}

#endif
