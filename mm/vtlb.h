/* The virtual TLB: the guest writes ordinary x86-64 4-level page tables in its
 * own pool pages (frames are gpa), and the CPU never walks them. It walks
 * shadow tables the monitor builds from them on demand, one translation at a
 * time, as a TLB caches them (SDM Vol.3 4.10): a #PF the shadow cannot
 * explain is filled from the guest's tables if they allow the access (the
 * guest never sees it), or becomes the guest's own #PF with the error code
 * hardware would give. Translations are dropped where a TLB's would be: a
 * CR3 load without NOFLUSH (its PCID's non-global ones), INVLPG, INVPCID.
 * Accessed and dirty bits are set in the guest's entries as the CPU sets
 * them (SDM Vol.3 4.8). Pure C over mm_host and the pool: `make check` tests
 * it on the build machine. */
#ifndef MM_VTLB_H
#define MM_VTLB_H

#include <stdint.h>
#include "mm_host.h"
#include "pool.h"

#define VTLB_CONTEXTS 8       /* PCIDs with a shadow tree each; the least recent goes */
#define VTLB_LOG_ENTRIES 512  /* non-global leaves a context logs between flushes */
#define VTLB_DEFAULT_PAGES 512 /* shadow table pages per guest (roots and logs apart) */
/* Enough for every translation one instruction needs at once: its code, a
 * source and a destination (movsq, push [mem], call [mem]), each across a page
 * edge, six pages, each under a PDPT, a PD and a PT of its own. Fewer, and a
 * guest that spreads them so faults on that instruction for ever, each fill
 * evicting another of its pages. */
#define VTLB_MIN_PAGES 18

/* A walk's access, and the error code of a #PF: the bits of SDM Vol.3 4.7. */
#define VTLB_ERR_P 1u    /* 0: not present; 1: a protection violation */
#define VTLB_ACC_W 2u    /* a write */
#define VTLB_ACC_U 4u    /* a user-mode access (CPL 3; not an implicit supervisor one) */
#define VTLB_ERR_RSVD 8u /* a reserved bit set, or a frame outside the pool */
#define VTLB_ACC_I 16u   /* an instruction fetch */
#define VTLB_ACC_MASK (VTLB_ACC_W | VTLB_ACC_U | VTLB_ACC_I)

/* Shadow entry bits the CPU ignores (SDM Vol.3 tables 4-15 to 4-20: bits
 * 11:9 are ignored in every entry): the vTLB's own notes. */
#define VTLB_SW_LARGE (1ull << 9)   /* non-leaf: it was filled from a guest 2M/1G page */
#define VTLB_SW_GLOBAL (1ull << 10) /* leaf: a global translation (guest G bit) */

struct vtlb_ctx {
	uint64_t *root;       /* the shadow PML4: what CR3 holds while this context runs */
	uint64_t root_ma;
	uint64_t guest_root;  /* gpa of the guest's PML4, from its last CR3 load */
	uint32_t pcid;
	int used;
	uint64_t last_use;    /* v->tick at its last CR3 load */
	uint64_t **log;       /* the non-global leaves filled since the last flush */
	uint64_t log_ma;
	uint32_t nlog;
	int log_overflow;     /* more than VTLB_LOG_ENTRIES: a flush resets the whole tree */
	uint64_t tables;      /* shadow table pages below the root */
};

struct vtlb_stats {
	uint64_t fills;       /* hidden faults: translations filled from the guest's tables */
	uint64_t faults;      /* #PFs the guest's tables explain, for the guest */
	uint64_t cr3_loads, invlpgs, flushes;
	uint64_t resets;      /* whole shadow trees dropped (a full flush, or for room) */
	uint64_t evictions;   /* of which: the budget was spent */
};

#define VTLB_HVA_CACHE 16 /* guest table pages whose host address a walk keeps */
struct vtlb_hva_cache {
	uint64_t gpa; /* ~0: empty */
	uint64_t *hva;
};

/* SDM Vol.3 4.10.3.1: a PDE cache of one entry. The last walk that reached a
 * page table keeps where that table is and what the three levels above it
 * allow, so the next walk in the same 2 MiB region reads only its leaf (the
 * retry after the guest maps a page is one). Forgotten at every CR3 load,
 * INVLPG and flush, as the paging-structure caches are (SDM Vol.3 4.10.4.1);
 * a guest that changes a present upper entry without one may see the old
 * entry used, as on hardware. */
struct vtlb_pde_cache {
	uint64_t region;              /* va >> 21; ~0: empty */
	const struct vtlb_ctx *ctx;   /* the context and guest root it was walked in */
	uint64_t guest_root;
	uint64_t table;               /* gpa of the page table */
	uint64_t rights, any;         /* the upper levels' U/W (all allow) and XD (any forbids) */
	uint64_t *entry[3];           /* the upper entries, for their accessed bits */
};

struct vtlb {
	const struct mm_host *host;
	const struct pool *pool;
	const uint64_t *monitor_root; /* the monitor's own tables: their slots are copied */
	uint64_t monitor_slots[8];    /* bitmap of PML4 slots that are the monitor's */
	uint64_t rsvd_mask;           /* bits 51:MAXPHYADDR of an entry: reserved */
	uint64_t rsvd[4][2];          /* every reserved bit, by level and PS */
	uint64_t pool_end;            /* pool_bytes: the guest's physical memory */
	struct vtlb_hva_cache hcache[VTLB_HVA_CACHE];
	int use_nx;                   /* EFER.NXE: bit 63 is XD, else reserved */
	int smep;                     /* the guest world's CR4.SMEP */
	struct vtlb_ctx ctx[VTLB_CONTEXTS];
	struct vtlb_ctx *cur;
	uint64_t free_ma;             /* free table pages, linked through their first u64 */
	uint64_t nfree, budget;
	uint64_t allocated;           /* table pages taken from the host (for the teardown) */
	uint64_t tick;
	uint64_t hot_page;            /* vtlb_cached's last writable page (~0: none) */
	char *hot_hva;                /* and where it is; forgotten at any shadow change */
	struct vtlb_pde_cache pde;
	struct vtlb_stats st;
};

/* Allocate everything (budget table pages, a root and a log per context) up
 * front, so that no fill ever asks the host for memory (Linux fills with
 * preemption off). monitor_root: the PML4 (host pointer) of the monitor's
 * own mappings (the p2m, the passage, the TSS alias): its slots, and
 * LAYOUT_MONITOR_SLOT_FIRST..LAST, are the monitor's in every shadow tree.
 * maxphyaddr: CPUID 0x80000008's. The first context runs boot_cr3 (PCID 0).
 * 0, -HCERR_INVAL (a bad boot_cr3 or budget), or -HCERR_NOMEM with nothing
 * left allocated. */
int vtlb_init(struct vtlb *v, const struct mm_host *host, const struct pool *pool,
	      const uint64_t *monitor_root, uint64_t budget_pages, int use_nx, int smep,
	      unsigned maxphyaddr, uint64_t boot_cr3);
void vtlb_destroy(struct vtlb *v);
/* The monitor's own tables changed at the top level (a TSS alias in a new
 * slot): copy its slots into every shadow root again. */
void vtlb_sync_monitor(struct vtlb *v);

/* What CR3 holds while the guest runs: the current context's shadow root. */
static inline uint64_t vtlb_root_ma(const struct vtlb *v)
{
	return v->cur->root_ma;
}

/* HC_SET_CR3 (proto/hypercall.h): 0 or -HCERR_INVAL (nothing changed). */
int vtlb_set_cr3(struct vtlb *v, uint64_t cr3);
/* HC_INVLPG; a non-canonical va does nothing. */
void vtlb_invlpg(struct vtlb *v, uint64_t va);
/* HC_FLUSH: 0 or -HCERR_INVAL. */
int vtlb_flush(struct vtlb *v, uint64_t type, uint64_t pcid, uint64_t va);

/* A #PF the CPU took in the guest world at va, with its error code. 1: the
 * shadow was filled from the guest's tables (resume the guest as it was);
 * 0: the fault is the guest's, *guest_err is its error code; -HCERR_AGAIN:
 * the fill reset the current tree for room and must be taken again. */
int vtlb_fault(struct vtlb *v, uint64_t va, unsigned hw_err, unsigned *guest_err);
/* Translate va for an access of the monitor's on the guest's behalf (the
 * frames it pushes, the bytes it reads for a report) as the CPU would,
 * setting accessed and dirty bits if set_ad; the shadow is not changed.
 * 0 and *gpa, or -1 and *err the #PF error code. */
int vtlb_translate(struct vtlb *v, uint64_t va, unsigned access, int set_ad, uint64_t *gpa,
		   unsigned *err);
/* The host pointer to va if the shadow holds a translation for it now (and a
 * writable one, for write): what the CPU would use from its TLB, so the
 * guest's A and D bits are already set. 0 otherwise: vtlb_translate. */
void *vtlb_cached(struct vtlb *v, uint64_t va, int write);
/* vtlb_cached's answer without a walk: the host pointer to [va, va + len) if
 * it lies in the last writable page it found (the page the last trap frame
 * went to, usually the stack the guest runs on), else 0. */
static inline void *vtlb_hot(const struct vtlb *v, uint64_t va, uint64_t len)
{
	uint64_t off = va & (MM_PAGE_SIZE - 1);

	if ((va & ~(MM_PAGE_SIZE - 1)) != v->hot_page || off + len > MM_PAGE_SIZE)
		return 0;
	return v->hot_hva + off;
}
/* Is va in one of the monitor's PML4 slots? */
int vtlb_monitor_va(const struct vtlb *v, uint64_t va);

#endif
