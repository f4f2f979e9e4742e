/* The host side of the request ring. The guest can write every byte of the
 * ring at any time, so the host trusts none of it: its consumer index is its
 * own (m->ring_cons, copied out to the ring for the guest to read), prod is
 * read once per POST, and each descriptor is copied to a private snapshot and
 * checked once (req_check) before any device touches it. The devices
 * themselves are loader/console.c and loader/blk.c. */
#include "monitor.h"
#include "ring.h"
#include "ring_device.h"
#include "../mm/guestmem.h"
#include "../proto/ring.h"

/* The devices, by their RING_DEV_* number. */
static const struct ring_device *const devices[] = {
	[RING_DEV_CONSOLE] = &console_device,
	[RING_DEV_BLOCK] = &blk_device,
	// LAB(device) BEGIN
	[RING_DEV_RNG] = &rng_device,
	// LAB(device) END
};
#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

static const struct ring_device *device_of(uint16_t device)
{
	return device < NDEVICES ? devices[device] : 0;
}

static uint32_t *ring_u32(const struct monitor *m, uint64_t off)
{
	return gmem_page_hva(&m->pool, m->ring_gpa + off);
}

/* The boundary: every field of a guest descriptor is checked here, once. */
static int req_check(const struct monitor *m, const struct ring_desc *d, struct ring_req *r)
{
	const struct ring_device *dev = device_of(d->device);
	int err;

	*r = (struct ring_req){ .device = d->device, .op = d->op };
	if (!dev)
		return -HCERR_NODEV;
	err = dev->check_op(m, d);
	if (err)
		return err;
	if (d->len_bytes > RING_MAX_LEN_BYTES)
		return -HCERR_2BIG;
	err = gmem_span(&m->pool, d->buf_gpa, d->len_bytes, &r->buf);
	if (err)
		return err;
	return dev->check_buf ? dev->check_buf(m, d, r) : 0;
}

void ring_setup(struct monitor *m)
{
	struct ring_hdr h = { .magic = RING_MAGIC, .nentries = RING_ENTRIES };
	struct gspan s;

	gmem_span(&m->pool, m->ring_gpa, sizeof(h), &s);
	gmem_write(&m->pool, s, &h);
	m->ring_cons = 0;
}

int64_t ring_post(struct monitor *m, int *deferred)
{
	volatile uint32_t *prod_p = ring_u32(m, __builtin_offsetof(struct ring_hdr, prod));
	uint32_t prod = *prod_p; /* once: the guest may change it under us */
	uint32_t pending = prod - m->ring_cons;
	struct ring_batch *b = &m->batch;

	*deferred = 0;
	if (pending > RING_ENTRIES)
		return -HCERR_BADRING;
	b->n = pending;
	b->ndeferred = 0;
	for (uint32_t i = 0; i < pending; i++) {
		struct ring_slot *sl = &b->slot[i];
		uint64_t slot = m->ring_gpa + RING_DESC_OFFSET +
				(uint64_t)((m->ring_cons + i) % RING_ENTRIES) * sizeof(struct ring_desc);
		const struct ring_device *dev;
		struct ring_desc d;
		struct gspan s;
		int err;

		gmem_span(&m->pool, slot, sizeof(d), &s); /* the ring is inside the pool */
		gmem_read(&m->pool, &d, s);
		*sl = (struct ring_slot){ 0 };
		err = req_check(m, &d, &sl->r);
		dev = device_of(sl->r.device);
		if (!err && m->host->defer_io && dev->host_serves && dev->host_serves(m, &sl->r)) {
			sl->deferred = 1;
			b->ndeferred++;
			continue;
		}
		if (!err)
			err = dev->serve(m, &sl->r, &sl->done);
		sl->status = err;
	}
	if (b->ndeferred) {
		*deferred = 1;
		return 0;
	}
	ring_finish(m);
	return pending;
}

void ring_finish(struct monitor *m)
{
	volatile uint32_t *cons_p = ring_u32(m, __builtin_offsetof(struct ring_hdr, cons));
	struct ring_batch *b = &m->batch;

	for (uint32_t i = 0; i < b->n; i++) {
		struct ring_slot *sl = &b->slot[i];
		uint64_t slot = m->ring_gpa + RING_DESC_OFFSET +
				(uint64_t)(m->ring_cons % RING_ENTRIES) * sizeof(struct ring_desc);
		uint32_t result[2]; /* status, done_bytes */
		struct gspan s;

		if (sl->deferred) { /* the host's word, bounded like everything else */
			const struct ring_device *dev = device_of(sl->r.device);
			int whole = dev->whole_or_failed && dev->whole_or_failed(&sl->r);

			if (sl->status != 0 || (whole && sl->done < sl->r.buf.len_bytes))
				sl->status = -HCERR_IO;
			if (sl->done > sl->r.buf.len_bytes || sl->status)
				sl->done = sl->status ? 0 : (uint32_t)sl->r.buf.len_bytes;
		}
		result[0] = (uint32_t)sl->status;
		result[1] = sl->done;
		gmem_span(&m->pool, slot + __builtin_offsetof(struct ring_desc, status),
			  sizeof(result), &s);
		gmem_write(&m->pool, s, result);
		m->requests++;
		m->ring_cons++;
		/* Status before cons: x86 keeps stores in order (SDM Vol.3 8.2.2),
		 * so only the compiler must be stopped from reordering them. */
		__asm__ volatile("" ::: "memory");
		*cons_p = m->ring_cons;
	}
	if (b->ndeferred) /* a deferred POST: its result is the count */
		hc_set_result(m, b->n);
	b->n = b->ndeferred = 0;
}
