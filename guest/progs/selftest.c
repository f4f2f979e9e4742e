/* selftest: the ABI self-test. Checks the boot info, the p2m, the permissions
 * of every kind of guest mapping, every hypercall with good and bad arguments
 * and the register convention. One line per check; exits 1 if any fails. */
#include "check.h"
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../../lib/fmt.h"
#include "../../proto/layout.h"

uint64_t hc_clobbered(void); /* guest/progs/regcheck.asm */
extern const char ret_in_text[];       /* guest/probe.asm */

static const uint8_t ret_in_rodata = 0xc3; /* RET: executes if NX were broken */
static volatile uint8_t ret_in_data = 0xc3;
static volatile uint8_t data_byte = 1;
static int contains(const char *s, const char *word)
{
	for (; *s; s++) {
		unsigned i = 0;

		while (word[i] && s[i] == word[i])
			i++;
		if (!word[i])
			return 1;
	}
	return 0;
}

static int in_guest_windows(uint64_t va)
{
	return (va >= GUEST_DMAP_BASE && va < GUEST_DMAP_BASE + GUEST_DMAP_MAX_BYTES) ||
	       (va >= GUEST_P2M_BASE && va < GUEST_P2M_BASE + GUEST_DMAP_MAX_BYTES / 512) ||
	       va >= GUEST_KERNEL_BASE;
}

/* The guest's PML4 entry for va in the boot tables (proto/bootinfo.h). */
static uint64_t boot_pml4e(uint64_t va)
{
	return ((const uint64_t *)gpa_to_virt(boot->boot_cr3))[(va >> 39) & 511];
}

static void check_bootinfo(void)
{
	uint64_t rsp, stack = boot->dmap_base + boot->stack_gpa;

	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	check_eq("boot info magic", boot->magic, BOOTINFO_MAGIC);
	check_eq("boot info ABI version", boot->abi_version, HCABI_VERSION);
	check_eq("boot info size", boot->size_bytes, sizeof(struct bootinfo));
	check_eq("direct-map base", boot->dmap_base, GUEST_DMAP_BASE);
	check_eq("kernel base", boot->kernel_base, GUEST_KERNEL_BASE);
	check_eq("p2m entries = pool pages", boot->p2m_entries, boot->pool_bytes / 4096);
	check_eq("p2m address", boot->p2m_gva, GUEST_P2M_BASE);
	check_eq("boot info is where RDI pointed", (uint64_t)boot,
		  boot->dmap_base + boot->bootinfo_gpa);
	check("boot info, boot stack, free memory in order inside the pool",
	       boot->stack_gpa >= boot->bootinfo_gpa + 4096 &&
		       boot->free_gpa >= boot->stack_gpa + boot->stack_bytes &&
		       boot->free_gpa < boot->pool_bytes);
	check("we run on the boot stack", rsp > stack && rsp <= stack + boot->stack_bytes);
	check("the monitor's passage lies outside every guest window",
	       !in_guest_windows(boot->passage_gva));
	check("command line names this program", contains(boot->cmdline, "guest=selftest"));
	check("the request ring lies in the pool after the stack",
	      boot->ring_gpa >= boot->stack_gpa + boot->stack_bytes &&
		      boot->ring_gpa + 3 * 4096 <= boot->free_gpa);
	check("the host gave a TSC rate", boot->tsc_hz > 0);
	check("the boot page tables lie in the pool before the free memory",
	      boot->boot_cr3 == boot->boot_pt_gpa && boot->boot_pt_pages >= 4 &&
		      boot->boot_pt_gpa >= boot->ring_gpa + 3 * 4096 &&
		      boot->boot_pt_gpa + boot->boot_pt_pages * 4096 == boot->free_gpa);
	check("they map the direct map and the image, never the monitor's slots",
	      (boot_pml4e(GUEST_DMAP_BASE) & 1) && (boot_pml4e(GUEST_KERNEL_BASE) & 1) &&
		      !(boot_pml4e(GUEST_P2M_BASE) & 1) && !(boot_pml4e(boot->passage_gva) & 1));
	printf("guest: selftest: pool is %lu KiB\n", boot->pool_bytes >> 10);
}

static void check_p2m(void)
{
	const uint64_t *p2m = (const uint64_t *)boot->p2m_gva;
	uint64_t n = boot->p2m_entries, lo = ~0ull, hi = 0, runs = 1, down = 0, misaligned = 0;
	uint64_t dups = 0, bits_pages;
	uint8_t *seen = gpa_to_virt(boot->free_gpa);

	for (uint64_t i = 0; i < n; i++) {
		misaligned += (p2m[i] & 0xfff) != 0;
		lo = p2m[i] < lo ? p2m[i] : lo;
		hi = p2m[i] > hi ? p2m[i] : hi;
		if (i && p2m[i] != p2m[i - 1] + 4096)
			runs++;
		if (i && p2m[i] < p2m[i - 1])
			down++;
	}
	check_eq("every p2m entry is page aligned", misaligned, 0);
	/* A bitmap of machine pages in our free memory finds duplicates. */
	bits_pages = ((hi - lo) / 4096 / 8 + 4096) / 4096;
	if (boot->free_gpa + bits_pages * 4096 <= boot->pool_bytes) {
		__builtin_memset(seen, 0, bits_pages * 4096);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t b = (p2m[i] - lo) / 4096;

			dups += (seen[b / 8] >> (b % 8)) & 1;
			seen[b / 8] |= (uint8_t)(1u << (b % 8));
		}
		check_eq("no two guest pages share a machine page", dups, 0);
	}
	printf("guest: selftest: the pool is %lu machine run(s), %lu step(s) downwards\n", runs,
	       down);
	if (boot->flags & BOOTINFO_F_SCATTER)
		check("scattered pool: guest order differs from machine order",
		       runs > 1 && down > 0);
	check_eq("p2m is readable", (uint64_t)probe_read(boot->p2m_gva), 0);
	check_fault("p2m is read-only", probe_write(boot->p2m_gva), PF_ERR_P | PF_ERR_W);
}

static void check_mappings(void)
{
	uint64_t end = boot->dmap_base + boot->pool_bytes;
	uint64_t passage = boot->passage_gva;
	volatile uint8_t *free_page = gpa_to_virt(boot->free_gpa);

	check_eq("kernel text is executable", (uint64_t)probe_exec((uint64_t)ret_in_text), 0);
	check_fault("kernel text is read-only", probe_write((uint64_t)ret_in_text),
		     PF_ERR_P | PF_ERR_W);
	check_fault("kernel rodata is read-only", probe_write((uint64_t)&ret_in_rodata),
		     PF_ERR_P | PF_ERR_W);
	check_fault("kernel rodata is not executable", probe_exec((uint64_t)&ret_in_rodata),
		     PF_ERR_P | PF_ERR_I);
	check_eq("kernel data is writable", (uint64_t)probe_write((uint64_t)&data_byte), 0);
	check_fault("kernel data is not executable", probe_exec((uint64_t)&ret_in_data),
		     PF_ERR_P | PF_ERR_I);
	*free_page = 0xc3;
	check_fault("direct map is not executable", probe_exec((uint64_t)free_page),
		     PF_ERR_P | PF_ERR_I);
	*(volatile uint8_t *)gpa_to_virt(virt_to_gpa((const void *)&data_byte)) = 0x77;
	check_eq("image and direct map alias the same machine page", data_byte, 0x77);
	check_eq("the pool's last byte is mapped", (uint64_t)probe_read(end - 1), 0);
	check_fault("the byte after the pool is not", probe_read(end), 0);
	check_fault("address 0 is not mapped", probe_read(0), 0);
	check_fault("an address between the windows is not mapped",
		     probe_read(0xffff900000000000ull), 0);
	check_fault("passage code is read-only", probe_write(passage), PF_ERR_P | PF_ERR_W);
	check_fault("the monitor's GDT page is read-only", probe_write(passage + 0x1000),
		     PF_ERR_P | PF_ERR_W);
	check_eq("passage guest state is writable", (uint64_t)probe_write(passage + 0x2000), 0);
	check_fault("the monitor's IDT is read-only", probe_write(passage + 0x3000),
		     PF_ERR_P | PF_ERR_W);
	check_fault("the monitor's TSS page is read-only", probe_write(passage + 0x4000),
		     PF_ERR_P | PF_ERR_W);
	check_fault("the host's saved state is not mapped at all", probe_read(passage + 0x5000), 0);
}

/* A LOG whose buffer straddles a page boundary where the next guest page is
 * not the next machine page, if the pool has one: the host must copy piecewise. */
static void check_log_across_chunks(void)
{
	const uint64_t *p2m = (const uint64_t *)boot->p2m_gva;
	uint64_t page = (boot->free_gpa >> 12) + 1, pool_pages = boot->pool_bytes >> 12;
	char line[96];
	int n;

	for (uint64_t k = page; k + 1 < pool_pages; k++) {
		if (p2m[k] + 4096 != p2m[k + 1]) {
			page = k + 1;
			break;
		}
	}
	n = fmt_snprintf(line, sizeof(line),
			 "guest: selftest: this line crosses from machine page %lx to %lx\n",
			 p2m[page - 1], p2m[page]);
	__builtin_memcpy(gpa_to_virt((page << 12) - (uint64_t)n / 2), line, (uint64_t)n);
	check_eq("LOG of a line across two machine pages returns its length",
		  (uint64_t)hypercall(HC_LOG, (page << 12) - (uint64_t)n / 2, (uint64_t)n, 0),
		  (uint64_t)n);
}

static void check_hypercalls(void)
{
	static const char msg[] = "guest: selftest: a LOG of a buffer in the image\n";
	uint64_t pool = boot->pool_bytes, rflags, cs;
	static struct hc_trap_entry bad_traps[HCLIM_TRAPS] __attribute__((aligned(16))) = {
		[6] = { .handler = 0xffffffff80000000ull + (64ull << 20) },
	};
	static struct hc_trap_entry bad_flags[HCLIM_TRAPS] __attribute__((aligned(16))) = {
		[14] = { .handler = (uint64_t)ret_in_text, .flags = HCTRAP_USER },
	};
	uint64_t vcpu_gpa = virt_to_gpa(&vcpu), ds, es;
	const uint64_t efault = (uint64_t)-HCERR_FAULT, einval = (uint64_t)-HCERR_INVAL;

	check_eq("YIELD returns 0", (uint64_t)hypercall(HC_YIELD, 0, 0, 0), 0);
	check_eq("LOG returns its length",
		  (uint64_t)hypercall(HC_LOG, virt_to_gpa(msg), sizeof(msg) - 1, 0),
		  sizeof(msg) - 1);
	check_eq("LOG of 0 bytes", (uint64_t)hypercall(HC_LOG, 0, 0, 0), 0);
	check_eq("LOG of 0 bytes at the pool's end", (uint64_t)hypercall(HC_LOG, pool, 0, 0), 0);
	check_eq("LOG of 0 bytes past the pool's end: HCERR_FAULT",
		  (uint64_t)hypercall(HC_LOG, pool + 1, 0, 0), efault);
	check_eq("LOG of 1 byte at the pool's end: HCERR_FAULT",
		  (uint64_t)hypercall(HC_LOG, pool, 1, 0), efault);
	*(volatile char *)gpa_to_virt(pool - 1) = '\n';
	check_eq("LOG of the pool's last byte", (uint64_t)hypercall(HC_LOG, pool - 1, 1, 0), 1);
	check_eq("LOG running past the pool's end: HCERR_FAULT",
		  (uint64_t)hypercall(HC_LOG, pool - 8, 16, 0), efault);
	check_eq("LOG whose end wraps past 2^64: HCERR_FAULT",
		  (uint64_t)hypercall(HC_LOG, ~0ull - 4, 16, 0), efault);
	check_eq("LOG far outside the pool: HCERR_FAULT",
		  (uint64_t)hypercall(HC_LOG, 1ull << 50, 4, 0), efault);
	check_eq("LOG longer than HCLIM_LOG_BYTES: HCERR_2BIG",
		  (uint64_t)hypercall(HC_LOG, 0, HCLIM_LOG_BYTES + 1, 0), (uint64_t)-HCERR_2BIG);
	check_eq("LOG of 2^64-1 bytes: HCERR_2BIG", (uint64_t)hypercall(HC_LOG, 0, ~0ull, 0),
		  (uint64_t)-HCERR_2BIG);
	check_log_across_chunks();
	check_eq("unknown call HC_NCALLS: HCERR_NOSYS", (uint64_t)hypercall(HC_NCALLS, 0, 0, 0),
		  (uint64_t)-HCERR_NOSYS);
	check_eq("unknown call 2^64-1: HCERR_NOSYS", (uint64_t)hypercall(~0ull, 0, 0, 0),
		  (uint64_t)-HCERR_NOSYS);
	check_eq("EXIT with code 100: HCERR_INVAL", (uint64_t)hypercall(HC_EXIT, 100, 0, 0), einval);
	check_eq("EXIT with code 2^64-1: HCERR_INVAL", (uint64_t)hypercall(HC_EXIT, ~0ull, 0, 0),
		  einval);
	check_eq("CRASH with reason 0: HCERR_INVAL", (uint64_t)hypercall(HC_CRASH, 0, 0, 0), einval);
	check_eq("CRASH with a frame outside the pool: HCERR_FAULT",
		  (uint64_t)hypercall(HC_CRASH, pool, HCCRASH_UNHANDLED, 0), efault);
	check_eq("CRASH with a frame running past the pool: HCERR_FAULT",
		  (uint64_t)hypercall(HC_CRASH, pool - 8, HCCRASH_UNHANDLED, 0), efault);
	check_eq("a hypercall preserves every register but RAX (mask of changed ones)",
		  hc_clobbered(), 0);
	check_eq("SET_TRAPS with a handler outside the text: HCERR_INVAL",
		  (uint64_t)hypercall(HC_SET_TRAPS, virt_to_gpa(bad_traps), vcpu_gpa, 0), einval);
	check_eq("SET_TRAPS with #PF callable from ring 3: HCERR_INVAL",
		  (uint64_t)hypercall(HC_SET_TRAPS, virt_to_gpa(bad_flags), vcpu_gpa, 0), einval);
	check_eq("SET_TRAPS with a table outside the pool: HCERR_FAULT",
		  (uint64_t)hypercall(HC_SET_TRAPS, pool, vcpu_gpa, 0), efault);
	check_eq("SET_TRAPS with a misaligned vcpu page: HCERR_FAULT",
		  (uint64_t)hypercall(HC_SET_TRAPS, virt_to_gpa(bad_traps), vcpu_gpa + 8, 0), efault);
	check_eq("SET_CR3 of a table outside the pool: HCERR_INVAL",
		  (uint64_t)hypercall(HC_SET_CR3, pool, 0, 0), einval);
	check_eq("SET_CR3 with a reserved bit: HCERR_INVAL",
		  (uint64_t)hypercall(HC_SET_CR3, boot->boot_cr3 | (1ull << 62), 0, 0), einval);
	check_eq("SET_CR3 of the boot tables again", (uint64_t)hypercall(HC_SET_CR3, boot->boot_cr3,
									0, 0), 0);
	check_eq("SET_KSTACK of a non-canonical address: HCERR_INVAL",
		  (uint64_t)hypercall(HC_SET_KSTACK, 1ull << 47, 0, 0), einval);
	check_eq("INVLPG of a non-canonical address is a NOP",
		  (uint64_t)hypercall(HC_INVLPG, 1ull << 63, 0, 0), 0);
	check_eq("FLUSH of an unknown type: HCERR_INVAL", (uint64_t)hypercall(HC_FLUSH, 9, 0, 0),
		  einval);
	check_eq("SET_SEGBASE of another segment: HCERR_INVAL",
		  (uint64_t)hypercall(HC_SET_SEGBASE, 2, 0, 0), einval);
	__asm__ volatile("mov %%cs, %0; mov %%ds, %1; mov %%es, %2" : "=r"(cs), "=r"(ds), "=r"(es));
	check_eq("the guest runs in ring 1 on the ABI's code selector", cs, HCABI_GUEST_CS);
	check_eq("with the ABI's data selector in DS and ES", ds << 16 | es,
		  (uint64_t)HCABI_USER_DS << 16 | HCABI_USER_DS);
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	check_eq("the host's interrupts are on in the guest world (RFLAGS.IF)", rflags & 0x200,
		  0x200);
	/* SDM Vol.2 POPF: with CPL > IOPL, IF is left as it is, silently. */
	__asm__ volatile("pushfq; andq $~0x200, (%%rsp); popfq; pushfq; popq %0" : "=r"(rflags)
			 : : "cc");
	check_eq("popf cannot turn them off in ring 1", rflags & 0x200, 0x200);
	/* SDM Vol.2 LAR: a selector of an unusable LDT (TI = 1) clears ZF. */
	__asm__ volatile("xor %k0, %k0; lar %k1, %k0; setz %b0" : "=&r"(rflags) : "r"(0x0fu) : "cc");
	check_eq("lar of an LDT selector clears ZF (no LDT, no fault)", rflags & 1, 0);
	check_eq("IOPL is 0: no cli, sti, in or out", rflags & 0x3000, 0);
}

int prog_selftest(void)
{
	check_begin("selftest");
	check_bootinfo();
	check_p2m();
	check_mappings();
	check_hypercalls();
	return check_end();
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: selftest: pool is 32768 KiB
 * expect: checks, 0 failed
 * expect: SUCCESS
 */
