/* Lab vm: the guest kernel's own page tables (vm.h, docs/labs/vm.md). Every
 * table is a pool page from palloc, reached through the direct map; a
 * table's entries hold gpas, which is what the monitor's shadow reads. */
#include "vm.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"

#define PAGE 4096ull

// LAB(vm) BEGIN
static uint64_t *table(uint64_t gpa)
{
	return gpa_to_virt(gpa);
}

/* SDM Vol.3 4.5.4, figure 4-8: bits 47:39, 38:30, 29:21, 20:12 of va index
 * the PML4, PDPT, PD and PT. */
static unsigned ix(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

uint64_t *vm_walk(uint64_t root, uint64_t va, int alloc)
{
	uint64_t t = root;

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table(t)[ix(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t page = alloc ? palloc() : 0;

			if (!page)
				return 0;
			*e = page | PTE_P | PTE_W | PTE_U;
		}
		t = *e & PTE_ADDR;
	}
	return &table(t)[ix(va, 0)];
}

int vm_map(uint64_t root, uint64_t va, uint64_t gpa, uint64_t len, uint64_t perm)
{
	if (va % PAGE || gpa % PAGE || len % PAGE || len == 0)
		return VM_EALIGN;
	/* First look, then change: a refused map leaves every leaf as it was. */
	for (uint64_t off = 0; off < len; off += PAGE) {
		uint64_t *e = vm_walk(root, va + off, 0);

		if (e && (*e & PTE_P))
			return VM_EEXIST;
	}
	for (uint64_t off = 0; off < len; off += PAGE) {
		uint64_t *e = vm_walk(root, va + off, 1);

		if (!e)
			return VM_ENOMEM;
		/* SDM Vol.3 4.10.4.3: a not-present entry is never cached, so
		 * a new mapping needs no invalidation. */
		*e = (gpa + off) | perm | PTE_P;
	}
	return VM_OK;
}

void vm_unmap(uint64_t root, uint64_t va, uint64_t len, int free_frames)
{
	for (uint64_t off = 0; off < len; off += PAGE) {
		uint64_t *e = vm_walk(root, va + off, 0);

		if (!e || !(*e & PTE_P))
			continue;
		if (free_frames)
			palloc_unref(*e & PTE_ADDR);
		*e = 0;
		/* SDM Vol.3 4.10.4.2: the TLB may still hold the old translation. */
		if (root == cr3_current())
			invlpg(va + off);
	}
}

uint64_t vm_kernel(void)
{
	uint64_t root = palloc(), text = (uint64_t)guest_text_start,
		 rodata = (uint64_t)guest_rodata_start, data = (uint64_t)guest_data_start,
		 end = ((uint64_t)guest_image_end + PAGE - 1) & ~(PAGE - 1);

	if (!root)
		return 0;
	/* Global: the kernel's translations survive every process switch. */
	if (vm_map(root, boot->dmap_base, 0, boot->pool_bytes, PTE_W | PTE_NX | PTE_G) ||
	    vm_map(root, text, text - boot->kernel_base, rodata - text, PTE_G) ||
	    vm_map(root, rodata, rodata - boot->kernel_base, data - rodata, PTE_NX | PTE_G) ||
	    vm_map(root, data, data - boot->kernel_base, end - data, PTE_W | PTE_NX | PTE_G))
		return 0; /* the pages taken so far stay taken: the pool is gone anyway */
	return root;
}

uint64_t vm_new(uint64_t kroot)
{
	uint64_t root = palloc();

	if (!root)
		return 0;
	for (unsigned i = 256; i < 512; i++) /* the kernel's half: the same tables */
		table(root)[i] = table(kroot)[i];
	return root;
}

static void free_level(uint64_t t, int level)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = table(t)[i];

		if (!(e & PTE_P))
			continue;
		if (level > 0)
			free_level(e & PTE_ADDR, level - 1);
		else
			palloc_unref(e & PTE_ADDR);
	}
	palloc_unref(t);
}

void vm_free(uint64_t root)
{
	for (unsigned i = 0; i < 256; i++)
		if (table(root)[i] & PTE_P)
			free_level(table(root)[i] & PTE_ADDR, 2);
	palloc_unref(root);
}

static void print_level(uint64_t t, int level)
{
	static const char *const pad[4] = { " .. .. .. ..", " .. .. ..", " .. ..", " .." };

	for (unsigned i = 0; i < (level == 3 ? 256u : 512u); i++) {
		uint64_t e = table(t)[i];

		if (!(e & PTE_P))
			continue;
		printf("%s%u: pte 0x%016lx pa 0x%016lx\n", pad[level], i, e, e & PTE_ADDR);
		if (level > 0)
			print_level(e & PTE_ADDR, level - 1);
	}
}

void vm_print(uint64_t root)
{
	printf("page table 0x%016lx\n", root);
	print_level(root, 3);
}
// LAB(vm) STARTER
// uint64_t *vm_walk(uint64_t root, uint64_t va, int alloc)
// {
// 	(void)root, (void)va, (void)alloc;
// 	return 0; /* your code: four levels, a table made where one is missing */
// }
//
// int vm_map(uint64_t root, uint64_t va, uint64_t gpa, uint64_t len, uint64_t perm)
// {
// 	(void)root, (void)va, (void)gpa, (void)len, (void)perm;
// 	return VM_ENOMEM; /* your code: check, then fill the leaves */
// }
//
// void vm_unmap(uint64_t root, uint64_t va, uint64_t len, int free_frames)
// {
// 	(void)root, (void)va, (void)len, (void)free_frames; /* your code */
// }
//
// uint64_t vm_kernel(void)
// {
// 	return 0; /* your code: the direct map, then the image's three segments */
// }
//
// uint64_t vm_new(uint64_t kroot)
// {
// 	(void)kroot;
// 	return 0; /* your code */
// }
//
// void vm_free(uint64_t root)
// {
// 	(void)root; /* your code */
// }
//
// void vm_print(uint64_t root)
// {
// 	(void)root; /* your code */
// }
// LAB(vm) END
