/* The virtual TLB (mm/vtlb.h): the walker of the guest's tables, the shadow
 * trees filled from it, and the invalidations that drop what a TLB would. */
#include "vtlb.h"
#include "guestmem.h"
#include "pagetable.h"
#include "../proto/errors.h"
#include "../proto/hypercall.h"
#include "../proto/layout.h"

#define ENTRIES 512

/* SDM Vol.3 4.5.4 figure 4-8: bits 47:39, 38:30, 29:21, 20:12 index the four
 * levels; level 3 is the PML4, level 0 the page table. */
static unsigned idx(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & (ENTRIES - 1);
}

/* SDM Vol.1 3.3.7.1: bits 63:47 of a linear address all equal bit 47. */
static int canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

static uint64_t *hva(const struct vtlb *v, uint64_t ma)
{
	return mm_hva(v->host, ma);
}

int vtlb_monitor_va(const struct vtlb *v, uint64_t va)
{
	unsigned s = layout_slot(va);

	return (int)(v->monitor_slots[s / 64] >> (s % 64)) & 1;
}

static int monitor_slot(const struct vtlb *v, unsigned s)
{
	return (int)(v->monitor_slots[s / 64] >> (s % 64)) & 1;
}

static void reserved_masks(struct vtlb *v);

/* ---- table pages: a free list, filled once at init ---- */

static void page_free(struct vtlb *v, uint64_t ma)
{
	*hva(v, ma) = v->free_ma;
	v->free_ma = ma;
	v->nfree++;
}

/* Every table below the root, back on the free list; the root's guest slots
 * cleared. The context keeps its PCID (a full flush of it). */
static void free_level(struct vtlb *v, uint64_t *t, int level)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 1)
			free_level(v, hva(v, t[i] & PTE_ADDR_MASK), level - 1);
		page_free(v, t[i] & PTE_ADDR_MASK);
		t[i] = 0;
	}
}

/* The paging-structure cache emptied (struct vtlb_pde_cache). */
static void pde_forget(struct vtlb *v)
{
	v->pde.region = ~0ull;
}

/* Any change to a shadow tree: the one cached translation is forgotten. */
static void shadow_changed(struct vtlb *v)
{
	v->hot_page = ~0ull;
}

static void ctx_reset(struct vtlb *v, struct vtlb_ctx *c)
{
	shadow_changed(v);
	pde_forget(v);
	for (unsigned s = 0; s < ENTRIES; s++) {
		if (monitor_slot(v, s) || !(c->root[s] & PTE_P))
			continue;
		free_level(v, hva(v, c->root[s] & PTE_ADDR_MASK), 2);
		page_free(v, c->root[s] & PTE_ADDR_MASK);
		c->root[s] = 0;
	}
	c->tables = 0;
	c->nlog = 0;
	c->log_overflow = 0;
	v->st.resets++;
}

/* A zeroed table page. When none is free, the least recently loaded other
 * context gives its tree back; if only the current one holds tables, it
 * does, and the caller's walk down it is void: -HCERR_AGAIN. */
static int page_alloc(struct vtlb *v, uint64_t *ma)
{
	if (!v->free_ma) {
		struct vtlb_ctx *victim = 0;

		for (unsigned i = 0; i < VTLB_CONTEXTS; i++) {
			struct vtlb_ctx *c = &v->ctx[i];

			if (c != v->cur && c->tables && (!victim || c->last_use < victim->last_use))
				victim = c;
		}
		v->st.evictions++;
		ctx_reset(v, victim ? victim : v->cur);
		if (!victim)
			return -HCERR_AGAIN;
	}
	*ma = v->free_ma;
	v->free_ma = *hva(v, *ma);
	v->nfree--;
	__builtin_memset(hva(v, *ma), 0, MM_PAGE_SIZE);
	return 0;
}

/* ---- set-up ---- */

static void copy_monitor_slots(struct vtlb *v, struct vtlb_ctx *c)
{
	for (unsigned s = 0; s < ENTRIES; s++)
		if (monitor_slot(v, s))
			c->root[s] = v->monitor_root[s];
}

void vtlb_sync_monitor(struct vtlb *v)
{
	shadow_changed(v);
	for (unsigned s = 0; s < ENTRIES; s++) {
		int mine = (s >= LAYOUT_MONITOR_SLOT_FIRST && s <= LAYOUT_MONITOR_SLOT_LAST) ||
			   (v->monitor_root[s] & PTE_P);

		if (mine && !monitor_slot(v, s)) {
			/* A slot the monitor newly took: whatever the guest had
			 * filled there is dropped first. */
			for (unsigned i = 0; i < VTLB_CONTEXTS; i++)
				if (v->ctx[i].root && (v->ctx[i].root[s] & PTE_P))
					ctx_reset(v, &v->ctx[i]);
			v->monitor_slots[s / 64] |= 1ull << (s % 64);
		}
	}
	for (unsigned i = 0; i < VTLB_CONTEXTS; i++)
		if (v->ctx[i].root)
			copy_monitor_slots(v, &v->ctx[i]);
}

void vtlb_destroy(struct vtlb *v)
{
	if (!v->host)
		return;
	for (unsigned i = 0; i < VTLB_CONTEXTS; i++) {
		struct vtlb_ctx *c = &v->ctx[i];

		if (c->root) {
			ctx_reset(v, c);
			v->host->free_pages(v->host->ctx, c->root_ma, 1);
		}
		if (c->log)
			v->host->free_pages(v->host->ctx, c->log_ma, 1);
		c->root = 0;
		c->log = 0;
	}
	while (v->free_ma) {
		uint64_t ma = v->free_ma;

		v->free_ma = *hva(v, ma);
		v->host->free_pages(v->host->ctx, ma, 1);
	}
	v->host = 0;
}

static int alloc_zeroed(struct vtlb *v, uint64_t *ma, void **p)
{
	if (v->host->alloc_pages(v->host->ctx, 1, ma) != 0)
		return -HCERR_NOMEM;
	*p = hva(v, *ma);
	__builtin_memset(*p, 0, MM_PAGE_SIZE);
	return 0;
}

int vtlb_init(struct vtlb *v, const struct mm_host *host, const struct pool *pool,
	      const uint64_t *monitor_root, uint64_t budget_pages, int use_nx, int smep,
	      unsigned maxphyaddr, uint64_t boot_cr3)
{
	int err = 0;

	*v = (struct vtlb){ .host = host, .pool = pool, .monitor_root = monitor_root,
			    .use_nx = use_nx, .smep = smep, .budget = budget_pages,
			    .hot_page = ~0ull, .pde = { .region = ~0ull } };
	if (budget_pages < VTLB_MIN_PAGES || maxphyaddr < 32 || maxphyaddr > 52)
		return -HCERR_INVAL;
	/* SDM Vol.3 4.5.4: bits 51:MAXPHYADDR of an entry are reserved. */
	v->rsvd_mask = (((1ull << 52) - 1) & ~((1ull << maxphyaddr) - 1));
	v->pool_end = pool_bytes(pool);
	reserved_masks(v);
	for (unsigned i = 0; i < VTLB_HVA_CACHE; i++)
		v->hcache[i].gpa = ~0ull;
	for (unsigned i = 0; !err && i < VTLB_CONTEXTS; i++) {
		void *p;

		err = alloc_zeroed(v, &v->ctx[i].root_ma, &p);
		if (!err) {
			v->ctx[i].root = p;
			err = alloc_zeroed(v, &v->ctx[i].log_ma, &p);
			if (!err)
				v->ctx[i].log = p;
		}
	}
	for (uint64_t n = 0; !err && n < budget_pages; n++) {
		uint64_t ma;

		err = host->alloc_pages(host->ctx, 1, &ma) ? -HCERR_NOMEM : 0;
		if (!err) {
			page_free(v, ma);
			v->allocated++;
		}
	}
	if (!err) {
		vtlb_sync_monitor(v);
		v->cur = &v->ctx[0];
		err = vtlb_set_cr3(v, boot_cr3);
	}
	if (err)
		vtlb_destroy(v);
	return err;
}

/* ---- the guest's tables ---- */

/* What a walk found: the 4 KiB frame holding va, the effective rights, and
 * the guest's entries it used (for the accessed and dirty bits). */
struct walk {
	uint64_t frame_gpa;
	uint64_t *entry[4];
	int nentries;
	int page_level; /* 0: a 4 KiB page, 1: 2 MiB, 2: 1 GiB */
	int user, write, nx, global, dirty;
};

/* SDM Vol.3 4.5.4 tables 4-15 to 4-20 and 4.7: the reserved bits of a present
 * entry at each level, without and with PS (bit 7), worked out once. 1 GiB
 * pages are always supported (the monitor maps them in 4 KiB pieces,
 * whatever CPUID says). */
static void reserved_masks(struct vtlb *v)
{
	uint64_t base = v->rsvd_mask | (v->use_nx ? 0 : PTE_NX);

	for (int level = 0; level < 4; level++)
		v->rsvd[level][0] = v->rsvd[level][1] = base;
	v->rsvd[3][1] |= PTE_PS;           /* PS in a PML4 entry */
	v->rsvd[2][1] |= 0x3fffe000ull;    /* a 1 GiB page: bits 29:13 */
	v->rsvd[1][1] |= 0x1fe000ull;      /* a 2 MiB page: bits 20:13 */
}

/* The host pointer to the guest's table page at gpa `table` (inside the
 * pool). The pool never moves while the guest lives, so the last few
 * answers are kept: a walk's tables are mostly the same pages. */
static uint64_t *guest_table(struct vtlb *v, uint64_t table)
{
	struct vtlb_hva_cache *c = &v->hcache[(table >> MM_PAGE_SHIFT) % VTLB_HVA_CACHE];

	if (c->gpa != table) {
		c->gpa = table;
		c->hva = gmem_page_hva(v->pool, table);
	}
	return c->hva;
}

/* Walk the guest's tables for va as the MMU would for `acc` (SDM Vol.3 4.5,
 * 4.6): 0 and *w, or -1 and *err the #PF error code. */
static int walk(struct vtlb *v, uint64_t root, uint64_t va, unsigned acc, struct walk *w,
		unsigned *err)
{
	uint64_t table = root, pool_end = v->pool_end, rights = PTE_U | PTE_W, any = 0, e = 0;
	struct vtlb_pde_cache *pc = &v->pde;
	unsigned f = acc & VTLB_ACC_MASK;
	int level = 3;
#define FAULT(bits) (*err = f | (bits), -1)

	w->nentries = 0;
	if (pc->region == va >> 21 && pc->ctx == v->cur && pc->guest_root == root) {
		w->entry[0] = pc->entry[0], w->entry[1] = pc->entry[1], w->entry[2] = pc->entry[2];
		w->nentries = 3;
		rights = pc->rights, any = pc->any, table = pc->table;
		level = 0;
	}
	for (;; level--) {
		uint64_t *ep = guest_table(v, table) + idx(va, level);

		e = *ep;
		if (!(e & PTE_P))
			return FAULT(0); /* not present: P = 0 */
		if (e & v->rsvd[level][(e >> 7) & 1])
			return FAULT(VTLB_ERR_P | VTLB_ERR_RSVD);
		w->entry[w->nentries++] = ep;
		rights &= e; /* U and W: every level must allow (SDM Vol.3 4.6.1) */
		any |= e;    /* XD: any level forbids */
		if (level == 0 || (e & PTE_PS))
			break;
		table = e & PTE_ADDR_MASK;
		if (table >= pool_end) /* a table outside the guest's memory */
			return FAULT(VTLB_ERR_P | VTLB_ERR_RSVD);
		if (level == 1) /* the PDE cache, whatever the leaf holds (SDM Vol.3 4.10.3.1) */
			*pc = (struct vtlb_pde_cache){ .region = va >> 21, .ctx = v->cur,
						       .guest_root = root, .table = table,
						       .rights = rights, .any = any,
						       .entry = { w->entry[0], w->entry[1], w->entry[2] } };
	}
	{
		uint64_t size = 1ull << (12 + 9 * level);

		w->frame_gpa = (e & PTE_ADDR_MASK & ~(size - 1)) + (va & (size - 1) & ~(MM_PAGE_SIZE - 1));
	}
	if (w->frame_gpa >= pool_end) /* a page outside the guest's memory */
		return FAULT(VTLB_ERR_P | VTLB_ERR_RSVD);
	w->page_level = level;
	w->global = (e & PTE_G) != 0;
	w->dirty = (e & PTE_D) != 0;
	w->user = (rights & PTE_U) != 0;
	w->write = (rights & PTE_W) != 0;
	w->nx = v->use_nx && (any & PTE_NX);
	/* SDM Vol.3 4.6.1: the access rights. Supervisor writes honour R/W
	 * (CR0.WP is 1 in the guest world); SMAP is off there; SMEP forbids
	 * supervisor fetches from user pages. */
	if ((acc & VTLB_ACC_U) && !w->user)
		return FAULT(VTLB_ERR_P);
	if ((acc & VTLB_ACC_W) && !w->write)
		return FAULT(VTLB_ERR_P);
	if ((acc & VTLB_ACC_I) && (w->nx || (!(acc & VTLB_ACC_U) && v->smep && w->user)))
		return FAULT(VTLB_ERR_P);
	return 0;
#undef FAULT
}

/* SDM Vol.3 4.8: the accessed flag of every entry used, the dirty flag of
 * the leaf for a write. */
static void set_ad(struct walk *w, unsigned acc)
{
	for (int i = 0; i < w->nentries; i++)
		*w->entry[i] |= PTE_A;
	if (acc & VTLB_ACC_W) {
		*w->entry[w->nentries - 1] |= PTE_D;
		w->dirty = 1;
	}
}

int vtlb_translate(struct vtlb *v, uint64_t va, unsigned access, int ad, uint64_t *gpa,
		   unsigned *err)
{
	struct walk w;

	if (!canonical(va) || vtlb_monitor_va(v, va)) {
		*err = (access & VTLB_ACC_MASK) | VTLB_ERR_P;
		return -1;
	}
	if (walk(v, v->cur->guest_root, va, access, &w, err))
		return -1;
	if (ad)
		set_ad(&w, access);
	*gpa = w.frame_gpa + (va & (MM_PAGE_SIZE - 1));
	return 0;
}

/* ---- the shadow ---- */

/* The hot path of upcalls and exceptions (their frame's page): four loads
 * through the shadow, the levels unrolled, the host's linear map added
 * inline. */
void *vtlb_cached(struct vtlb *v, uint64_t va, int write)
{
	uint64_t off = v->host->linear_offset, e, page = va & ~(MM_PAGE_SIZE - 1);
	const uint64_t *t;
	char *p;

	if (page == v->hot_page && write) /* the last frame's page, still writable */
		return v->hot_hva + (va & (MM_PAGE_SIZE - 1));
	if (!v->host->linear || !canonical(va))
		return 0;
	e = v->cur->root[va >> 39 & 511];
	if (!(e & PTE_P))
		return 0;
	t = (const uint64_t *)((e & PTE_ADDR_MASK) + off);
	e = t[va >> 30 & 511];
	if (!(e & PTE_P))
		return 0;
	t = (const uint64_t *)((e & PTE_ADDR_MASK) + off);
	e = t[va >> 21 & 511];
	if (!(e & PTE_P))
		return 0;
	t = (const uint64_t *)((e & PTE_ADDR_MASK) + off);
	e = t[va >> 12 & 511];
	if (!(e & PTE_P) || (write && !(e & PTE_W)))
		return 0;
	p = (char *)((e & PTE_ADDR_MASK) + off);
	if (e & PTE_W) {
		v->hot_page = page;
		v->hot_hva = p;
	}
	return p + (va & (MM_PAGE_SIZE - 1));
}

static void log_leaf(struct vtlb_ctx *c, uint64_t *leaf)
{
	if (c->nlog < VTLB_LOG_ENTRIES)
		c->log[c->nlog++] = leaf;
	else
		c->log_overflow = 1;
}

/* The shadow leaf of a walk: the machine page, the guest's rights (writable
 * only once the guest's dirty bit is set, so that the first write comes back
 * to set it), accessed and dirty preset so the CPU never writes them here. */
static uint64_t shadow_leaf(const struct vtlb *v, const struct walk *w)
{
	uint64_t e = pool_page_ma(v->pool, w->frame_gpa >> MM_PAGE_SHIFT) | PTE_P | PTE_A | PTE_D;

	if (w->user)
		e |= PTE_U;
	if (w->write && w->dirty)
		e |= PTE_W;
	if (w->nx)
		e |= PTE_NX;
	if (w->global)
		e |= VTLB_SW_GLOBAL;
	return e;
}

static int fill(struct vtlb *v, uint64_t va, const struct walk *w)
{
	struct vtlb_ctx *c = v->cur;
	uint64_t *t = c->root;

	/* A fill adds a translation or rewrites this page's: only the cached
	 * one of this very page can become wrong (a tree emptied for room goes
	 * through ctx_reset, which forgets it too). */
	if ((va & ~(MM_PAGE_SIZE - 1)) == v->hot_page)
		shadow_changed(v);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[idx(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t ma;
			int err = page_alloc(v, &ma);

			if (err)
				return err;
			/* Upper levels allow everything; the leaf decides (SDM 4.6). */
			*e = ma | PTE_P | PTE_W | PTE_U | PTE_A;
			c->tables++;
		}
		if (w->page_level == level)
			*e |= VTLB_SW_LARGE;
		t = hva(v, *e & PTE_ADDR_MASK);
	}
	t += idx(va, 0);
	*t = shadow_leaf(v, w);
	if (!w->global)
		log_leaf(c, t);
	v->st.fills++;
	return 0;
}

int vtlb_fault(struct vtlb *v, uint64_t va, unsigned hw_err, unsigned *guest_err)
{
	unsigned acc = hw_err & VTLB_ACC_MASK;
	struct walk w;
	int err;

	/* A #PF's address is canonical (anything else is a #GP, SDM Vol.1
	 * 3.3.7.1); a caller that passes another gets a fault, never a fill. */
	if (!canonical(va) || vtlb_monitor_va(v, va)) { /* the monitor's own page: as it is */
		*guest_err = hw_err & (VTLB_ACC_MASK | VTLB_ERR_P);
		v->st.faults++;
		return 0;
	}
	if (walk(v, v->cur->guest_root, va, acc, &w, guest_err)) {
		v->st.faults++;
		return 0;
	}
	set_ad(&w, acc); /* first: a write's leaf is dirty, so the shadow is writable */
	err = fill(v, va, &w);
	return err ? err : 1;
}

/* ---- invalidation ---- */

/* Which translations an invalidation takes. */
enum drop_what { DROP_ALL, DROP_GLOBAL, DROP_NONGLOBAL };

static int dropped(uint64_t leaf, enum drop_what what)
{
	return what == DROP_ALL || ((leaf & VTLB_SW_GLOBAL) != 0) == (what == DROP_GLOBAL);
}

/* Drop the chosen leaves of one page table. */
static void clear_table(uint64_t *pt, enum drop_what what)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (dropped(pt[i], what))
			pt[i] = 0;
}

/* Drop the translation of va in context c, if it is of the kind asked; a
 * page filled from a large guest page takes the whole large page along. */
static void drop(struct vtlb *v, struct vtlb_ctx *c, uint64_t va, enum drop_what what)
{
	uint64_t *t = c->root, e;

	shadow_changed(v);
	if (!c->used)
		return;
	e = t[idx(va, 3)];
	if (!(e & PTE_P))
		return;
	t = hva(v, e & PTE_ADDR_MASK);
	e = t[idx(va, 2)];
	if (!(e & PTE_P))
		return;
	t = hva(v, e & PTE_ADDR_MASK);
	if (e & VTLB_SW_LARGE) { /* a 1 GiB page: every page table below */
		for (unsigned i = 0; i < ENTRIES; i++)
			if (t[i] & PTE_P)
				clear_table(hva(v, t[i] & PTE_ADDR_MASK), what);
		return;
	}
	e = t[idx(va, 1)];
	if (!(e & PTE_P))
		return;
	t = hva(v, e & PTE_ADDR_MASK);
	if (e & VTLB_SW_LARGE)
		clear_table(t, what);
	else if (dropped(t[idx(va, 0)], what))
		t[idx(va, 0)] = 0;
}

/* SDM Vol.3 4.10.4.1: a CR3 load (or INVPCID type 1 or 3) drops the PCID's
 * non-global translations: the logged ones, or the whole tree if the log ran
 * over (a TLB may drop any translation at any time). */
static void flush_nonglobal(struct vtlb *v, struct vtlb_ctx *c)
{
	shadow_changed(v);
	if (c->log_overflow) {
		ctx_reset(v, c);
		return;
	}
	for (uint32_t i = 0; i < c->nlog; i++)
		if (!(*c->log[i] & VTLB_SW_GLOBAL))
			*c->log[i] = 0;
	c->nlog = 0;
}

static struct vtlb_ctx *find_ctx(struct vtlb *v, uint64_t pcid)
{
	for (unsigned i = 0; i < VTLB_CONTEXTS; i++)
		if (v->ctx[i].used && v->ctx[i].pcid == pcid)
			return &v->ctx[i];
	return 0;
}

int vtlb_set_cr3(struct vtlb *v, uint64_t cr3)
{
	uint64_t root = cr3 & HC_CR3_ADDR_MASK, pcid = cr3 & HC_CR3_PCID_MASK;
	struct vtlb_ctx *c;

	if ((cr3 & ~(HC_CR3_ADDR_MASK | HC_CR3_PCID_MASK | HC_CR3_NOFLUSH)) ||
	    root + MM_PAGE_SIZE > pool_bytes(v->pool))
		return -HCERR_INVAL;
	c = find_ctx(v, pcid);
	if (!c) { /* a PCID the TLB holds nothing for: a free or the oldest context */
		for (unsigned i = 0; i < VTLB_CONTEXTS; i++) {
			struct vtlb_ctx *x = &v->ctx[i];

			if (!x->used) {
				c = x;
				break;
			}
			if (!c || x->last_use < c->last_use)
				c = x;
		}
		if (c->used)
			ctx_reset(v, c);
		c->used = 1;
		c->pcid = (uint32_t)pcid;
	} else if (!(cr3 & HC_CR3_NOFLUSH)) {
		flush_nonglobal(v, c);
	}
	c->guest_root = root;
	c->last_use = ++v->tick;
	v->cur = c;
	shadow_changed(v);
	pde_forget(v);
	v->st.cr3_loads++;
	return 0;
}

void vtlb_invlpg(struct vtlb *v, uint64_t va)
{
	v->st.invlpgs++;
	pde_forget(v); /* SDM Vol.2 INVLPG: all of the PCID's paging-structure caches */
	if (!canonical(va) || vtlb_monitor_va(v, va)) /* SDM Vol.2 INVLPG: a NOP */
		return;
	for (unsigned i = 0; i < VTLB_CONTEXTS; i++)
		drop(v, &v->ctx[i], va, &v->ctx[i] == v->cur ? DROP_ALL : DROP_GLOBAL);
}

int vtlb_flush(struct vtlb *v, uint64_t type, uint64_t pcid, uint64_t va)
{
	struct vtlb_ctx *c;

	if (type > HC_FLUSH_ALL_NONGLOBAL || pcid > HC_CR3_PCID_MASK ||
	    (type == HC_FLUSH_ADDR && !canonical(va)))
		return -HCERR_INVAL;
	v->st.flushes++;
	pde_forget(v);
	switch (type) {
	case HC_FLUSH_ADDR: /* SDM Vol.2 INVPCID type 0: global translations stay */
		c = find_ctx(v, pcid);
		if (c && !vtlb_monitor_va(v, va))
			drop(v, c, va, DROP_NONGLOBAL);
		break;
	case HC_FLUSH_PCID:
		c = find_ctx(v, pcid);
		if (c)
			flush_nonglobal(v, c);
		break;
	case HC_FLUSH_ALL:
		for (unsigned i = 0; i < VTLB_CONTEXTS; i++)
			if (v->ctx[i].used)
				ctx_reset(v, &v->ctx[i]);
		break;
	default:
		for (unsigned i = 0; i < VTLB_CONTEXTS; i++)
			if (v->ctx[i].used)
				flush_nonglobal(v, &v->ctx[i]);
		break;
	}
	return 0;
}
