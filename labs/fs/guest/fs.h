/* Lab fs: a tiny file system on the block device (docs/labs/fs.md). The disk
 * format is fixed here, so that what one boot writes another boot (or a tool
 * on the host) can read; the code that reads and writes it is fs.c.
 *
 * The disk, in blocks of FS_BLOCK_BYTES (8 sectors of the ring's block
 * device, proto/ring.h), as many as the device's geometry holds, at most
 * FS_MAX_BLOCKS (what one bitmap block can track):
 *   block 0   left alone: the disk's label (the UEFI host finds its disk by
 *             the marker in sector 0, proto/diskimg.h; ext2 leaves its first
 *             1024 bytes to a boot loader the same way)
 *   block 1   the superblock (struct fs_super)
 *   block 2   the block bitmap: bit b set = block b is in use (blocks 0-3
 *             are always in use; so are the bits past nblocks)
 *   block 3   the inode table: FS_NINODES struct fs_inode, one per file; a
 *             flat root directory, the file's name is in its inode
 *   block 4.. data blocks
 * Every number is little endian, as the CPU writes it. */
#ifndef LAB_FS_H
#define LAB_FS_H

#include <stdint.h>

#define FS_MAGIC "CKFS0001"
#define FS_BLOCK_BYTES 4096u
#define FS_SECTORS_PER_BLOCK (FS_BLOCK_BYTES / 512u)
#define FS_MAX_BLOCKS (FS_BLOCK_BYTES * 8u)
#define FS_SUPER_BLOCK 1u
#define FS_BITMAP_BLOCK 2u
#define FS_INODE_BLOCK 3u
#define FS_DATA_BLOCK 4u
#define FS_NAME_BYTES 32u /* the name and its NUL */
#define FS_NDIRECT 22u    /* data blocks per file: the largest file is 88 KiB */
#define FS_NINODES (FS_BLOCK_BYTES / sizeof(struct fs_inode))

struct fs_super {
	char magic[8];           /* FS_MAGIC, no NUL */
	uint32_t nblocks;        /* blocks the file system covers: min(disk / 4096, FS_MAX_BLOCKS) */
	uint32_t ninodes;        /* FS_NINODES */
	uint32_t bitmap_block;   /* FS_BITMAP_BLOCK */
	uint32_t inode_block;    /* FS_INODE_BLOCK */
	uint32_t data_block;     /* FS_DATA_BLOCK: the first data block */
	uint32_t reserved;       /* 0 */
};

struct fs_inode {
	char name[FS_NAME_BYTES];     /* NUL-terminated; "" = a free inode */
	uint32_t size;                /* bytes */
	uint32_t reserved;
	uint32_t block[FS_NDIRECT];   /* data block of bytes [4096 i, 4096 (i + 1)); 0 = none yet */
};
_Static_assert(sizeof(struct fs_inode) == 128, "32 inodes per block");

/* Errors: the functions return -FS_E*. */
#define FS_EIO 1       /* the block device said no */
#define FS_ENOFS 2     /* no file system on this disk (mount) */
#define FS_ENOENT 3    /* no such file */
#define FS_EEXIST 4    /* a file of that name exists */
#define FS_ENOSPC 5    /* no free inode or data block */
#define FS_ENAME 6     /* the name is empty or longer than FS_NAME_BYTES - 1 */
#define FS_EFBIG 7     /* past the largest file size */
#define FS_EINVAL 8    /* a bad inode number, or a write that would leave a hole */

/* A new, empty file system over the whole disk (as the geometry says). 0 or -FS_E*. */
int fs_format(void);
/* Use the file system on the disk: read and check its superblock. 0, or -FS_ENOFS. */
int fs_mount(void);
/* A new empty file: its inode number (0 .. FS_NINODES - 1), or -FS_E*. */
int fs_create(const char *name);
/* The inode number of the file called name, or -FS_ENOENT. */
int fs_lookup(const char *name);
/* fs_write, fs_read and fs_stat take an inode number: -FS_EINVAL for one out
 * of range (below 0 too), -FS_ENOENT for a free inode. */
/* Write len bytes at offset off (off <= the file's size: no holes); the file
 * grows as needed. The bytes written (len), or -FS_E*: -FS_ENOSPC when no
 * data block is left. */
int fs_write(int ino, uint32_t off, const void *buf, uint32_t len);
/* Read at most len bytes at offset off: the bytes read (0 at or past the
 * end), or -FS_E*. */
int fs_read(int ino, uint32_t off, void *buf, uint32_t len);
/* The name and size of inode ino: 0, -FS_ENOENT for a free inode, -FS_EINVAL
 * for an inode number out of range. name holds FS_NAME_BYTES. */
int fs_stat(int ino, char *name, uint32_t *size);
/* Everything written so far is on the disk for good (the device's FLUSH). */
int fs_sync(void);

#endif
