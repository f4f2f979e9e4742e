/* Block device and console requests over the ring: one call each. */
#ifndef GUEST_BLK_H
#define GUEST_BLK_H

#include <stdint.h>
#include "ring.h"

static inline int32_t blk_read(uint64_t sector, void *buf, uint32_t len)
{
	return ring_call(RING_DEV_BLOCK, RING_OP_BLK_READ, buf, len, sector, 0);
}

static inline int32_t blk_write(uint64_t sector, void *buf, uint32_t len)
{
	return ring_call(RING_DEV_BLOCK, RING_OP_BLK_WRITE, buf, len, sector, 0);
}

static inline int32_t blk_flush(void)
{
	return ring_call(RING_DEV_BLOCK, RING_OP_BLK_FLUSH, 0, 0, 0, 0);
}

static inline int32_t blk_geometry(struct ring_blk_geometry *g)
{
	return ring_call(RING_DEV_BLOCK, RING_OP_BLK_GEOMETRY, g, sizeof(*g), 0, 0);
}

#endif
