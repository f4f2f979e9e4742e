// SPDX-License-Identifier: GPL-2.0
/* cokernel.ko: the Linux host, as coLinux's driver was. /dev/cokernel gives
 * each open file one guest (proto/linux_ioctl.h): SETUP builds it from pages
 * of alloc_pages, mmap shows its pool to the runner, and RUN world-switches
 * into it in the caller's context, with preemption off only while the guest
 * loop runs, for at most a slice. Every page goes back when the file is
 * released, however the runner ended. The portable monitor is core.o, reached
 * through bridge.h only. */
#include <linux/fs.h>
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
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>
#include "bridge.h"
#include "../../proto/linux_ioctl.h"

#define CK_SLICE_MS 2                   /* RUN gives the CPU back this often */
#define CK_WAIT_MAX_NS (100 * NSEC_PER_MSEC)
#define CK_OUT_BYTES (64 * 1024)        /* text kept for the runner */
#define CK_OUT_RESERVE (12 * 1024)      /* room a step or a report may need */

enum ck_state { CK_NEW, CK_READY, CK_IO, CK_WAIT, CK_DONE };

struct ck_file {
	struct mutex lock; /* one ioctl or mmap at a time on this file */
	enum ck_state state;
	struct ckb_guest *g;
	u64 pool_bytes;
	int status;        /* CK_DONE: the guest's end, as the other hosts report it */
	unsigned nreqs;    /* CK_IO */
	struct page *passage[3];
	void *passage_va;
	pte_t passage_pte;  /* page 0's PTE as vmap made it */
	bool passage_sealed;
	struct ck_req *reqs; /* CK_IO: the batch, as the runner sees it */
	char *out;         /* text not yet handed to the runner */
	size_t out_used, out_dropped;
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

/* ---- the passage: three pages at one vmalloc address ----
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

static int ck_alloc_passage(void *ctx, u64 ma[3], u64 *hva)
{
	struct ck_file *f = ctx;
	int i;

	for (i = 0; i < 3; i++) {
		f->passage[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!f->passage[i])
			goto fail;
		atomic_long_inc(&ck_pages_held);
		ma[i] = page_to_phys(f->passage[i]);
	}
	f->passage_va = vmap(f->passage, 3, VM_MAP, PAGE_KERNEL);
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

static void ck_free_passage(void *ctx, const u64 ma[3], u64 hva)
{
	struct ck_file *f = ctx;
	int i;

	if (f->passage_sealed) /* back to RW NX before the pages go */
		ck_set_code_page(f, false);
	f->passage_sealed = false;
	vunmap(f->passage_va);
	f->passage_va = NULL;
	for (i = 0; i < 3; i++) {
		__free_page(f->passage[i]);
		atomic_long_dec(&ck_pages_held);
		f->passage[i] = NULL;
	}
}

/* ---- the file ---- */
static int ck_open(struct inode *inode, struct file *file)
{
	struct ck_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->out = vmalloc(CK_OUT_BYTES);
	f->reqs = kmalloc_array(CK_MAX_REQS, sizeof(*f->reqs), GFP_KERNEL);
	if (!f->out || !f->reqs) {
		vfree(f->out);
		kfree(f->reqs);
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
	kfree(f);
	return 0;
}

/* Hand the runner what text there is; keep what does not fit. */
static int ck_copy_out(struct ck_file *f, u64 uptr, u64 ulen, u64 *written)
{
	size_t n = min_t(u64, f->out_used, ulen);

	if (f->out_dropped && f->out_used + 64 <= CK_OUT_BYTES) {
		char note[64];
		int len = scnprintf(note, sizeof(note), "cokernel: %zu bytes of output lost\n",
				    f->out_dropped);

		ck_out(f, note, len);
		f->out_dropped = 0;
	}
	if (copy_to_user(u64_to_user_ptr(uptr), f->out, n))
		return -EFAULT;
	memmove(f->out, f->out + n, f->out_used - n);
	f->out_used -= n;
	*written = n;
	return 0;
}

static const int ckb_errno[] = {
	[CKB_OK] = 0, [CKB_EINVAL] = -EINVAL, [CKB_ENOEXEC] = -ENOEXEC,
	[CKB_ENOMEM] = -ENOMEM, [CKB_ENODEV] = -ENODEV,
};

static long ck_setup(struct ck_file *f, struct ck_setup __user *uarg)
{
	static const struct ckb_env env_template = {
		.alloc_pages = ck_alloc_pages, .free_pages = ck_free_pages,
		.ma_to_hva = ck_ma_to_hva, .alloc_passage = ck_alloc_passage,
		.free_passage = ck_free_passage, .seal_passage = ck_seal_passage,
		.pages_zeroed = 1, /* ck_alloc_pages asks for __GFP_ZERO */
	};
	struct ckb_env env = env_template;
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
	f->g = vzalloc(ckb_guest_bytes());
	if (!f->g) {
		vfree(image);
		return -ENOMEM;
	}
	if (copy_from_user(image, u64_to_user_ptr(s.image_ptr), s.image_len)) {
		err = -EFAULT;
	} else {
		env.tsc_hz = (u64)tsc_khz * 1000;
		env.ctx = f;
		mutex_lock(&ck_setup_lock);
		WRITE_ONCE(ck_locked, f);
		err = ckb_errno[ckb_start(f->g, &env, cmdline, image, s.image_len, s.disk_sectors,
					  s.disk_read_only, &f->pool_bytes)];
		WRITE_ONCE(ck_locked, NULL);
		mutex_unlock(&ck_setup_lock);
	}
	vfree(image);
	if (err) { /* ckb_start gave back whatever it had taken */
		vfree(f->g);
		f->g = NULL;
	} else {
		f->state = CK_READY;
		atomic_inc(&ck_guests);
	}
	s.pool_bytes = err ? 0 : f->pool_bytes;
	if (ck_copy_out(f, s.out_ptr, s.out_len, &s.out_written) ||
	    copy_to_user(uarg, &s, sizeof(s)))
		return -EFAULT;
	return err;
}

/* Complete what the last RUN handed out: the runner's answers, its input. */
static long ck_resume(struct ck_file *f, const struct ck_run *r)
{
	char in[CK_INPUT_MAX_BYTES];

	if (r->input_len) {
		if (copy_from_user(in, u64_to_user_ptr(r->input_ptr), r->input_len))
			return -EFAULT;
		ckb_input(f->g, in, r->input_len);
	}
	if (f->state == CK_IO) {
		if (copy_from_user(f->reqs, u64_to_user_ptr(r->reqs_ptr),
				   f->nreqs * sizeof(*f->reqs)))
			return -EFAULT;
		ckb_reqs_done(f->g, f->reqs);
	} else if (f->state == CK_WAIT) {
		ckb_wait_done(f->g);
	}
	f->state = CK_READY;
	return 0;
}

static long ck_run(struct ck_file *f, struct ck_run __user *uarg)
{
	struct ck_run r;
	u64 slice_end;
	int how = CKB_RESUME;
	long err;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (f->state == CK_NEW)
		return -ENXIO;
	if (r.out_len < CK_OUT_MIN_BYTES || r.input_len > CK_INPUT_MAX_BYTES || !r.reqs_ptr)
		return -EINVAL;
	if (f->state == CK_DONE) { /* text a failed copy left behind, then nothing */
		if (!f->out_used)
			return -ESRCH;
		r.exit = CK_EXIT_DONE;
		r.status = f->status;
		r.nreqs = 0;
		if (ck_copy_out(f, r.out_ptr, r.out_len, &r.out_written) ||
		    copy_to_user(uarg, &r, sizeof(r)))
			return -EFAULT;
		return 0;
	}
	err = ck_resume(f, &r);
	if (err)
		return err;

	r.exit = CK_EXIT_SLICE;
	/* The slice on the TSC: one RDTSC a step, against a clock read a step
	 * (tsc_khz is ticks per millisecond; SETUP refused a host without it). */
	slice_end = rdtsc() + (u64)tsc_khz * CK_SLICE_MS;
	/* The guest loop: no preemption, so no migration, so the host state the
	 * passage saved on the first step stays this CPU's (passage.h). */
	preempt_disable();
	__this_cpu_write(ck_running, f);
	ckb_host_changed(f->g);
	for (;;) {
		if (f->out_used + CK_OUT_RESERVE > CK_OUT_BYTES) {
			r.exit = CK_EXIT_OUTPUT;
			break;
		}
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (need_resched() || rdtsc() > slice_end)
			break;
		how = ckb_step(f->g);
		if (how == CKB_RESUME)
			continue;
		if (how == CKB_IO) {
			f->state = CK_IO;
			r.exit = CK_EXIT_IO;
		} else if (how == CKB_WAIT) {
			f->state = CK_WAIT;
			r.exit = CK_EXIT_WAIT;
			r.wait_ns = min_t(u64, ckb_wait_ns(f->g), CK_WAIT_MAX_NS);
		} else {
			f->status = ckb_report(f->g, how);
			f->state = CK_DONE;
			r.exit = CK_EXIT_DONE;
			r.status = f->status;
		}
		break;
	}
	__this_cpu_write(ck_running, NULL);
	preempt_enable();

	r.switches = ckb_switches(f->g);
	r.nreqs = 0;
	if (f->state == CK_IO) {
		f->nreqs = r.nreqs = ckb_reqs(f->g, f->reqs);
		if (copy_to_user(u64_to_user_ptr(r.reqs_ptr), f->reqs, r.nreqs * sizeof(*f->reqs)))
			err = -EFAULT;
	}
	if (ck_copy_out(f, r.out_ptr, r.out_len, &r.out_written) || copy_to_user(uarg, &r, sizeof(r)))
		return -EFAULT;
	return err;
}

static long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ck_file *f = file->private_data;
	long err;

	mutex_lock(&f->lock);
	switch (cmd) {
	case CK_IOC_SETUP:
		err = ck_setup(f, (struct ck_setup __user *)arg);
		break;
	case CK_IOC_RUN:
		err = ck_run(f, (struct ck_run __user *)arg);
		break;
	default:
		err = -ENOTTY;
	}
	mutex_unlock(&f->lock);
	return err;
}

/* The pool in guest-physical order. remap_pfn_range takes no page reference:
 * the pages are freed only at release, when no mapping can be left. */
static int ck_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ck_file *f = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	int err = 0;
	u64 i;

	mutex_lock(&f->lock);
	if (f->state == CK_NEW)
		err = -ENXIO;
	else if (vma->vm_pgoff != 0 || size > f->pool_bytes || !(vma->vm_flags & VM_SHARED))
		err = -EINVAL; /* a private (copy-on-write) view of the pool makes no sense */
	else if (vma->vm_flags & VM_EXEC)
		err = -EPERM; /* guest memory is data to the runner */
	else
		vma->vm_flags &= ~VM_MAYEXEC; /* nor can mprotect make it code later */
	for (i = 0; !err && i < size >> PAGE_SHIFT; i++)
		err = remap_pfn_range(vma, vma->vm_start + (i << PAGE_SHIFT),
				      ckb_pool_page_ma(f->g, i) >> PAGE_SHIFT, PAGE_SIZE,
				      vma->vm_page_prot);
	mutex_unlock(&f->lock);
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
