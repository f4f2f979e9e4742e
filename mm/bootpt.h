/* The boot page tables: ordinary x86-64 4-level tables that the monitor
 * writes into the guest's own pool before the first switch, so that a guest
 * which never builds its own still runs, and one that does can copy or
 * extend them (proto/bootinfo.h, boot_cr3). They map the direct map of the
 * whole pool and the image at its link address; the monitor's slots are
 * never in them (the shadow adds those, mm/vtlb.h). */
#ifndef MM_BOOTPT_H
#define MM_BOOTPT_H

#include <stdint.h>
#include "pool.h"

/* One range of the image: [gva, gva + bytes) at gpa, with PT_WRITE/PT_EXEC. */
struct bootpt_range {
	uint64_t gva, gpa, bytes;
	unsigned perms;
};

#define BOOTPT_MAX_RANGES 8

/* How many table pages bootpt_build will write for this pool and image. */
uint64_t bootpt_pages(uint64_t pool_bytes, const struct bootpt_range *r, unsigned n);
/* Write the tables into the pool's pages [at_gpa, at_gpa + bootpt_pages(...)
 * * 4096), which must be inside the pool, page aligned and zero; returns the
 * PML4's gpa, and in *used_pages how many it wrote (bootpt_pages' count).
 * use_nx: EFER.NXE is set (else no XD bits). */
uint64_t bootpt_build(const struct pool *p, uint64_t at_gpa, const struct bootpt_range *r,
		      unsigned n, int use_nx, uint64_t *used_pages);

#endif
