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

/* What the monitor puts in the pool right after the image (page aligned):
 * one page of boot info, the boot stack the guest runs on, the request ring. */
#define GUEST_BOOTINFO_PAGES 1
#define GUEST_STACK_PAGES 8
#define GUEST_RING_PAGES 3 /* RING_PAGES of proto/ring.h */

/* SDM Vol.3 4.5.4 figure 4-8: bits 47:39 of an address pick one of the PML4's
 * 512 slots, 512 GiB each; slots 256-511 are the upper half, whose addresses
 * have bits 63:48 set (SDM Vol.1 3.3.7.1). The monitor's slots are the ones
 * Linux keeps for its own kernel (its direct map from 0xffff888000000000, its
 * vmalloc area, where its host puts the passage, and cpu_entry_area, where its
 * TSS is), between the guest's p2m and its kernel window. */
#define LAYOUT_MONITOR_SLOT_FIRST 272
#define LAYOUT_MONITOR_SLOT_LAST 510
#define LAYOUT_SLOT_BYTES (UINT64_C(1) << 39)
#define LAYOUT_MONITOR_VA_FIRST UINT64_C(0xffff880000000000) /* slot 272's first byte */
#define LAYOUT_MONITOR_VA_END UINT64_C(0xffffff8000000000)   /* slot 511's first byte */
/* Where the hosts that build their own mapping (bare metal, UEFI) put the
 * passage, in their tables and the guest's: the start of slot 510. */
#define LAYOUT_PASSAGE_BASE UINT64_C(0xffffff0000000000)

static inline unsigned layout_slot(uint64_t va)
{
	return (unsigned)(va >> 39) & 511;
}

/* Does [va, va + len) lie wholly in the monitor's slots? Every host address
 * the guest world must also map (the passage, a TSS alias) has to. */
static inline int layout_in_monitor_slots(uint64_t va, uint64_t len)
{
	return va >= LAYOUT_MONITOR_VA_FIRST && va < LAYOUT_MONITOR_VA_END &&
	       len <= LAYOUT_MONITOR_VA_END - va;
}

_Static_assert(LAYOUT_MONITOR_VA_FIRST ==
		       (UINT64_C(0xffff000000000000) | LAYOUT_MONITOR_SLOT_FIRST * LAYOUT_SLOT_BYTES),
	       "the monitor's first address is slot 272's");
_Static_assert(LAYOUT_MONITOR_VA_END == (UINT64_C(0xffff000000000000) |
					 (LAYOUT_MONITOR_SLOT_LAST + 1) * LAYOUT_SLOT_BYTES),
	       "the monitor's addresses end with slot 510");
_Static_assert(((LAYOUT_PASSAGE_BASE >> 39) & 511) == 510, "the passage base is slot 510's");
/* So a range inside the monitor's slots never touches a guest window; the
 * p2m is the monitor's own mapping, at the start of its slots. */
_Static_assert(GUEST_DMAP_BASE + GUEST_DMAP_MAX_BYTES <= LAYOUT_MONITOR_VA_FIRST,
	       "the direct map lies below the monitor's slots");
_Static_assert(GUEST_P2M_BASE == LAYOUT_MONITOR_VA_FIRST, "the p2m opens the monitor's slots");
_Static_assert(GUEST_KERNEL_BASE >= LAYOUT_MONITOR_VA_END, "the kernel window is in slot 511");

#endif
