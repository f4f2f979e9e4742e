/* The bare-metal host: GRUB loads us by Multiboot2; boot.asm reaches long mode
 * and calls mb2_main. We are the host kernel here: COM1 is the console, the
 * Multiboot2 memory map feeds the page allocator, and QEMU's isa-debug-exit
 * device carries the monitor's status out (docs/ABI.md, "Monitor statuses"). */
#include "../io.h"
#include "multiboot2.h"
#include "pic.h"
#include "pmem.h"
#include "ramdisk.h"
#include "serial.h"
#include "timer.h"
#include "virtio_net.h"
#include "../tsc.h"
#include "../cpu.h"
#include "../highmap.h"
#include "../log.h"
#include "../monitor.h"
#include "../netcheck.h"
#include "../nic_net.h"
#include "../../proto/bootinfo.h"
#include "../../proto/layout.h"

/* QEMU -device isa-debug-exit,iobase=0xf4,iosize=0x04: writing v makes QEMU
 * exit with status (v << 1) | 1 (QEMU hw/misc/debugexit.c). */
#define DEBUG_EXIT_PORT 0xf4

extern const uint8_t guest_image_start[], guest_image_end[];
extern const uint8_t _kernel_start[], _kernel_end[]; /* linker.ld */

#define COM1_VECTOR (PIC_VECTOR_BASE + PIC_IRQ_COM1)
static struct trap_gate host_idt[COM1_VECTOR + 1];
extern const char mb2_timer_stub[], mb2_com1_stub[];

static void qemu_exit(int status)
{
	serial_flush(); /* what the interrupt handler has not sent yet */
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	for (;;) /* no debug-exit device (real hardware): stop here */
		__asm__ volatile("cli; hlt");
}

static volatile uint64_t host_nmis; /* NMIs this host took, through its own IDT */

void mb2_trap(struct hc_trap_frame *f);
void mb2_trap(struct hc_trap_frame *f)
{
	if (f->vector == 2) { /* an NMI: count it and go on (the stub's IRETQ) */
		host_nmis++;
		return;
	}
	report_trap_frame("host exception (a monitor bug)", f);
	qemu_exit(MON_STATUS_PANIC);
}

/* An interrupt gate like the exceptions' (interrupts off in the handler). */
static void set_gate(unsigned vector, const char *handler)
{
	host_idt[vector] = host_idt[0];
	host_idt[vector].offset_lo = (uint16_t)(uint64_t)handler;
	host_idt[vector].offset_mid = (uint16_t)((uint64_t)handler >> 16);
	host_idt[vector].offset_hi = (uint32_t)((uint64_t)handler >> 32);
}

static void traps_init(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { sizeof(host_idt) - 1, (uint64_t)host_idt };

	trap_fill_gates(host_idt, 0x08); /* boot.asm's code selector */
	set_gate(MB2_TIMER_VECTOR, mb2_timer_stub);
	set_gate(COM1_VECTOR, mb2_com1_stub);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static int mb2_alloc(void *ctx, uint64_t npages, uint64_t *ma)
{
	(void)ctx;
	return pmem_alloc(npages, ma);
}

static void mb2_free(void *ctx, uint64_t ma, uint64_t npages)
{
	(void)ctx;
	pmem_free(ma, npages);
}

static void *mb2_ma_to_hva(void *ctx, uint64_t ma)
{
	(void)ctx;
	return (void *)ma; /* boot.asm identity-maps the first 4 GiB */
}

/* The passage: pages from pmem, mapped at LAYOUT_PASSAGE_BASE in boot.asm's
 * tables, whose PML4 has only slot 0 (docs/ARCHITECTURE.md, "Address spaces").
 * One passage at a time: the runs of a command line follow each other. */
static struct host_ops mb2_host;
static struct highmap passage_map;

static int mb2_alloc_passage(void *ctx, uint64_t ma[PASSAGE_NPAGES], uint64_t *hva)
{
	int err;

	(void)ctx;
	if (pmem_alloc(PASSAGE_NPAGES, &ma[0]) != 0)
		return -HCERR_NOMEM;
	for (int i = 1; i < PASSAGE_NPAGES; i++)
		ma[i] = ma[0] + (uint64_t)i * 4096;
	err = highmap_map(&passage_map, &mb2_host.mm, mb2_host.use_nx, 0 /* .bss: writable */, ma);
	if (err) {
		pmem_free(ma[0], PASSAGE_NPAGES);
		return err;
	}
	*hva = LAYOUT_PASSAGE_BASE;
	return 0;
}

static int mb2_seal_passage(void *ctx, uint64_t hva)
{
	(void)ctx;
	(void)hva;
	return highmap_seal(&passage_map);
}

static void mb2_free_passage(void *ctx, const uint64_t ma[PASSAGE_NPAGES], uint64_t hva)
{
	(void)ctx;
	(void)hva;
	highmap_unmap(&passage_map);
	pmem_free(ma[0], PASSAGE_NPAGES);
}

static uint64_t mb2_console_read(void *ctx, char *buf, uint64_t len)
{
	(void)ctx;
	return serial_read(buf, len);
}

static uint64_t mb2_time_ns(void *ctx);

/* Not const: the TSC rate and the disk are known only once we have booted. */
static struct host_ops mb2_host = {
	.name = "bare-metal (multiboot2)",
	.bootinfo_host = BOOTINFO_HOST_MB2,
	.mm = { .alloc_pages = mb2_alloc, .free_pages = mb2_free, .ma_to_hva = mb2_ma_to_hva,
		.linear = 1 }, /* boot.asm's identity map */
	.use_nx = 1, /* boot.asm set EFER.NXE */
	.alloc_passage = mb2_alloc_passage,
	.free_passage = mb2_free_passage,
	.seal_passage = mb2_seal_passage,
	.console_read = mb2_console_read,
	.input_ready = &serial_input_waiting,
	.time_ns = mb2_time_ns,
};

static uint64_t mb2_time_ns(void *ctx)
{
	(void)ctx;
	return tsc_ns(mb2_host.tsc_hz);
}

static struct nic mb2_net;     /* virtio-net, when the machine has one */
static struct host_net mb2_gnet; /* the guests' view of it (host_ops.net) */

/* The guest image: the one built in, or a module named "guest". */
static const uint8_t *image = guest_image_start;
static uint64_t image_len;

/* A module whose command line is "disk" becomes the block device; one whose
 * command line is "guest" the guest image (GRUB: module2 /path/guest.elf guest),
 * run instead of the built-in one. Multiboot2 spec 3.6.6: the module's bytes
 * are [mod_start, mod_end), its string follows. */
static void take_module(const struct mb2_tag_module *mod)
{
	pmem_reserve(mod->mod_start, mod->mod_end - mod->mod_start);
	if (__builtin_strcmp(mod->cmdline, "guest") == 0) {
		image = (const uint8_t *)(uint64_t)mod->mod_start;
		image_len = mod->mod_end - mod->mod_start;
		mb2_host.image_name = "module guest";
		return;
	}
	if (__builtin_strcmp(mod->cmdline, "disk") != 0)
		return;
	mb2_host.blk = ramdisk_init(mod->mod_start, mod->mod_end);
	if (mb2_host.blk)
		log_printf("monitor: RAM disk of %lu sectors from module at %x (writes stay in RAM)\n",
			   mb2_host.blk->nsectors, mod->mod_start);
	else
		log_printf("monitor: module 'disk' is not whole 512-byte sectors; no disk\n");
}

/* The boot information's tags, in order (spec 3.6.1: padded to 8 bytes). */
#define for_each_tag(t, mbi)                                                                    \
	for (const struct mb2_tag *t = (const void *)((const uint8_t *)(mbi) + 8);                 \
	     (const uint8_t *)t + sizeof(*t) <= (const uint8_t *)(mbi) + (mbi)->total_size &&      \
	     t->type != MB2_TAG_END;                                                               \
	     t = (const void *)((const uint8_t *)t + ((t->size + 7) & ~7u)))

/* Walk the boot information (spec 3.6): free the available memory, then take
 * back what is in use (modules too), and find the command line. */
static const char *read_boot_info(const struct mb2_info *mbi)
{
	const char *cmdline = "";

	for_each_tag(t, mbi) {
		const uint8_t *p = (const uint8_t *)t;

		if (t->type == MB2_TAG_CMDLINE)
			cmdline = ((const struct mb2_tag_string *)t)->string;
		if (t->type == MB2_TAG_MMAP) {
			const struct mb2_tag_mmap *m = (const void *)t;

			for (uint32_t off = sizeof(*m); off + sizeof(struct mb2_mmap_entry) <= t->size;
			     off += m->entry_size) {
				const struct mb2_mmap_entry *e = (const void *)(p + off);

				if (e->type == MB2_MMAP_AVAILABLE)
					pmem_add_free(e->base_addr, e->length);
			}
		}
	}
	pmem_reserve(0, 1ull << 20); /* real-mode memory, BIOS data: leave it alone */
	pmem_reserve((uint64_t)_kernel_start, (uint64_t)(_kernel_end - _kernel_start));
	pmem_reserve((uint64_t)mbi, mbi->total_size);
	for_each_tag(t, mbi)
		if (t->type == MB2_TAG_MODULE)
			take_module((const struct mb2_tag_module *)t);
	return cmdline;
}

/* The bare-metal host turns the FPU on for its guest (it uses none itself):
 * x87 errors as #MF (CR0.NE), no emulation or lazy switching (CR0.EM, TS
 * clear, MP set), FXSAVE and SSE with #XM for unmasked SIMD errors (CR4.OSFXSR,
 * OSXMMEXCPT), and XSAVE with every component of x87, SSE, AVX and AVX-512 the
 * CPU has (CR4.OSXSAVE, XCR0). SDM Vol.3 2.5, 13.1; Vol.1 13.3. */
static void fpu_init(void)
{
	uint32_t a, b, c, d, lo;
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 | (1u << 5) | (1u << 1)) & ~((1ull << 2) | (1ull << 3)); /* NE MP; EM TS */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1u << 9) | (1u << 10); /* OSFXSR, OSXMMEXCPT */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (c & (1u << 26)) /* XSAVE */
		cr4 |= 1u << 18; /* OSXSAVE */
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	if (!(c & (1u << 26)))
		return;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
	lo = a & 0xe7; /* the XCR0 bits the CPU supports of x87 SSE AVX opmask ZMM */
	if ((lo & 0xe0) != 0xe0)
		lo &= 0x7; /* AVX-512's three components come together or not at all */
	if (!(lo & 4))
		lo &= 0x3;
	__asm__ volatile("xsetbv" : : "c"(0), "a"(lo), "d"(0));
}

void mb2_main(uint32_t magic, uint64_t mbi_pa);
void mb2_main(uint32_t magic, uint64_t mbi_pa)
{
	uint64_t entry_tsc = cpu_rdtsc(); /* firmware and GRUB end here */
	uint64_t free_before, t0, ticks0;
	unsigned hz;
	const char *cmdline;
	int status, net_up = 0;

	serial_init();
	log_set_sink(serial_write);
	traps_init();
	fpu_init();
	if (magic != MB2_BOOTLOADER_MAGIC) {
		log_printf("monitor: not started by a Multiboot2 loader (EAX %x)\n", magic);
		qemu_exit(MON_STATUS_REFUSED);
	}
	mb2_host.tsc_hz = tsc_calibrate();
	image_len = (uint64_t)(guest_image_end - guest_image_start);
	cmdline = read_boot_info((const struct mb2_info *)mbi_pa);
	free_before = pmem_free_pages();
	log_printf("monitor: bare-metal host up, %lu pages free below 4 GiB; entered at TSC %lu\n",
		   free_before, entry_tsc);
	/* A NIC, if there is one, is the guests' (RING_DEV_NET) after the
	 * self-test; the pages its driver holds are given back before the count
	 * of what the monitor holds. */
	if (virtio_net_init(&mb2_net) == 0) {
		net_up = 1;
		if (netcheck_wanted(cmdline))
			netcheck_run(&mb2_net, mb2_host.tsc_hz);
		nic_host_net(&mb2_net, &mb2_gnet);
		mb2_host.net = &mb2_gnet;
		log_printf("host: net: %s is the guests' network device\n", mb2_net.name);
	}
	hz = mb2_timer_hz(cmdline);
	pic_init();
	mb2_timer_init(hz);
	serial_irq_init();
	t0 = tsc_ns(mb2_host.tsc_hz);
	ticks0 = mb2_ticks;
	status = monitor_run_all(&mb2_host, cmdline, image, image_len);
	mb2_timer_check("while the guests ran", mb2_ticks - ticks0, tsc_ns(mb2_host.tsc_hz) - t0, hz);
	log_printf("monitor: the host took %lu NMIs\n", host_nmis);
	log_printf("monitor: COM1 by interrupt: %lu interrupts, %lu bytes in (%lu dropped, "
		   "%lu line errors), %lu bytes out from the handler (%lu dropped)\n",
		   serial_stats.interrupts, serial_stats.bytes_in, serial_stats.dropped_in,
		   serial_stats.line_errors, serial_stats.bytes_out, serial_stats.dropped_out);
	if (net_up) {
		mb2_host.net = NULL;
		virtio_net_stop(&mb2_net);
	}
	/* The test harness checks this is 0: a run must not leak a page. */
	log_printf("monitor: pages the monitor still holds: %lu\n", free_before - pmem_free_pages());
	log_printf("monitor: host still up; ending with status %d\n", status);
	qemu_exit(status);
}
