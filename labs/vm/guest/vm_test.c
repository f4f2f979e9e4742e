/* Lab vm's test program (guest=lab-vm): builds the kernel's tables with
 * vm_kernel and two address spaces with vm_new and vm_map, and checks each
 * with a walk of its own (never vm_walk's): the exact entries, the
 * permissions the CPU enforces once they are loaded (the monitor's virtual
 * TLB caches as a TLB does, so a missing INVLPG shows), and no page leaked.
 * Prints "guest: lab-vm: ok|FAIL <what>" per check (labs/vm/grade.sh). */
#include "vm.h"
#include "../../../guest/kernel.h"
#include "../../../guest/palloc.h"
#include "../../../guest/progs/check.h"
#include "../../../guest/progs/progs.h"
#include "../../../guest/progs/ptcheck.h"

#define UVA 0x400000ull              /* slot 0, PDPT 0, PD 2, PT 0: three pages */
#define UTOP (PT_USER_TOP - 2 * 4096) /* slot 255, 511, 511, PT 510: one read-only page */
#define NFRAMES 6
#define MAX_LEVEL_BITS (PTE_P | PTE_W | PTE_U | PTE_A) /* what a table's entry may hold */

static uint64_t frame[NFRAMES];
static volatile uint64_t kernel_word = 1;
/* A RET in the data segment, page aligned: executable only if NX is missing. */
static volatile uint8_t ret_in_data[4096] __attribute__((aligned(4096))) = { 0xc3 };
extern const char ret_in_text[]; /* guest/probe.asm */

static uint64_t mark(int i)
{
	return 0x766d6c6162000000ull | (uint64_t)i;
}

/* The entry mapping va under root, any level (a large page is allowed in
 * the kernel's tables); *uppers gets the AND of the entries above it. 0 if
 * none. */
static uint64_t lookup(uint64_t root, uint64_t va, uint64_t *uppers, uint64_t *pa)
{
	uint64_t t = root, and_bits = ~0ull;

	for (int level = 3; level >= 0; level--) {
		uint64_t e = ((uint64_t *)gpa_to_virt(t))[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_P))
			return 0;
		if (level == 0 || (level < 3 && (e & PTE_PS))) {
			uint64_t span = 1ull << (12 + 9 * level);

			*uppers = and_bits;
			*pa = (e & PTE_ADDR & ~(span - 1)) | (va & (span - 1));
			return e;
		}
		and_bits &= e;
		t = e & PTE_ADDR;
	}
	return 0;
}

/* Pages of [va, end) whose entry is not pa = va - delta with exactly these of
 * the mask's bits set. */
#define ALL_BITS (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_G)
static uint64_t wrong_pages(uint64_t root, uint64_t va, uint64_t end, uint64_t delta,
			    uint64_t bits, uint64_t mask)
{
	uint64_t bad = 0, up, pa, e;

	for (; va < end; va += 4096) {
		e = lookup(root, va, &up, &pa);
		bad += !e || pa != va - delta || (e & mask) != bits || !(up & PTE_P);
	}
	return bad;
}

static void check_kernel_tables(uint64_t k, int *sound)
{
	uint64_t text = (uint64_t)guest_text_start, rodata = (uint64_t)guest_rodata_start,
		 data = (uint64_t)guest_data_start,
		 end = ((uint64_t)guest_image_end + 4095) & ~4095ull, kb = boot->kernel_base,
		 dm = boot->dmap_base, pool = boot->pool_bytes, up, pa, lower = 0, n;
	const uint64_t gpas[] = { 0, boot->bootinfo_gpa, boot->stack_gpa, boot->ring_gpa,
				  boot->free_gpa, pool - 4096 };
	const uint64_t *pml4 = gpa_to_virt(k);

	for (unsigned i = 0; i < 256; i++)
		lower += pml4[i] != 0;
	check_eq("vm_kernel: the lower half is empty (slots 0-255)", lower, 0);
	n = 0;
	for (unsigned i = 0; i < sizeof gpas / sizeof gpas[0]; i++)
		n += wrong_pages(k, dm + gpas[i], dm + gpas[i] + 4096, dm,
				 PTE_P | PTE_W | PTE_NX | PTE_G, ALL_BITS);
	check_eq("vm_kernel: the direct map: gpa 0, boot info, stack, ring, free_gpa, the last "
		 "page: pa right, P W NX G, not U", n, 0);
	check_eq("vm_kernel: nothing mapped past the pool's end",
		 lookup(k, dm + pool, &up, &pa), 0);
	n = wrong_pages(k, text, rodata, kb, PTE_P | PTE_G, ALL_BITS);
	check_eq("vm_kernel: every text page: pa right, P G, not W, not NX, not U", n, 0);
	n = wrong_pages(k, rodata, data, kb, PTE_P | PTE_NX | PTE_G, ALL_BITS);
	check_eq("vm_kernel: every rodata page: pa right, P NX G, not W, not U", n, 0);
	n = wrong_pages(k, data, end, kb, PTE_P | PTE_W | PTE_NX | PTE_G, ALL_BITS);
	check_eq("vm_kernel: every data and bss page: pa right, P W NX G, not U", n, 0);
	check_eq("vm_kernel: nothing mapped after the image", lookup(k, end, &up, &pa), 0);
	/* Loading tables that lack the kernel's code, data or direct map (or
	 * make its code NX) would end the guest and every later check with it;
	 * wrong bits that let it run cost only their own checks. */
	*sound = wrong_pages(k, text, rodata, kb, PTE_P, PTE_P | PTE_NX) == 0 &&
		 wrong_pages(k, rodata, data, kb, PTE_P, PTE_P) == 0 &&
		 wrong_pages(k, data, end, kb, PTE_P | PTE_W, PTE_P | PTE_W) == 0 &&
		 wrong_pages(k, dm, dm + pool, dm, PTE_P | PTE_W, PTE_P | PTE_W) == 0;
}

static void check_kernel_loaded(uint64_t k)
{
	uint64_t data_dm = boot->dmap_base + virt_to_gpa((const void *)ret_in_data);

	check_eq("cr3_load of the kernel's tables", (uint64_t)cr3_load(k, 0, 0), 0);
	kernel_word = 2;
	check("the kernel runs on them: its data written and read, the boot info read",
	      kernel_word == 2 && boot->magic == BOOTINFO_MAGIC);
	ptcheck_pf("a write to the kernel's text faults: present, write",
		   probe_write((uint64_t)ret_in_text), (uint64_t)ret_in_text, PF_ERR_P | PF_ERR_W);
	ptcheck_pf("a write to rodata faults: present, write",
		   probe_write((uint64_t)guest_rodata_start), (uint64_t)guest_rodata_start,
		   PF_ERR_P | PF_ERR_W);
	check_eq("code in text runs", (uint64_t)probe_exec((uint64_t)ret_in_text), 0);
	ptcheck_pf("a RET in data does not run: present, fetch",
		   probe_exec((uint64_t)ret_in_data), (uint64_t)ret_in_data, PF_ERR_P | PF_ERR_I);
	ptcheck_pf("nor through the direct map: present, fetch", probe_exec(data_dm), data_dm,
		   PF_ERR_P | PF_ERR_I);
}

/* What vm_print must print for p, from the test's own walk: the lines
 * prefixed "lab-vm: want:", which the grader compares with vm_print's. */
static void want_level(uint64_t t, int level)
{
	static const char *const pad[4] = { " .. .. .. ..", " .. .. ..", " .. ..", " .." };

	for (unsigned i = 0; i < (level == 3 ? 256u : 512u); i++) {
		uint64_t e = ((uint64_t *)gpa_to_virt(t))[i];

		if (!(e & PTE_P))
			continue;
		printf("lab-vm: want:%s%u: pte 0x%016lx pa 0x%016lx\n", pad[level], i, e,
		       e & PTE_ADDR);
		if (level > 0)
			want_level(e & PTE_ADDR, level - 1);
	}
}

static void check_space(uint64_t k, uint64_t p)
{
	const uint64_t *pk = gpa_to_virt(k), *pp = gpa_to_virt(p);
	uint64_t same = 0, lower = 0, before, up, pa, bad = 0, e;

	for (unsigned i = 0; i < 256; i++)
		lower += pp[i] != 0;
	for (unsigned i = 256; i < 512; i++)
		same += pp[i] == pk[i];
	check("vm_new: the upper half is the kernel's, the lower half empty",
	      lower == 0 && same == 256);

	before = palloc_free_pages();
	check_eq("vm_map three user pages, writable",
		 (uint64_t)vm_map(p, UVA, frame[0], 3 * 4096, PTE_W | PTE_U), VM_OK);
	check_eq("it took three table pages (a PDPT, a PD, a PT)", before - palloc_free_pages(),
		 3);
	check_eq("vm_map one read-only user page below the lower half's end",
		 (uint64_t)vm_map(p, UTOP, frame[3], 4096, PTE_U), VM_OK);
	for (int i = 0; i < 3; i++) {
		e = lookup(p, UVA + i * 4096ull, &up, &pa);
		bad += e != (frame[i] | PTE_P | PTE_W | PTE_U) || (up & (PTE_W | PTE_U)) !=
							     (PTE_W | PTE_U);
	}
	e = lookup(p, UTOP, &up, &pa);
	bad += e != (frame[3] | PTE_P | PTE_U) || (up & (PTE_W | PTE_U)) != (PTE_W | PTE_U);
	check_eq("the leaves are frame | perm | P exactly, the tables above them P W U", bad, 0);
	bad = 0;
	for (unsigned i = 0; i < 512; i++)
		bad += ((uint64_t *)gpa_to_virt(pp[0] & PTE_ADDR))[i] != 0 && i != 0;
	check_eq("nothing else is mapped", bad, 0);

	before = palloc_free_pages();
	check_eq("vm_map of a misaligned va: VM_EALIGN",
		 (uint64_t)vm_map(p, UVA + 0x10000 + 8, frame[4], 4096, PTE_U), (uint64_t)VM_EALIGN);
	check_eq("of a misaligned gpa: VM_EALIGN",
		 (uint64_t)vm_map(p, UVA + 0x10000, frame[4] + 8, 4096, PTE_U), (uint64_t)VM_EALIGN);
	check_eq("of a length not a multiple of 4096, or 0: VM_EALIGN",
		 (uint64_t)(vm_map(p, UVA + 0x10000, frame[4], 100, PTE_U) == VM_EALIGN &&
			    vm_map(p, UVA + 0x10000, frame[4], 0, PTE_U) == VM_EALIGN), 1);
	/* The page before UVA is free and in another PT: a map that checks as it
	 * goes would have made that PT and mapped it before seeing UVA's. */
	check_eq("of a range whose second page is mapped already: VM_EEXIST",
		 (uint64_t)vm_map(p, UVA - 4096, frame[4], 2 * 4096, PTE_W | PTE_U),
		 (uint64_t)VM_EEXIST);
	check("and it changed nothing: the mapped page as it was, the free one unmapped",
	      lookup(p, UVA, &up, &pa) == (frame[0] | PTE_P | PTE_W | PTE_U) &&
		      lookup(p, UVA - 4096, &up, &pa) == 0);
	check("vm_walk without alloc: an empty leaf where the PT exists, NULL where none",
	      vm_walk(p, UVA + 5 * 4096, 0) && *vm_walk(p, UVA + 5 * 4096, 0) == 0 &&
		      vm_walk(p, 0x200000000ull, 0) == 0);
	check_eq("the refusals and the walks took no page", before - palloc_free_pages(), 0);

	want_level(p, 3);
	vm_print(p);
	printf("lab-vm: vmprint done\n");
}

static void check_loaded(uint64_t k, uint64_t p, uint64_t q)
{
	check_eq("cr3_load of the process's tables (PCID 1)", (uint64_t)cr3_load(p, 1, 0), 0);
	check("the kernel runs on in them: its data and the boot info",
	      kernel_word == 2 && boot->magic == BOOTINFO_MAGIC);
	check("the three user pages read their frames", ptcheck_read(UVA) == mark(0) &&
							      ptcheck_read(UVA + 4096) == mark(1) &&
							      ptcheck_read(UVA + 8192) == mark(2));
	check_eq("a write to a writable one works", (uint64_t)probe_write(UVA + 4096), 0);
	ptcheck_pf("a write to the read-only page faults: present, write", probe_write(UTOP),
		   UTOP, PF_ERR_P | PF_ERR_W);
	check("the read-only page reads its frame", ptcheck_read(UTOP) == mark(3));

	vm_unmap(p, UVA + 4096, 4096, 1);
	ptcheck_pf("vm_unmap of a page just used: it faults at once (the TLB entry invalidated)",
		   probe_read(UVA + 4096), UVA + 4096, 0);
	check_eq("and its frame was given back", palloc_refs(frame[1]), 0);
	frame[1] = 0;
	check("its neighbours are still there",
	      ptcheck_read(UVA) == mark(0) && ptcheck_read(UVA + 8192) == mark(2));
	vm_unmap(p, UVA + 2 * 4096, 4096, 0);
	check_eq("vm_unmap without free_frames keeps the frame", palloc_refs(frame[2]), 1);
	ptcheck_pf("but the page is gone", probe_read(UVA + 8192), UVA + 8192, 0);
	vm_unmap(p, UVA + 0x100000, 8 * 4096, 1); /* nothing there: nothing happens */

	check_eq("a second space: vm_map its own page at the same address",
		 (uint64_t)vm_map(q, UVA, frame[5], 4096, PTE_W | PTE_U), VM_OK);
	cr3_load(q, 2, 0);
	check("in it (PCID 2) the address reads its frame, not the first space's",
	      ptcheck_read(UVA) == mark(5));
	ptcheck_pf("and the first space's other pages are not there", probe_read(UTOP), UTOP, 0);
	cr3_load(p, 1, 0);
	check("back in the first space: its own frame again", ptcheck_read(UVA) == mark(0));
	check_eq("back to the kernel's tables", (uint64_t)cr3_load(k, 0, 0), 0);
}

/* The kernel's table pages (not its leaves' frames: the pool's own pages)
 * given back, by the test's own walk. */
static void free_kernel(uint64_t t, int level)
{
	for (unsigned i = 0; i < 512 && level > 0; i++) {
		uint64_t e = ((uint64_t *)gpa_to_virt(t))[i];

		if ((e & PTE_P) && !(e & PTE_PS) && (level < 3 || i >= 256))
			free_kernel(e & PTE_ADDR, level - 1);
	}
	palloc_unref(t);
}

static uint64_t kernel_tables_held(uint64_t k)
{
	const uint64_t *pml4 = gpa_to_virt(k);
	uint64_t held = 0;

	for (unsigned i = 256; i < 512; i++)
		if ((pml4[i] & PTE_P) && !palloc_refs(pml4[i] & PTE_ADDR))
			held++;
	return held;
}

int prog_lab_vm(void)
{
	uint64_t free_before, k, p = 0, q = 0;
	int ok = 1, sound = 0;

	check_begin("lab-vm");
	free_before = palloc_free_pages();
	for (int i = 0; i < NFRAMES; i++) {
		frame[i] = palloc();
		ok &= frame[i] != 0;
		if (frame[i])
			*(uint64_t *)gpa_to_virt(frame[i]) = mark(i);
	}
	k = vm_kernel();
	check("vm_kernel returns a table", ok && k != 0 && k % 4096 == 0);
	if (!ok || !k)
		return check_end();
	check_kernel_tables(k, &sound);
	if (!sound) {
		printf("lab-vm: the kernel's tables lack the image or the direct map: not loaded\n");
		return check_end();
	}
	check_kernel_loaded(k);
	p = vm_new(k);
	q = vm_new(k);
	check("vm_new returns two tables", p && q && p != q && p != k);
	if (!p || !q)
		return check_end();
	check_space(k, p);
	check_loaded(k, p, q);

	vm_free(p);
	vm_free(q);
	check("vm_free gave back the frames mapped",
	      palloc_refs(frame[0]) == 0 && palloc_refs(frame[3]) == 0 &&
		      palloc_refs(frame[5]) == 0);
	check_eq("and left the kernel's half alone: its tables still held",
		 kernel_tables_held(k), 0);
	if (kernel_tables_held(k) == 0) {
		cr3_load(boot->boot_cr3, 0, 0);
		tlb_flush_all(); /* no translation of PCID 1 or 2 outlives the pages */
		free_kernel(k, 3);
	}
	for (int i = 2; i <= 4; i += 2) /* kept by vm_unmap, never mapped */
		if (palloc_refs(frame[i]))
			palloc_unref(frame[i]);
	check_eq("every page given back: vm_free freed every table page of the lower half",
		 palloc_free_pages(), free_before);
	return check_end();
}
