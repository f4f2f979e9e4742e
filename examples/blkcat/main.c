/* blkcat: a kit guest that uses the block device over the request ring
 * (docs/KIT.md). It prints the disk's size and the start of sector 0, then
 * writes a pattern into the last sector, reads it back and compares. */
#include <cokernel.h>

static uint8_t sector[512] __attribute__((aligned(512)));

/* One line of a hex dump: 16 bytes in hex, then as text. */
static void dump_line(const uint8_t *p, unsigned off)
{
	char text[17];

	for (int i = 0; i < 16; i++)
		text[i] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '.';
	text[16] = 0;
	printf("blkcat: %04x:", off);
	for (int i = 0; i < 16; i++)
		printf(" %02x", p[i]);
	printf("  %s\n", text);
}

int main(int argc, char **argv)
{
	struct ring_blk_geometry g;
	uint64_t last;
	int32_t st;

	(void)argc, (void)argv;
	st = blk_geometry(&g);
	if (st) {
		printf("blkcat: no block device (status %d)\n", st);
		return 1;
	}
	printf("blkcat: %lu sectors of %u bytes%s\n", g.nsectors, g.sector_bytes,
	       g.flags & RING_BLK_F_READ_ONLY ? ", read-only" : "");
	st = blk_read(0, sector, sizeof(sector));
	if (st) {
		printf("blkcat: reading sector 0 failed (status %d)\n", st);
		return 1;
	}
	for (unsigned off = 0; off < 64; off += 16)
		dump_line(sector + off, off);

	last = g.nsectors - 1;
	for (unsigned i = 0; i < sizeof(sector); i++)
		sector[i] = (uint8_t)(i * 7 + 1);
	st = blk_write(last, sector, sizeof(sector));
	if (st) {
		printf("blkcat: writing sector %lu failed (status %d)\n", last, st);
		return 1;
	}
	memset(sector, 0, sizeof(sector));
	st = blk_read(last, sector, sizeof(sector));
	for (unsigned i = 0; !st && i < sizeof(sector); i++)
		if (sector[i] != (uint8_t)(i * 7 + 1))
			st = -1;
	if (st) {
		printf("blkcat: sector %lu did not read back as written (status %d)\n", last, st);
		return 1;
	}
	printf("blkcat: wrote sector %lu and read it back: the same 512 bytes\n", last);
	return 0;
}
