/* Installing the passage (switch/passage.h): the stub copied into page 0, the
 * boot GDT the guest starts with, the guest's first context, and the guest
 * mappings of the three pages. */
#include "passage.h"
#include "../mm/pagetable.h"
#include "../proto/errors.h"

extern const uint8_t switch_blob_start[], switch_blob_end[];

/* SDM Vol.3 3.4.5 figure 3-8 and 5.2.1: a 64-bit code segment has L=1, D=0;
 * type 0xB is code execute/read accessed, 0x3 data read/write accessed. The
 * accessed bit is preset because the CPU would otherwise write it on the first
 * segment load, and the guest maps this page read-only (SDM Vol.3 3.4.5.1). */
#define GDT_CODE64 0x00209b0000000000ull /* P=1 DPL=0 S=1 type=0xB L=1 */
#define GDT_DATA 0x0000930000000000ull   /* P=1 DPL=0 S=1 type=0x3 */

int passage_install(struct passage *ps, uint64_t hva, const uint64_t ma[PASSAGE_NPAGES])
{
	const struct passage_code_hdr *hdr = (const void *)switch_blob_start;
	uint64_t len = (uint64_t)(switch_blob_end - switch_blob_start);

	if (len < sizeof(*hdr) || len > 4096 || hdr->magic != PASSAGE_MAGIC ||
	    hdr->code_bytes != len || hdr->enter_off >= len || hdr->hc_off >= len)
		return -HC_EINVAL;
	*ps = (struct passage){ .hva = hva };
	for (int i = 0; i < PASSAGE_NPAGES; i++)
		ps->ma[i] = ma[i];
	__builtin_memset((void *)hva, 0, PASSAGE_NPAGES * 4096);
	__builtin_memcpy((void *)hva, switch_blob_start, len);
	ps->host = (struct passage_host *)(hva + PASSAGE_PAGE_HOST * 4096);
	ps->guest = (struct passage_guest *)(hva + PASSAGE_PAGE_GUEST * 4096);
	ps->enter = (void (*)(void))(hva + hdr->enter_off);
	ps->hc_entry_va = hva + hdr->hc_off;
	ps->host->boot_gdt[1] = GDT_CODE64;
	ps->host->boot_gdt[2] = GDT_DATA;
	return 0;
}

int passage_map_guest(const struct passage *ps, struct pt *pt)
{
	static const unsigned perms[PASSAGE_NPAGES] = {
		[PASSAGE_PAGE_CODE] = PT_EXEC,
		[PASSAGE_PAGE_HOST] = 0,
		[PASSAGE_PAGE_GUEST] = PT_WRITE,
	};

	for (int i = 0; i < PASSAGE_NPAGES; i++) {
		int err = pt_map(pt, ps->hva + (uint64_t)i * 4096, ps->ma[i], perms[i]);

		if (err)
			return err;
	}
	return 0;
}

void passage_guest_start(struct passage *ps, uint64_t cr3, uint64_t rip, uint64_t rsp,
			 uint64_t arg)
{
	struct passage_guest *g = ps->guest;

	*g = (struct passage_guest){
		.rip = rip,
		.rsp = rsp,
		.rdi = arg,
		.rflags = 0x2, /* SDM Vol.1 3.4.3: bit 1 is reserved as 1; IF off */
		.cr3 = cr3,
		.cs = PASSAGE_BOOT_CS,
		.ss = PASSAGE_BOOT_DS,
		.ds = PASSAGE_BOOT_DS,
		.es = PASSAGE_BOOT_DS,
	};
	g->gdtr.limit = sizeof(ps->host->boot_gdt) - 1;
	g->gdtr.base = (uint64_t)ps->host->boot_gdt;
	/* IDTR limit 0: until the guest loads its IDT an exception cannot be
	 * delivered and becomes a triple fault; guest/entry.asm loads it first. */
	g->idtr.limit = 0;
	g->idtr.base = 0;
}
