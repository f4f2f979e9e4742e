/* The RAM-disk block backend (loader/mb2/ramdisk.h). Bounds are checked by
 * loader/ring.c before a call reaches here; these are plain copies. */
#include "ramdisk.h"
#include "../../proto/ring.h"

static struct host_blk disk;
static uint8_t *base;

static int rd_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	(void)ctx;
	__builtin_memcpy(buf, base + off, len);
	return 0;
}

static int rd_write(void *ctx, uint64_t off, const void *buf, uint64_t len)
{
	(void)ctx;
	__builtin_memcpy(base + off, buf, len);
	return 0;
}

static int rd_flush(void *ctx)
{
	(void)ctx;
	return 0; /* RAM is as durable as it gets here */
}

const struct host_blk *ramdisk_init(uint64_t start, uint64_t end)
{
	if (end <= start || (end - start) % RING_SECTOR_BYTES)
		return 0;
	base = (uint8_t *)start; /* identity-mapped below 4 GiB */
	disk = (struct host_blk){
		.nsectors = (end - start) / RING_SECTOR_BYTES,
		.read = rd_read,
		.write = rd_write,
		.flush = rd_flush,
	};
	return &disk;
}
