/* The guest's ring driver (guest/ring.h). Ordering: descriptors are written
 * before prod, and the host writes status before cons. On x86 stores stay in
 * program order (SDM Vol.3 8.2.2), so a compiler barrier is all each side
 * needs; the HC_POST itself (a CR3 write) is serializing anyway. */
#include "hypercall.h"
#include "kernel.h"
#include "ring.h"

static struct ring_hdr *hdr;
static struct ring_desc *desc;
static uint32_t prod; /* ours: the host never writes it */

struct ring_hdr *ring_header(void)
{
	return hdr;
}

void ring_init(void)
{
	hdr = gpa_to_virt(boot->ring_gpa);
	desc = (struct ring_desc *)((char *)hdr + RING_DESC_OFFSET);
	prod = hdr->prod;
}

struct ring_desc *ring_next(void)
{
	struct ring_desc *d;

	if (prod - *(volatile uint32_t *)&hdr->cons >= RING_ENTRIES)
		return 0;
	d = &desc[prod % RING_ENTRIES];
	__builtin_memset(d, 0, sizeof(*d));
	prod++;
	return d;
}

void ring_publish(void)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint32_t *)&hdr->prod = prod;
}

int64_t ring_post(void)
{
	return hypercall(HC_POST, 0, 0, 0);
}

int64_t ring_post_async(void)
{
	return hypercall(HC_POST, HCPOST_ASYNC, 0, 0);
}

int32_t ring_call(uint16_t device, uint16_t op, void *buf, uint32_t len, uint64_t offset,
		  uint32_t *done_bytes)
{
	struct ring_desc *d = ring_next();

	if (!d)
		return -HCERR_BADRING;
	*d = (struct ring_desc){ .device = device, .op = op, .len_bytes = len,
				 .buf_gpa = buf ? virt_to_gpa(buf) : 0, .offset = offset };
	ring_publish();
	ring_post();
	if (done_bytes)
		*done_bytes = d->done_bytes;
	return d->status;
}
