/* blk: the block device over the ring. Check the geometry, verify the test
 * disk's known content range by range (proto/diskimg.h), write a pattern at
 * the end of the disk, read it back, flush, then 64 reads in one POST: one
 * world switch for the whole batch. */
#include "progs.h"
#include "../blk.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../../proto/diskimg.h"

#define BATCH 64

static uint8_t buf[DISKIMG_RANGE_SECTORS * 512] __attribute__((aligned(4096)));
/* The batch's buffers: the first free pages of the pool (proto/bootinfo.h,
 * free_gpa), not the image's bss, which would keep small pools from loading. */
#define batch_buf ((uint8_t (*)[4096])gpa_to_virt(boot->free_gpa))

static int fail(const char *what, int64_t got)
{
	printf("ABORT: %s (got %ld)\n", what, got);
	return 1;
}

static int verify_disk(uint64_t nsectors)
{
	struct diskimg_hdr h;
	int32_t st = blk_read(0, buf, 512);

	if (st)
		return fail("reading sector 0 failed", st);
	__builtin_memcpy(&h, buf, sizeof(h));
	if (__builtin_memcmp(h.magic, DISKIMG_MAGIC, 8) != 0 || h.nsectors != nsectors ||
	    h.hdr_fnv != diskimg_fnv(DISKIMG_FNV_INIT, (const uint8_t *)&h,
				     __builtin_offsetof(struct diskimg_hdr, hdr_fnv)))
		return fail("sector 0 is not a valid test-disk header", 0);
	for (uint32_t r = 0; r < h.nranges; r++) {
		uint64_t first = 1 + (uint64_t)r * h.range_sectors, n = h.range_sectors;

		if (first + n > nsectors)
			n = nsectors - first;
		st = blk_read(first, buf, (uint32_t)(n * 512));
		if (st)
			return fail("reading a range failed", st);
		if (diskimg_fnv(DISKIMG_FNV_INIT, buf, n * 512) != h.range_fnv[r]) {
			printf("ABORT: range %u (sectors %lu-%lu): checksum differs\n", r, first,
			       first + n - 1);
			return 1;
		}
	}
	printf("guest: blk: %u ranges of the test disk match their checksums\n", h.nranges);
	return 0;
}

static int write_read_back(uint64_t nsectors)
{
	uint64_t first = nsectors - DISKIMG_WRITE_SECTORS;
	int32_t st;

	for (uint32_t i = 0; i < 16 * 512; i++)
		buf[i] = diskimg_written_byte(i);
	st = blk_write(first, buf, 16 * 512);
	if (st)
		return fail("writing 16 sectors failed", st);
	__builtin_memset(buf, 0, 16 * 512);
	st = blk_read(first, buf, 16 * 512);
	if (st)
		return fail("reading them back failed", st);
	for (uint32_t i = 0; i < 16 * 512; i++)
		if (buf[i] != diskimg_written_byte(i))
			return fail("read-back differs at byte", i);
	st = blk_flush();
	if (st)
		return fail("flush failed", st);
	printf("guest: blk: wrote, read back and flushed sectors %lu-%lu\n", first, first + 15);
	return 0;
}

/* 64 reads of 4 KiB (8 sectors each), one doorbell. */
static int batch(void)
{
	int64_t done;

	for (int i = 0; i < BATCH; i++) {
		struct ring_desc *d = ring_next();

		if (!d)
			return fail("ring full before the batch was posted", i);
		*d = (struct ring_desc){ .device = RING_DEV_BLOCK, .op = RING_OP_BLK_READ,
					 .len_bytes = 4096, .buf_gpa = virt_to_gpa(batch_buf[i]),
					 .offset = 1 + (uint64_t)i * 8, .cookie = 1000u + (unsigned)i };
	}
	ring_publish();
	done = ring_post();
	if (done != BATCH)
		return fail("POST of the batch completed a different number of requests", done);
	for (int i = 0; i < BATCH; i++) {
		uint64_t sector = 1 + (uint64_t)i * 8;

		for (uint32_t b = 0; b < 4096; b++)
			if (batch_buf[i][b] != diskimg_byte(sector + b / 512, b % 512))
				return fail("batched read returned wrong data for request", i);
	}
	printf("guest: blk: %d requests completed by one POST\n", BATCH);
	return 0;
}

int prog_blk(void)
{
	struct ring_blk_geometry g;
	int32_t st;

	ring_init();
	st = blk_geometry(&g);
	if (st)
		return fail("geometry request failed (is there a disk?)", st);
	printf("guest: blk: disk of %lu sectors of %u bytes%s\n", g.nsectors, g.sector_bytes,
	       g.flags & RING_BLK_F_READ_ONLY ? ", read-only" : "");
	if (g.sector_bytes != 512 || g.nsectors != DISKIMG_SECTORS)
		return fail("unexpected geometry", (int64_t)g.nsectors);
	if (verify_disk(g.nsectors) || write_read_back(g.nsectors) || batch())
		return 1;
	return 0;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 0
 * expect: guest: blk: 32 ranges of the test disk match their checksums
 * expect: guest: blk: wrote, read back and flushed sectors 2032-2047
 * expect: guest: blk: 64 requests completed by one POST
 * expect: SUCCESS
 */
