// SPDX-License-Identifier: GPL-2.0
/* cokernel.ko: the Linux host, as coLinux's driver was. /dev/cokernel gives
 * each open file one guest (proto/linux_ioctl.h): SETUP builds it from pages
 * of alloc_pages, mmap shows its pool to the runner, and RUN world-switches
 * into it in the caller's context, with preemption off only while the guest
 * loop runs, for at most a slice. Every page goes back when the file is
 * released, however the runner ended. The portable monitor is core.o, reached
 * through bridge.h only. */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>
#include "bridge.h"
#include "../../proto/linux_ioctl.h"

#define CK_SLICE_MS 2                   /* RUN gives the CPU back this often */
#define CK_WAIT_MAX_NS (100 * NSEC_PER_MSEC)
#define CK_OUT_BYTES (64 * 1024)        /* text kept for the runner */
#define CK_OUT_RESERVE (12 * 1024)      /* room a step or a report may need */
/* A slice ends (CK_EXIT_OUTPUT) once this much text waits, so one RUN hands
 * out at most CK_TEXT_PIN: the runner's text buffer is pinned up to that, not
 * to its whole length (docs/PERFORMANCE.md: pinning costs per page). */
#define CK_TEXT_WINDOW (8 * 1024)
#define CK_TEXT_PIN (CK_TEXT_WINDOW + CK_OUT_RESERVE)

enum ck_state { CK_NEW, CK_READY, CK_IO, CK_WAIT, CK_DONE };

static_assert(CK_TEXT_PIN <= CK_OUT_BYTES, "a slice's text fits the module's buffer");

/* A user buffer an ioctl writes its results to, pinned (ck_ubuf_pin). */
#define CK_UBUF_MAX_PAGES (CK_TEXT_PIN / PAGE_SIZE + 1)
struct ck_ubuf {
	u64 uaddr;
	size_t len;
	size_t written_end; /* bytes from the start that were written: those pages are dirty */
	int npages;
	struct page *pages[CK_UBUF_MAX_PAGES];
};
enum { CK_UBUF_ARG, CK_UBUF_OUT, CK_UBUF_REQS, CK_NUBUFS };

struct ck_file {
	/* Serialises the ioctls on this file, across their user copies; mmap
	 * never takes it (ck_mmap says why). */
	struct mutex lock;
	enum ck_state state;
	bool mappable;      /* SETUP done: g and pool_bytes are fixed (release/acquire) */
	struct ckb_guest *g;
	u64 pool_bytes;
	int status;        /* CK_DONE: the guest's end, as the other hosts report it */
	unsigned nreqs;    /* CK_IO */
	struct page *passage[CKB_PASSAGE_PAGES];
	void *passage_va;
	pte_t passage_pte;  /* page 0's PTE as vmap made it */
	bool passage_sealed;
	struct ck_req *reqs;    /* CK_IO: the batch, as handed out */
	struct ck_req *answers; /* RUN: the runner's answers to it, copied in by this call */
	char *out;         /* text not yet handed to the runner */
	size_t out_used, out_dropped;
	struct ck_ubuf ubuf[CK_NUBUFS]; /* the outputs of the ioctl in progress */
};

/* Counters for the tests: pages of ours the kernel has not got back. */
static atomic_long_t ck_pages_held = ATOMIC_LONG_INIT(0);
static atomic_t ck_guests = ATOMIC_INIT(0);

static int ck_get_counter(char *buf, const struct kernel_param *kp)
{
	if (kp->arg == &ck_guests)
		return sysfs_emit(buf, "%d\n", atomic_read(&ck_guests));
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&ck_pages_held));
}

static const struct kernel_param_ops ck_counter_ops = { .get = ck_get_counter };
module_param_cb(pages_held, &ck_counter_ops, &ck_pages_held, 0444);
MODULE_PARM_DESC(pages_held, "pages allocated for guests and not yet freed");
module_param_cb(guests, &ck_counter_ops, &ck_guests, 0444);
MODULE_PARM_DESC(guests, "open guests");

/* ---- the monitor's messages: to the file whose guest is being worked on ----
 * RUN's guest loop has preemption off, so a per-CPU pointer names its file;
 * set-up and release run under ck_setup_lock, which names theirs. */
static DEFINE_PER_CPU(struct ck_file *, ck_running);
static DEFINE_MUTEX(ck_setup_lock);
static struct ck_file *ck_locked;

static void ck_out(struct ck_file *f, const char *buf, size_t len)
{
	size_t n = min(len, (size_t)CK_OUT_BYTES - f->out_used);

	memcpy(f->out + f->out_used, buf, n);
	f->out_used += n;
	f->out_dropped += len - n;
}

static void ck_log_write(const char *buf, size_t len)
{
	struct ck_file *f;

	preempt_disable();
	f = __this_cpu_read(ck_running);
	if (!f)
		f = READ_ONCE(ck_locked);
	if (f)
		ck_out(f, buf, len);
	else
		pr_info("cokernel: %.*s", (int)len, buf);
	preempt_enable();
}

/* ---- memory: the pool and the tables from alloc_pages ---- */
static int ck_alloc_pages(void *ctx, u64 npages, u64 *ma)
{
	unsigned order = get_order(npages << PAGE_SHIFT);
	struct page *p;

	if (order >= MAX_ORDER)
		return -1; /* the pool asks again with smaller chunks */
	/* NORETRY: a pool the host cannot spare fails, it does not wake the OOM killer. */
	p = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY, order);
	if (!p)
		return -1;
	atomic_long_add(1L << order, &ck_pages_held);
	*ma = page_to_phys(p);
	return 0;
}

static void ck_free_pages(void *ctx, u64 ma, u64 npages)
{
	unsigned order = get_order(npages << PAGE_SHIFT);

	__free_pages(pfn_to_page(ma >> PAGE_SHIFT), order);
	atomic_long_sub(1L << order, &ck_pages_held);
}

static void *ck_ma_to_hva(void *ctx, u64 ma)
{
	return __va(ma); /* the kernel's direct map covers every page we allocate */
}

/* ---- the passage: its pages at one vmalloc address ----
 * vmap maps them RW and NX; once the stub is in, seal turns page 0 into RX,
 * so no mapping of ours is ever writable and executable (W^X). The direct-map
 * aliases of the pages stay RW and NX. */
static void ck_flush_tlb(void *unused)
{
	__flush_tlb_all();
}

/* Page 0 of the passage: RX (exec) or back to how vmap made it. */
static int ck_set_code_page(struct ck_file *f, bool exec)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)f->passage_va, &level);

	if (!pte || level != PG_LEVEL_4K)
		return -1;
	if (exec) {
		f->passage_pte = *pte;
		set_pte(pte, pte_mkexec(pte_wrprotect(*pte)));
	} else {
		set_pte(pte, f->passage_pte);
	}
	/* Every CPU may cache the old entry: flush them all (SDM Vol.3 4.10.5,
	 * propagation of paging-structure changes to multiple processors). */
	on_each_cpu(ck_flush_tlb, NULL, 1);
	return 0;
}

static int ck_alloc_passage(void *ctx, u64 ma[CKB_PASSAGE_PAGES], u64 *hva)
{
	struct ck_file *f = ctx;
	int i;

	for (i = 0; i < CKB_PASSAGE_PAGES; i++) {
		f->passage[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!f->passage[i])
			goto fail;
		atomic_long_inc(&ck_pages_held);
		ma[i] = page_to_phys(f->passage[i]);
	}
	f->passage_va = vmap(f->passage, CKB_PASSAGE_PAGES, VM_MAP, PAGE_KERNEL);
	if (!f->passage_va)
		goto fail;
	*hva = (u64)f->passage_va;
	return 0;
fail:
	while (i-- > 0) {
		__free_page(f->passage[i]);
		atomic_long_dec(&ck_pages_held);
		f->passage[i] = NULL;
	}
	return -1;
}

static int ck_seal_passage(void *ctx, u64 hva)
{
	struct ck_file *f = ctx;

	if ((u64)f->passage_va != hva || ck_set_code_page(f, true))
		return -1;
	f->passage_sealed = true;
	return 0;
}

static void ck_free_passage(void *ctx, const u64 ma[CKB_PASSAGE_PAGES], u64 hva)
{
	struct ck_file *f = ctx;
	int i;

	if (f->passage_sealed) /* back to RW NX before the pages go */
		ck_set_code_page(f, false);
	f->passage_sealed = false;
	vunmap(f->passage_va);
	f->passage_va = NULL;
	for (i = 0; i < CKB_PASSAGE_PAGES; i++) {
		__free_page(f->passage[i]);
		atomic_long_dec(&ck_pages_held);
		f->passage[i] = NULL;
	}
}

/* ---- user buffers an ioctl writes its results to ----
 * Pinned before the ioctl changes anything (pin_user_pages_fast, FOLL_WRITE:
 * Documentation/core-api/pin_user_pages.rst, writing to a page's data): a
 * buffer that is PROT_NONE, read-only or unmapped fails the call while it
 * has done nothing, and once pinned the writes cannot fail, so no call ends
 * half done because user memory went away after the guest moved. A page
 * another thread unmaps after the pin still takes the write, as it would
 * have had the unmap come after a copy. Buffers must be ordinary memory: the
 * pool's own mapping (VM_PFNMAP) cannot be pinned. */
static int ck_ubuf_pin(struct ck_ubuf *b, u64 uaddr, size_t len)
{
	int want, got;

	b->npages = 0;
	b->written_end = 0;
	if (uaddr + len < uaddr || !access_ok(u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	want = DIV_ROUND_UP(offset_in_page(uaddr) + len, PAGE_SIZE);
	if (WARN_ON_ONCE(want > CK_UBUF_MAX_PAGES))
		return -EINVAL;
	got = pin_user_pages_fast(uaddr & PAGE_MASK, want, FOLL_WRITE, b->pages);
	if (got != want) {
		if (got > 0)
			unpin_user_pages(b->pages, got);
		return got < 0 ? got : -EFAULT;
	}
	b->uaddr = uaddr;
	b->len = len;
	b->npages = got;
	return 0;
}

/* Write n bytes at offset off of a pinned buffer (off + n <= its length). */
static void ck_ubuf_write(struct ck_ubuf *b, size_t off, const void *src, size_t n)
{
	b->written_end = max(b->written_end, off + n);
	while (n) {
		u64 at = b->uaddr + off;
		size_t piece = min_t(size_t, n, PAGE_SIZE - offset_in_page(at));
		char *va = kmap_local_page(b->pages[(at >> PAGE_SHIFT) - (b->uaddr >> PAGE_SHIFT)]);

		memcpy(va + offset_in_page(at), src, piece);
		kunmap_local(va);
		src += piece;
		off += piece;
		n -= piece;
	}
}

static void ck_ubufs_release(struct ck_file *f)
{
	int i;

	for (i = 0; i < CK_NUBUFS; i++) {
		struct ck_ubuf *b = &f->ubuf[i];
		int dirty = b->written_end ?
			DIV_ROUND_UP(offset_in_page(b->uaddr) + b->written_end, PAGE_SIZE) : 0;

		if (!b->npages)
			continue; /* not pinned by this call */
		/* Only the pages written through the kernel's mapping are dirty. */
		unpin_user_pages_dirty_lock(b->pages, dirty, true);
		unpin_user_pages(b->pages + dirty, b->npages - dirty);
		b->npages = 0;
		b->written_end = 0;
	}
}

/* Pin the argument struct and the text buffer (the part of it text can
 * fill); 0 or the error, with nothing left pinned. */
static int ck_pin_arg_and_text(struct ck_file *f, void __user *uarg, size_t arg_len, u64 out_ptr,
			       u64 out_len)
{
	int err = ck_ubuf_pin(&f->ubuf[CK_UBUF_ARG], (u64)uarg, arg_len);

	if (!err)
		err = ck_ubuf_pin(&f->ubuf[CK_UBUF_OUT], out_ptr, min_t(u64, out_len, CK_TEXT_PIN));
	if (err)
		ck_ubufs_release(f);
	return err;
}

/* ---- the file ---- */
static int ck_open(struct inode *inode, struct file *file)
{
	struct ck_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->out = vmalloc(CK_OUT_BYTES);
	f->reqs = kmalloc_array(CK_MAX_REQS, sizeof(*f->reqs), GFP_KERNEL);
	f->answers = kmalloc_array(CK_MAX_REQS, sizeof(*f->answers), GFP_KERNEL);
	if (!f->out || !f->reqs || !f->answers) {
		vfree(f->out);
		kfree(f->reqs);
		kfree(f->answers);
		kfree(f);
		return -ENOMEM;
	}
	mutex_init(&f->lock);
	file->private_data = f;
	return 0;
}

static int ck_release(struct inode *inode, struct file *file)
{
	struct ck_file *f = file->private_data;

	if (f->g) {
		mutex_lock(&ck_setup_lock);
		WRITE_ONCE(ck_locked, f);
		ckb_release(f->g); /* no mmap is left: the file would still be open */
		WRITE_ONCE(ck_locked, NULL);
		mutex_unlock(&ck_setup_lock);
		vfree(f->g);
		atomic_dec(&ck_guests);
	}
	vfree(f->out);
	kfree(f->reqs);
	kfree(f->answers);
	kfree(f);
	return 0;
}

/* Hand the runner what text fits its pinned buffer; keep the rest. */
static u64 ck_text_out(struct ck_file *f)
{
	struct ck_ubuf *b = &f->ubuf[CK_UBUF_OUT];
	size_t n = min(f->out_used, b->len);

	if (f->out_dropped && f->out_used + 64 <= CK_OUT_BYTES) {
		char note[64];
		int len = scnprintf(note, sizeof(note), "cokernel: %zu bytes of output lost\n",
				    f->out_dropped);

		ck_out(f, note, len);
		f->out_dropped = 0;
		n = min(f->out_used, b->len);
	}
	ck_ubuf_write(b, 0, f->out, n);
	memmove(f->out, f->out + n, f->out_used - n);
	f->out_used -= n;
	return n;
}

static const int ckb_errno[] = {
	[CKB_OK] = 0, [CKB_EINVAL] = -EINVAL, [CKB_ENOEXEC] = -ENOEXEC,
	[CKB_ENOMEM] = -ENOMEM, [CKB_ENODEV] = -ENODEV,
};

/* All or nothing: everything is copied in and the outputs pinned before the
 * guest is built, and the file becomes set up (and mappable) only once its
 * results are written, which can no longer fail. */
static long ck_setup(struct ck_file *f, struct ck_setup __user *uarg)
{
	static const struct ckb_env env_template = {
		.alloc_pages = ck_alloc_pages, .free_pages = ck_free_pages,
		.ma_to_hva = ck_ma_to_hva, .alloc_passage = ck_alloc_passage,
		.free_passage = ck_free_passage, .seal_passage = ck_seal_passage,
		.pages_zeroed = 1, /* ck_alloc_pages asks for __GFP_ZERO */
	};
	struct ckb_env env = env_template;
	struct ckb_guest *g;
	struct ck_setup s;
	char cmdline[CK_CMDLINE_MAX_BYTES];
	void *image;
	long len, err;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (f->state != CK_NEW)
		return -EBUSY;
	if (s.image_len == 0 || s.out_len < CK_OUT_MIN_BYTES || s.pad ||
	    s.disk_read_only > 1 || s.disk_sectors > (U64_MAX >> 9))
		return -EINVAL;
	if (s.image_len > CK_IMAGE_MAX_BYTES)
		return -E2BIG;
	len = strncpy_from_user(cmdline, u64_to_user_ptr(s.cmdline_ptr), sizeof(cmdline));
	if (len < 0)
		return -EFAULT;
	if (len == sizeof(cmdline))
		return -E2BIG;
	image = vmalloc(s.image_len);
	if (!image)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(image, u64_to_user_ptr(s.image_ptr), s.image_len))
		goto out_image;
	err = ck_pin_arg_and_text(f, uarg, sizeof(s), s.out_ptr, s.out_len);
	if (err)
		goto out_image;
	err = -ENOMEM;
	g = vzalloc(ckb_guest_bytes());
	if (!g)
		goto out_pinned;

	f->out_used = f->out_dropped = 0; /* an earlier refusal's text went with it */
	env.tsc_hz = (u64)tsc_khz * 1000;
	env.ctx = f;
	mutex_lock(&ck_setup_lock);
	WRITE_ONCE(ck_locked, f);
	err = ckb_errno[ckb_start(g, &env, cmdline, image, s.image_len, s.disk_sectors,
				  s.disk_read_only, &s.pool_bytes)];
	WRITE_ONCE(ck_locked, NULL);
	mutex_unlock(&ck_setup_lock);
	if (err) { /* ckb_start gave back whatever it had taken */
		vfree(g);
		s.pool_bytes = 0;
	}
	s.out_written = ck_text_out(f);
	ck_ubuf_write(&f->ubuf[CK_UBUF_ARG], 0, &s, sizeof(s));
	if (!err) {
		f->g = g;
		f->pool_bytes = s.pool_bytes;
		f->state = CK_READY;
		atomic_inc(&ck_guests);
		/* g and pool_bytes before the flag: mmap reads them after it. */
		smp_store_release(&f->mappable, true);
	}
out_pinned:
	ck_ubufs_release(f);
out_image:
	vfree(image);
	return err;
}

/* The guest loop: run for at most a slice, until the guest needs the runner,
 * ends, or the text buffer nearly fills. A signal, the scheduler or the clock
 * end the slice early (CK_EXIT_SLICE): RUN has still done all of its work. */
static void ck_run_slice(struct ck_file *f, struct ck_run *r)
{
	u64 slice_end;
	int how, ready;
	bool mapped;

	r->exit = CK_EXIT_SLICE;
	/* The slice on the TSC: one RDTSC a step, against a clock read a step
	 * (tsc_khz is ticks per millisecond; SETUP refused a host without it). */
	slice_end = rdtsc() + (u64)tsc_khz * CK_SLICE_MS;
	/* No preemption, so no migration, so the host state that ckb_prepare
	 * saved stays this CPU's (switch/passage.h). The first RUN on a CPU may
	 * need the guest's tables to mirror this CPU's TSS: that mapping may
	 * sleep, so it is made with preemption on, and the preparation starts
	 * again (on whatever CPU we are then). A CPU that cannot host the guest
	 * (the log says why) ends it, as a refusal. */
	preempt_disable();
	__this_cpu_write(ck_running, f);
	while ((ready = ckb_prepare(f->g)) > 0) {
		__this_cpu_write(ck_running, NULL);
		preempt_enable();
		mapped = ckb_map_tss(f->g) == 0;
		preempt_disable();
		__this_cpu_write(ck_running, f);
		if (!mapped)
			break;
	}
	if (ready != 0) {
		f->status = CKB_STATUS_REFUSED;
		f->state = CK_DONE;
		r->exit = CK_EXIT_DONE;
		r->status = f->status;
		__this_cpu_write(ck_running, NULL);
		preempt_enable();
		return;
	}
	/* The guest's x87/SSE/AVX state lives in the registers between an enter
	 * and the next exit: the kernel's bracket for in-kernel FPU use saves the
	 * task's own state first (and reloads it on the way back to user space),
	 * and keeps interrupt handlers off the FPU meanwhile. */
	kernel_fpu_begin();
	for (;;) {
		if (f->out_used >= CK_TEXT_WINDOW) { /* a step adds less than the reserve */
			r->exit = CK_EXIT_OUTPUT;
			break;
		}
		if (signal_pending(current) || need_resched() || rdtsc() > slice_end)
			break;
		how = ckb_step(f->g);
		if (how == CKB_RESUME)
			continue;
		if (how == CKB_IO) {
			f->state = CK_IO;
			r->exit = CK_EXIT_IO;
		} else if (how == CKB_WAIT) {
			f->state = CK_WAIT;
			r->exit = CK_EXIT_WAIT;
			r->wait_ns = min_t(u64, ckb_wait_ns(f->g), CK_WAIT_MAX_NS);
		} else {
			f->status = ckb_report(f->g);
			f->state = CK_DONE;
			r->exit = CK_EXIT_DONE;
			r->status = f->status;
		}
		break;
	}
	kernel_fpu_end();
	__this_cpu_write(ck_running, NULL);
	preempt_enable();
}

/* All or nothing: the input and the answers are copied in and every output
 * pinned before anything changes; then the last batch is completed with the
 * answers copied in by this very call, the guest runs, and the results are
 * written where nothing can fail. A call that fails has changed nothing. */
/* An answer counts only for the request it answers: one whose request fields
 * are not those handed out (an array filled for another batch, or one the
 * runner never got because its page went away) fails, as if unanswered. */
static void ck_match_answers(struct ck_file *f)
{
	unsigned i;

	for (i = 0; i < f->nreqs; i++) {
		const struct ck_req *q = &f->reqs[i];
		struct ck_req *a = &f->answers[i];

		if (a->device != q->device || a->op != q->op || a->len != q->len ||
		    a->gpa != q->gpa || a->disk_off != q->disk_off)
			a->status = -1;
	}
}

static long ck_run(struct ck_file *f, struct ck_run __user *uarg)
{
	char in[CK_INPUT_MAX_BYTES];
	struct ck_run r;
	int err;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (f->state == CK_NEW)
		return -ENXIO;
	if (r.out_len < CK_OUT_MIN_BYTES || r.input_len > CK_INPUT_MAX_BYTES || !r.reqs_ptr)
		return -EINVAL;
	if (f->state == CK_DONE && !f->out_used)
		return -ESRCH;
	if (r.input_len && copy_from_user(in, u64_to_user_ptr(r.input_ptr), r.input_len))
		return -EFAULT;
	if (f->state == CK_IO && copy_from_user(f->answers, u64_to_user_ptr(r.reqs_ptr),
						f->nreqs * sizeof(*f->answers)))
		return -EFAULT;
	err = ck_pin_arg_and_text(f, uarg, sizeof(r), r.out_ptr, r.out_len);
	if (err)
		return err;
	err = ck_ubuf_pin(&f->ubuf[CK_UBUF_REQS], r.reqs_ptr, CK_MAX_REQS * sizeof(*f->reqs));
	if (!err && signal_pending(current))
		err = -EINTR; /* the last moment to stop with nothing done */
	if (err)
		goto out;

	r.nreqs = 0;
	if (f->state == CK_DONE) { /* text a full buffer left behind, then ESRCH */
		r.exit = CK_EXIT_DONE;
		r.status = f->status;
	} else {
		if (r.input_len)
			ckb_input(f->g, in, r.input_len);
		if (f->state == CK_IO) {
			ck_match_answers(f);
			ckb_reqs_done(f->g, f->answers);
		}
		else if (f->state == CK_WAIT)
			ckb_wait_done(f->g);
		f->state = CK_READY;
		ck_run_slice(f, &r);
	}
	if (f->state == CK_IO && r.exit == CK_EXIT_IO) {
		f->nreqs = r.nreqs = ckb_reqs(f->g, f->reqs);
		ck_ubuf_write(&f->ubuf[CK_UBUF_REQS], 0, f->reqs, r.nreqs * sizeof(*f->reqs));
	}
	r.switches = ckb_switches(f->g);
	r.out_written = ck_text_out(f);
	ck_ubuf_write(&f->ubuf[CK_UBUF_ARG], 0, &r, sizeof(r));
out:
	ck_ubufs_release(f);
	return err;
}

/* What a core file of the crashed guest needs (bridge.h). It only reads, so
 * a call that fails has changed nothing; the struct is zeroed first, so no
 * kernel bytes reach user space in its padding. */
static long ck_crash(struct ck_file *f, struct ck_crash __user *uarg)
{
	struct ck_crash *c;
	long err = 0;

	if (f->state == CK_NEW)
		return -ENXIO;
	if (f->state != CK_DONE)
		return -EBUSY;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	if (ckb_crash(f->g, c))
		err = -ENODATA;
	else if (copy_to_user(uarg, c, sizeof(*c)))
		err = -EFAULT;
	kfree(c);
	return err;
}

/* The ioctls are serialised by the file's mutex and hold it across their
 * user copies (a copy may fault and take the mmap lock); mmap, which the
 * kernel calls with the mmap lock held, never takes it (ck_mmap). */
static long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ck_file *f = file->private_data;
	long err;

	if (mutex_lock_interruptible(&f->lock))
		return -EINTR; /* nothing done */
	switch (cmd) {
	case CK_IOC_SETUP:
		err = ck_setup(f, (struct ck_setup __user *)arg);
		break;
	case CK_IOC_RUN:
		err = ck_run(f, (struct ck_run __user *)arg);
		break;
	case CK_IOC_CRASH:
		err = ck_crash(f, (struct ck_crash __user *)arg);
		break;
	default:
		err = -ENOTTY;
	}
	mutex_unlock(&f->lock);
	return err;
}

/* The pool in guest-physical order, one remap a run of machine-contiguous
 * pages. No lock: the kernel calls mmap with the mmap lock held for writing
 * (vm_mmap_pgoff, mm/util.c), and an ioctl that holds the file's mutex may be
 * waiting for that lock in a page fault of its user copy (do_user_addr_fault,
 * arch/x86/mm/fault.c); taking the mutex here would deadlock the two
 * (docs/ARCHITECTURE.md). Nothing here needs it: SETUP publishes the guest
 * with a release store once it is complete, and the pool and its p2m do not
 * change until release, which cannot run while a mapping is being made (the
 * vma holds a reference to the file, mmap_region in mm/mmap.c).
 * remap_pfn_range takes no page reference and marks the vma VM_PFNMAP
 * (mm/memory.c), which MADV_DONTNEED refuses (mm/madvise.c): the pages are
 * freed only at release, when no mapping can be left. */
static int ck_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ck_file *f = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	u64 i, run, npages = size >> PAGE_SHIFT;
	int err = 0;

	if (!smp_load_acquire(&f->mappable))
		return -ENXIO;
	if (vma->vm_pgoff != 0 || size > f->pool_bytes || !(vma->vm_flags & VM_SHARED))
		return -EINVAL; /* a private (copy-on-write) view of the pool makes no sense */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM; /* guest memory is data to the runner */
	vma->vm_flags &= ~VM_MAYEXEC; /* nor can mprotect make it code later */
	for (i = 0; !err && i < npages; i += run) {
		u64 ma = ckb_pool_page_ma(f->g, i);

		for (run = 1; i + run < npages &&
			      ckb_pool_page_ma(f->g, i + run) == ma + (run << PAGE_SHIFT); run++)
			;
		err = remap_pfn_range(vma, vma->vm_start + (i << PAGE_SHIFT), ma >> PAGE_SHIFT,
				      run << PAGE_SHIFT, vma->vm_page_prot);
		cond_resched(); /* a pool of gigabytes is thousands of runs */
	}
	return err;
}

static const struct file_operations ck_fops = {
	.owner = THIS_MODULE,
	.open = ck_open,
	.release = ck_release,
	.unlocked_ioctl = ck_ioctl,
	.mmap = ck_mmap,
};

static struct miscdevice ck_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cokernel",
	.fops = &ck_fops,
	.mode = 0600,
};

static int __init ck_init(void)
{
	ckb_set_log_sink(ck_log_write);
	return misc_register(&ck_dev);
}

static void __exit ck_exit(void)
{
	misc_deregister(&ck_dev);
	ckb_set_log_sink(NULL);
	if (atomic_long_read(&ck_pages_held))
		pr_err("cokernel: %ld pages still held at unload\n",
		       atomic_long_read(&ck_pages_held));
}

module_init(ck_init);
module_exit(ck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cokernel: a cooperative co-kernel monitor, Linux host");
