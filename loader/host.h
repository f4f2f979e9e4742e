/* The interface every host port implements (loader/mb2, later efi and linux),
 * and the only thing the monitor core knows of its host. */
#ifndef LOADER_HOST_H
#define LOADER_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "../mm/mm_host.h"
#include "../switch/passage.h"

struct host_ops {
	const char *name;       /* "mb2", ... for messages */
	uint32_t bootinfo_host; /* BOOTINFO_HOST_* */
	struct mm_host mm;      /* page allocation with machine addresses */
	int use_nx;             /* IA32_EFER.NXE is set: guest tables may use NX */
	/* Map the three passage pages (allocated with mm.alloc_pages, contiguous)
	 * at one host virtual address where the host can execute page 0. */
	int (*map_passage)(void *ctx, const uint64_t ma[PASSAGE_NPAGES], uint64_t *hva);
	void (*unmap_passage)(void *ctx, uint64_t hva);
};

#endif
