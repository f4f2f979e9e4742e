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
#include "../proto/vintr.h"

/* The devices, by their RING_DEV_* number. */
static const struct ring_device *const devices[] = {
	[RING_DEV_CONSOLE] = &console_device,
	[RING_DEV_BLOCK] = &blk_device,
	// LAB(device) BEGIN
	[RING_DEV_RNG] = &rng_device,
	// LAB(device) END
	[RING_DEV_NET] = &net_device,
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
	m->ring_cons = m->ring_owed_end = 0;
}

/* Descriptor cons + i, copied out of the ring and checked (req_check's result). */
static int ring_snapshot(struct monitor *m, uint32_t i, struct ring_req *r)
{
	uint64_t slot = m->ring_gpa + RING_DESC_OFFSET +
			(uint64_t)((m->ring_cons + i) % RING_ENTRIES) * sizeof(struct ring_desc);
	struct ring_desc d;
	struct gspan s;

	gmem_span(&m->pool, slot, sizeof(d), &s); /* the ring is inside the pool */
	gmem_read(&m->pool, &d, s);
	return req_check(m, &d, r);
}

/* Snapshot, check and serve (or leave to the host) descriptors ring_cons ..
 * upto - 1 into m->batch; 1 if some wait for the host (host_ops.defer_io).
 * Each descriptor is read once and its device looked up once. A descriptor
 * the guest rewrites after this has no effect on its request: the snapshot
 * is what is served (the host's thread included). */
static int ring_take(struct monitor *m, uint32_t upto)
{
	uint32_t pending = upto - m->ring_cons;
	struct ring_batch *b = &m->batch;
	int defer = m->host->defer_io;

	b->n = pending;
	b->ndeferred = b->late = b->in_flight = 0;
	for (uint32_t i = 0; i < pending; i++) {
		struct ring_slot *sl = &b->slot[i];
		const struct ring_device *dev;
		int err;

		*sl = (struct ring_slot){ 0 };
		err = ring_snapshot(m, i, &sl->r);
		dev = device_of(sl->r.device); /* checked by req_check when err is 0 */
		if (!err && defer && dev->host_serves && dev->host_serves(m, &sl->r)) {
			sl->deferred = 1;
			b->ndeferred++;
			continue;
		}
		if (!err)
			err = dev->serve(m, &sl->r, &sl->done);
		sl->status = err;
	}
	return b->ndeferred != 0;
}

void ring_late_done(struct monitor *m)
{
	m->ring_late++;
	if (m->vcpu)
		m->vcpu->events |= HCEV_RING;
	if (!m->upcall) /* no handler to tell: HC_WAIT says it instead */
		m->ring_moved = 1;
}

void ring_complete_owed(struct monitor *m)
{
	uint32_t owed = m->ring_owed_end - m->ring_cons;

	if (!owed)
		return;
	if (m->batch.in_flight) { /* taken already: done now, or when the host answers */
		if (!m->batch.ndeferred)
			ring_finish(m);
		return;
	}
	ring_take(m, m->ring_owed_end); /* bare metal, UEFI: nothing deferred */
	m->batch.late = owed;
	ring_finish(m);
}

int64_t ring_post(struct monitor *m, uint64_t flags, int *deferred)
{
	volatile uint32_t *prod_p = ring_u32(m, __builtin_offsetof(struct ring_hdr, prod));
	struct ring_batch *b = &m->batch;
	uint32_t prod = *prod_p; /* once: the guest may change it under us */
	uint32_t pending = prod - m->ring_cons, owed = m->ring_owed_end - m->ring_cons;
	uint32_t earlier = m->ring_waited; /* an in-flight batch this POST waited for */

	*deferred = RING_DONE;
	if (flags & ~(uint64_t)HCPOST_ASYNC) /* the one check of the guest's rdi */
		return -HCERR_INVAL;
	/* prod behind what an earlier HCPOST_ASYNC left owed is as bad as too far ahead. */
	if (pending > RING_ENTRIES || prod - m->ring_owed_end > RING_ENTRIES)
		return -HCERR_BADRING;
	/* A batch the host is completing beside the guest (HCPOST_ASYNC on a
	 * host with async_io): this POST waits behind it, in ring order; the
	 * host makes it again (hc_post_again) once the batch is done, and its
	 * result counts that batch too (ring_waited). */
	if (b->in_flight && b->ndeferred) {
		m->ring_post_waits = 1;
		*deferred = RING_BUSY;
		return 0;
	}
	m->ring_waited = 0;
	if (b->in_flight) { /* taken and served at its POST: only its statuses are owed */
		ring_finish(m);
		earlier += owed;
		pending -= owed;
		owed = 0;
	}
	/* An asynchronous post on a host that does all the work itself (bare
	 * metal, UEFI): done at the host's next interrupt, or at the guest's next
	 * HC_POST or HC_WAIT (ring_complete_owed), whichever comes first, then
	 * HCEV_RING. Nothing is read now: the descriptors are taken then. */
	if ((flags & HCPOST_ASYNC) && !m->host->defer_io) {
		m->ring_owed_end = prod;
		return 0;
	}
	*deferred = ring_take(m, prod) ? RING_HOST : RING_DONE;
	b->late = owed; /* those complete after their own POST returned */
	b->earlier = earlier;
	/* An asynchronous post on a host that defers I/O (Linux): taken once,
	 * now. Work the monitor does is done; if the host's runner has a
	 * completion thread (async_io), the rest goes to it while the guest runs
	 * on (RING_ASYNC); the statuses and cons come later, all of them late.
	 * A host without one completes host work before the call returns. */
	if ((flags & HCPOST_ASYNC) && (*deferred == RING_DONE || m->host->async_io)) {
		b->in_flight = 1;
		b->late = b->n;
		m->ring_owed_end = prod;
		*deferred = *deferred == RING_HOST ? RING_ASYNC : RING_DONE;
		return earlier;
	}
	if (*deferred == RING_DONE)
		ring_finish(m);
	return *deferred == RING_DONE ? pending + earlier : 0;
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

		const struct ring_device *dev = device_of(sl->r.device);

		if (sl->deferred) { /* the host's word, bounded like everything else */
			int whole = dev->whole_or_failed && dev->whole_or_failed(&sl->r);

			/* -HCERR_AGAIN (a full transmit queue) is the one failure
			 * a host names, for a network send alone; any other is an
			 * I/O error. */
			int again = sl->status == -HCERR_AGAIN && sl->r.device == RING_DEV_NET &&
				    sl->r.op == RING_OP_NET_SEND;

			if ((sl->status != 0 && !again) ||
			    (whole && sl->done < sl->r.buf.len_bytes))
				sl->status = -HCERR_IO;
			if (sl->done > sl->r.buf.len_bytes || sl->status)
				sl->done = sl->status ? 0 : (uint32_t)sl->r.buf.len_bytes;
		}
		if (dev && dev->completed)
			dev->completed(m, &sl->r, sl->status, sl->done);
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
	if (b->ndeferred && !b->in_flight) /* a deferred POST: its result is the count */
		hc_set_result(m, b->n + b->earlier);
	if (b->late)
		ring_late_done(m);
	if (b->in_flight && m->ring_post_waits) { /* a POST waited for this batch */
		m->ring_waited = b->n;
		m->ring_post_waits = 0;
	}
	b->n = b->ndeferred = b->late = b->in_flight = b->earlier = 0;
	m->ring_owed_end = m->ring_cons; /* whatever was owed is done now */
}
