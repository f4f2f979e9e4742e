/* Lab fs's test program (guest=lab-fs op=write|read): op=write formats the
 * disk and writes three files; op=read, run on the same disk in a later boot
 * (or a later run of the same boot), finds them there, reads them back and
 * appends to one, then (on a disk with fewer data blocks than 32 files can
 * hold) fills the disk until -FS_ENOSPC. Both check the disk's bitmap against
 * the inodes the way a host tool would (fsck), from the raw blocks. One line
 * per check, "fs: ok: ..." or "fs: FAIL: ...", which the grader
 * (labs/fs/grade.sh) reads. */
#include "fs.h"
#include "../../../guest/blk.h"
#include "../../../guest/kernel.h"
#include "../../../guest/progs/progs.h"
#include "../../../proto/diskimg.h"

#define BIG_BYTES 20000u /* five blocks, the last one partly */
#define CHUNK 1000u      /* writes that straddle block boundaries */
static const char hello[] = "hello from the first boot\n";
static const char second[] = "appended by the second boot\n";

static uint8_t buf[4096] __attribute__((aligned(4096)));
/* The raw bitmap and inode table (fsck), and which blocks a file named. */
static uint8_t bm[4096] __attribute__((aligned(4096)));
static struct fs_inode itab[FS_NINODES] __attribute__((aligned(4096)));
static uint8_t named[4096];
static int failures;

#define FAIL(...) (printf("fs: FAIL: " __VA_ARGS__), failures++)

static const char *err_name(int e)
{
	static const char *const names[] = { "0",         "-FS_EIO",    "-FS_ENOFS",
					     "-FS_ENOENT", "-FS_EEXIST", "-FS_ENOSPC",
					     "-FS_ENAME",  "-FS_EFBIG",  "-FS_EINVAL" };

	if (e >= 0)
		return e == 0 ? "0" : "a count";
	return -e < (int)(sizeof(names) / sizeof(names[0])) ? names[-e] : "an unknown error";
}

static uint8_t big_byte(uint32_t i)
{
	return (uint8_t)((i * 31 + 7) ^ (i >> 9));
}

/* e must be want; says so either way. */
static void expect(const char *what, int e, int want)
{
	if (e == want)
		printf("fs: ok: %s: %s\n", what, err_name(e));
	else
		FAIL("%s: got %s (%d), want %s\n", what, err_name(e), e, err_name(want));
}

static int bit_of(const uint8_t *map, uint32_t b)
{
	return (map[b / 8] >> (b % 8)) & 1;
}

/* The blocks the file system covers: what fs_format computes from the geometry. */
static uint32_t disk_blocks(void)
{
	struct ring_blk_geometry g;
	uint64_t n;

	if (blk_geometry(&g) != 0)
		return 0;
	n = g.nsectors / FS_SECTORS_PER_BLOCK;
	return n > FS_MAX_BLOCKS ? FS_MAX_BLOCKS : (uint32_t)n;
}

/* fsck, from the raw blocks: every block a file names (block[i] != 0) lies
 * in the data area, is named once and is set in the bitmap; the blocks a
 * file's size covers are all named (no holes); blocks 0-3 and the bits past
 * nblocks are set; and nothing else is: the set bits are exactly those. A
 * bitmap that leaks, double-allocates or was never written fails here. */
static void check_bitmap(const char *when)
{
	uint32_t nblocks = disk_blocks(), files = 0, set = 0, bad = 0;

	if (blk_read(FS_BITMAP_BLOCK * FS_SECTORS_PER_BLOCK, bm, 4096) ||
	    blk_read(FS_INODE_BLOCK * FS_SECTORS_PER_BLOCK, itab, 4096) || nblocks <= FS_DATA_BLOCK) {
		FAIL("bitmap %s: cannot read blocks 2 and 3\n", when);
		return;
	}
	__builtin_memset(named, 0, sizeof(named));
	for (uint32_t i = 0; i < FS_NINODES; i++) {
		const struct fs_inode *in = &itab[i];
		uint32_t need = (in->size + FS_BLOCK_BYTES - 1) / FS_BLOCK_BYTES;

		if (!in->name[0])
			continue;
		for (uint32_t j = 0; j < FS_NDIRECT; j++) {
			uint32_t b = in->block[j];

			if (!b) {
				if (j < need) {
					FAIL("bitmap %s: %.31s: block %u of its data is 0\n", when,
					     in->name, j);
					bad++;
				}
				continue;
			}
			if (b < FS_DATA_BLOCK || b >= nblocks || bit_of(named, b) || !bit_of(bm, b)) {
				FAIL("bitmap %s: %.31s names block %u: %s\n", when, in->name, b,
				     b < FS_DATA_BLOCK || b >= nblocks ? "not a data block"
				     : bit_of(named, b)              ? "another file's too"
								     : "its bit is clear");
				bad++;
				continue;
			}
			named[b / 8] |= (uint8_t)(1u << (b % 8));
			files++;
		}
	}
	for (uint32_t b = 0; b < FS_MAX_BLOCKS; b++) {
		set += bit_of(bm, b);
		if ((b < FS_DATA_BLOCK || b >= nblocks) && !bit_of(bm, b) && bad++ < 4)
			FAIL("bitmap %s: bit %u is clear (block %u is %s)\n", when, b, b,
			     b < FS_DATA_BLOCK ? "metadata" : "past nblocks");
	}
	if (!bad && set == FS_DATA_BLOCK + (FS_MAX_BLOCKS - nblocks) + files)
		printf("fs: ok: bitmap %s: %u bits set = %u metadata + %u past the end + %u of files\n",
		       when, set, FS_DATA_BLOCK, FS_MAX_BLOCKS - nblocks, files);
	else if (!bad)
		FAIL("bitmap %s: %u bits set, want %u metadata + %u past the end + %u of files\n",
		     when, set, FS_DATA_BLOCK, FS_MAX_BLOCKS - nblocks, files);
}

/* fs_sync must ask the device to flush: a FLUSH descriptor among those it
 * posted on the ring (descriptor n stays in slot n % RING_ENTRIES after it
 * completed, proto/ring.h), and the flush succeeded. */
static void check_sync(void)
{
	const struct ring_desc *d = (const struct ring_desc *)((char *)ring_header() + RING_DESC_OFFSET);
	uint32_t p0 = ring_header()->prod, p1;
	int e = fs_sync(), flushed = 0;

	p1 = ring_header()->prod;
	for (uint32_t n = p1; n != p0 && p1 - n < RING_ENTRIES; n--) {
		const struct ring_desc *x = &d[(n - 1) % RING_ENTRIES];

		flushed |= x->device == RING_DEV_BLOCK && x->op == RING_OP_BLK_FLUSH && x->status == 0;
	}
	if (e == 0 && flushed)
		printf("fs: ok: sync: 0, after a FLUSH of the device\n");
	else
		FAIL("sync: got %s, %s\n", err_name(e),
		     flushed ? "with a FLUSH" : "and no FLUSH on the ring (fs_sync must call blk_flush)");
}

/* expect() for a call on inode ino: "fs: ok: inode N: call: -FS_E...". */
static void expect_ino(int ino, const char *call, int e, int want)
{
	if (e == want)
		printf("fs: ok: inode %d: %s: %s\n", ino, call, err_name(e));
	else
		FAIL("inode %d: %s: got %s (%d), want %s\n", ino, call, err_name(e), e,
		     err_name(want));
}

/* The calls that take an inode number refuse one out of range (-FS_EINVAL)
 * and a free one (-FS_ENOENT): an unchecked number indexes past the table,
 * and -1000000 may well crash the guest, so op=write tries them last. */
static void bad_inodes(void)
{
	static const int out[] = { -1, (int)FS_NINODES, -1000000 };
	int h = fs_lookup("hello.txt"), b = fs_lookup("big.bin"), e = fs_lookup("empty"), free = 0;
	char name[FS_NAME_BYTES];
	uint32_t size;

	/* The table was empty before the three files: any other inode is free. */
	while (free == h || free == b || free == e)
		free++;

	for (unsigned i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		expect_ino(out[i], "fs_stat", fs_stat(out[i], name, &size), -FS_EINVAL);
		expect_ino(out[i], "fs_read", fs_read(out[i], 0, buf, 16), -FS_EINVAL);
		expect_ino(out[i], "fs_write", fs_write(out[i], 0, "x", 1), -FS_EINVAL);
	}
	expect_ino(free, "fs_stat of a free inode", fs_stat(free, name, &size), -FS_ENOENT);
	expect_ino(free, "fs_read of a free inode", fs_read(free, 0, buf, 16), -FS_ENOENT);
	expect_ino(free, "fs_write to a free inode", fs_write(free, 0, "x", 1), -FS_ENOENT);
}

static int write_files(void)
{
	int h, b, e;
	uint32_t off;

	h = fs_create("hello.txt");
	b = fs_create("big.bin");
	e = fs_create("empty");
	if (h < 0 || b < 0 || e < 0 || h == b || b == e || h == e) {
		FAIL("fs_create of three files: %d %d %d\n", h, b, e);
		return -1;
	}
	if (fs_write(h, 0, hello, sizeof(hello) - 1) != (int)sizeof(hello) - 1)
		FAIL("writing hello.txt\n");
	for (off = 0; off < BIG_BYTES; off += CHUNK) {
		for (uint32_t i = 0; i < CHUNK; i++)
			buf[i] = big_byte(off + i);
		if (fs_write(b, off, buf, CHUNK) != (int)CHUNK) {
			FAIL("writing big.bin at %u\n", off);
			break;
		}
	}
	/* An overwrite inside the file: the size stays. */
	if (fs_write(h, 0, "HELLO", 5) != 5)
		FAIL("overwriting hello.txt's first 5 bytes\n");
	expect("a second file called hello.txt", fs_create("hello.txt"), -FS_EEXIST);
	expect("a name of 32 characters", fs_create("0123456789abcdef0123456789abcdef"), -FS_ENAME);
	expect("an empty name", fs_create(""), -FS_ENAME);
	expect("looking up a file that is not there", fs_lookup("nope"), -FS_ENOENT);
	expect("a write past the end (a hole)", fs_write(e, 10, "x", 1), -FS_EINVAL);
	/* Its source is the pool's free memory (mapped, and big enough), so that a
	 * write which misses the check reads nothing it may not. */
	expect("a write past the largest file",
	       fs_write(b, BIG_BYTES, gpa_to_virt(boot->free_gpa), FS_NDIRECT * FS_BLOCK_BYTES),
	       -FS_EFBIG);
	expect("a write to a bad inode number", fs_write(FS_NINODES, 0, "x", 1), -FS_EINVAL);
	return 0;
}

/* Every file: its name and size; how many there are. */
static int list(void)
{
	char name[FS_NAME_BYTES];
	uint32_t size;
	int n = 0;

	for (int i = 0; i < (int)FS_NINODES; i++)
		if (fs_stat(i, name, &size) == 0) {
			printf("fs: file %d: %s, %u bytes\n", i, name, size);
			n++;
		}
	return n;
}

/* Mount checks the layout fields, not just the magic: a superblock that is
 * right but for one of them (written raw to block 1, before the format) is
 * refused. Block 1 is put back as it was after: a format that fails must not
 * leave a superblock behind that the grader would take for its own. */
static void bad_supers(const struct ring_blk_geometry *g)
{
	static const char *const field[] = { "ninodes 0", "bitmap_block 5", "inode_block 5",
					     "data_block 5" };
	static uint8_t old[4096] __attribute__((aligned(4096)));
	uint64_t n = g->nsectors / FS_SECTORS_PER_BLOCK;

	if (blk_read(FS_SUPER_BLOCK * FS_SECTORS_PER_BLOCK, old, 4096) != 0) {
		FAIL("reading block 1\n");
		return;
	}

	for (int i = 0; i < 4; i++) {
		struct fs_super s = { .nblocks = n > FS_MAX_BLOCKS ? FS_MAX_BLOCKS : (uint32_t)n,
				      .ninodes = i == 0 ? 0 : FS_NINODES,
				      .bitmap_block = i == 1 ? 5 : FS_BITMAP_BLOCK,
				      .inode_block = i == 2 ? 5 : FS_INODE_BLOCK,
				      .data_block = i == 3 ? 5 : FS_DATA_BLOCK };
		char what[64] = "mount of a superblock with ";

		__builtin_memcpy(s.magic, FS_MAGIC, 8);
		__builtin_memset(buf, 0, sizeof(buf));
		__builtin_memcpy(buf, &s, sizeof(s));
		__builtin_memcpy(what + 27, field[i], __builtin_strlen(field[i]) + 1);
		if (blk_write(FS_SUPER_BLOCK * FS_SECTORS_PER_BLOCK, buf, 4096) != 0)
			FAIL("writing a test superblock to block 1\n");
		else
			expect(what, fs_mount(), -FS_ENOFS);
	}
	if (blk_write(FS_SUPER_BLOCK * FS_SECTORS_PER_BLOCK, old, 4096) != 0)
		FAIL("putting block 1 back\n");
}

static int op_write(void)
{
	struct ring_blk_geometry g;
	int e;

	ring_init();
	if (blk_geometry(&g) != 0) {
		printf("ABORT: no block device (the grader attaches one)\n");
		return 2;
	}
	printf("fs: disk of %lu sectors\n", g.nsectors);
	expect("mount before format (the disk holds no file system)", fs_mount(), -FS_ENOFS);
	bad_supers(&g);
	e = fs_format();
	expect("format", e, 0);
	if (e)
		return 1;
	expect("mount after format", fs_mount(), 0);
	/* What the superblock says, read back the way a host tool would. */
	if (blk_read(FS_SUPER_BLOCK * FS_SECTORS_PER_BLOCK, buf, 4096) == 0) {
		struct fs_super s;
		uint64_t want = g.nsectors / FS_SECTORS_PER_BLOCK;

		__builtin_memcpy(&s, buf, sizeof(s));
		want = want > FS_MAX_BLOCKS ? FS_MAX_BLOCKS : want;
		if (__builtin_memcmp(s.magic, FS_MAGIC, 8) == 0 && s.nblocks == want)
			printf("fs: ok: superblock: %u blocks of %u bytes\n", s.nblocks, FS_BLOCK_BYTES);
		else
			FAIL("superblock: magic %.8s, %u blocks (want CKFS0001, %lu)\n", s.magic,
			     s.nblocks, want);
		if (s.ninodes == FS_NINODES && s.bitmap_block == FS_BITMAP_BLOCK &&
		    s.inode_block == FS_INODE_BLOCK && s.data_block == FS_DATA_BLOCK && !s.reserved)
			printf("fs: ok: superblock layout: %u inodes, bitmap %u, inodes %u, data %u, "
			       "reserved 0\n", s.ninodes, s.bitmap_block, s.inode_block, s.data_block);
		else
			FAIL("superblock layout: %u inodes, bitmap %u, inodes %u, data %u, reserved %u "
			     "(want %u, %u, %u, %u, 0: fs.h)\n", s.ninodes, s.bitmap_block,
			     s.inode_block, s.data_block, s.reserved, (unsigned)FS_NINODES,
			     FS_BITMAP_BLOCK, FS_INODE_BLOCK, FS_DATA_BLOCK);
	}
	check_bitmap("after format");
	if (write_files() == 0)
		printf("fs: wrote %d files\n", list());
	check_bitmap("after the writes");
	check_sync();
	bad_inodes();
	return 0;
}

static void check_hello(void)
{
	int h = fs_lookup("hello.txt"), n;
	char want[sizeof(hello) + sizeof(second)];

	__builtin_memcpy(want, hello, sizeof(hello));
	__builtin_memcpy(want, "HELLO", 5);
	if (h < 0) {
		FAIL("hello.txt is not there (%s)\n", err_name(h));
		return;
	}
	n = fs_read(h, 0, buf, sizeof(buf));
	if (n == (int)sizeof(hello) - 1 && __builtin_memcmp(buf, want, (uint64_t)n) == 0)
		printf("fs: ok: hello.txt read back: %d bytes, as written\n", n);
	else
		FAIL("hello.txt: read %d bytes (want %u) or they differ\n", n,
		     (unsigned)sizeof(hello) - 1);
	/* Append, then read the whole file from an odd offset. */
	if (fs_write(h, (uint32_t)sizeof(hello) - 1, second, sizeof(second) - 1) !=
	    (int)sizeof(second) - 1) {
		FAIL("appending to hello.txt\n");
		return;
	}
	__builtin_memcpy(want + sizeof(hello) - 1, second, sizeof(second));
	n = fs_read(h, 3, buf, sizeof(buf));
	if (n == (int)(sizeof(hello) + sizeof(second) - 2 - 3) &&
	    __builtin_memcmp(buf, want + 3, (uint64_t)n) == 0)
		printf("fs: ok: appended to hello.txt: now %d bytes\n", n + 3);
	else
		FAIL("after appending, hello.txt from offset 3: %d bytes or they differ\n", n);
}

/* big.bin (inode b) from offset 0 in chunks of 777 bytes, so that every read
 * straddles a block boundary sometime: *off the bytes read, *bad how many
 * differ from what was written; returns the last fs_read's result. */
static int read_big(int b, uint32_t *off, uint32_t *bad)
{
	int n;

	*off = *bad = 0;
	while ((n = fs_read(b, *off, buf, 777)) > 0) {
		for (int i = 0; i < n; i++)
			*bad += buf[i] != big_byte(*off + (uint32_t)i);
		*off += (uint32_t)n;
	}
	return n;
}

static void check_big(void)
{
	int b = fs_lookup("big.bin"), n;
	uint32_t off, bad;

	if (b < 0) {
		FAIL("big.bin is not there (%s)\n", err_name(b));
		return;
	}
	n = read_big(b, &off, &bad);
	if (n == 0 && off == BIG_BYTES && !bad)
		printf("fs: ok: big.bin read back: %u bytes, as written\n", off);
	else
		FAIL("big.bin: %u bytes read (want %u), %u differ, last read %d\n", off, BIG_BYTES,
		     bad, n);
	expect("a read at the end of big.bin", fs_read(b, BIG_BYTES, buf, 10), 0);
}

/* Block j of fill file k: its own bytes, so that a block two files share,
 * or one written to the wrong place, reads back wrong. */
static void fill_block(int k, uint32_t j)
{
	for (uint32_t i = 0; i < FS_BLOCK_BYTES; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8) + j * 29 + (uint32_t)k * 101);
	buf[0] = (uint8_t)k, buf[1] = (uint8_t)j;
}

/* Runs out of data blocks: on a disk where 32 full files would not fit (the
 * 1 MiB test disk: 252 data blocks, 32 x 22 = 704), new files of whole
 * blocks until a write says -FS_ENOSPC. Every block that was free must have
 * been handed out, once: then the file system still mounts, every file
 * reads back, and the bitmap is full. */
static void fill(void)
{
	uint32_t nblocks = disk_blocks(), want, got = 0, j = 0;
	int k, ino = -1, e = 0;
	char name[8] = "fill00", nm[FS_NAME_BYTES];

	/* hello.txt (54 bytes) and big.bin (20000) hold 1 + 5 blocks. */
	if (nblocks < FS_DATA_BLOCK + 6 ||
	    nblocks - FS_DATA_BLOCK >= FS_NINODES * FS_NDIRECT) {
		printf("fs: fill: not on this disk (%u blocks: the inodes would run out first)\n",
		       nblocks);
		return;
	}
	want = nblocks - FS_DATA_BLOCK - 6;
	for (k = 0; k < (int)FS_NINODES && e == 0; k++) {
		name[4] = (char)('0' + k / 10), name[5] = (char)('0' + k % 10);
		if ((ino = fs_create(name)) < 0) {
			FAIL("fill: creating %s: %s\n", name, err_name(ino));
			return;
		}
		for (j = 0; j < FS_NDIRECT; j++) {
			fill_block(k, j);
			e = fs_write(ino, j * FS_BLOCK_BYTES, buf, FS_BLOCK_BYTES);
			if (e != (int)FS_BLOCK_BYTES)
				break;
			e = 0, got++;
		}
	}
	if (e == -FS_ENOSPC && got == want)
		printf("fs: ok: filled the disk: %u blocks in %d files, then -FS_ENOSPC\n", got, k);
	else {
		FAIL("fill: %u blocks written (%u were free), then %s (want -FS_ENOSPC)\n", got,
		     want, e ? err_name(e) : "no error");
		return;
	}
	/* And the one refused changed nothing: its file still has j blocks. */
	if (fs_mount() != 0) {
		FAIL("fill: mount after -FS_ENOSPC\n");
		return;
	}
	for (int f = 0; f < k; f++) {
		uint32_t size = 0, blocks = f < k - 1 ? FS_NDIRECT : j, bad = 0;

		name[4] = (char)('0' + f / 10), name[5] = (char)('0' + f % 10);
		ino = fs_lookup(name);
		if (ino < 0 || fs_stat(ino, nm, &size) != 0 || size != blocks * FS_BLOCK_BYTES) {
			FAIL("fill: %s: inode %d, %u bytes, want %u\n", name, ino, size,
			     blocks * FS_BLOCK_BYTES);
			return;
		}
		for (uint32_t b = 0; b < blocks; b++) {
			static uint8_t back[4096] __attribute__((aligned(4096)));

			fill_block(f, b);
			if (fs_read(ino, b * FS_BLOCK_BYTES, back, FS_BLOCK_BYTES) != (int)FS_BLOCK_BYTES ||
			    __builtin_memcmp(back, buf, FS_BLOCK_BYTES) != 0)
				bad++;
		}
		if (bad) {
			FAIL("fill: %s: %u of its %u blocks read back wrong\n", name, bad, blocks);
			return;
		}
	}
	ino = fs_lookup("big.bin");
	if (ino >= 0 && read_big(ino, &got, &j) == 0 && got == BIG_BYTES && !j &&
	    fs_lookup("hello.txt") >= 0)
		printf("fs: ok: after -FS_ENOSPC: mounts, all %d files and big.bin read back\n", k);
	else
		FAIL("fill: big.bin or hello.txt is not what it was after the disk filled up\n");
	check_bitmap("of a full disk");
}

static int op_read(void)
{
	char name[FS_NAME_BYTES];
	uint32_t size = 1;
	int e, n, empty;

	ring_init();
	e = fs_mount();
	expect("mount (what an earlier boot wrote)", e, 0);
	if (e)
		return 1;
	n = list();
	if (n == 3)
		printf("fs: ok: 3 files found\n");
	else
		FAIL("%d files found, want 3\n", n);
	check_hello();
	check_big();
	/* Every disk the grader gives is the test disk (or begins like it). */
	if (blk_read(0, buf, 512) == 0 && __builtin_memcmp(buf, DISKIMG_MAGIC, 8) == 0)
		printf("fs: ok: block 0 (the disk's label) left alone\n");
	else
		FAIL("block 0 was written: the disk's label %s is gone\n", DISKIMG_MAGIC);
	empty = fs_lookup("empty");
	if (empty >= 0 && fs_stat(empty, name, &size) == 0 && size == 0)
		printf("fs: ok: empty is there and empty\n");
	else
		FAIL("the file 'empty': inode %d, size %u\n", empty, size);
	check_bitmap("after the append");
	fill();
	check_sync();
	return 0;
}

int prog_lab_fs(void)
{
	char op[16];
	int r;

	cmdline_arg("op", op, sizeof(op));
	if (__builtin_strcmp(op, "write") == 0)
		r = op_write();
	else if (__builtin_strcmp(op, "read") == 0)
		r = op_read();
	else {
		printf("ABORT: lab-fs needs op=write (format and write) or op=read (read back)\n");
		return 2;
	}
	if (r || failures) {
		printf("ABORT: %d fs checks failed\n", failures + (r != 0 && !failures));
		return 1;
	}
	return 0;
}
