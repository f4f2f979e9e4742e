/* Lab fs's test program (guest=lab-fs op=write|read): op=write formats the
 * disk and writes three files; op=read, run on the same disk in a later boot
 * (or a later run of the same boot), finds them there, reads them back and
 * appends to one. One line per check, "fs: ok: ..." or "fs: FAIL: ...", which
 * the grader (labs/fs/grade.sh) reads. */
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
	}
	if (write_files() == 0)
		printf("fs: wrote %d files\n", list());
	expect("sync", fs_sync(), 0);
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

static void check_big(void)
{
	int b = fs_lookup("big.bin"), n;
	uint32_t off = 0, bad = 0;

	if (b < 0) {
		FAIL("big.bin is not there (%s)\n", err_name(b));
		return;
	}
	/* Chunks of 777 bytes: every read straddles a block boundary sometime. */
	while ((n = fs_read(b, off, buf, 777)) > 0) {
		for (int i = 0; i < n; i++)
			bad += buf[i] != big_byte(off + (uint32_t)i);
		off += (uint32_t)n;
	}
	if (n == 0 && off == BIG_BYTES && !bad)
		printf("fs: ok: big.bin read back: %u bytes, as written\n", off);
	else
		FAIL("big.bin: %u bytes read (want %u), %u differ, last read %d\n", off, BIG_BYTES,
		     bad, n);
	expect("a read at the end of big.bin", fs_read(b, BIG_BYTES, buf, 10), 0);
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
	expect("sync", fs_sync(), 0);
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
