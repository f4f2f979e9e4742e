/* The host side of the request ring. The guest can write every byte of the
 * ring at any time, so the host trusts none of it: its consumer index is its
 * own (m->ring_cons, copied out to the ring for the guest to read), prod is
 * read once per POST, and each descriptor is copied to a private snapshot and
 * checked once (req_check) before any device touches it. */
#include "monitor.h"
#include "log.h"
#include "ring.h"
#include "../mm/guestmem.h"
#include "../proto/ring.h"

static uint32_t *ring_u32(const struct monitor *m, uint64_t off)
{
	return gmem_page_hva(&m->pool, m->ring_gpa + off);
}

/* The boundary: every field of a guest descriptor is checked here, once. */
static int req_check(const struct monitor *m, const struct ring_desc *d, struct ring_req *r)
{
	const struct host_blk *blk = m->host->blk;
	int err;

	*r = (struct ring_req){ .device = d->device, .op = d->op };
	if (d->device == RING_DEV_CONSOLE) {
		if (d->op != RING_OP_CONSOLE_WRITE && d->op != RING_OP_CONSOLE_READ)
			return -HCERR_INVAL;
		if (d->offset != 0)
			return -HCERR_INVAL;
	} else if (d->device == RING_DEV_BLOCK) {
		if (!blk)
			return -HCERR_NODEV;
		if (d->op < RING_OP_BLK_READ || d->op > RING_OP_BLK_GEOMETRY)
			return -HCERR_INVAL;
	// LAB(device) BEGIN
	} else if (d->device == RING_DEV_RNG) {
		err = rng_check(m, d);
		if (err)
			return err;
	// LAB(device) END
	} else {
		return -HCERR_NODEV;
	}
	if (d->len_bytes > RING_MAX_LEN_BYTES)
		return -HCERR_2BIG;
	err = gmem_span(&m->pool, d->buf_gpa, d->len_bytes, &r->buf);
	if (err)
		return err;
	if (d->device != RING_DEV_BLOCK)
		return 0;
	switch (d->op) {
	case RING_OP_BLK_READ:
	case RING_OP_BLK_WRITE:
		if (d->len_bytes % RING_SECTOR_BYTES)
			return -HCERR_INVAL;
		/* offset and count are both checked against the end: no overflow. */
		if (d->offset > blk->nsectors ||
		    d->len_bytes / RING_SECTOR_BYTES > blk->nsectors - d->offset)
			return -HCERR_RANGE;
		if (d->op == RING_OP_BLK_WRITE && (blk->read_only || m->cfg.disk_ro))
			return -HCERR_ROFS;
		r->disk_off = d->offset * RING_SECTOR_BYTES;
		return 0;
	case RING_OP_BLK_FLUSH:
		return d->len_bytes == 0 && d->offset == 0 ? 0 : -HCERR_INVAL;
	default: /* RING_OP_BLK_GEOMETRY */
		return d->len_bytes >= sizeof(struct ring_blk_geometry) ? 0 : -HCERR_INVAL;
	}
}

struct blk_io {
	const struct host_blk *blk;
	uint64_t disk_off;
	int write;
};

static int blk_piece(void *hva, uint64_t len, uint64_t span_off, void *ctx)
{
	const struct blk_io *io = ctx;

	if (io->write)
		return io->blk->write(io->blk->ctx, io->disk_off + span_off, hva, len);
	return io->blk->read(io->blk->ctx, io->disk_off + span_off, hva, len);
}

static int console_piece(void *hva, uint64_t len, uint64_t span_off, void *ctx)
{
	(void)span_off;
	(void)ctx;
	log_write(hva, len);
	return 0;
}

/* Move what console input the host has into the monitor's small buffer. */
static void refill_input(struct monitor *m)
{
	const struct host_ops *h = m->host;

	if (h->console_read && m->input_len < sizeof(m->input))
		m->input_len += h->console_read(h->mm.ctx, m->input + m->input_len,
						sizeof(m->input) - m->input_len);
}

/* Console input for a read request: up to len bytes of what there is. */
static uint64_t take_input(struct monitor *m, char *buf, uint64_t len)
{
	uint64_t n;

	refill_input(m);
	n = len < m->input_len ? len : m->input_len;
	__builtin_memcpy(buf, m->input, n);
	__builtin_memmove(m->input, m->input + n, m->input_len - n);
	m->input_len -= n;
	return n;
}

static int do_req(struct monitor *m, const struct ring_req *r, uint32_t *done)
{
	const struct host_blk *blk = m->host->blk;
	struct blk_io io = { blk, r->disk_off, r->op == RING_OP_BLK_WRITE };
	struct gspan part;
	char in[sizeof(m->input)];
	uint64_t n;
	int err = 0;

	// LAB(device) BEGIN
	if (r->device == RING_DEV_RNG)
		return rng_read(m, r, done);
	// LAB(device) END
	if (r->device == RING_DEV_CONSOLE && r->op == RING_OP_CONSOLE_WRITE) {
		gmem_each(&m->pool, r->buf, console_piece, 0);
		*done = (uint32_t)r->buf.len_bytes;
	} else if (r->device == RING_DEV_CONSOLE) {
		n = take_input(m, in, r->buf.len_bytes);
		gmem_span(&m->pool, r->buf.gpa, n, &part); /* a prefix of a checked span */
		gmem_write(&m->pool, part, in);
		*done = (uint32_t)n;
	} else if (r->op == RING_OP_BLK_READ || r->op == RING_OP_BLK_WRITE) {
		err = gmem_each(&m->pool, r->buf, blk_piece, &io);
		*done = err ? 0 : (uint32_t)r->buf.len_bytes;
	} else if (r->op == RING_OP_BLK_FLUSH) {
		err = blk->flush(blk->ctx);
	} else {
		struct ring_blk_geometry g = {
			.sector_bytes = RING_SECTOR_BYTES,
			.flags = blk->read_only || m->cfg.disk_ro ? RING_BLK_F_READ_ONLY : 0,
			.nsectors = blk->nsectors,
		};

		gmem_span(&m->pool, r->buf.gpa, sizeof(g), &part);
		gmem_write(&m->pool, part, &g);
		*done = sizeof(g);
	}
	return err;
}

void ring_setup(struct monitor *m)
{
	struct ring_hdr h = { .magic = RING_MAGIC, .nentries = RING_ENTRIES };
	struct gspan s;

	gmem_span(&m->pool, m->ring_gpa, sizeof(h), &s);
	gmem_write(&m->pool, s, &h);
	m->ring_cons = 0;
}

/* Does the host complete this request itself (host_ops.defer_io)? Console
 * input and the geometry come from the monitor's own state. */
static int deferred_to_host(const struct monitor *m, const struct ring_req *r)
{
	if (!m->host->defer_io)
		return 0;
	if (r->device == RING_DEV_CONSOLE)
		return r->op == RING_OP_CONSOLE_WRITE;
	// LAB(device) BEGIN
	if (r->device == RING_DEV_RNG) /* the core's own generator, on every host */
		return 0;
	// LAB(device) END
	return r->op != RING_OP_BLK_GEOMETRY;
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
		struct ring_desc d;
		struct gspan s;
		int err;

		gmem_span(&m->pool, slot, sizeof(d), &s); /* the ring is inside the pool */
		gmem_read(&m->pool, &d, s);
		*sl = (struct ring_slot){ 0 };
		err = req_check(m, &d, &sl->r);
		if (!err && deferred_to_host(m, &sl->r)) {
			sl->deferred = 1;
			b->ndeferred++;
			continue;
		}
		if (!err)
			err = do_req(m, &sl->r, &sl->done);
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
			/* A block read or write is whole or failed: a short one
			 * (a runner that answered 0 bytes) never reads as done. */
			int whole = sl->r.device == RING_DEV_BLOCK &&
				    (sl->r.op == RING_OP_BLK_READ || sl->r.op == RING_OP_BLK_WRITE);

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
	if (b->ndeferred) /* a deferred POST: its result is set here */
		m->ps.guest->rax = b->n;
	b->n = b->ndeferred = 0;
}

int64_t ring_wait(struct monitor *m, uint64_t deadline_ns, int *deferred)
{
	const struct host_ops *h = m->host;
	uint64_t slice_end = h->time_ns(h->mm.ctx) + RING_WAIT_SLICE_NS;

	uint64_t timer = vintr_next_ns(m);

	*deferred = 0;
	if (timer && timer < deadline_ns)
		deadline_ns = timer; /* a virtual interrupt ends the wait too */
	for (;;) {
		uint64_t now;

		refill_input(m);
		if (m->input_len)
			return 1;
		if (vintr_due(m))
			return 2;
		now = h->time_ns(h->mm.ctx);
		if (now >= deadline_ns || now >= slice_end)
			return vintr_due(m) ? 2 : 0;
		if (h->defer_io) { /* the host waits (Linux: cokrun polls stdin) */
			m->wait_deadline_ns = deadline_ns;
			*deferred = 1;
			return 0;
		}
		__asm__ volatile("pause"); /* SDM Vol.2: PAUSE, for spin-wait loops */
	}
}
