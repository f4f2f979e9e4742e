/* Bad input from user space to /dev/cokernel: every case gets its errno, the
 * host goes on, and a good guest still runs on the same file afterwards. Runs
 * inside the Linux-host VM (scripts/linux/scenario.sh "errors"); the guest ELF
 * is /guest.elf. Prints one line a check and "N passed, N failed"; exits 0 if
 * none failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../proto/linux_ioctl.h"

static int passed, failed;
static char out[64 * 1024];
static struct ck_req reqs[CK_MAX_REQS];
static uint8_t *image;
static size_t image_len;

/* rc is an ioctl's or mmap's result: -1 with errno, or anything else. */
static void expect(const char *what, int failed_call, int want)
{
	int got = failed_call ? errno : 0;

	if (got == want) {
		passed++;
		printf("ok   %s: %s\n", what, want ? strerrorname_np(want) : "0");
	} else {
		failed++;
		printf("FAIL %s: expected %s, got %s\n", what, want ? strerrorname_np(want) : "0",
		       got ? strerrorname_np(got) : "0");
	}
}

static int dev(void)
{
	int fd = open(CK_DEVICE, O_RDWR);

	if (fd < 0) {
		perror(CK_DEVICE);
		exit(2);
	}
	return fd;
}

static struct ck_setup good_setup(const char *cmdline)
{
	return (struct ck_setup){ .image_ptr = (uintptr_t)image, .image_len = image_len,
				  .cmdline_ptr = (uintptr_t)cmdline, .out_ptr = (uintptr_t)out,
				  .out_len = sizeof(out) };
}

static int setup(int fd, struct ck_setup s)
{
	return ioctl(fd, CK_IOC_SETUP, &s) < 0;
}

static struct ck_run good_run(void)
{
	return (struct ck_run){ .out_ptr = (uintptr_t)out, .out_len = sizeof(out),
				.reqs_ptr = (uintptr_t)reqs };
}

static int run(int fd, struct ck_run *r)
{
	return ioctl(fd, CK_IOC_RUN, r) < 0;
}

static int crash(int fd, struct ck_crash *c)
{
	return ioctl(fd, CK_IOC_CRASH, c) < 0;
}

/* RUN until the guest ends; its text appended to all[0, *seen). */
static int run_to_end(int fd, struct ck_run *r, char *all, size_t size, size_t *seen)
{
	int g;

	do { /* the guest's text may come over several RUNs: keep all of it */
		g = run(fd, r);
		if (!g && *seen + r->out_written <= size) {
			memcpy(all + *seen, out, r->out_written);
			*seen += r->out_written;
		}
	} while (!g && r->exit != CK_EXIT_DONE);
	return g;
}

/* CRASH of a guest that crashed: its registers and windows, twice alike
 * (the call only reads). */
static void crashed_guest(void)
{
	static char all[64 * 1024];
	static struct ck_crash c, again;
	size_t seen = 0;
	struct ck_run r = good_run();
	int fd = dev(), text = -1;

	if (setup(fd, good_setup("guest=crash pool=4M")) || run_to_end(fd, &r, all, sizeof(all), &seen)) {
		printf("FAIL guest=crash did not run to its end: %s\n", strerror(errno));
		failed++;
		close(fd);
		return;
	}
	expect("CRASH with its buffer at a bad address", crash(fd, (void *)16), EFAULT);
	expect("CRASH with its buffer read-only",
	       crash(fd, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)), EFAULT);
	memset(&c, 0xa5, sizeof(c));
	expect("CRASH of a guest that crashed", crash(fd, &c), 0);
	for (unsigned i = 0; i < c.nmaps && i < CK_CRASH_MAPS; i++)
		if ((c.map[i].flags & 1) && c.regs[18] - c.map[i].gva < c.map[i].bytes)
			text = (int)i;
	if (r.status == 100 && c.regs[16] == 14 && text >= 0 && c.nmaps >= 2 &&
	    c.map[c.nmaps - 1].bytes == 4 << 20 && !strcmp(c.args, "guest=crash") &&
	    !strcmp(c.program, "guest.elf") && c.pad == 0 && c.map[0].pad == 0) {
		passed++;
		printf("ok   the crash: status 100, #PF at rip %llx in window %d, %u windows, "
		       "the pool's whole 4 MiB among them\n",
		       (unsigned long long)c.regs[18], text, c.nmaps);
	} else {
		failed++;
		printf("FAIL the crash: status %u, vector %llu, rip %llx, %u windows, args '%.80s'\n",
		       r.status, (unsigned long long)c.regs[16], (unsigned long long)c.regs[18],
		       c.nmaps, c.args);
	}
	expect("CRASH a second time", crash(fd, &again), 0);
	if (memcmp(&c, &again, sizeof(c)))
		printf("FAIL a second CRASH says something else\n"), failed++;
	close(fd);
}

int main(void)
{
	static char junk[4096], longline[400], all[256 * 1024];
	size_t seen = 0;
	struct ck_setup s;
	struct ck_run r;
	struct stat st;
	int fd = open("/guest.elf", O_RDONLY), g;
	void *map;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fd < 0 || fstat(fd, &st) < 0 || !(image = malloc(st.st_size)) ||
	    read(fd, image, st.st_size) != st.st_size) {
		perror("/guest.elf");
		return 2;
	}
	image_len = (size_t)st.st_size;
	close(fd);
	memset(junk, 'x', sizeof(junk));
	memset(longline, 'a', sizeof(longline));

	fd = dev();
	expect("an unknown ioctl", ioctl(fd, _IO('k', 99)) < 0, ENOTTY);
	r = good_run();
	expect("RUN before SETUP", run(fd, &r), ENXIO);
	expect("CRASH before SETUP", crash(fd, &(struct ck_crash){ 0 }), ENXIO);
	expect("mmap before SETUP", mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED, ENXIO);
	expect("SETUP with its argument at a bad address", ioctl(fd, CK_IOC_SETUP, (void *)16) < 0, EFAULT);
	s = good_setup("guest=hello");
	s.image_len = 0;
	expect("SETUP with an empty image", setup(fd, s), EINVAL);
	s = good_setup("guest=hello");
	s.image_len = CK_IMAGE_MAX_BYTES + 1;
	expect("SETUP with an image over 16 MiB", setup(fd, s), E2BIG);
	s = good_setup("guest=hello");
	s.out_len = 16;
	expect("SETUP with a 16-byte output buffer", setup(fd, s), EINVAL);
	s = good_setup("guest=hello");
	s.image_ptr = 0;
	expect("SETUP with the image at NULL", setup(fd, s), EFAULT);
	s = good_setup(NULL);
	expect("SETUP with the command line at NULL", setup(fd, s), EFAULT);
	s = good_setup(longline);
	expect("SETUP with a command line of 400 bytes, no NUL", setup(fd, s), E2BIG);
	s = good_setup("guest=hello");
	s.image_ptr = (uintptr_t)junk;
	s.image_len = sizeof(junk);
	expect("SETUP with an image that is not ELF", setup(fd, s), ENOEXEC);
	printf("     the monitor said: %.*s", (int)s.out_written, out);
	expect("SETUP with pool=12Q", setup(fd, good_setup("guest=hello pool=12Q")), EINVAL);
	expect("SETUP with a pool larger than the host's memory",
	       setup(fd, good_setup("guest=hello pool=4G")), ENOMEM);
	s = good_setup("guest=hello");
	s.disk_read_only = 7;
	expect("SETUP with disk_read_only 7", setup(fd, s), EINVAL);

	/* A good guest on the same file, after all that. */
	expect("SETUP of a good guest", setup(fd, good_setup("guest=hello pool=4M")), 0);
	expect("a second SETUP on the same file", setup(fd, good_setup("guest=hello")), EBUSY);
	expect("mmap larger than the pool",
	       mmap(NULL, 8 << 20, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED, EINVAL);
	expect("mmap at a non-zero offset",
	       mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096) == MAP_FAILED, EINVAL);
	expect("mmap executable", mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0) == MAP_FAILED,
	       EPERM);
	expect("mmap private (copy-on-write)",
	       mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED, EINVAL);
	map = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect("mmap of the whole pool", map == MAP_FAILED, 0);
	expect("mprotect of the pool to executable",
	       map != MAP_FAILED && mprotect(map, 4096, PROT_READ | PROT_EXEC) < 0, EACCES);
	r = good_run();
	r.out_len = 100;
	expect("RUN with a 100-byte output buffer", run(fd, &r), EINVAL);
	r = good_run();
	r.input_len = CK_INPUT_MAX_BYTES + 1;
	expect("RUN with 257 bytes of input", run(fd, &r), EINVAL);
	r = good_run();
	r.reqs_ptr = 0;
	expect("RUN without a request array", run(fd, &r), EINVAL);
	r = good_run();
	r.input_ptr = 8;
	r.input_len = 4;
	expect("RUN with input at a bad address", run(fd, &r), EFAULT);
	r = good_run();
	r.out_ptr = 8;
	expect("RUN with the output buffer at a bad address", run(fd, &r), EFAULT);
	expect("CRASH of a guest that has not ended", crash(fd, &(struct ck_crash){ 0 }), EBUSY);
	r = good_run();
	g = run_to_end(fd, &r, all, sizeof(all), &seen);
	expect("the guest still runs to its end", g, 0);
	if (r.status != 0 || !memmem(all, seen, "SUCCESS", 7))
		printf("FAIL the guest's status is %u\n", r.status), failed++;
	expect("RUN after the end", run(fd, &r), ESRCH);
	expect("CRASH of a guest that exited", crash(fd, &(struct ck_crash){ 0 }), ENODATA);
	close(fd);
	crashed_guest();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
