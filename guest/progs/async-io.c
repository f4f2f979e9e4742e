/* async-io: a batch of block reads and a computation of about its length,
 * done one after the other (HC_POST, then compute) and overlapped (HC_POST
 * with HCPOST_ASYNC, compute, then HC_WAIT until cons reaches prod, the late
 * completion an HCEV_RING upcall), with the ratio of the two in TSC ticks.
 * Where the host completes requests in a thread of its own (Linux: cokrun's
 * completion thread) the overlapped one must finish under 85% of the other
 * (given a disk that takes time: cokrun --disk-latency); where the monitor
 * completes them on the guest's own CPU (bare metal, UEFI: at a host interrupt
 * or the next call) the figure is printed alone: there is no overlap to gain. First the hostile cases: a
 * descriptor rewritten after its POST, a POST while a batch is in flight, a
 * flag the ABI does not have. ratio=0: print the figure, judge nothing (a host
 * made slow on purpose). */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../ring.h"
#include "../../proto/diskimg.h"

#define NREQ 32
#define REQ_BYTES 4096u
#define ROUNDS 5
#define WAIT_STEP_NS 10000000ull
#define FIRST_SECTOR 1
/* The batch's buffers, NREQ + 1 of them: free pool pages (proto/bootinfo.h). */
#define req_buf ((uint8_t (*)[REQ_BYTES])gpa_to_virt(boot->free_gpa))

static volatile uint64_t ring_events, sink;

static void on_upcall(struct hc_trap_frame *f)
{
	(void)f;
	if (vcpu.events & HCEV_RING)
		ring_events++;
	vcpu.events = 0;
}

static int fail(const char *what, int64_t got)
{
	printf("ABORT: async-io: %s (got %ld)\n", what, got);
	return 1;
}

/* Work on registers alone: n rounds of xorshift. */
static void compute(uint64_t n)
{
	uint64_t x = 88172645463325252ull;

	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink = x;
}

static uint64_t sector_of(int i)
{
	return FIRST_SECTOR + (uint64_t)i * (REQ_BYTES / RING_SECTOR_BYTES);
}

/* Buffer i cleared, and a read of request i's sectors into it in d. */
static void read_req(struct ring_desc *d, int i)
{
	__builtin_memset(req_buf[i], 0, REQ_BYTES);
	*d = (struct ring_desc){ .device = RING_DEV_BLOCK, .op = RING_OP_BLK_READ,
				 .len_bytes = REQ_BYTES, .buf_gpa = virt_to_gpa(req_buf[i]),
				 .offset = sector_of(i), .status = 0x7777 };
}

/* NREQ reads published, their descriptors in d[]. */
static int publish_reads(struct ring_desc **d)
{
	for (int i = 0; i < NREQ; i++) {
		d[i] = ring_next();
		if (!d[i])
			return fail("the ring is full", i);
		read_req(d[i], i);
	}
	ring_publish();
	return 0;
}

static int buf_ok(int i)
{
	for (uint32_t b = 0; b < REQ_BYTES; b++)
		if (req_buf[i][b] != diskimg_byte(sector_of(i) + b / 512, b % 512))
			return 0;
	return 1;
}

static int batch_ok(struct ring_desc **d, int from)
{
	for (int i = from; i < NREQ; i++)
		if (d[i]->status != 0 || d[i]->done_bytes != REQ_BYTES || !buf_ok(i)) {
			printf("ABORT: async-io: read %d: status %d, %u bytes, data %s\n", i,
			       d[i]->status, d[i]->done_bytes, buf_ok(i) ? "right" : "wrong");
			return 0;
		}
	return 1;
}

/* Until the host's cons reaches prod: HC_WAIT, which the completion ends. */
static void wait_ring_idle(void)
{
	volatile struct ring_hdr *h = ring_header();

	while (h->cons != h->prod)
		hypercall(HC_WAIT, now_ns() + WAIT_STEP_NS, 0, 0);
}

/* The hostile cases, in one batch in flight. */
static int hostile(int thread)
{
	static const char line[] = "guest: async-io: a console write in an HCPOST_ASYNC batch\n";
	static char text[sizeof(line)];
	volatile struct ring_hdr *h = ring_header();
	struct ring_desc *d[NREQ], *con, *more;
	uint32_t cons = h->cons;
	int64_t r;

	if (publish_reads(d))
		return 1;
	con = ring_next();
	__builtin_memcpy(text, line, sizeof(line) - 1);
	*con = (struct ring_desc){ .device = RING_DEV_CONSOLE, .op = RING_OP_CONSOLE_WRITE,
				   .len_bytes = sizeof(line) - 1, .buf_gpa = virt_to_gpa(text) };
	ring_publish();
	r = ring_post_async();
	if (r == NREQ + 1) {
		/* The ABI lets a host complete the batch in the call (Linux's
		 * --no-serve): nothing is in flight to be hostile to. */
		if (!batch_ok(d, 0) || con->status != 0)
			return fail("a batch completed in the HCPOST_ASYNC call", con->status);
		printf("guest: async-io: the host completed the batch in the HCPOST_ASYNC call\n");
		return 0;
	}
	if (r != 0)
		return fail("HCPOST_ASYNC of block reads completed some in the call", r);
	/* Rewritten after its POST into garbage: a host serves the descriptor as
	 * it took it (Linux: at the POST, so the read is done) or takes it again
	 * and refuses it (bare metal, UEFI: at the completion), never a mixture. */
	d[0]->device = 99;
	d[0]->buf_gpa = ~0ull;
	r = hypercall(HC_POST, 2, 0, 0);
	if (r != -HCERR_INVAL)
		return fail("HC_POST with flag 2 while a batch is in flight", r);
	printf("guest: async-io: HC_POST with flag 2 while a batch is in flight: "
	       "-HCERR_INVAL\n");
	/* A POST while the batch is in flight returns after it, counting it;
	 * if the batch completed first (a fast thread, a host interrupt), it
	 * counts its own descriptor alone. */
	more = ring_next();
	read_req(more, NREQ);
	ring_publish();
	r = ring_post();
	if ((r != NREQ + 2 && r != 1) || h->cons != cons + NREQ + 2)
		return fail("a POST behind a batch in flight: count", r);
	if (!batch_ok(d, 1) || more->status != 0 || con->status != 0 ||
	    con->done_bytes != sizeof(line) - 1)
		return fail("a request of the batch or the POST behind it failed", more->status);
	if (d[0]->status == 0 && buf_ok(0))
		printf("guest: async-io: a descriptor rewritten after its POST: served as "
		       "posted\n");
	else if (d[0]->status == -HCERR_NODEV && !thread)
		printf("guest: async-io: a descriptor rewritten after its POST: refused as "
		       "rewritten (-HCERR_NODEV)\n");
	else
		return fail("the rewritten descriptor's status", d[0]->status);
	if (r == 1)
		printf("guest: async-io: HC_POST after the batch had completed: 1\n");
	else
		printf("guest: async-io: HC_POST while a batch is in flight: returned after "
		       "it, counting it (%d)\n", NREQ + 2);
	return 0;
}

static void sort(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

int prog_async_io(void)
{
	uint64_t waited[ROUNDS], overlapped[ROUNDS], io[3], t0, work, cal = 1u << 16, events;
	uint32_t done_meanwhile = 0, deferred = 0;
	int thread = boot->host == BOOTINFO_HOST_LINUX, judge = 1;
	struct ring_desc *d[NREQ];
	char arg[8];
	int64_t r;

	cmdline_arg("ratio", arg, sizeof(arg));
	judge = arg[0] != '0';
	ring_init();
	vintr_init(on_upcall);
	if (hostile(thread))
		return 1;
	/* The batch alone, three times, and the computation's rate: a
	 * computation as long as the batch. */
	for (int i = 0; i < 3; i++) {
		if (publish_reads(d))
			return 1;
		t0 = rdtsc();
		r = ring_post();
		io[i] = rdtsc() - t0;
		if (r != NREQ || !batch_ok(d, 0))
			return fail("a plain POST of the batch", r);
	}
	sort(io, 3);
	t0 = rdtsc();
	compute(cal);
	t0 = rdtsc() - t0;
	work = t0 ? cal * io[1] / t0 : cal;
	if (work > (1ull << 28))
		work = 1ull << 28;
	events = ring_events;
	for (int i = 0; i < ROUNDS; i++) {
		if (publish_reads(d))
			return 1;
		t0 = rdtsc();
		r = ring_post();
		compute(work);
		waited[i] = rdtsc() - t0;
		if (r != NREQ || !batch_ok(d, 0))
			return fail("a plain POST of the batch", r);

		if (publish_reads(d))
			return 1;
		t0 = rdtsc();
		r = ring_post_async();
		compute(work);
		done_meanwhile += ring_header()->cons == ring_header()->prod;
		wait_ring_idle();
		overlapped[i] = rdtsc() - t0;
		if (r < 0 || r > NREQ || !batch_ok(d, 0))
			return fail("an HCPOST_ASYNC POST of the batch", r);
		deferred += r < NREQ;
	}
	sort(waited, ROUNDS);
	sort(overlapped, ROUNDS);
	events = ring_events - events;
	/* Judged on the best round of each: under TCG the VM's second CPU, where
	 * the completion thread runs, is a host thread that a busy host may not
	 * run beside the first, and that stretches any round; the best rounds
	 * are those where it ran. The medians are printed too. */
	uint64_t w = waited[0], o = overlapped[0], pct = w ? o * 100 / w : 0;

	printf("guest: async-io: %d reads of 4 KiB and %lu rounds of work, %d times (TSC ticks, "
	       "best [median]): waiting %lu [%lu], computing meanwhile %lu [%lu]: %lu%% of it; "
	       "%lu HCEV_RING upcalls; %u batches left in flight, %u done by the computation's end\n",
	       NREQ, work, ROUNDS, w, waited[ROUNDS / 2], o, overlapped[ROUNDS / 2], pct, events,
	       deferred, done_meanwhile);
	if (events < deferred)
		return fail("fewer HCEV_RING upcalls than batches left in flight", (int64_t)events);
	if (!judge)
		printf("guest: async-io: ratio=0: not judged\n");
	else if (thread && pct >= 85)
		return fail("the host's thread: computing meanwhile was not under 85% of "
			    "waiting", (int64_t)pct);
	else if (!thread) /* the same work on the same CPU, and an HC_WAIT and upcall more */
		printf("guest: async-io: the monitor completed the batch on the guest's CPU "
		       "(no overlap to gain): figure only\n");
	else
		printf("guest: async-io: the host's thread completed the batch while the guest "
		       "computed, sooner: ok\n");
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect; each host adds which ending it gives).
 * status: 0
 * expect: guest: async-io: a console write in an HCPOST_ASYNC batch
 * expect: guest: async-io: HC_POST with flag 2 while a batch is in flight: -HCERR_INVAL
 * expect: guest: async-io: a descriptor rewritten after its POST:
 * expect: best [median]): waiting
 * expect: SUCCESS
 */
