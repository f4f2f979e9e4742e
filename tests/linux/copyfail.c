/* Fault injection on /dev/cokernel: every user copy that SETUP and RUN make is
 * made to fail in turn, its buffer PROT_NONE, read-only (a copy out fails
 * after the copies in succeeded) or unmapped by another thread just before
 * the call, and each failed call must have changed nothing: no guest set up,
 * the same pages held, the pool byte for byte as it was. The same call with
 * good buffers then goes on. At the end the guests and the disk must show
 * that the completed calls, and only those, took effect: blk read back what
 * it wrote and the disk file is the test disk with exactly blk's writes in
 * it; echo wrote its input back exactly once. Runs in the Linux-host VM
 * (scripts/linux/scenario.sh "copyfail"). usage: copyfail DISK-COPY; prints
 * one line a check and "N passed, N failed"; exits 0 if none failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../proto/diskimg.h"
#include "../../proto/linux_ioctl.h"
#include "../../proto/ring.h"

#define PAGE 4096
#define OUT_BYTES (64 * 1024)
#define TEXT_MAX (256 * 1024)

static int passed, failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ok ? passed++ : failed++;
}

static void die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ---- buffers that can be broken ---- */
enum how { BAD_PROT_NONE, BAD_READ_ONLY, BAD_UNMAPPED, NHOW };
static const char *how_name[NHOW] = { "PROT_NONE", "read-only", "unmapped by another thread" };

struct buf {
	const char *name;
	void *p;
	size_t len; /* whole pages: each buffer alone in its pages */
};

static void buf_new(struct buf *b, const char *name, size_t len)
{
	b->name = name;
	b->len = (len + PAGE - 1) / PAGE * PAGE;
	b->p = mmap(NULL, b->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->p == MAP_FAILED)
		die("mmap of a buffer");
}

static void *unmapper(void *arg)
{
	struct buf *b = arg;

	if (munmap(b->p, b->len) != 0)
		die("munmap by the other thread");
	return NULL;
}

static void buf_break(struct buf *b, enum how h)
{
	pthread_t t;

	if (h == BAD_UNMAPPED) {
		if (pthread_create(&t, NULL, unmapper, b) != 0 || pthread_join(t, NULL) != 0)
			die("the unmapping thread");
	} else if (mprotect(b->p, b->len, h == BAD_PROT_NONE ? PROT_NONE : PROT_READ) != 0) {
		die("mprotect");
	}
}

/* Usable again; its content is put back by the caller (an unmapped one is new). */
static void buf_heal(struct buf *b, enum how h)
{
	if (h == BAD_UNMAPPED) {
		if (mmap(b->p, b->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) != b->p)
			die("mmap of the buffer again");
	} else if (mprotect(b->p, b->len, PROT_READ | PROT_WRITE) != 0) {
		die("mprotect back");
	}
}

/* ---- one tally per (call, buffer, way): how often, how often right ---- */
struct tally {
	char what[96];
	int times, good;
	char first_bad[160];
};
static struct tally tallies[64];
static int ntallies;

static void tally(const char *call, const char *buf, enum how h, const char *bad)
{
	char what[96];
	struct tally *t = NULL;

	snprintf(what, sizeof(what), "%s with its %s buffer %s", call, buf, how_name[h]);
	for (int i = 0; i < ntallies; i++)
		if (!strcmp(tallies[i].what, what))
			t = &tallies[i];
	if (!t) {
		t = &tallies[ntallies++];
		snprintf(t->what, sizeof(t->what), "%s", what);
	}
	t->times++;
	if (!bad)
		t->good++;
	else if (!t->first_bad[0])
		snprintf(t->first_bad, sizeof(t->first_bad), "%s", bad);
}

static void report_tallies(void)
{
	for (int i = 0; i < ntallies; i++) {
		struct tally *t = &tallies[i];

		if (t->good == t->times)
			check(1, "%s: EFAULT and nothing changed, %d time(s)", t->what, t->times);
		else
			check(0, "%s: %d of %d time(s) wrong, first: %s", t->what, t->times - t->good,
			      t->times, t->first_bad);
	}
	memset(tallies, 0, sizeof(tallies));
	ntallies = 0;
}

static long sysfs_long(const char *name)
{
	char path[128], v[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/cokernel/parameters/%s", name);
	f = fopen(path, "r");
	if (!f || !fgets(v, sizeof(v), f))
		die(path);
	fclose(f);
	return atol(v);
}

/* ---- one guest, driven with a failure injected into every copy of every call ---- */
struct guest {
	int fd;
	uint8_t *pool, *snapshot;
	size_t pool_bytes;
	int disk;
	struct buf st, out, reqs, input;
	struct ck_run run;                 /* what the struct buffer gets before each call */
	struct ck_req answers[CK_MAX_REQS]; /* what the request array gets */
	char in[CK_INPUT_MAX_BYTES];       /* what the input buffer gets */
	char text[TEXT_MAX];               /* all text RUN handed out */
	size_t text_len;
	char echoed[TEXT_MAX];             /* all console writes the guest asked for */
	size_t echoed_len;
	const char *input_left;            /* console input not yet given */
	int block_writes;
};

static void fill(struct guest *g)
{
	memcpy(g->st.p, &g->run, sizeof(g->run));
	memcpy(g->reqs.p, g->answers, sizeof(g->answers));
	memcpy(g->input.p, g->in, sizeof(g->in));
}

/* What a failed RUN may not have changed, or NULL if nothing did. */
static const char *changed(struct guest *g)
{
	static char why[160];

	if (memcmp(g->pool, g->snapshot, g->pool_bytes) != 0) {
		size_t i = 0;

		while (g->pool[i] == g->snapshot[i])
			i++;
		snprintf(why, sizeof(why), "the pool changed at gpa %zx", i);
		return why;
	}
	return NULL;
}

/* One RUN: first once with each of its buffers broken in each way that
 * makes a copy fail (each must fail with EFAULT having changed nothing),
 * then with good buffers. Returns the good call's result. */
static int run_once(struct guest *g)
{
	struct buf *bufs[] = { &g->st, &g->out, &g->reqs, &g->input };
	long held = sysfs_long("pages_held");
	int rc;

	memcpy(g->snapshot, g->pool, g->pool_bytes);
	for (unsigned b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++) {
		for (enum how h = 0; h < NHOW; h++) {
			char bad[160] = "";
			int err;

			if (bufs[b] == &g->input && (g->run.input_len == 0 || h == BAD_READ_ONLY))
				continue; /* not read at all, or only read */
			fill(g);
			buf_break(bufs[b], h);
			rc = ioctl(g->fd, CK_IOC_RUN, g->st.p);
			err = errno;
			buf_heal(bufs[b], h);
			if (rc != -1 || err != EFAULT)
				snprintf(bad, sizeof(bad), "returned %d (%s), expected EFAULT", rc,
					 rc ? strerrorname_np(err) : "success");
			else if (changed(g))
				snprintf(bad, sizeof(bad), "%s", changed(g));
			else if (sysfs_long("pages_held") != held)
				snprintf(bad, sizeof(bad), "pages held went from %ld to %ld", held,
					 sysfs_long("pages_held"));
			tally("RUN", bufs[b]->name, h, bad[0] ? bad : NULL);
		}
	}
	fill(g);
	rc = ioctl(g->fd, CK_IOC_RUN, g->st.p);
	if (rc == 0) {
		struct ck_run *r = g->st.p;

		memcpy(&g->run, r, sizeof(*r));
		if (g->text_len + r->out_written <= sizeof(g->text)) {
			memcpy(g->text + g->text_len, g->out.p, r->out_written);
			g->text_len += r->out_written;
		}
		if (r->exit == CK_EXIT_IO)
			memcpy(g->answers, g->reqs.p, r->nreqs * sizeof(struct ck_req));
	}
	return rc;
}

/* The runner's work on a batch, as cokrun does it. */
static void complete(struct guest *g)
{
	for (uint32_t k = 0; k < g->run.nreqs; k++) {
		struct ck_req *q = &g->answers[k];
		ssize_t n = 0;

		if (q->device == RING_DEV_CONSOLE) {
			if (g->echoed_len + q->len <= sizeof(g->echoed)) {
				memcpy(g->echoed + g->echoed_len, g->pool + q->gpa, q->len);
				g->echoed_len += q->len;
			}
			n = q->len;
		} else if (q->op == RING_OP_BLK_READ) {
			n = pread(g->disk, g->pool + q->gpa, q->len, (off_t)q->disk_off);
		} else if (q->op == RING_OP_BLK_WRITE) {
			n = pwrite(g->disk, g->pool + q->gpa, q->len, (off_t)q->disk_off);
			g->block_writes++;
		} else if (q->op == RING_OP_BLK_FLUSH) {
			n = fsync(g->disk);
		}
		q->status = n < 0 ? -1 : 0;
		q->done = n < 0 ? 0 : (uint32_t)n;
	}
}

/* SETUP with each of its buffers broken in turn, then for real. */
static int setup(struct guest *g, const char *cmdline, const void *image, size_t image_len,
		 uint64_t disk_sectors)
{
	struct buf cmd, img, *bufs[] = { &g->st, &cmd, &img, &g->out };
	struct ck_setup s = { .image_len = image_len, .disk_sectors = disk_sectors,
			      .out_len = OUT_BYTES };
	long held = sysfs_long("pages_held"), guests = sysfs_long("guests");
	int rc;

	buf_new(&cmd, "command line", strlen(cmdline) + 1);
	buf_new(&img, "image", image_len);
	s.cmdline_ptr = (uintptr_t)cmd.p;
	s.image_ptr = (uintptr_t)img.p;
	s.out_ptr = (uintptr_t)g->out.p;
	for (unsigned b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++) {
		for (enum how h = 0; h < NHOW; h++) {
			char bad[160] = "";
			void *map;
			int err;

			if ((bufs[b] == &cmd || bufs[b] == &img) && h == BAD_READ_ONLY)
				continue; /* only read */
			memcpy(cmd.p, cmdline, strlen(cmdline) + 1);
			memcpy(img.p, image, image_len);
			memcpy(g->st.p, &s, sizeof(s));
			buf_break(bufs[b], h);
			rc = ioctl(g->fd, CK_IOC_SETUP, g->st.p);
			err = errno;
			buf_heal(bufs[b], h);
			map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, g->fd, 0);
			if (rc != -1 || err != EFAULT)
				snprintf(bad, sizeof(bad), "returned %d (%s), expected EFAULT", rc,
					 rc ? strerrorname_np(err) : "success");
			else if (sysfs_long("pages_held") != held || sysfs_long("guests") != guests)
				snprintf(bad, sizeof(bad), "pages held %ld -> %ld, guests %ld -> %ld",
					 held, sysfs_long("pages_held"), guests, sysfs_long("guests"));
			else if (map != MAP_FAILED || errno != ENXIO)
				snprintf(bad, sizeof(bad), "the file can be mapped: it was set up");
			if (map != MAP_FAILED)
				munmap(map, PAGE);
			tally("SETUP", bufs[b]->name, h, bad[0] ? bad : NULL);
		}
	}
	memcpy(cmd.p, cmdline, strlen(cmdline) + 1);
	memcpy(img.p, image, image_len);
	memcpy(g->st.p, &s, sizeof(s));
	rc = ioctl(g->fd, CK_IOC_SETUP, g->st.p);
	check(rc == 0, "SETUP %s with good buffers after the failed ones: %s", cmdline,
	      rc ? strerrorname_np(errno) : "0 (not EBUSY: none of them set a guest up)");
	memcpy(&s, g->st.p, sizeof(s));
	if (rc == 0 && s.out_written <= sizeof(g->text)) {
		memcpy(g->text, g->out.p, s.out_written);
		g->text_len = s.out_written;
	}
	munmap(cmd.p, cmd.len);
	munmap(img.p, img.len);
	g->pool_bytes = s.pool_bytes;
	return rc;
}

/* A whole guest: SETUP, then RUN until it ends, every call with every failure. */
static int drive(struct guest *g, const char *cmdline, const void *image, size_t image_len,
		 int disk, uint64_t disk_sectors, const char *input)
{
	int rc, runs = 0;

	memset(g, 0, sizeof(*g));
	g->disk = disk;
	g->input_left = input;
	g->fd = open(CK_DEVICE, O_RDWR);
	if (g->fd < 0)
		die(CK_DEVICE);
	buf_new(&g->st, "struct", sizeof(struct ck_run) > sizeof(struct ck_setup) ?
					  sizeof(struct ck_run) : sizeof(struct ck_setup));
	buf_new(&g->out, "text", OUT_BYTES);
	buf_new(&g->reqs, "request-array", sizeof(g->answers));
	buf_new(&g->input, "input", CK_INPUT_MAX_BYTES);
	if (setup(g, cmdline, image, image_len, disk_sectors) != 0)
		return -1;
	g->pool = mmap(NULL, g->pool_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	g->snapshot = malloc(g->pool_bytes);
	if (g->pool == MAP_FAILED || !g->snapshot)
		die("mapping the pool");
	g->run = (struct ck_run){ .out_ptr = (uintptr_t)g->out.p, .out_len = OUT_BYTES,
				  .reqs_ptr = (uintptr_t)g->reqs.p,
				  .input_ptr = (uintptr_t)g->input.p };
	for (;;) {
		rc = run_once(g);
		runs++;
		if (rc != 0 || g->run.exit == CK_EXIT_DONE)
			break;
		g->run.input_len = 0;
		if (g->run.exit == CK_EXIT_IO) {
			complete(g);
		} else if (g->run.exit == CK_EXIT_WAIT && *g->input_left) {
			/* A few bytes at a time, with the next RUN: more calls carry input. */
			size_t n = strnlen(g->input_left, 3);

			memcpy(g->in, g->input_left, n);
			g->input_left += n;
			g->run.input_len = (uint32_t)n;
		}
	}
	check(rc == 0 && g->run.exit == CK_EXIT_DONE,
	      "%s ran to its end over %d RUNs, each tried first with every copy failing", cmdline,
	      runs);
	fill(g);
	rc = ioctl(g->fd, CK_IOC_RUN, g->st.p);
	check(rc == -1 && errno == ESRCH, "RUN after the end: %s",
	      rc ? strerrorname_np(errno) : "0");
	munmap(g->pool, g->pool_bytes);
	free(g->snapshot);
	close(g->fd);
	return (int)g->run.status;
}

static void *read_all(const char *path, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || !(p = malloc((size_t)st.st_size)) ||
	    pread(fd, p, (size_t)st.st_size, 0) != st.st_size)
		die(path);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

int main(int argc, char **argv)
{
	static struct guest g;
	size_t image_len, disk_len, now_len;
	uint8_t *image, *disk_before, *disk_after;
	uint64_t tail;
	int disk, status, tail_ok = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: copyfail DISK-COPY\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	image = read_all("/guest.elf", &image_len);
	disk_before = read_all(argv[1], &disk_len);
	disk = open(argv[1], O_RDWR);
	if (disk < 0)
		die(argv[1]);

	/* blk: block reads, a write, a flush and a batch of 64. */
	status = drive(&g, "guest=blk pool=2M", image, image_len, disk, disk_len / 512, "");
	report_tallies();
	check(status == 0 && memmem(g.text, g.text_len, "SUCCESS", 7),
	      "blk exit status %d: it read back what it wrote, every request it saw succeeded",
	      status);
	check(g.block_writes == 1, "the runner wrote the disk %d time(s), once for blk's one write",
	      g.block_writes);
	disk_after = read_all(argv[1], &now_len);
	tail = (uint64_t)(DISKIMG_SECTORS - DISKIMG_WRITE_SECTORS) * 512;
	for (uint64_t i = tail; i < now_len && tail_ok; i++)
		tail_ok = disk_after[i] == diskimg_written_byte((uint32_t)(i - tail));
	check(now_len == disk_len && !memcmp(disk_before, disk_after, tail) && tail_ok,
	      "the disk file is the test disk with exactly blk's writes in it");
	close(disk);

	/* echo: console input over several RUNs, each written back once. */
	status = drive(&g, "guest=echo pool=2M", image, image_len, -1, 0, "hello\nquit\n");
	report_tallies();
	check(status == 0, "echo exit status %d", status);
	check(g.echoed_len == 11 && !memcmp(g.echoed, "hello\nquit\n", 11),
	      "echo wrote its input back exactly once (%zu bytes: hello, quit)", g.echoed_len);
	check(sysfs_long("guests") == 0, "no guest left open");
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
