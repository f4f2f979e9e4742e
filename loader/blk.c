/* The block device of the request ring (proto/ring.h RING_DEV_BLOCK): whole
 * 512-byte sectors of the host's disk (host_ops.blk), read, written, flushed,
 * and its geometry. Every sector number is checked against the disk's end. */
#include "monitor.h"
#include "ring_device.h"

static int check_op(const struct monitor *m, const struct ring_desc *d)
{
	if (!m->host->blk)
		return -HCERR_NODEV;
	if (d->op < RING_OP_BLK_READ || d->op > RING_OP_BLK_GEOMETRY)
		return -HCERR_INVAL;
	return 0;
}

static int check_buf(const struct monitor *m, const struct ring_desc *d, struct ring_req *r)
{
	const struct host_blk *blk = m->host->blk;

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

/* The geometry comes from the monitor's own state; the disk is the host's. */
static int host_serves(const struct monitor *m, const struct ring_req *r)
{
	(void)m;
	return r->op != RING_OP_BLK_GEOMETRY;
}

struct blk_io {
	const struct host_blk *blk;
	uint64_t disk_off;
	int write;
};

static int io_piece(void *hva, uint64_t len, uint64_t span_off, void *ctx)
{
	const struct blk_io *io = ctx;

	if (io->write)
		return io->blk->write(io->blk->ctx, io->disk_off + span_off, hva, len);
	return io->blk->read(io->blk->ctx, io->disk_off + span_off, hva, len);
}

static int serve(struct monitor *m, const struct ring_req *r, uint32_t *done)
{
	const struct host_blk *blk = m->host->blk;
	struct blk_io io = { blk, r->disk_off, r->op == RING_OP_BLK_WRITE };
	struct ring_blk_geometry g;
	struct gspan part;
	int err;

	switch (r->op) {
	case RING_OP_BLK_READ:
	case RING_OP_BLK_WRITE:
		err = gmem_each(&m->pool, r->buf, io_piece, &io);
		*done = err ? 0 : (uint32_t)r->buf.len_bytes;
		return err;
	case RING_OP_BLK_FLUSH:
		return blk->flush(blk->ctx);
	default: /* RING_OP_BLK_GEOMETRY */
		g = (struct ring_blk_geometry){
			.sector_bytes = RING_SECTOR_BYTES,
			.flags = blk->read_only || m->cfg.disk_ro ? RING_BLK_F_READ_ONLY : 0,
			.nsectors = blk->nsectors,
		};
		gmem_span(&m->pool, r->buf.gpa, sizeof(g), &part);
		gmem_write(&m->pool, part, &g);
		*done = sizeof(g);
		return 0;
	}
}

/* A read or write is whole or failed: a short one never reads as done. */
static int whole_or_failed(const struct ring_req *r)
{
	return r->op == RING_OP_BLK_READ || r->op == RING_OP_BLK_WRITE;
}

const struct ring_device blk_device = {
	.check_op = check_op,
	.check_buf = check_buf,
	.host_serves = host_serves,
	.serve = serve,
	.whole_or_failed = whole_or_failed,
};
