/* Lab fs: the file system's code (fs.h has the disk format,
 * docs/labs/fs.md the handout). Everything is written through: each call
 * reads the blocks it needs, changes them, and writes them back before it
 * returns, so the disk always holds the latest state (fs_sync then only asks
 * the device to make it durable). */
#include "fs.h"
#include "../../../guest/blk.h"
#include "../../../guest/kernel.h"

/* The test program has set up the request ring (ring_init) before any call. */

/* Block b to or from buf (4096 bytes in the pool: the host reads and writes
 * it by its gpa). 0, or -FS_EIO. */
static inline int bread(uint32_t b, void *buf)
{
	return blk_read((uint64_t)b * FS_SECTORS_PER_BLOCK, buf, FS_BLOCK_BYTES) ? -FS_EIO : 0;
}

static inline int bwrite(uint32_t b, const void *buf)
{
	uint64_t sector = (uint64_t)b * FS_SECTORS_PER_BLOCK;

	return blk_write(sector, (void *)buf, FS_BLOCK_BYTES) ? -FS_EIO : 0;
}

// LAB(fs) BEGIN
static struct fs_super sb; /* the mounted file system's, nblocks 0 if none */
static uint8_t data[FS_BLOCK_BYTES] __attribute__((aligned(4096)));
static uint8_t bitmap[FS_BLOCK_BYTES] __attribute__((aligned(4096)));
static struct fs_inode itable[FS_NINODES] __attribute__((aligned(4096)));

static int bit(uint32_t b)
{
	return (bitmap[b / 8] >> (b % 8)) & 1;
}

int fs_format(void)
{
	struct ring_blk_geometry g;
	uint64_t blocks;
	int err;

	if (blk_geometry(&g) != 0 || g.sector_bytes != 512)
		return -FS_EIO;
	blocks = g.nsectors / FS_SECTORS_PER_BLOCK;
	if (blocks > FS_MAX_BLOCKS)
		blocks = FS_MAX_BLOCKS;
	if (blocks <= FS_DATA_BLOCK)
		return -FS_ENOSPC; /* not even one data block */
	/* The bitmap: the metadata blocks and the bits past the end are in use. */
	__builtin_memset(bitmap, 0, sizeof(bitmap));
	for (uint32_t b = 0; b < FS_MAX_BLOCKS; b++)
		if (b < FS_DATA_BLOCK || b >= blocks)
			bitmap[b / 8] |= (uint8_t)(1u << (b % 8));
	__builtin_memset(itable, 0, sizeof(itable));
	/* The superblock last: a disk with a valid one has valid tables. */
	__builtin_memset(data, 0, sizeof(data));
	sb = (struct fs_super){ .nblocks = (uint32_t)blocks, .ninodes = FS_NINODES,
				.bitmap_block = FS_BITMAP_BLOCK, .inode_block = FS_INODE_BLOCK,
				.data_block = FS_DATA_BLOCK };
	__builtin_memcpy(sb.magic, FS_MAGIC, 8);
	__builtin_memcpy(data, &sb, sizeof(sb));
	if ((err = bwrite(FS_BITMAP_BLOCK, bitmap)) || (err = bwrite(FS_INODE_BLOCK, itable)) ||
	    (err = bwrite(FS_SUPER_BLOCK, data)))
		return err;
	return 0;
}

int fs_mount(void)
{
	int err;

	sb.nblocks = 0;
	if ((err = bread(FS_SUPER_BLOCK, data)))
		return err;
	__builtin_memcpy(&sb, data, sizeof(sb));
	if (__builtin_memcmp(sb.magic, FS_MAGIC, 8) != 0 || sb.ninodes != FS_NINODES ||
	    sb.bitmap_block != FS_BITMAP_BLOCK || sb.inode_block != FS_INODE_BLOCK ||
	    sb.data_block != FS_DATA_BLOCK || sb.nblocks <= FS_DATA_BLOCK ||
	    sb.nblocks > FS_MAX_BLOCKS) {
		sb.nblocks = 0;
		return -FS_ENOFS;
	}
	return 0;
}

/* The inode table, fresh from the disk (another call may have changed it). */
static int load_inodes(void)
{
	return sb.nblocks ? bread(FS_INODE_BLOCK, itable) : -FS_ENOFS;
}

int fs_lookup(const char *name)
{
	int err = load_inodes();

	if (err)
		return err;
	for (uint32_t i = 0; i < FS_NINODES; i++)
		if (itable[i].name[0] && __builtin_strcmp(itable[i].name, name) == 0)
			return (int)i;
	return -FS_ENOENT;
}

int fs_create(const char *name)
{
	uint64_t len = __builtin_strlen(name);
	int err;

	if (len == 0 || len >= FS_NAME_BYTES)
		return -FS_ENAME;
	err = fs_lookup(name); /* loads the table too */
	if (err >= 0)
		return -FS_EEXIST;
	if (err != -FS_ENOENT)
		return err;
	for (uint32_t i = 0; i < FS_NINODES; i++) {
		if (itable[i].name[0])
			continue;
		__builtin_memset(&itable[i], 0, sizeof(itable[i]));
		__builtin_memcpy(itable[i].name, name, len + 1);
		return (err = bwrite(FS_INODE_BLOCK, itable)) ? err : (int)i;
	}
	return -FS_ENOSPC;
}

/* A free data block, marked in use on the disk's bitmap; 0 when none is left. */
static uint32_t alloc_block(void)
{
	if (bread(FS_BITMAP_BLOCK, bitmap))
		return 0;
	for (uint32_t b = FS_DATA_BLOCK; b < sb.nblocks; b++) {
		if (bit(b))
			continue;
		bitmap[b / 8] |= (uint8_t)(1u << (b % 8));
		return bwrite(FS_BITMAP_BLOCK, bitmap) ? 0 : b;
	}
	return 0;
}

/* The file ino names, in *in: 0, -FS_EINVAL for a number out of range,
 * -FS_ENOENT for a free inode, or the error of reading the table. */
static int get_inode(int ino, struct fs_inode **in)
{
	int err;

	if (ino < 0 || (uint32_t)ino >= FS_NINODES)
		return -FS_EINVAL;
	if ((err = load_inodes()))
		return err;
	*in = &itable[ino];
	return (*in)->name[0] ? 0 : -FS_ENOENT;
}

int fs_write(int ino, uint32_t off, const void *buf, uint32_t len)
{
	const uint8_t *src = buf;
	struct fs_inode *in;
	uint32_t done = 0;
	int err = get_inode(ino, &in);

	if (err)
		return err;
	if (off > in->size)
		return -FS_EINVAL; /* a hole */
	if ((uint64_t)off + len > (uint64_t)FS_NDIRECT * FS_BLOCK_BYTES)
		return -FS_EFBIG;
	while (done < len) {
		uint32_t pos = off + done, i = pos / FS_BLOCK_BYTES, at = pos % FS_BLOCK_BYTES;
		uint32_t n = FS_BLOCK_BYTES - at;

		if (n > len - done)
			n = len - done;
		if (!in->block[i]) { /* a new block: nothing old to keep */
			if (!(in->block[i] = alloc_block()))
				break;
			__builtin_memset(data, 0, sizeof(data));
		} else if ((err = bread(in->block[i], data))) {
			break;
		}
		__builtin_memcpy(data + at, src + done, n);
		if ((err = bwrite(in->block[i], data)))
			break;
		done += n;
	}
	if (off + done > in->size)
		in->size = off + done;
	/* The inode last: its blocks and size name only what is on the disk. */
	if (bwrite(FS_INODE_BLOCK, itable))
		return -FS_EIO;
	if (done < len)
		return err ? err : -FS_ENOSPC;
	return (int)done;
}

int fs_read(int ino, uint32_t off, void *buf, uint32_t len)
{
	uint8_t *dst = buf;
	struct fs_inode *in;
	uint32_t done = 0;
	int err = get_inode(ino, &in);

	if (err)
		return err;
	if (off >= in->size)
		return 0;
	if (len > in->size - off)
		len = in->size - off;
	while (done < len) {
		uint32_t pos = off + done, at = pos % FS_BLOCK_BYTES, n = FS_BLOCK_BYTES - at;

		if (n > len - done)
			n = len - done;
		if ((err = bread(in->block[pos / FS_BLOCK_BYTES], data)))
			return err;
		__builtin_memcpy(dst + done, data + at, n);
		done += n;
	}
	return (int)done;
}

int fs_stat(int ino, char *name, uint32_t *size)
{
	struct fs_inode *in;
	int err = get_inode(ino, &in);

	if (err)
		return err;
	__builtin_memcpy(name, in->name, FS_NAME_BYTES);
	name[FS_NAME_BYTES - 1] = 0; /* a damaged disk must not run us off the end */
	*size = in->size;
	return 0;
}

int fs_sync(void)
{
	return blk_flush() ? -FS_EIO : 0;
}
// LAB(fs) STARTER
// int fs_format(void)
// {
// 	return -FS_EIO; /* your code: the geometry, then the bitmap, the inodes, the superblock */
// }
//
// int fs_mount(void)
// {
// 	return -FS_EIO; /* your code */
// }
//
// int fs_create(const char *name)
// {
// 	(void)name;
// 	return -FS_EIO; /* your code */
// }
//
// int fs_lookup(const char *name)
// {
// 	(void)name;
// 	return -FS_EIO; /* your code */
// }
//
// int fs_write(int ino, uint32_t off, const void *buf, uint32_t len)
// {
// 	(void)ino, (void)off, (void)buf, (void)len;
// 	return -FS_EIO; /* your code */
// }
//
// int fs_read(int ino, uint32_t off, void *buf, uint32_t len)
// {
// 	(void)ino, (void)off, (void)buf, (void)len;
// 	return -FS_EIO; /* your code */
// }
//
// int fs_stat(int ino, char *name, uint32_t *size)
// {
// 	(void)ino, (void)name, (void)size;
// 	return -FS_EIO; /* your code */
// }
//
// int fs_sync(void)
// {
// 	return -FS_EIO; /* your code */
// }
// LAB(fs) END
