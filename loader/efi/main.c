/* The UEFI host: cokernel.efi, a GNU-EFI application that runs in Boot
 * Services with the firmware as its host OS, in the coLinux sense. The pool
 * comes from AllocatePages, the passage from code pages that we map high in
 * the firmware's own page tables, the console is ConOut (which OVMF also puts
 * on COM1) and ConIn, the disk an EFI_BLOCK_IO_PROTOCOL instance, time the TSC checked against the
 * firmware's Stall. A guest that crashes leaves an ELF core in \cokernel on
 * the volume we were loaded from. Afterwards it proves the firmware's own
 * timer and Stall still work, then reports through isa-debug-exit (or returns
 * to the firmware, or resets). */
#include <efi.h>
#include <efilib.h>
#include "blockio.h"
#include "image.h"
#include "nmi.h"
#include "snp.h"
#include "timer_rate.h"
#include "status.h"
#include "../cpu.h"
#include "../elfcore.h"
#include "../highmap.h"
#include "../io.h"
#include "../log.h"
#include "../monitor.h"
#include "../netcheck.h"
#include "../nic_net.h"
#include "../tsc.h"
#include "../../proto/bootinfo.h"
#include "../../proto/layout.h"

#define DEBUG_EXIT_PORT 0xf4 /* QEMU isa-debug-exit, as in loader/mb2/main.c */

extern const uint8_t guest_image_start[], guest_image_end[];

static uint64_t held_pages;                 /* allocated by us and not yet freed */
static EFI_STATUS last_error = EFI_SUCCESS; /* the last firmware call that failed */
static const char *last_error_call = "";

/* Check a firmware call's status. A failure is remembered, and printed by
 * name at once, except AllocatePages: the pool halves its chunk size on such
 * failures, and the refusal message names the last one if they end the run. */
static int failed(const char *call, EFI_STATUS s)
{
	if (!EFI_ERROR(s))
		return 0;
	last_error = s;
	last_error_call = call;
	if (__builtin_strcmp(call, "AllocatePages") != 0)
		log_printf("monitor: efi: %s returned %s\n", call, efi_status_name(s));
	return 1;
}

/* ---- console: ConOut takes UCS-2 and wants CR LF ---- */
static void con_write(const char *buf, size_t len)
{
	CHAR16 out[130];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			out[n++] = L'\r';
		out[n++] = (CHAR16)(unsigned char)buf[i];
		if (n >= 127 || i + 1 == len) {
			out[n] = 0;
			/* Its status goes unchecked: ConOut is where we would print it. */
			uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, out);
			n = 0;
		}
	}
}

static uint64_t con_read(void *ctx, char *buf, uint64_t len)
{
	uint64_t n = 0;
	EFI_INPUT_KEY key;
	EFI_STATUS s;

	(void)ctx;
	while (n < len) {
		s = uefi_call_wrapper(ST->ConIn->ReadKeyStroke, 2, ST->ConIn, &key);
		if (s == EFI_NOT_READY || failed("ConIn.ReadKeyStroke", s))
			break; /* EFI_NOT_READY: nothing (more) there, which is no error */
		if (key.UnicodeChar && key.UnicodeChar < 128)
			buf[n++] = (char)key.UnicodeChar;
	}
	return n;
}

/* ---- memory: identity-mapped firmware pages ---- */
static int efi_alloc(void *ctx, uint64_t npages, uint64_t *ma)
{
	EFI_PHYSICAL_ADDRESS a = 0;
	EFI_STATUS s;

	(void)ctx;
	/* EfiLoaderData: ours while we run, and freed before we return; an OS
	 * would reclaim it after ExitBootServices anyway (UEFI spec 7.2). */
	s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, npages, &a);
	if (failed("AllocatePages", s))
		return -HCERR_NOMEM;
	*ma = a;
	held_pages += npages;
	return 0;
}

static void efi_free(void *ctx, uint64_t ma, uint64_t npages)
{
	(void)ctx;
	if (!failed("FreePages", uefi_call_wrapper(BS->FreePages, 2, ma, npages)))
		held_pages -= npages;
}

static void *efi_hva(void *ctx, uint64_t ma)
{
	(void)ctx;
	return (void *)ma; /* UEFI spec 2.3.4: x64 Boot Services run identity-mapped */
}

/* The passage: AllocatePages(EfiLoaderCode), what a loaded image's code is,
 * mapped at LAYOUT_PASSAGE_BASE in the firmware's tables (slot 510 is empty
 * on OVMF, whose identity map fills slots 0 and 1), their table pages
 * EfiLoaderData like the guest's. Our own mapping decides what page 0 may do
 * there, whatever the firmware's memory protection made of its identity
 * address. The firmware keeps its PML4 read-only: loader/highmap.c. */
static struct host_ops efi_host; /* below: the host the monitor runs on */
static struct highmap passage_map;

static int efi_alloc_passage(void *ctx, uint64_t ma[PASSAGE_NPAGES], uint64_t *hva)
{
	EFI_PHYSICAL_ADDRESS a = 0;
	EFI_STATUS s;
	int err;

	s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderCode,
			      PASSAGE_NPAGES, &a);
	if (failed("AllocatePages(passage)", s))
		return -HCERR_NOMEM;
	held_pages += PASSAGE_NPAGES;
	for (int i = 0; i < PASSAGE_NPAGES; i++)
		ma[i] = a + (uint64_t)i * 4096;
	err = highmap_map(&passage_map, &efi_host.mm, efi_host.use_nx, 1, ma);
	if (err) {
		efi_free(ctx, a, PASSAGE_NPAGES);
		return err;
	}
	*hva = LAYOUT_PASSAGE_BASE;
	return 0;
}

static int efi_seal_passage(void *ctx, uint64_t hva)
{
	(void)ctx;
	(void)hva;
	return highmap_seal(&passage_map);
}

/* The TR that load_own_tr (switch/passage.c) loaded keeps its base in page 4
 * after this, an address no longer mapped: the firmware never reads a TSS
 * (it stays in ring 0, and no gate of its IDT has an IST: SDM Vol.3 6.14.5,
 * 8.7), the next run loads its own TR again, and an OS its own. */
static void efi_free_passage(void *ctx, const uint64_t ma[PASSAGE_NPAGES], uint64_t hva)
{
	(void)hva;
	highmap_unmap(&passage_map);
	efi_free(ctx, ma[0], PASSAGE_NPAGES);
}

/* ---- the core of a crashed guest, a file on our own volume ---- */
static EFI_HANDLE self; /* our image: its LoadedImage names the volume */

static int file_sink(void *ctx, const void *buf, uint64_t len)
{
	EFI_FILE_HANDLE f = ctx;
	UINTN n = len;

	/* UEFI spec 13.5 EFI_FILE_PROTOCOL.Write: at the position, which it moves. */
	return failed("File.Write(core)", uefi_call_wrapper(f->Write, 3, f, &n, (void *)buf)) ||
	       n != len;
}

/* \cokernel\core-RUN.elf, made anew (UEFI spec 13.5: Open with
 * EFI_FILE_MODE_CREATE, on the EFI_SIMPLE_FILE_SYSTEM_PROTOCOL volume of
 * 13.4). A file that cannot be written whole is deleted. */
static void write_core(const struct elfcore *c, int run)
{
	CHAR16 name[32] = L"\\cokernel\\core-", digits[12];
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_HANDLE root, dir, f;
	const UINT64 rw = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE;
	UINTN n = 0, d = 0;
	uint64_t size;
	unsigned r = (unsigned)run;
	EFI_STATUS s;

	while (name[n])
		n++;
	do
		digits[d++] = (CHAR16)(L'0' + r % 10);
	while ((r /= 10) && d < 10);
	while (d)
		name[n++] = digits[--d];
	for (const CHAR16 *e = L".elf"; *e; e++)
		name[n++] = *e;
	name[n] = 0;
	s = uefi_call_wrapper(BS->HandleProtocol, 3, self, &LoadedImageProtocol, (void **)&li);
	if (failed("HandleProtocol(LoadedImage)", s))
		return;
	root = LibOpenRoot(li->DeviceHandle);
	if (!root) {
		log_printf("monitor: efi: no core: our boot device has no file system\n");
		return;
	}
	s = uefi_call_wrapper(root->Open, 5, root, &dir, L"\\cokernel", rw | EFI_FILE_MODE_CREATE,
			      EFI_FILE_DIRECTORY);
	if (failed("File.Open(\\cokernel)", s)) {
		log_printf("monitor: efi: no core: \\cokernel cannot be made on our volume\n");
		failed("File.Close(root)", uefi_call_wrapper(root->Close, 1, root));
		return;
	}
	failed("File.Close", uefi_call_wrapper(dir->Close, 1, dir));
	/* An older core of the same name goes first: Write does not truncate. */
	if (!EFI_ERROR(uefi_call_wrapper(root->Open, 5, root, &f, name, rw, 0)))
		failed("File.Delete", uefi_call_wrapper(f->Delete, 1, f));
	s = uefi_call_wrapper(root->Open, 5, root, &f, name, rw | EFI_FILE_MODE_CREATE, 0);
	if (failed("File.Open(core)", s)) {
		failed("File.Close(root)", uefi_call_wrapper(root->Close, 1, root));
		return;
	}
	size = elfcore_write(c, file_sink, f);
	if (size && !failed("File.Flush", uefi_call_wrapper(f->Flush, 1, f))) {
		failed("File.Close", uefi_call_wrapper(f->Close, 1, f));
		log_printf("monitor: efi: core written to \\cokernel\\core-%d.elf (%lu bytes) on "
			   "our volume: gdb %s core-%d.elf\n", run, size,
			   efi_host.image_name ? efi_host.image_name : "guest.elf", run);
	} else {
		failed("File.Delete", uefi_call_wrapper(f->Delete, 1, f)); /* and closed */
		log_printf("monitor: efi: no core: writing it failed\n");
	}
	failed("File.Close(root)", uefi_call_wrapper(root->Close, 1, root));
}

static uint64_t efi_time_ns(void *ctx);
static int run_image(const char *line, const void **image, uint64_t *len);
static void run_image_done(const void *image, uint64_t len);

static EFI_EVENT tick_event; /* the 10 ms event that checks the firmware's time */
static uint64_t core_ns;     /* spent writing cores: not the guests' time */

/* The firmware's file system holds its lock at TPL_CALLBACK while it writes
 * (and our tick runs at TPL_CALLBACK), so ticks due meanwhile would merge into
 * one (UEFI spec 7.1: an event signalled again before its notification runs
 * is notified once): the tick stops while a core is written, and that time
 * is left out of its check. */
static void efi_save_core(const struct elfcore *c, int run)
{
	uint64_t t0 = efi_time_ns(0);

	if (tick_event)
		failed("SetTimer", uefi_call_wrapper(BS->SetTimer, 3, tick_event, TimerCancel, 0));
	write_core(c, run);
	if (tick_event)
		failed("SetTimer", uefi_call_wrapper(BS->SetTimer, 3, tick_event, TimerPeriodic,
						     100000));
	core_ns += efi_time_ns(0) - t0;
}

static struct host_ops efi_host = {
	.name = "UEFI (firmware Boot Services)",
	.bootinfo_host = BOOTINFO_HOST_EFI,
	.mm = { .alloc_pages = efi_alloc, .free_pages = efi_free, .ma_to_hva = efi_hva,
		.linear = 1 }, /* the firmware's identity map (UEFI spec 2.3.4) */
	.alloc_passage = efi_alloc_passage,
	.free_passage = efi_free_passage,
	.seal_passage = efi_seal_passage,
	.console_read = con_read,
	.time_ns = efi_time_ns,
	.run_image = run_image,
	.run_image_done = run_image_done,
	.save_core = efi_save_core,
};

static uint64_t efi_time_ns(void *ctx)
{
	(void)ctx;
	return tsc_ns(efi_host.tsc_hz);
}

static struct nic efi_net;      /* the firmware's SNP, when it has one */
static struct host_net efi_gnet; /* the guests' view of it (host_ops.net) */

/* ---- the image: the built-in guest, or per run the file image=PATH names ---- */
static char image_path[128];

static int run_image(const char *line, const void **image, uint64_t *len)
{
	int n = cmdline_value(line, "image", image_path, sizeof(image_path));

	efi_host.image_name = NULL; /* a run without image= has the built-in guest */
	if (n == 0)
		return 0;
	if (n < 0) {
		log_printf("monitor: refused: image=: a path is at most %lu characters\n",
			   sizeof(image_path) - 1);
		return -1;
	}
	if (efi_image_read(self, image_path, image, len) != 0)
		return -1;
	efi_host.image_name = image_path;
	return 0;
}

static void run_image_done(const void *image, uint64_t len)
{
	(void)len;
	if (image != guest_image_start)
		efi_image_free(image);
}

/* ---- the command line: LoadOptions, else \cokernel.cfg on our volume ---- */
static char cmdline[8192]; /* several runs: monitor_run_all */
static int cmdline_cut;     /* it did not fit: nothing runs (a cut line would run another) */

static void ascii_from(const CHAR16 *w, UINTN nchars)
{
	UINTN n = 0, i;

	for (i = 0; i < nchars && w[i] && n + 1 < sizeof(cmdline); i++)
		cmdline[n++] = w[i] < 128 && w[i] >= 32 ? (char)w[i] : ' ';
	cmdline[n] = 0;
	cmdline_cut = i < nchars && w[i];
}

static void read_cmdline(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_HANDLE root, f;
	EFI_STATUS s;
	UINTN n = sizeof(cmdline) - 1;

	s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (failed("HandleProtocol(LoadedImage)", s))
		return;
	if (li->LoadOptionsSize >= 2 * sizeof(CHAR16)) {
		ascii_from(li->LoadOptions, li->LoadOptionsSize / sizeof(CHAR16));
		for (const char *c = cmdline; *c; c++)
			if (*c == '=')
				return; /* options with a key=value: our command line */
	}
	cmdline[0] = 0;
	root = LibOpenRoot(li->DeviceHandle);
	if (!root) {
		log_printf("monitor: efi: no file system on our boot device: no \\cokernel.cfg\n");
		return;
	}
	s = uefi_call_wrapper(root->Open, 5, root, &f, L"\\cokernel.cfg", EFI_FILE_MODE_READ, 0);
	if (!EFI_ERROR(s)) {
		char more;
		UINTN one = 1;

		if (!failed("File.Read(\\cokernel.cfg)", uefi_call_wrapper(f->Read, 3, f, &n, cmdline)))
			cmdline[n] = 0;
		cmdline_cut = n == sizeof(cmdline) - 1 &&
			      !EFI_ERROR(uefi_call_wrapper(f->Read, 3, f, &one, &more)) && one == 1;
		for (char *c = cmdline; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = 0;
		failed("File.Close", uefi_call_wrapper(f->Close, 1, f));
	} else if (s != EFI_NOT_FOUND) {
		failed("File.Open(\\cokernel.cfg)", s); /* no file is no error */
	}
	failed("File.Close(root)", uefi_call_wrapper(root->Close, 1, root));
}

/* Pages of EfiConventionalMemory in the firmware's memory map: for the log
 * only, since the firmware's own pool allocations during the run (console,
 * BlockIo, the timer) move it too; held_pages is the exact count of ours. */
static uint64_t free_pages(void)
{
	UINTN n, key, desc_size;
	UINT32 version;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &desc_size, &version);
	uint64_t pages = 0;

	if (!map)
		return 0;
	for (UINTN i = 0; i < n; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((uint8_t *)map + i * desc_size);

		if (d->Type == EfiConventionalMemory)
			pages += d->NumberOfPages;
	}
	failed("FreePool", uefi_call_wrapper(BS->FreePool, 1, map));
	return pages;
}

/* ---- after the run: do the firmware's timer and Stall still keep time? ---- */
static volatile uint64_t ticks;

/* Called by the firmware, so with its calling convention (UEFI spec 2.3.4.2:
 * the Microsoft x64 ABI), whatever the rest of this file is compiled with. */
static VOID __attribute__((ms_abi)) on_tick(EFI_EVENT e, VOID *ctx)
{
	(void)e;
	(void)ctx;
	ticks++;
}

/* The guest world runs with interrupts on, and the monitor hands every
 * interrupt that lands there to the firmware: its 10 ms event must have kept
 * time however long the guests computed. */
/* storm: timer_hz= raised the firmware's interrupt rate, and QEMU's TCG merges
 * interrupts that come that fast, so the firmware's clock, which counts them,
 * falls behind: said, not judged (as bare metal's storm). */
static void timer_kept_time(uint64_t n, uint64_t ns, int storm)
{
	uint64_t ms = ns / 1000000, diff = n * 10 > ms ? n * 10 - ms : ms - n * 10;

	log_printf("monitor: efi: the 10 ms firmware timer event fired %lu times in %lu ms by the "
		   "TSC while the guests ran: %s\n",
		   n, ms, storm ? "not judged in a storm" : ms < 500 ? "too short to judge" :
		   diff * 10 <= ms ? "ok" : "WRONG");
}

static void check_firmware_time(EFI_EVENT timer)
{
	uint64_t t0, ms, n0 = ticks, n;

	t0 = efi_time_ns(0);
	failed("Stall", uefi_call_wrapper(BS->Stall, 1, 200000)); /* 200 ms */
	ms = (efi_time_ns(0) - t0) / 1000000;
	n = ticks - n0;
	log_printf("monitor: efi: after the run, Stall(200 ms) took %lu ms by the TSC: %s\n", ms,
		   ms >= 150 && ms <= 250 ? "ok" : "WRONG");
	log_printf("monitor: efi: a 10 ms firmware timer event fired %lu times in it: %s "
		   "(%lu times in all)\n",
		   n, n >= 10 && n <= 30 ? "ok" : "WRONG", ticks);
	failed("CloseEvent", uefi_call_wrapper(BS->CloseEvent, 1, timer));
}

/* GNU-EFI's crt0 relocates the image and calls this with the SysV ABI; every
 * firmware call goes through uefi_call_wrapper, which converts. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	uint64_t entry_tsc = cpu_rdtsc(); /* firmware (and GRUB, chainloaded) end here */
	EFI_EVENT timer = NULL;
	EFI_STATUS s;
	uint64_t free_before, t0, ticks0;
	unsigned hz;
	int status, storm, net_up = 0;

	InitializeLib(image, st);
	self = image;
	log_set_sink(con_write);
	/* UEFI spec 7.5: the boot manager arms a 5-minute watchdog before
	 * starting us; a long guest run must not reset the machine. */
	failed("SetWatchdogTimer", uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL));
	efi_host.use_nx = (cpu_rdmsr(MSR_EFER) & EFER_NXE) != 0;
	if (!efi_host.use_nx)
		log_printf("monitor: efi: EFER.NXE is off: guest pages cannot be made NX\n");
	efi_host.tsc_hz = tsc_calibrate();
	efi_host.blk = efi_blockio_find();
	read_cmdline(image);
	s = uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
			      (EFI_EVENT_NOTIFY)on_tick, NULL, &timer);
	if (!failed("CreateEvent", s) &&
	    !failed("SetTimer", uefi_call_wrapper(BS->SetTimer, 3, timer, TimerPeriodic, 100000)))
		tick_event = timer;
	/* A NIC, if the firmware has one, is the guests' (RING_DEV_NET) after
	 * the self-test (its buffers are ours, in .bss: no page to count). */
	if (efi_snp_init(image, &efi_net) == 0) {
		net_up = 1;
		if (netcheck_wanted(cmdline))
			netcheck_run(&efi_net, efi_host.tsc_hz);
		nic_host_net(&efi_net, &efi_gnet);
		efi_host.net = &efi_gnet;
		log_printf("host: net: %s is the guests' network device\n", efi_net.name);
	}
	free_pages(); /* the first call may grow the firmware's pool: not ours */
	free_before = free_pages();
	log_printf("monitor: UEFI host up, %lu pages free; entered at TSC %lu, TSC %lu Hz\n",
		   free_before, entry_tsc, efi_host.tsc_hz);

	efi_nmi_watch(1);
	hz = cmdline_timer_hz(cmdline); /* 0: the firmware keeps its rate */
	storm = hz && efi_timer_rate_set(hz);
	t0 = efi_time_ns(0);
	ticks0 = ticks;
	if (cmdline_cut) {
		log_printf("monitor: refused: the command line is longer than the UEFI host's %lu "
			   "bytes\n", (uint64_t)sizeof(cmdline) - 1);
		status = MON_STATUS_REFUSED;
	} else {
		status = monitor_run_all(&efi_host, cmdline, guest_image_start,
					 (uint64_t)(guest_image_end - guest_image_start));
	}
	timer_kept_time(ticks - ticks0, efi_time_ns(0) - t0 - core_ns, storm);
	if (net_up) {
		efi_host.net = NULL;
		efi_snp_stop(&efi_net);
	}
	efi_timer_rate_restore();
	tick_event = NULL; /* no more cores; check_firmware_time closes it */
	efi_nmi_watch(0);
	log_printf("monitor: the host took %lu NMIs\n", efi_nmi_count());
	if (status == MON_STATUS_REFUSED && EFI_ERROR(last_error))
		log_printf("monitor: efi: the last firmware call that failed: %s returned %s\n",
			   last_error_call, efi_status_name(last_error));
	if (timer)
		check_firmware_time(timer);
	log_printf("monitor: pages the monitor still holds: %lu (firmware free pages %lu before, "
		   "%lu after)\n",
		   held_pages, free_before, free_pages());
	log_printf("monitor: host still up; ending with status %d\n", status);
	outl(DEBUG_EXIT_PORT, (uint32_t)status); /* QEMU with isa-debug-exit ends here */
	if (status == MON_STATUS_REFUSED)
		return EFI_ERROR(last_error) ? last_error : EFI_LOAD_ERROR;
	/* No debug-exit device: the run is over, so is the machine (UEFI spec 8.5.1). */
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, (EFI_STATUS)status, 0, NULL);
	return EFI_ABORTED; /* ResetSystem does not return; if it did, say so */
}
