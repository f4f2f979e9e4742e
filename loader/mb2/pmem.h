/* The bare-metal host's physical page allocator: a bitmap over the first 4 GiB
 * (what boot.asm identity-maps), filled from the Multiboot2 memory map. */
#ifndef MB2_PMEM_H
#define MB2_PMEM_H

#include <stdint.h>

#define PMEM_LIMIT (4ull << 30)

/* Start with every page in use, then free the available ranges, then take
 * back what is already used (the monitor image, the boot info, modules). */
void pmem_add_free(uint64_t base, uint64_t len_bytes);
void pmem_reserve(uint64_t base, uint64_t len_bytes);
uint64_t pmem_free_pages(void);

/* First fit, npages contiguous. 0 and *ma, or -HCERR_NOMEM. */
int pmem_alloc(uint64_t npages, uint64_t *ma);
void pmem_free(uint64_t ma, uint64_t npages);

#endif
