/* Writes the test disk image of proto/diskimg.h: the pattern, then the header
 * with the checksum of each range. Built for the build machine by the
 * Makefile. usage: mkdisk OUTPUT, or mkdisk --check-writes IMAGE to check
 * that the blk program's writes reached the image (exit 0) or not (exit 1). */
#include <stdio.h>
#include <string.h>
#include "../proto/diskimg.h"

static int check_writes(const char *path)
{
	static uint8_t tail[DISKIMG_WRITE_SECTORS * 512];
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, (long)(DISKIMG_SECTORS - DISKIMG_WRITE_SECTORS) * 512, SEEK_SET) != 0 ||
	    fread(tail, sizeof(tail), 1, f) != 1) {
		perror(path);
		return 2;
	}
	fclose(f);
	for (uint32_t i = 0; i < sizeof(tail); i++)
		if (tail[i] != diskimg_written_byte(i)) {
			printf("%s: byte %u of the last %u sectors is %u, expected %u: the guest's "
			       "writes did not reach the file\n",
			       path, i, DISKIMG_WRITE_SECTORS, tail[i], diskimg_written_byte(i));
			return 1;
		}
	printf("%s: the guest's writes are in the file\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t disk[DISKIMG_SECTORS][512];
	struct diskimg_hdr h = { .nsectors = DISKIMG_SECTORS,
				 .range_sectors = DISKIMG_RANGE_SECTORS,
				 .nranges = DISKIMG_NRANGES };
	FILE *f;

	if (argc == 3 && strcmp(argv[1], "--check-writes") == 0)
		return check_writes(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: mkdisk OUTPUT | mkdisk --check-writes IMAGE\n");
		return 2;
	}
	memcpy(h.magic, DISKIMG_MAGIC, 8);
	for (uint64_t s = 1; s < DISKIMG_SECTORS; s++)
		for (uint32_t i = 0; i < 512; i++)
			disk[s][i] = diskimg_byte(s, i);
	for (uint32_t r = 0; r < DISKIMG_NRANGES; r++) {
		uint64_t first = 1 + (uint64_t)r * DISKIMG_RANGE_SECTORS, n = DISKIMG_RANGE_SECTORS;

		if (first + n > DISKIMG_SECTORS)
			n = DISKIMG_SECTORS - first;
		h.range_fnv[r] = diskimg_fnv(DISKIMG_FNV_INIT, disk[first], n * 512);
	}
	h.hdr_fnv = diskimg_fnv(DISKIMG_FNV_INIT, (const uint8_t *)&h,
				__builtin_offsetof(struct diskimg_hdr, hdr_fnv));
	memcpy(disk[0], &h, sizeof(h));
	f = fopen(argv[1], "wb");
	if (!f || fwrite(disk, sizeof(disk), 1, f) != 1 || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
