/* The core side of the Linux host (bridge.h): a monitor with host_ops built
 * from the module's callbacks, and the batch and wait hand-offs in the shape
 * of proto/linux_ioctl.h. Built with the project's flags into core.o. */
#include "bridge.h"
#include "../cpu.h"
#include "../elf.h"
#include "../elfcore.h"
#include "../log.h"
#include "../monitor.h"
#include "../ring_device.h"
#include "../../proto/bootinfo.h"
#include "../../proto/linux_ioctl.h"

struct ckb_guest {
	struct monitor m;
	enum run_outcome end; /* how the guest ended (CKB_EXIT) */
	int resume_check;     /* the runner completed a call or gave input: look before entering */
	struct host_ops ops;
	struct host_blk blk;
	struct host_net net; /* mac and MTU only: the runner sends and receives */
	struct ckb_env env;
	char image_name[128]; /* the command line's image=PATH (cokrun puts it there) */
};

_Static_assert(CK_MAX_REQS == RING_ENTRIES, "one POST fits one RUN");
_Static_assert(CK_NET_MTU_MAX == RING_NET_MTU_MAX, "the module's MTU bound is the ABI's");
_Static_assert(sizeof(((struct ck_crash *)0)->regs) == sizeof(struct hc_trap_frame), "crash regs");
_Static_assert(CK_CRASH_MAPS == ELFCORE_MAX_MAPS, "crash windows");
_Static_assert(sizeof(((struct ck_crash *)0)->program) == sizeof(((struct elfcore *)0)->program) &&
	       sizeof(((struct ck_crash *)0)->args) == sizeof(((struct elfcore *)0)->args),
	       "crash names");
_Static_assert(CKB_PASSAGE_PAGES == PASSAGE_NPAGES, "bridge.h and passage.h agree");
_Static_assert(CKB_STATUS_REFUSED == MON_STATUS_REFUSED, "bridge.h and monitor.h agree");

ckb_u64 ckb_guest_bytes(void)
{
	return sizeof(struct ckb_guest);
}

void ckb_set_log_sink(void (*write)(const char *buf, size_t len))
{
	log_set_sink(write);
}

/* The module's allocators fail with any non-zero value; the core's name
 * for it is -HCERR_NOMEM. */
static int alloc_pages(void *ctx, uint64_t npages, uint64_t *ma)
{
	const struct ckb_guest *g = ctx;

	return g->env.alloc_pages(g->env.ctx, npages, ma) ? -HCERR_NOMEM : 0;
}

static void free_pages(void *ctx, uint64_t ma, uint64_t npages)
{
	const struct ckb_guest *g = ctx;

	g->env.free_pages(g->env.ctx, ma, npages);
}

static void *ma_to_hva(void *ctx, uint64_t ma)
{
	const struct ckb_guest *g = ctx;

	return g->env.ma_to_hva(g->env.ctx, ma);
}

static int alloc_passage(void *ctx, uint64_t ma[PASSAGE_NPAGES], uint64_t *hva)
{
	const struct ckb_guest *g = ctx;

	return g->env.alloc_passage(g->env.ctx, ma, hva) ? -HCERR_NOMEM : 0;
}

static void free_passage(void *ctx, const uint64_t ma[PASSAGE_NPAGES], uint64_t hva)
{
	const struct ckb_guest *g = ctx;

	g->env.free_passage(g->env.ctx, ma, hva);
}

static int seal_passage(void *ctx, uint64_t hva)
{
	const struct ckb_guest *g = ctx;

	return g->env.seal_passage(g->env.ctx, hva) ? -HCERR_NOMEM : 0;
}

/* The clock of HC_WAIT's deadline (proto/hypercall.h): the TSC, which the
 * guest reads too, not the kernel's monotonic clock, which starts elsewhere. */
static uint64_t time_ns(void *ctx)
{
	const struct ckb_guest *g = ctx;

	return bootinfo_tsc_to_ns(cpu_rdtsc(), g->ops.tsc_hz);
}

/* The runner does all block I/O: these are never called (defer_io). */
static int no_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -HCERR_IO;
}

static int no_write(void *ctx, uint64_t off, const void *buf, uint64_t len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -HCERR_IO;
}

static int no_flush(void *ctx)
{
	(void)ctx;
	return -HCERR_IO;
}

int ckb_start(struct ckb_guest *g, const struct ckb_env *env, const char *cmdline,
	      const void *image, ckb_u64 image_len, ckb_u64 disk_sectors, int disk_read_only,
	      int async_io, const unsigned char *net_mac, unsigned net_mtu,
	      ckb_u64 *out_pool_bytes)
{
	struct host_ops *h = &g->ops;
	int err;

	g->blk = (struct host_blk){
		.nsectors = disk_sectors,
		.read_only = disk_read_only,
		.read = no_read,
		.write = no_write,
		.flush = no_flush,
	};
	g->net = (struct host_net){ .mtu = (uint16_t)net_mtu };
	__builtin_memcpy(g->net.mac, net_mac, sizeof(g->net.mac));
	if (!env->tsc_hz)
		return CKB_ENODEV; /* no TSC rate: no clock for the guest */
	g->env = *env;
	*h = (struct host_ops){
		.name = "linux",
		.bootinfo_host = BOOTINFO_HOST_LINUX,
		.mm = { alloc_pages, free_pages, ma_to_hva, g, env->pages_zeroed, 1,
			env->direct_map },
		.use_nx = (cpu_rdmsr(MSR_EFER) & EFER_NXE) != 0,
		.alloc_passage = alloc_passage,
		.free_passage = free_passage,
		.seal_passage = seal_passage,
		.time_ns = time_ns,
		.tsc_hz = env->tsc_hz,
		.blk = disk_sectors ? &g->blk : 0,
		.net = net_mtu ? &g->net : 0,
		.defer_io = 1,
		.async_io = async_io != 0,
	};
	/* cokrun read the image it names; without image= it is cokrun's own. */
	if (cmdline_value(cmdline, "image", g->image_name, sizeof(g->image_name)) > 0)
		h->image_name = g->image_name;
	err = monitor_start(&g->m, h, cmdline, image, image_len);
	if (err == 0) {
		*out_pool_bytes = pool_bytes(&g->m.pool);
		log_printf("monitor: first switch into the guest at TSC %lu\n", cpu_rdtsc());
		return CKB_OK;
	}
	switch (err) {
	case MON_REFUSED_CMDLINE:
		return CKB_EINVAL;
	case MON_REFUSED_CPU:
		return CKB_ENODEV;
	case MON_REFUSED_IMAGE:
		return CKB_ENOEXEC;
	default:
		return CKB_ENOMEM;
	}
}

int ckb_prepare(struct ckb_guest *g)
{
	int err = monitor_prepare(&g->m);

	return err == 0 ? 0 : err == -HCERR_AGAIN ? 1 : -1;
}

int ckb_map_tss(struct ckb_guest *g)
{
	return monitor_map_tss(&g->m) ? -1 : 0;
}

/* The guest resumes from a call the runner completed (CKB_IO, CKB_WAIT), or
 * with input the runner gave: a virtual interrupt due now (HCEV_INPUT, which
 * ckb_input raised; HC_WAIT_UPCALL's) is delivered before it runs, as the other
 * hosts deliver it on the way out of the very call. Before this check, such an
 * upcall waited for the guest's next exit that was not itself deferred, so
 * whether the guest's code saw a pending event or its handler took it first
 * depended on the runner's timing: the console-event attempt's echo read
 * HCEV_INPUT from the vcpu page after HC_WAIT, which worked with one runner
 * (every wake deferred) and hung linux-concurrency's last loop once a wake came
 * through a HC_WAIT that returned at once: the kit's default handler had
 * consumed the event, and echo spun in HC_WAIT_INPUT with input it never read. */
static enum run_outcome resume(struct ckb_guest *g)
{
	struct monitor *m = &g->m;

	g->resume_check = 0;
	return vintr_may_be_due(m) ? vintr_check(m) : RUN_RESUME;
}

static int outcome(struct ckb_guest *g, enum run_outcome how)
{
	switch (how) {
	case RUN_RESUME:
		return CKB_RESUME;
	case RUN_HOST_IO:
		return CKB_IO;
	case RUN_HOST_WAIT:
		return CKB_WAIT;
	case RUN_HOST_IO_ASYNC:
		return CKB_IO_ASYNC;
	case RUN_HOST_RING_BUSY:
		return CKB_BUSY;
	default:
		g->end = how;
		return CKB_EXIT;
	}
}

int ckb_step(struct ckb_guest *g)
{
	enum run_outcome how = g->resume_check ? resume(g) : RUN_RESUME;

	return outcome(g, how == RUN_RESUME ? monitor_step(&g->m) : how);
}

int ckb_post_again(struct ckb_guest *g)
{
	return outcome(g, hc_post_again(&g->m));
}

ckb_u64 ckb_pool_pages(const struct ckb_guest *g)
{
	return g->m.pool.npages;
}

ckb_u64 ckb_pool_page_ma(const struct ckb_guest *g, ckb_u64 index)
{
	return index < g->m.pool.npages ? pool_page_ma(&g->m.pool, index) : 0;
}

unsigned ckb_reqs(const struct ckb_guest *g, struct ck_req *out)
{
	const struct ring_batch *b = &g->m.batch;
	unsigned n = 0;

	for (uint32_t i = 0; i < b->n; i++) {
		const struct ring_slot *sl = &b->slot[i];

		if (sl->deferred)
			out[n++] = (struct ck_req){
				.device = sl->r.device,
				.op = sl->r.op,
				.len = (uint32_t)sl->r.buf.len_bytes,
				.gpa = sl->r.buf.gpa,
				.disk_off = sl->r.disk_off,
				.status = -1, /* a request the runner leaves unanswered fails */
			};
	}
	return n;
}

void ckb_reqs_done(struct ckb_guest *g, const struct ck_req *in)
{
	struct ring_batch *b = &g->m.batch;
	unsigned n = 0;

	for (uint32_t i = 0; i < b->n; i++) {
		struct ring_slot *sl = &b->slot[i];

		if (sl->deferred) {
			sl->status = in[n].status;
			sl->done = in[n].done;
			n++;
		}
	}
	ring_finish(&g->m); /* bounds the answers, then writes them back */
	g->resume_check = 1; /* a batch in flight raised HCEV_RING: its upcall first */
}

unsigned ckb_input(struct ckb_guest *g, const char *buf, unsigned len)
{
	struct monitor *m = &g->m;
	uint64_t room = sizeof(m->input) - m->input_len;
	unsigned n = len < room ? len : (unsigned)room;

	uint64_t before = m->input_len;

	__builtin_memcpy(m->input + m->input_len, buf, n);
	m->input_len += n;
	console_input_event(m, before);
	g->resume_check = 1;
	return n;
}

void ckb_net_ready(struct ckb_guest *g)
{
	net_rx_event(&g->m);
	g->resume_check = 1;
}

int ckb_net_wanted(const struct ckb_guest *g)
{
	return g->m.host->net && g->m.net_armed;
}

ckb_u64 ckb_wait_ns(const struct ckb_guest *g)
{
	uint64_t now = time_ns((void *)g), end = g->m.wait_deadline_ns;

	return end > now ? end - now : 0;
}

void ckb_wait_done(struct ckb_guest *g)
{
	monitor_wait_done(&g->m, g->m.input_len != 0);
	g->resume_check = 1;
}

ckb_u64 ckb_switches(const struct ckb_guest *g)
{
	return g->m.switches;
}

int ckb_report(struct ckb_guest *g)
{
	return monitor_report(&g->m, g->end);
}

int ckb_crash(struct ckb_guest *g, struct ck_crash *out)
{
	struct elfcore c;

	if (monitor_core(&g->m, g->end, &c))
		return -1;
	__builtin_memcpy(out->regs, &c.regs, sizeof(out->regs));
	out->nmaps = c.nmaps;
	for (unsigned i = 0; i < c.nmaps; i++)
		out->map[i] = (struct ck_crash_map){ c.map[i].gva, c.map[i].gpa, c.map[i].bytes,
						     c.map[i].flags, 0 };
	__builtin_memcpy(out->program, c.program, sizeof(out->program));
	__builtin_memcpy(out->args, c.args, sizeof(out->args));
	return 0;
}

void ckb_release(struct ckb_guest *g)
{
	monitor_abandon(&g->m);
}
