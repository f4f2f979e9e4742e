/* The monitor core's start on a fake host and a fake CPU (loader/cpu.h,
 * CPU_FAKE): the refusals (another hypervisor active, 5-level paging, a
 * passage the host put outside the monitor's slots), each with its message and
 * nothing left allocated, in_monitor_slots at both edges and clear of every
 * guest window, and a guest set up with its p2m mapped page by page. monitor.c is included,
 * not linked, so that its static functions can be tested as they are. */
#include <stdio.h>
#include "fake_host.h"
#include "unit.h"
#include "../../proto/layout.h"

/* The fake machine's memory is this process's, in the lower half, where no
 * monitor slot is: a passage there counts as the monitor's, so that the core
 * can write it as it would on a host; every other address gets the real
 * check (the refusals below). */
static int fake_in_monitor_slots(uint64_t va, uint64_t len)
{
	return fake_holds_hva(va, len) || layout_in_monitor_slots(va, len);
}
#define layout_in_monitor_slots fake_in_monitor_slots
#include "../../loader/monitor.c"
#undef layout_in_monitor_slots

/* The switch stub the passage installs: a header that passes passage_install's
 * checks, then RETs (these tests never enter a guest). */
__asm__(".section .rodata\n"
	".balign 8\n"
	".globl switch_blob_start, switch_blob_end\n"
	"switch_blob_start:\n"
	".long 0x33475350\n" /* PASSAGE_MAGIC */
	".short 24, 28\n"    /* enter_off, gates_off */
	".long 1888\n"       /* code_bytes */
	".short 25, 26\n"    /* fpu_save_modrm, fpu_restore_modrm */
	".short 96, 0\n"     /* irq_stubs_off, pad */
	".long 0\n"
	".byte 0xc3, 0x00, 0x00, 0xc3\n" /* enter at 24; the two ModRM bytes */
	".fill 33, 2, 24\n"  /* the gate table: PASSAGE_NGATES offsets */
	".byte 0, 0\n"
	".fill 1792, 1, 0xcc\n" /* 224 interrupt stubs of 8 bytes */
	"switch_blob_end:\n"
	".previous\n");

static struct monitor m;
static char logged_text[16384];
static size_t logged_len;
static uint64_t passage_hva; /* 0: the host maps the passage where its pages are */

static void capture(const char *buf, size_t len)
{
	if (logged_len + len < sizeof(logged_text)) {
		memcpy(logged_text + logged_len, buf, len);
		logged_len += len;
		logged_text[logged_len] = 0;
	}
}

static int logged(const char *what)
{
	return strstr(logged_text, what) != NULL;
}

static int f_alloc_passage(void *ctx, uint64_t ma[PASSAGE_NPAGES], uint64_t *hva)
{
	uint64_t first;

	if (fake_mm.alloc_pages(ctx, PASSAGE_NPAGES, &first) != 0)
		return -HCERR_NOMEM;
	for (int i = 0; i < PASSAGE_NPAGES; i++)
		ma[i] = first + (uint64_t)i * 4096;
	*hva = passage_hva ? passage_hva : (uint64_t)(uintptr_t)fake_hva(first);
	return 0;
}

static void f_free_passage(void *ctx, const uint64_t ma[PASSAGE_NPAGES], uint64_t hva)
{
	(void)hva;
	fake_mm.free_pages(ctx, ma[0], PASSAGE_NPAGES);
}

static uint64_t f_time_ns(void *ctx)
{
	(void)ctx;
	return 0;
}

static struct host_ops host;

static const uint8_t *guest_image(uint64_t *len)
{
	static uint8_t buf[1 << 20];
	static size_t n;

	if (!n) {
		FILE *f = fopen("build/guest.elf", "rb"); /* make check builds it first */

		if (f) {
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
		}
	}
	*len = n;
	return buf;
}

/* monitor_start on a fresh fake machine and CPU (as fake_reset leaves them,
 * changed by the caller before it calls this), with the host's image name and
 * per-run image hooks as a host port would set them (0: none). */
static int start_host(const char *cmdline, const char *image_name,
		      int (*run_image)(const char *, const void **, uint64_t *),
		      void (*run_image_done)(const void *, uint64_t))
{
	uint64_t len;
	const uint8_t *image = guest_image(&len);

	EXPECT(len > 0);
	host = (struct host_ops){ .name = "test", .mm = fake_mm, .use_nx = 1,
				  .alloc_passage = f_alloc_passage, .free_passage = f_free_passage,
				  .time_ns = f_time_ns, .tsc_hz = 1000000000,
				  .image_name = image_name, .run_image = run_image,
				  .run_image_done = run_image_done };
	logged_len = 0;
	logged_text[0] = 0;
	log_set_sink(capture);
	return monitor_start(&m, &host, cmdline, image, len);
}

static int start(const char *cmdline)
{
	return start_host(cmdline, 0, 0, 0);
}

static void stop(void)
{
	monitor_abandon(&m);
	log_set_sink(0);
	passage_hva = 0;
	EXPECT_EQ(fake_outstanding(), 0);
}

TEST(monitor_sets_up_a_guest_with_its_p2m_mapped_page_by_page)
{
	uint64_t ma, bits, n;

	fake_reset();
	for (uint64_t page = 1; page < 64; page += 2)
		fake_take(page, 1); /* the p2m's single pages cannot be adjacent */
	/* A host's usual CR4 bits are no reason to refuse (PGE, SMEP, SMAP, PCIDE). */
	fake_cr4 = (1u << 7) | (1u << 20) | (1u << 21) | (1u << 17);
	EXPECT_EQ(start("guest=hello pool=4M scatter=1"), 0);
	EXPECT_EQ(m.pool.npages, 1024);
	n = pool_p2m_npages(&m.pool);
	EXPECT_EQ(n, 2);
	for (uint64_t i = 0; i < n; i++) {
		EXPECT_EQ(pt_walk(&m.pt, GUEST_P2M_BASE + i * 4096 + 8, &ma, &bits), 0);
		EXPECT_EQ(ma, pool_p2m_page_ma(&m.pool, i) + 8);
		EXPECT_EQ(bits & (PTE_W | PTE_NX), PTE_NX); /* read-only, not executable */
	}
	EXPECT(pool_p2m_page_ma(&m.pool, 1) != pool_p2m_page_ma(&m.pool, 0) + 4096);
	/* What the guest reads there is the p2m, entry for entry. */
	for (uint64_t gpa_page = 0; gpa_page < 1024; gpa_page += 97) {
		EXPECT_EQ(pt_walk(&m.pt, GUEST_P2M_BASE + gpa_page * 8, &ma, &bits), 0);
		EXPECT_EQ(*(uint64_t *)fake_hva(ma), pool_page_ma(&m.pool, gpa_page));
	}
	EXPECT_EQ(pt_walk(&m.pt, GUEST_P2M_BASE + n * 4096, &ma, &bits), -HCERR_FAULT);
	EXPECT(logged("p2m in 2 page(s)"));
	stop();
}

TEST(monitor_refuses_to_run_beside_another_hypervisor)
{
	fake_reset();
	fake_cr4 = CR4_VMXE;
	EXPECT_EQ(start("guest=hello pool=4M"), MON_REFUSED_CPU);
	EXPECT(logged("monitor: refused: another hypervisor is active (CR4.VMXE or EFER.SVME"));
	stop();
	fake_reset();
	fake_efer |= EFER_SVME;
	EXPECT_EQ(start("guest=hello pool=4M"), MON_REFUSED_CPU);
	EXPECT(logged("monitor: refused: another hypervisor is active"));
	stop();
}

TEST(monitor_refuses_a_host_with_5_level_paging)
{
	fake_reset();
	fake_cr4 = CR4_LA57;
	EXPECT_EQ(start("guest=hello pool=4M"), MON_REFUSED_CPU);
	EXPECT(logged("monitor: refused: the host uses 5-level paging (CR4.LA57)"));
	stop();
}

/* SDM Vol.3 2.5, 4.6.1: with CR0.WP clear a supervisor write ignores R/W, and
 * ring 1 is a supervisor: the guest could write the monitor's read-only
 * pages of its world (the GDT, the IDT, the TSS, the host's CR3 in the world
 * page). A host that runs so is refused. */
TEST(monitor_refuses_a_host_without_cr0_wp)
{
	fake_reset();
	fake_cr0 = 0;
	EXPECT_EQ(start("guest=hello pool=4M"), MON_REFUSED_CPU);
	EXPECT(logged("monitor: refused: the host runs with CR0.WP clear"));
	stop();
}

/* The three windows of proto/layout.h, as the monitor's table has them. */
static const uint64_t windows[][2] = {
	{ GUEST_DMAP_BASE, GUEST_DMAP_MAX_BYTES },
	{ GUEST_KERNEL_BASE, GUEST_KERNEL_WINDOW_BYTES },
};

TEST(in_monitor_slots_is_exact_at_both_edges_and_misses_every_guest_window)
{
	const uint64_t first = 0xffff880000000000ull, end = 0xffffff8000000000ull; /* 272, 511 */

	EXPECT_EQ(layout_in_monitor_slots(first, 8 * 4096), 1);
	EXPECT_EQ(layout_in_monitor_slots(first - 4096, 4096), 0); /* slot 271's last page */
	EXPECT_EQ(layout_in_monitor_slots(first - 4096, 2 * 4096), 0); /* across 271/272 */
	EXPECT_EQ(layout_in_monitor_slots(end - 8 * 4096, 8 * 4096), 1); /* slot 510's end */
	EXPECT_EQ(layout_in_monitor_slots(end - 4096, 2 * 4096), 0);    /* across 510/511 */
	EXPECT_EQ(layout_in_monitor_slots(end, 4096), 0);
	EXPECT_EQ(layout_in_monitor_slots(first, ~0ull), 0); /* no wrap-around */
	EXPECT_EQ(layout_slot(LAYOUT_PASSAGE_BASE), 510);
	EXPECT_EQ(layout_in_monitor_slots(LAYOUT_PASSAGE_BASE, 8 * 4096), 1); /* bare metal, UEFI */
	EXPECT_EQ(layout_in_monitor_slots(0xffffc90000000000ull, 8 * 4096), 1); /* Linux vmalloc */
	EXPECT_EQ(layout_in_monitor_slots(0xfffffe0000001000ull, 4096), 1); /* cpu_entry_area */
	EXPECT_EQ(layout_in_monitor_slots(0x218c000, 8 * 4096), 0); /* low: the guest's users' */
	EXPECT_EQ(layout_in_monitor_slots(0xffffffffa0000000ull, 4096), 0); /* Linux modules */
	EXPECT_EQ(layout_in_monitor_slots(GUEST_P2M_BASE, 4096), 1); /* the monitor's own */
	for (unsigned w = 0; w < 2; w++) {
		uint64_t base = windows[w][0], last = base + windows[w][1] - 4096;

		EXPECT_EQ(layout_in_monitor_slots(base, 4096), 0);
		EXPECT_EQ(layout_in_monitor_slots(last, 4096), 0);
	}
}

TEST(monitor_refuses_a_passage_the_host_put_outside_the_monitors_slots)
{
	const uint64_t at[] = {
		GUEST_DMAP_BASE, GUEST_KERNEL_BASE,                  /* guest windows */
		0x218c000,                                           /* the old identity place */
		0xffff880000000000ull - 4096,                        /* runs into slot 272 */
		0xffffff8000000000ull - 4096,                        /* runs into slot 511 */
	};

	for (unsigned k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		fake_reset();
		passage_hva = at[k];
		EXPECT_EQ(start("guest=hello pool=4M"), MON_REFUSED_MEMORY);
		EXPECT(logged("monitor: refused: the host put the passage at "));
		EXPECT(logged(", outside the monitor's PML4 slots 272-510\n"));
		stop();
	}
}

/* The p2m's window opens the monitor's slots: no passage on it either. */
TEST(monitor_refuses_a_passage_on_the_p2m_window)
{
	fake_reset();
	passage_hva = GUEST_P2M_BASE + 4096;
	EXPECT_EQ(start("guest=hello pool=4M"), MON_REFUSED_MEMORY);
	EXPECT(logged("monitor: refused: the host put the passage at ffff880000001000, on the "
		      "p2m's window\n"));
	stop();
}

/* A foreign image goes by the name its host gave it, never by guest=. */
TEST(monitor_names_a_foreign_image_by_the_hosts_name)
{
	static const uint8_t not_elf[64] = "not an ELF file";

	fake_reset();
	EXPECT_EQ(start_host("guest=selftest pool=4M", "module guest", 0, 0), 0);
	EXPECT(logged("monitor: image: module guest ("));
	EXPECT(logged("monitor: image 'module guest' entry ffffffff80000000"));
	EXPECT(!logged("monitor: guest '"));
	stop();
	fake_reset();
	EXPECT_EQ(start("guest=selftest pool=4M"), 0); /* the built-in guest: its program */
	EXPECT(logged("monitor: guest 'selftest' entry"));
	EXPECT(!logged("monitor: image"));
	stop();
	/* A bad image's refusal names it. */
	fake_reset();
	host.image_name = "module guest";
	logged_len = 0;
	log_set_sink(capture);
	EXPECT_EQ(monitor_start(&m, &host, "pool=4M", not_elf, sizeof(not_elf)), MON_REFUSED_IMAGE);
	EXPECT(logged("monitor: refused: guest image (64 bytes, module guest): not an ELF file"));
	stop();
}

/* A host that reads an image per run (UEFI's image=PATH): its image is the one
 * set up, kept for the run (the report's symbols) and given back once, at the
 * teardown; its refusal ends the start with nothing held. */
static int done_calls;
static const void *done_image;
static uint8_t copy[1 << 20];

static int image_per_run(const char *line, const void **image, uint64_t *len)
{
	uint64_t n;
	const uint8_t *g = guest_image(&n);

	host.image_name = 0;
	if (strstr(line, "image=missing")) {
		log_printf("monitor: refused: image=missing: no such file\n");
		return -1;
	}
	if (!strstr(line, "image="))
		return 0;
	memcpy(copy, g, n);
	*image = copy;
	*len = n;
	host.image_name = "\\x.elf";
	return 0;
}

static void image_given_back(const void *image, uint64_t len)
{
	(void)len;
	done_calls++;
	done_image = image;
}

TEST(monitor_takes_a_hosts_image_per_run_and_gives_it_back)
{
	done_calls = 0;
	fake_reset();
	EXPECT_EQ(start_host("image=\\x.elf pool=4M", 0, image_per_run, image_given_back), 0);
	EXPECT(logged("monitor: image '\\x.elf' entry"));
	EXPECT_EQ(done_calls, 0); /* kept while the guest runs */
	EXPECT(m.symbols == copy);
	stop();
	EXPECT_EQ(done_calls, 1);
	EXPECT(done_image == copy);
	stop(); /* a second teardown gives nothing back twice */
	EXPECT_EQ(done_calls, 1);
	fake_reset();
	EXPECT_EQ(start_host("pool=4M", 0, image_per_run, image_given_back), 0);
	EXPECT(logged("monitor: guest 'hello' entry"));
	stop();
	EXPECT_EQ(done_calls, 2);
	EXPECT(done_image != copy);
	fake_reset();
	EXPECT_EQ(start_host("image=missing pool=4M", 0, image_per_run, image_given_back),
		  MON_REFUSED_IMAGE);
	EXPECT(logged("monitor: refused: image=missing: no such file"));
	EXPECT_EQ(done_calls, 2); /* nothing was taken, nothing to give back */
	stop();
}
