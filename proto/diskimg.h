/* The test disk's format, shared by scripts/mkdisk.c (which writes it) and the
 * guest's blk program (which checks it): sector 0 is a header with an FNV-1a
 * checksum of every range of DISKIMG_RANGE_SECTORS sectors after it; every
 * other byte is a pattern of its sector and offset, so any sector can also be
 * checked on its own. */
#ifndef PROTO_DISKIMG_H
#define PROTO_DISKIMG_H

#include <stdint.h>

#define DISKIMG_MAGIC "CKDISK01"
#define DISKIMG_SECTORS 2048u /* 1 MiB */
#define DISKIMG_RANGE_SECTORS 64u
#define DISKIMG_NRANGES ((DISKIMG_SECTORS - 1 + DISKIMG_RANGE_SECTORS - 1) / DISKIMG_RANGE_SECTORS)

struct diskimg_hdr {
	char magic[8];
	uint64_t nsectors;
	uint32_t range_sectors;
	uint32_t nranges;
	uint32_t range_fnv[DISKIMG_NRANGES]; /* range i: sectors 1 + 64i .. 64 + 64i */
	uint32_t hdr_fnv; /* of every byte above */
};
_Static_assert(sizeof(struct diskimg_hdr) <= 512, "header fits sector 0");

/* The byte at (sector, offset): a cheap mix that differs in every sector. */
static inline uint8_t diskimg_byte(uint64_t sector, uint32_t offset)
{
	uint64_t x = sector * 0x9e3779b97f4a7c15ull + offset * 0xbf58476d1ce4e5b9ull;

	x ^= x >> 31;
	return (uint8_t)(x ^ (x >> 17));
}

/* What the blk program writes over the last 16 sectors, byte i of them: a
 * host that really writes through (UEFI BlockIo, the Linux runner) leaves it
 * in the image file, which `mkdisk --check-writes FILE` verifies. */
#define DISKIMG_WRITE_SECTORS 16u
static inline uint8_t diskimg_written_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* FNV-1a, 32-bit (Fowler, Noll, Vo): h starts at 2166136261. */
#define DISKIMG_FNV_INIT 2166136261u
static inline uint32_t diskimg_fnv(uint32_t h, const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

#endif
