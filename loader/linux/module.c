// SPDX-License-Identifier: GPL-2.0
/* cokernel.ko: the Linux host, as coLinux's driver was. /dev/cokernel gives
 * each open file one guest (proto/linux_ioctl.h): SETUP builds it from pages
 * of alloc_pages, mmap shows its pool to the runner, and RUN world-switches
 * into it in the caller's context, with preemption off only while the guest
 * loop runs, for at most a slice. Every page goes back when the file is
 * released, however the runner ended. The portable monitor is core.o, reached
 * through bridge.h only; the host callbacks it gives the core are host.c's. */
#include "ck.h"

/* Counters for the tests: pages of ours the kernel has not got back
 * (ck_pages_held, host.c), and open guests. */
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

/* ---- the file ---- */
static int ck_open(struct inode *inode, struct file *file)
{
	struct ck_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->out = vmalloc(CK_OUT_BYTES);
	f->reqs = kmalloc_array(CK_MAX_REQS, sizeof(*f->reqs), GFP_KERNEL);
	f->answers = kmalloc_array(CK_MAX_REQS, sizeof(*f->answers), GFP_KERNEL);
	f->async.reqs = kmalloc_array(CK_MAX_REQS, sizeof(*f->reqs), GFP_KERNEL);
	f->async.answers = kmalloc_array(CK_MAX_REQS, sizeof(*f->answers), GFP_KERNEL);
	if (!f->out || !f->reqs || !f->answers || !f->async.reqs || !f->async.answers) {
		vfree(f->out);
		kfree(f->reqs);
		kfree(f->answers);
		kfree(f->async.reqs);
		kfree(f->async.answers);
		kfree(f);
		return -ENOMEM;
	}
	mutex_init(&f->lock);
	mutex_init(&f->async.serve_lock);
	init_waitqueue_head(&f->async.serve_wq);
	init_waitqueue_head(&f->async.answer_wq);
	file->private_data = f;
	return 0;
}

static int ck_release(struct inode *inode, struct file *file)
{
	struct ck_file *f = file->private_data;

	ck_ubufs_release(f);
	if (f->g) {
		ck_messages_lock(f);
		ckb_release(f->g); /* no mmap is left: the file would still be open */
		ck_messages_unlock();
		vfree(f->g);
		atomic_dec(&ck_guests);
	}
	vfree(f->out);
	kfree(f->reqs);
	kfree(f->answers);
	kfree(f->async.reqs);
	kfree(f->async.answers);
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
	struct ckb_env env = ck_env_template;
	struct ckb_guest *g;
	struct ck_setup s;
	char cmdline[CK_CMDLINE_MAX_BYTES];
	void *image;
	long len, err;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (f->state != CK_NEW)
		return -EBUSY;
	if (s.image_len == 0 || s.out_len < CK_OUT_MIN_BYTES ||
	    (s.flags & ~(CK_SETUP_SERVE | CK_SETUP_NET)) ||
	    s.disk_read_only > 1 || s.disk_sectors > (U64_MAX >> 9))
		return -EINVAL;
	/* An MTU from the smallest IPv4 allows (RFC 791) to a standard frame's. */
	if ((s.flags & CK_SETUP_NET) && (s.net_mtu < 68 || s.net_mtu > CK_NET_MTU_MAX))
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
	env.direct_map = (u64)__va(0); /* x86-64: __va(pa) is pa + PAGE_OFFSET for all RAM */
	env.ctx = f;
	ck_messages_lock(f);
	err = ckb_errno[ckb_start(g, &env, cmdline, image, s.image_len, s.disk_sectors,
				  s.disk_read_only, s.flags & CK_SETUP_SERVE, s.net_mac,
				  s.flags & CK_SETUP_NET ? s.net_mtu : 0, &s.pool_bytes)];
	ck_messages_unlock();
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
		f->async.on = s.flags & CK_SETUP_SERVE;
		atomic_inc(&ck_guests);
		/* g and pool_bytes before the flag: mmap reads them after it. */
		smp_store_release(&f->mappable, true);
	}
out_pinned: /* the pins stay for the RUNs (ubuf.c) */
out_image:
	vfree(image);
	return err;
}

/* An answer counts only for the request it answers: one whose request fields
 * are not those handed out (an array filled for another batch, or one the
 * runner never got because its page went away) fails, as if unanswered. */
static void ck_match_answers(const struct ck_req *reqs, struct ck_req *answers, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct ck_req *q = &reqs[i];
		struct ck_req *a = &answers[i];

		if (a->device != q->device || a->op != q->op || a->len != q->len ||
		    a->gpa != q->gpa || a->disk_off != q->disk_off)
			a->status = -1;
	}
}

/* ---- the batch in flight (ck.h, struct ck_async) ---- */

/* CKB_IO_ASYNC, in the guest loop: the batch to the completion thread; the
 * guest goes on (ring_post gave it its result). */
static void ck_async_post(struct ck_file *f)
{
	struct ck_async *a = &f->async;

	a->n = ckb_reqs(f->g, a->reqs);
	smp_store_release(&a->state, CK_ASYNC_POSTED); /* reqs before the state */
	wake_up_interruptible(&a->serve_wq);
}

static bool ck_async_answered(struct ck_file *f)
{
	return smp_load_acquire(&f->async.state) == CK_ASYNC_ANSWERED;
}

/* The completion thread's answers, between two steps (or at a RUN's start):
 * cons moves and HCEV_RING is raised, its upcall before the guest's next
 * instruction (bridge.c's resume); a POST that waited behind the batch is
 * made now. What that POST says (CKB_RESUME if none waited). */
static int ck_async_complete(struct ck_file *f)
{
	struct ck_async *a = &f->async;

	ck_match_answers(a->reqs, a->answers, a->n);
	ckb_reqs_done(f->g, a->answers);
	smp_store_release(&a->state, CK_ASYNC_IDLE);
	if (!a->post_waits)
		return CKB_RESUME;
	a->post_waits = false;
	return ckb_post_again(f->g);
}

/* The guest is over: a SERVE that sleeps, or comes later, says ESRCH. */
static void ck_async_end(struct ck_file *f)
{
	WRITE_ONCE(f->async.ended, true);
	wake_up_interruptible(&f->async.serve_wq);
}

/* The slice's length in TSC ticks (tsc_khz is ticks per millisecond; SETUP
 * refused a host without it): CK_SLICE_TICKS of the host's ticks, and never
 * under CK_SLICE_MIN_MS (ck.h says why). */
static u64 ck_slice_tsc(void)
{
	u64 ms = max_t(u64, CK_SLICE_MIN_MS, CK_SLICE_TICKS * jiffies_to_msecs(1));

	return (u64)tsc_khz * ms;
}

/* The guest loop: run for at most a slice, until the guest needs the runner,
 * ends, or the text buffer nearly fills. A pending signal or the scheduler
 * (need_resched: another task is due, which the host's tick or a wake-up
 * decides) end the slice at once, the clock after ck_slice_tsc (CK_EXIT_SLICE):
 * RUN has still done all of its work. */
static void ck_run_slice(struct ck_file *f, struct ck_run *r)
{
	u64 slice_end;
	int how, ready;
	bool mapped;

	r->exit = CK_EXIT_SLICE;
	/* The slice on the TSC: one RDTSC a step, against a clock read a step. */
	slice_end = rdtsc() + ck_slice_tsc();
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
		ck_async_end(f);
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
	rcu_assign_pointer(f->async.runner, current); /* SERVE's answers kick this CPU */
	for (;;) {
		if (f->out_used >= CK_TEXT_WINDOW) { /* a step adds less than the reserve */
			r->exit = CK_EXIT_OUTPUT;
			break;
		}
		if (signal_pending(current) || need_resched() || rdtsc() > slice_end)
			break;
		/* One load a step: the thread's answers, taken as soon as they are in. */
		how = ck_async_answered(f) ? ck_async_complete(f) : ckb_step(f->g);
		if (how == CKB_RESUME)
			continue;
		if (how == CKB_IO_ASYNC) {
			ck_async_post(f);
			continue;
		}
		if (how == CKB_BUSY) { /* RUN sleeps for the answers, preemption on */
			f->async.post_waits = true;
			f->state = CK_BUSY;
			break;
		}
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
			ck_async_end(f);
		}
		break;
	}
	RCU_INIT_POINTER(f->async.runner, NULL);
	kernel_fpu_end();
	__this_cpu_write(ck_running, NULL);
	preempt_enable();
}

/* All or nothing: the input and the answers are copied in and every output
 * pinned before anything changes; then the last batch is completed with the
 * answers copied in by this very call, the guest runs, and the results are
 * written where nothing can fail. A call that fails has changed nothing. */
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
		if (r.net_ready)
			ckb_net_ready(f->g);
		if (f->state == CK_IO) {
			ck_match_answers(f->reqs, f->answers, f->nreqs);
			ckb_reqs_done(f->g, f->answers);
		} else if (f->state == CK_WAIT) {
			/* Answers that came during the wait first: it then ends
			 * as HC_WAIT_UPCALL (HCEV_RING). No POST waits here. */
			if (ck_async_answered(f))
				ck_async_complete(f);
			ckb_wait_done(f->g);
		} else if (f->state == CK_BUSY && !ck_async_answered(f)) {
			/* The guest's POST waits behind the batch in flight:
			 * sleep for the answers (at most a wait's bound, or
			 * until a signal), with nothing else to do. */
			wait_event_interruptible_timeout(f->async.answer_wq, ck_async_answered(f),
							 nsecs_to_jiffies(CK_WAIT_MAX_NS));
		}
		if (f->state == CK_BUSY && !ck_async_answered(f)) {
			r.exit = CK_EXIT_SLICE; /* still waiting: RUN again */
		} else {
			f->state = CK_READY; /* a waiting POST is made at the slice's first step */
			ck_run_slice(f, &r);
		}
	}
	if (f->state == CK_IO && r.exit == CK_EXIT_IO) {
		f->nreqs = r.nreqs = ckb_reqs(f->g, f->reqs);
		ck_ubuf_write(&f->ubuf[CK_UBUF_REQS], 0, f->reqs, r.nreqs * sizeof(*f->reqs));
	}
	r.switches = ckb_switches(f->g);
	r.net_wanted = ckb_net_wanted(f->g);
	r.out_written = ck_text_out(f);
	ck_ubuf_write(&f->ubuf[CK_UBUF_ARG], 0, &r, sizeof(r));
out: /* the pins stay for the next RUN (ubuf.c) */
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

/* The completion thread's call (proto/linux_ioctl.h, SERVE). Not under the
 * file's mutex, which a RUN holds while the guest runs: serve_lock keeps one
 * SERVE at a time, and struct ck_async's states say who may touch what. Its
 * user copies may fault and take the mmap lock, which nothing here holds
 * against them (ck_mmap takes neither lock). */
static long ck_serve(struct ck_file *f, struct ck_serve __user *uarg)
{
	struct ck_async *a = &f->async;
	struct task_struct *t;
	struct ck_serve s;
	long err;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (!smp_load_acquire(&f->mappable) || !a->on)
		return -ENXIO;
	if (mutex_lock_interruptible(&a->serve_lock))
		return -EINTR;
	err = -ESRCH;
	if (READ_ONCE(a->ended))
		goto out;
	err = -EINVAL;
	if (smp_load_acquire(&a->state) == CK_ASYNC_TAKEN) {
		if (s.nanswers != a->n && s.nanswers != 0)
			goto out;
		if (s.nanswers) {
			err = -EFAULT;
			if (copy_from_user(a->answers, u64_to_user_ptr(s.reqs_ptr),
					   a->n * sizeof(*a->answers)))
				goto out;
			/* answers before the state */
			smp_store_release(&a->state, CK_ASYNC_ANSWERED);
			wake_up_interruptible(&a->answer_wq); /* a RUN in CK_BUSY, poll */
			/* A runner in the guest: kick_process's IPI is a host
			 * interrupt, whose exit brings the guest loop to the
			 * answers at once. The task outlives RCU's read side. */
			rcu_read_lock();
			t = rcu_dereference(a->runner);
			if (t)
				kick_process(t);
			rcu_read_unlock();
		}
	} else if (s.nanswers) {
		goto out;
	}
	err = wait_event_interruptible(a->serve_wq, smp_load_acquire(&a->state) ==
				       CK_ASYNC_POSTED || READ_ONCE(a->ended));
	if (err) {
		err = -EINTR;
		goto out;
	}
	err = -ESRCH;
	if (READ_ONCE(a->ended))
		goto out;
	/* Out before the state moves: a copy that fails leaves the batch for
	 * the next SERVE. */
	err = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(s.reqs_ptr), a->reqs, a->n * sizeof(*a->reqs)) ||
	    put_user(a->n, &uarg->nreqs))
		goto out;
	smp_store_release(&a->state, CK_ASYNC_TAKEN);
	err = 0;
out:
	mutex_unlock(&a->serve_lock);
	return err;
}

static __poll_t ck_poll(struct file *file, poll_table *wait)
{
	struct ck_file *f = file->private_data;

	poll_wait(file, &f->async.answer_wq, wait);
	return ck_async_answered(f) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* The ioctls are serialised by the file's mutex and hold it across their
 * user copies (a copy may fault and take the mmap lock); mmap, which the
 * kernel calls with the mmap lock held, never takes it (ck_mmap). */
static long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ck_file *f = file->private_data;
	long err;

	if (cmd == CK_IOC_SERVE) /* beside a RUN: not under the file's mutex */
		return ck_serve(f, (struct ck_serve __user *)arg);
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
	.poll = ck_poll,
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
