/* The passage at LAYOUT_PASSAGE_BASE (proto/layout.h) in the host's own page
 * tables, for the hosts that run identity-mapped on tables they did not build
 * for it (bare metal: boot.asm's; UEFI: the firmware's). Its PDPT, PD and PT
 * are built by mm/pagetable.c under a root page of their own, and that root's
 * slot-510 entry is copied into the PML4 that CR3 names. Linux uses vmap(). */
#ifndef LOADER_HIGHMAP_H
#define LOADER_HIGHMAP_H

#include <stdint.h>
#include "../mm/pagetable.h"
#include "../switch/passage.h"

struct highmap {
	struct pt pt;       /* the passage's tables; only slot 510 of its root is used */
	uint64_t *slot;     /* the host's PML4 entry they hang from; NULL: none */
	int slot_read_only; /* the host maps its PML4 read-only (OVMF does) */
};

/* Map ma[] at LAYOUT_PASSAGE_BASE in the tables of the loaded CR3, every page
 * RW (and NX with use_nx) until highmap_seal. pml4_read_only: the host keeps
 * its PML4 page read-only. 0, -HCERR_EXIST if the host's slot 510 is in use,
 * or -HCERR_NOMEM (nothing is left allocated). */
int highmap_map(struct highmap *hm, const struct mm_host *mm, int use_nx, int pml4_read_only,
		const uint64_t ma[PASSAGE_NPAGES]);
/* Page 0 becomes RX, once the stub is in it (host_ops.seal_passage). */
int highmap_seal(struct highmap *hm);
/* The host's slot 510 empty again, the TLB flushed, the tables freed. */
void highmap_unmap(struct highmap *hm);

#endif
