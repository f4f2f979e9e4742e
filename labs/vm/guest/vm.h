/* Lab vm: the guest kernel's own page tables (docs/labs/vm.md), xv6's vm.c on
 * x86-64 4-level paging (SDM Vol.3 4.5): a walk, map and unmap with the TLB
 * invalidation they need, the kernel's tables built from nothing, an address
 * space per process sharing the kernel's half, its freeing, and vmprint.
 * Tables and frames are pages of the kit's allocator (guest/palloc.h). */
#ifndef LABS_VM_VM_H
#define LABS_VM_VM_H

#include <stdint.h>
#include "../../../guest/pt.h" /* the PTE_* bits, cr3_load, cr3_current, invlpg */

#define VM_OK 0
#define VM_EALIGN (-1) /* va, gpa or len not a multiple of 4096, or len 0 */
#define VM_EEXIST (-2) /* a page of the range is mapped already */
#define VM_ENOMEM (-3) /* no page left for a table */

/* The image's segments, from guest/linker.ld (link addresses): text
 * [guest_text_start, guest_rodata_start), rodata up to guest_data_start, data
 * and bss up to guest_image_end (not page aligned: round it up). */
extern const char guest_text_start[], guest_rodata_start[], guest_data_start[],
	guest_image_end[];

/* The leaf (level-0, 4 KiB) entry for va in the tables under root (a PML4's
 * gpa). With alloc, missing tables on the way are made: a zeroed page each,
 * entered with PTE_P | PTE_W | PTE_U (the leaf decides: SDM Vol.3 4.6). NULL
 * when a table is missing (and !alloc) or no page is left. */
uint64_t *vm_walk(uint64_t root, uint64_t va, int alloc);
/* Map [va, va + len) to [gpa, gpa + len): each leaf gets its frame | perm |
 * PTE_P. VM_EALIGN, or VM_EEXIST when a page of the range is mapped already
 * (then no leaf changed), or VM_ENOMEM; VM_OK. */
int vm_map(uint64_t root, uint64_t va, uint64_t gpa, uint64_t len, uint64_t perm);
/* Unmap every mapped page of [va, va + len) (holes are skipped): its leaf
 * cleared, its frame given back (palloc_unref) if free_frames, and its
 * translation invalidated when root is the table loaded (cr3_current()). */
void vm_unmap(uint64_t root, uint64_t va, uint64_t len, int free_frames);
/* The kernel's tables, built from nothing: the direct map of the whole pool
 * (boot->dmap_base + gpa -> gpa, P|W|NX|G) and the image at its link address
 * (gpa = va - boot->kernel_base): text P|G, rodata P|NX|G, data and bss
 * P|W|NX|G; nothing else, no PTE_U. The PML4's gpa, or 0 (no page left). */
uint64_t vm_kernel(void);
/* A process's address space: a new PML4 whose upper half (slots 256-511) is
 * kroot's, shared, and whose lower half (user space) is empty. 0 if no page. */
uint64_t vm_new(uint64_t kroot);
/* Give back a process's address space: the frames its lower half maps
 * (palloc_unref), every table page below the PML4 in the lower half, then
 * the PML4. The upper half is the kernel's: nothing of it is freed. */
void vm_free(uint64_t root);
/* xv6's vmprint, lower half only: "page table 0x<root>", then each present
 * entry, depth first, as " ..<index>: pte 0x<entry> pa 0x<frame>" with one
 * " .." more per level (numbers %016lx, indices decimal). */
void vm_print(uint64_t root);

#endif
