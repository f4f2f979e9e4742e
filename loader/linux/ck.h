// SPDX-License-Identifier: GPL-2.0
/* What the files of cokernel.ko share (module.c, the file and its ioctls;
 * host.c, the host callbacks the portable core calls; ubuf.c, the user
 * buffers an ioctl writes its results to): the per-file state and its limits.
 * Private to the module: the core sees bridge.h only. */
#ifndef CK_H
#define CK_H

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
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


/* A RUN's slice, when nothing else wants the CPU (a pending signal and
 * need_resched end it at once): at least CK_SLICE_TICKS host ticks and at
 * least CK_SLICE_MIN_MS, so that most of the host's ticks land inside a slice
 * and cost only their handler and the forwarding. A slice shorter than the
 * tick (it was 2 ms against HZ=250's 4 ms) ended at every tick: the RUN
 * returned to user space and began again, 4,830 instructions a tick
 * (docs/PERFORMANCE.md, "A forwarded host tick"). */
#define CK_SLICE_MIN_MS 20
#define CK_SLICE_TICKS 4
#define CK_WAIT_MAX_NS (100 * NSEC_PER_MSEC)
#define CK_OUT_BYTES (64 * 1024)        /* text kept for the runner */
#define CK_OUT_RESERVE (12 * 1024)      /* room a step or a report may need */
/* A slice ends (CK_EXIT_OUTPUT) once this much text waits, so one RUN hands
 * out at most CK_TEXT_PIN: the runner's text buffer is pinned up to that, not
 * to its whole length (docs/PERFORMANCE.md: pinning costs per page). */
#define CK_TEXT_WINDOW (8 * 1024)
#define CK_TEXT_PIN (CK_TEXT_WINDOW + CK_OUT_RESERVE)

/* CK_BUSY: the guest's HC_POST waits behind the batch in flight; RUN sleeps
 * for the completion thread's answers before the guest runs again. */
enum ck_state { CK_NEW, CK_READY, CK_IO, CK_WAIT, CK_BUSY, CK_DONE };

/* The batch in flight (HCPOST_ASYNC, CK_SETUP_SERVE), between RUN's thread
 * and the runner's completion thread (SERVE). Each state has one owner, who
 * alone moves it on, with a release store after writing what it hands over
 * (reqs, answers) and an acquire load before reading it:
 * IDLE -RUN-> POSTED -SERVE-> TAKEN -SERVE-> ANSWERED -RUN-> IDLE. */
enum ck_async_state { CK_ASYNC_IDLE, CK_ASYNC_POSTED, CK_ASYNC_TAKEN, CK_ASYNC_ANSWERED };
struct ck_async {
	bool on;                /* SETUP said CK_SETUP_SERVE */
	int state;              /* enum ck_async_state */
	bool ended;             /* the guest is over: SERVE says ESRCH */
	bool post_waits;        /* CK_BUSY: ckb_post_again once the answers are in */
	unsigned n;             /* the batch's requests */
	struct ck_req *reqs;    /* as handed out (POSTED, TAKEN) */
	struct ck_req *answers; /* the completion thread's (ANSWERED) */
	struct mutex serve_lock; /* one SERVE at a time */
	wait_queue_head_t serve_wq;  /* SERVE sleeps for POSTED or ended */
	wait_queue_head_t answer_wq; /* RUN (CK_BUSY) and poll sleep for ANSWERED */
	struct task_struct __rcu *runner; /* RUN's task while the guest loop runs */
};

static_assert(CK_TEXT_PIN <= CK_OUT_BYTES, "a slice's text fits the module's buffer");

/* A user buffer an ioctl writes its results to, pinned (ck_ubuf_pin) and
 * kept pinned across calls while its notifier sees no change. */
#define CK_UBUF_MAX_PAGES (CK_TEXT_PIN / PAGE_SIZE + 1)
struct ck_ubuf {
	u64 uaddr;
	size_t len;
	size_t written_end; /* bytes from the start written since the pin: dirty pages */
	int npages;         /* pinned; 0: none */
	unsigned long seq;  /* the notifier's sequence when they were pinned */
	/* The range the notifier watches (notifier.mm's), while watched_pages > 0. */
	struct mmu_interval_notifier notifier;
	unsigned long watched_start;
	int watched_pages;
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
	struct ck_async async;
	char *out;         /* text not yet handed to the runner */
	size_t out_used, out_dropped;
	struct ck_ubuf ubuf[CK_NUBUFS]; /* the outputs of the ioctls, pinned until release */
};


/* host.c: the counter of pages held, the monitor's messages and memory. */
extern atomic_long_t ck_pages_held;
DECLARE_PER_CPU(struct ck_file *, ck_running); /* RUN's file on this CPU */
void ck_out(struct ck_file *f, const char *buf, size_t len);
void ck_log_write(const char *buf, size_t len);
/* Set-up and release: the core's messages go to f's text meanwhile. */
void ck_messages_lock(struct ck_file *f);
void ck_messages_unlock(void);
extern const struct ckb_env ck_env_template;

/* ubuf.c */
int ck_ubuf_pin(struct ck_ubuf *b, u64 uaddr, size_t len);
void ck_ubuf_write(struct ck_ubuf *b, size_t off, const void *src, size_t n);
void ck_ubufs_release(struct ck_file *f);
int ck_pin_arg_and_text(struct ck_file *f, void __user *uarg, size_t arg_len, u64 out_ptr,
			u64 out_len);

#endif
