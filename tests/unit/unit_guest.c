/* A guest's memory for the unit tests (tests/unit/unit_guest.h). */
#include <string.h>
#include "fake_host.h"
#include "unit_guest.h"
#include "../../mm/guestmem.h"
#include "../../proto/layout.h"

int unit_guest_memory(struct monitor *m, uint64_t npages, uint64_t ro_page)
{
	uint64_t got;
	struct gspan all;
	int err;

	memset(m, 0, sizeof(*m));
	err = pool_init(&m->pool, &fake_mm, npages, 0, &got);
	if (err)
		return err;
	gmem_span(&m->pool, 0, npages * 4096, &all);
	gmem_zero(&m->pool, all);
	err = pt_init(&m->pt, &fake_mm, 1);
	for (uint64_t i = 0; !err && i < npages; i++)
		err = pt_map(&m->pt, GUEST_DMAP_BASE + i * 4096, pool_page_ma(&m->pool, i),
			     i == ro_page ? 0 : PT_WRITE);
	return err;
}

void unit_guest_free(struct monitor *m)
{
	pt_destroy(&m->pt);
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
	err = unit_guest_memory(m, npages, UNIT_GUEST_NO_RO_PAGE);
	clock_host.mm = fake_mm;
	m->host = &clock_host;
	m->ps.guest = regs;
	return err;
}
