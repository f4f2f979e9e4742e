/* A guest for the unit tests (tests/unit/unit_guest.h). */
#include <stdlib.h>
#include <string.h>
#include "fake_host.h"
#include "unit_guest.h"
#include "../../mm/guestmem.h"
#include "../../mm/pagetable.h"
#include "../../proto/layout.h"

static uint64_t monitor_root[512]; /* the monitor's own slots: none here */
static uint8_t *passage_pages;     /* what the monitor writes of the passage */
static uint64_t next_table;

static uint64_t *entry(struct monitor *m, uint64_t table, unsigned i)
{
	return (uint64_t *)gmem_page_hva(&m->pool, table) + i;
}

static uint64_t *leaf(struct monitor *m, uint64_t gva, int make)
{
	uint64_t t = m->boot_cr3;

	for (int level = 3; level > 0; level--) {
		uint64_t *e = entry(m, t, (unsigned)(gva >> (12 + 9 * level)) & 511);

		if (!(*e & PTE_P)) {
			if (!make)
				return 0;
			*e = next_table | PTE_P | PTE_W | PTE_U;
			next_table += 4096;
		}
		t = *e & PTE_ADDR_MASK;
	}
	return entry(m, t, (unsigned)(gva >> 12) & 511);
}

void unit_guest_map(struct monitor *m, uint64_t gva, uint64_t gpa, uint64_t bits)
{
	*leaf(m, gva, 1) = gpa | bits;
}

uint64_t *unit_guest_pte(struct monitor *m, uint64_t gva)
{
	return leaf(m, gva, 0);
}

int unit_guest_memory(struct monitor *m, uint64_t npages, uint64_t ro_page)
{
	uint64_t got;
	struct gspan all;
	int err;

	memset(m, 0, sizeof(*m));
	err = pool_init(&m->pool, &fake_mm, npages + UNIT_GUEST_PT_PAGES, 0, &got);
	if (err)
		return err;
	gmem_span(&m->pool, 0, pool_bytes(&m->pool), &all);
	gmem_zero(&m->pool, all);
	m->boot_cr3 = npages * 4096;
	next_table = m->boot_cr3 + 4096;
	for (uint64_t i = 0; i < npages; i++)
		unit_guest_map(m, GUEST_DMAP_BASE + i * 4096, i * 4096,
			       PTE_P | PTE_NX | (i == ro_page ? 0 : PTE_W));
	if (!passage_pages)
		passage_pages = aligned_alloc(4096, PASSAGE_NPAGES * 4096);
	memset(passage_pages, 0, PASSAGE_NPAGES * 4096);
	m->ps.hva = (uint64_t)passage_pages;
	m->ps.world = (struct passage_world *)(passage_pages + PASSAGE_PAGE_WORLD * 4096);
	return vtlb_init(&m->vtlb, &fake_mm, &m->pool, monitor_root, 64, 1, 1, 40, m->boot_cr3);
}

void unit_guest_free(struct monitor *m)
{
	vtlb_destroy(&m->vtlb);
	pool_destroy(&m->pool);
}

uint64_t unit_clock_ns;

static uint64_t clock_read(void *ctx)
{
	(void)ctx;
	return unit_clock_ns;
}

static struct host_ops clock_host = { .name = "test", .time_ns = clock_read };

int unit_guest_setup(struct monitor *m, struct passage_guest *regs, uint64_t npages)
{
	int err;

	fake_reset();
	memset(regs, 0, sizeof(*regs));
	regs->cs = HCABI_GUEST_CS;
	err = unit_guest_memory(m, npages, UNIT_GUEST_NO_RO_PAGE);
	clock_host.mm = fake_mm;
	m->host = &clock_host;
	m->ps.guest = regs;
	return err;
}
