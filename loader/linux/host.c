// SPDX-License-Identifier: GPL-2.0
/* cokernel.ko's host callbacks: what the portable core (bridge.h) asks of
 * Linux. Its messages go to the text of the file whose guest is being worked
 * on; its memory (the pool, the tables) comes from alloc_pages; the passage
 * is mapped at one vmalloc address, W^X. module.c is the file that uses them. */
#include "ck.h"

/* Pages of ours the kernel has not got back (module.c shows it to the tests). */
atomic_long_t ck_pages_held = ATOMIC_LONG_INIT(0);

/* ---- the monitor's messages: to the file whose guest is being worked on ----
 * RUN's guest loop has preemption off, so a per-CPU pointer names its file;
 * set-up and release run under ck_setup_lock, which names theirs. */
DEFINE_PER_CPU(struct ck_file *, ck_running);
static DEFINE_MUTEX(ck_setup_lock);
static struct ck_file *ck_locked;

void ck_out(struct ck_file *f, const char *buf, size_t len)
{
	size_t n = min(len, (size_t)CK_OUT_BYTES - f->out_used);

	memcpy(f->out + f->out_used, buf, n);
	f->out_used += n;
	f->out_dropped += len - n;
}

void ck_log_write(const char *buf, size_t len)
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

void ck_messages_lock(struct ck_file *f)
{
	mutex_lock(&ck_setup_lock);
	WRITE_ONCE(ck_locked, f);
}

void ck_messages_unlock(void)
{
	WRITE_ONCE(ck_locked, NULL);
	mutex_unlock(&ck_setup_lock);
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

/* The callbacks above, for ckb_start (module.c adds the file and the clock). */
const struct ckb_env ck_env_template = {
	.alloc_pages = ck_alloc_pages, .free_pages = ck_free_pages,
	.ma_to_hva = ck_ma_to_hva, .alloc_passage = ck_alloc_passage,
	.free_passage = ck_free_passage, .seal_passage = ck_seal_passage,
	.pages_zeroed = 1, /* ck_alloc_pages asks for __GFP_ZERO */
};
