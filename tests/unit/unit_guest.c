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
