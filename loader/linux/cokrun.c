/* cokrun: the Linux host's user-space runner, as coLinux's daemon was. It
 * gives /dev/cokernel a guest (the one built in, or --image FILE), maps the
 * guest's pool, and calls RUN in a loop: it prints what the monitor and the
 * guest say, completes console writes on stdout and block requests on the
 * disk file (pread, pwrite, fsync), feeds stdin to the guest when it waits
 * and at the end of each slice (HCEV_INPUT reaches a guest that computes),
 * and exits with the guest's status: its exit code (0..99), 100 if it
 * crashed, 101 if the monitor refused it, 102 for an error of the runner's,
 * 130 if a signal stopped it. proto/linux_ioctl.h is the interface. With
 * --core FILE, a guest that crashed leaves an ELF core there for gdb
 * (loader/elfcore.c writes it; docs/CRASHDUMP.md). A second thread, the
 * completion thread, does the batches the guest posts with HCPOST_ASYNC while
 * the main thread's RUN goes on with the guest (SERVE). With --tap NAME the
 * guest's network device is that TAP interface (tap.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../elfcore.h"
#include "tap.h"
#include "../../proto/errors.h"
#include "../../proto/linux_ioctl.h"
#include "../../proto/ring.h"

#define EXIT_REFUSED 101
#define EXIT_RUNNER 102
#define EXIT_SIGNAL 130
#define OUT_BYTES (64 * 1024) /* as large as the module's: one RUN empties it */
#define STATUS_CRASH 100

extern const uint8_t guest_image_start[], guest_image_end[];

static const char *usage_text =
	"usage: cokrun [--image FILE] [--disk FILE] [--read-only] [--pool SIZE] [--core FILE]\n"
	"              [--tap NAME] [--disk-latency US] [--serve-delay MS] [--no-serve]\n"
	"              [ARG...]\n"
	"  ARGs are the guest's command line (default: guest=hello), e.g. guest=blk scatter=1\n"
	"  --image FILE  a guest ELF instead of the one built in (or the ARG image=FILE);\n"
	"                image=FILE goes into the command line: the monitor names it\n"
	"  --disk FILE   the guest's block device (a file of 512-byte sectors)\n"
	"  --read-only   open the disk read-only: the guest's writes fail with -HCERR_ROFS\n"
	"  --pool SIZE   the pseudo-physical RAM pool, e.g. 16M (adds pool=SIZE)\n"
	"  --core FILE   if the guest crashes, write an ELF core there: gdb guest.elf FILE\n"
	"  --tap NAME    the guest's network device: TAP interface NAME (created if it\n"
	"                does not exist), the guest's MAC 02:c0:4b:00:00:01, MTU 1500\n"
	"  --disk-latency US  each block request waits US microseconds before it is done,\n"
	"                on whichever thread does it: a disk's own time (the image is in\n"
	"                the host's memory, so a request costs only its copy otherwise)\n"
	"  --serve-delay MS  the completion thread sleeps MS ms before each answer (a slow\n"
	"                host, for tests)\n"
	"  --no-serve    no completion thread: HCPOST_ASYNC batches complete before the POST\n"
	"                returns\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	/* RUN fails with EINTR having done nothing, or ends its slice early;
	 * either way the loop below ends the guest. */
	stop_signal = sig;
}

static void die(const char *what)
{
	fprintf(stderr, "cokrun: %s: %s\n", what, strerror(errno));
	exit(EXIT_RUNNER);
}

/* All of buf to fd, through short writes and signals: 0, or -1 once the
 * file takes no more. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		die(path);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Why SETUP failed, in the user's terms (proto/linux_ioctl.h lists them). */
static const char *setup_hint(int err)
{
	switch (err) {
	case ENOEXEC: return "the image is not a cokernel guest ELF of this ABI";
	case ENOMEM: return "the host cannot give a pool that large: ask for less with --pool";
	case E2BIG: return "the image (16 MiB at most) or the command line (255 bytes) is too long";
	case EINVAL: return "the command line or the arguments were refused";
	case ENODEV: return "this CPU cannot host a guest (see the monitor's message)";
	case EBUSY: return "this file already has a guest";
	default: return strerror(err);
	}
}

/* --disk-latency, in microseconds, and --tap's file: set before the
 * completion thread starts. */
static unsigned disk_latency_us;
static int tap = -1;
static const uint8_t guest_mac[6] = { 0x02, 0xc0, 0x4b, 0x00, 0x00, 0x01 }; /* locally administered */

/* One frame out, or the next one in (0 bytes if none waits): what the
 * module hands out as a network request, answered in q. */
static ssize_t net_io(struct ck_req *q, uint8_t *pool)
{
	ssize_t n;

	if (q->op == RING_OP_NET_SEND) {
		n = write(tap, pool + q->gpa, q->len);
		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS))
			q->status = -HCERR_AGAIN; /* the interface's queue is full: try later */
		return n;
	}
	n = read(tap, pool + q->gpa, q->len);
	return n < 0 && errno == EAGAIN ? 0 : n;
}

/* One request the module checked and left to us: do it, say how it went. */
static void complete(struct ck_req *q, uint8_t *pool, int disk)
{
	ssize_t n = 0;

	if (q->device == RING_DEV_BLOCK && disk_latency_us)
		usleep(disk_latency_us); /* the device's time, not the CPU's */
	q->status = 0;
	q->done = 0;
	if (q->device == RING_DEV_NET) {
		n = net_io(q, pool);
		if (q->status) /* named already */
			return;
	} else if (q->device == RING_DEV_CONSOLE) {
		(void)write_all(STDOUT_FILENO, pool + q->gpa, q->len); /* stdout gone: nowhere to go */
		n = q->len;
	} else if (q->op == RING_OP_BLK_READ) {
		n = pread(disk, pool + q->gpa, q->len, (off_t)q->disk_off);
	} else if (q->op == RING_OP_BLK_WRITE) {
		n = pwrite(disk, pool + q->gpa, q->len, (off_t)q->disk_off);
	} else if (q->op == RING_OP_BLK_FLUSH) {
		n = fsync(disk);
	}
	if (n < 0 || (q->device == RING_DEV_BLOCK && q->op != RING_OP_BLK_FLUSH && n != q->len) ||
	    (q->device == RING_DEV_NET && q->op == RING_OP_NET_SEND && n != q->len))
		q->status = -1; /* the module reports it to the guest as -HCERR_IO */
	else
		q->done = (uint32_t)n;
}

/* ---- the completion thread (SERVE in proto/linux_ioctl.h) ---- */
struct server {
	int dev, disk;
	uint8_t *pool;
	unsigned delay_ms; /* --serve-delay */
};

/* Take a batch, do it, hand the answers in with the next SERVE; until the
 * guest is over (ESRCH) or the process ends. Signals are the main thread's:
 * this one blocks them (start_server), so EINTR is a stop of the process. */
static void *serve(void *arg)
{
	const struct server *sv = arg;
	static struct ck_req reqs[CK_MAX_REQS] __attribute__((aligned(4096)));
	struct ck_serve s = { .reqs_ptr = (uintptr_t)reqs };

	for (;;) {
		if (ioctl(sv->dev, CK_IOC_SERVE, &s) < 0) {
			if (errno != EINTR)
				return NULL; /* ESRCH: the guest is over */
			s.nanswers = 0; /* the answers were taken */
			continue;
		}
		if (sv->delay_ms)
			usleep(sv->delay_ms * 1000u);
		for (uint32_t k = 0; k < s.nreqs; k++)
			complete(&reqs[k], sv->pool, sv->disk);
		s.nanswers = s.nreqs;
	}
}

/* With two CPUs or more allowed, the guest's thread keeps the one it is on
 * and the completion thread gets the others: a thread woken on the guest's
 * CPU would wait for the guest's slice to end (the scheduler wakes a task
 * where its waker runs), which made the overlapped batch slower than the
 * waited one. With one CPU (taskset) nothing changes. */
static void start_server(struct server *sv)
{
	cpu_set_t allowed, here;
	sigset_t all, old;
	pthread_t t;
	int err, cpu = sched_getcpu();

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&t, NULL, serve, sv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		die("the completion thread");
	}
	if (cpu >= 0 && sched_getaffinity(0, sizeof(allowed), &allowed) == 0 &&
	    CPU_COUNT(&allowed) > 1 && CPU_ISSET(cpu, &allowed)) {
		CPU_ZERO(&here);
		CPU_SET(cpu, &here);
		CPU_CLR(cpu, &allowed);
		if (pthread_setaffinity_np(t, sizeof(allowed), &allowed) == 0)
			sched_setaffinity(0, sizeof(here), &here);
	}
	pthread_detach(t);
}

/* ---- the core file of a crashed guest (docs/CRASHDUMP.md) ---- */
struct pool_view {
	const uint8_t *mem;
	uint64_t bytes;
};

static const void *pool_page(void *ctx, uint64_t gpa)
{
	const struct pool_view *v = ctx;

	return gpa < v->bytes && v->bytes - gpa >= 4096 ? v->mem + gpa : NULL;
}

static int fd_sink(void *ctx, const void *buf, uint64_t len)
{
	return write_all(*(int *)ctx, buf, len);
}

/* The module gives the registers and the windows; the pool is our mapping.
 * A file that cannot be written whole is removed, not left half there. */
static void write_core(int dev, const char *path, const uint8_t *mem, uint64_t pool_bytes)
{
	struct ck_crash k;
	struct pool_view v = { mem, pool_bytes };
	struct elfcore c = { .pid = (uint32_t)getpid(), .page = pool_page, .ctx = &v };
	uint64_t size = 0;
	int fd, err = 0;

	if (ioctl(dev, CK_IOC_CRASH, &k) < 0) {
		fprintf(stderr, "cokrun: no core: %s\n", strerror(errno));
		return;
	}
	memcpy(&c.regs, k.regs, sizeof(c.regs));
	c.nmaps = k.nmaps < ELFCORE_MAX_MAPS ? k.nmaps : ELFCORE_MAX_MAPS;
	for (unsigned i = 0; i < c.nmaps; i++)
		c.map[i] = (struct elfcore_map){ k.map[i].gva, k.map[i].gpa, k.map[i].bytes,
						 k.map[i].flags };
	memcpy(c.program, k.program, sizeof(c.program));
	memcpy(c.args, k.args, sizeof(c.args));
	/* 0600: the core holds all of the guest's memory. */
	errno = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(size = elfcore_write(&c, fd_sink, &fd)) || fsync(fd) < 0)
		err = errno ? errno : EIO;
	if (fd >= 0 && close(fd) < 0 && !err)
		err = errno;
	if (err) {
		fprintf(stderr, "cokrun: writing the core to %s: %s\n", path, strerror(err));
		if (fd >= 0)
			unlink(path);
		return;
	}
	fprintf(stderr, "cokrun: core written to %s (%llu bytes): gdb guest.elf %s\n", path,
		(unsigned long long)size, path);
}

/* What the host has for the guest, waiting at most ms for something (0: not
 * at all), or until the completion thread has answered (dev readable): what
 * stdin has (r->input_len; 0 bytes at EOF), and whether frames wait on the
 * TAP device (r->net_ready), looked at only while the guest is due HCEV_NET. */
static void host_input(int dev, struct ck_run *r, char *buf, size_t len, int ms)
{
	struct pollfd p[3] = { { .fd = STDIN_FILENO, .events = POLLIN },
			       { .fd = dev, .events = POLLIN },
			       { .fd = r->net_wanted ? tap : -1, .events = POLLIN } };
	ssize_t n;

	r->input_len = r->net_ready = 0;
	if (poll(p, 3, ms) <= 0)
		return;
	if ((p[0].revents & POLLIN) && (n = read(STDIN_FILENO, buf, len)) > 0)
		r->input_len = (uint32_t)n;
	r->net_ready = (p[2].revents & POLLIN) != 0;
}

int main(int argc, char **argv)
{
	const char *image_path = NULL, *image_arg = NULL, *disk_path = NULL, *pool = NULL;
	const char *core_path = NULL, *tap_name = NULL;
	char cmdline[CK_CMDLINE_MAX_BYTES] = "";
	/* Page-aligned: RUN pins the pages it writes, the fewer the cheaper. */
	static char out[OUT_BYTES] __attribute__((aligned(4096)));
	static struct ck_req reqs[CK_MAX_REQS] __attribute__((aligned(4096)));
	char input[CK_INPUT_MAX_BYTES];
	struct ck_setup s = { 0 };
	struct ck_run r = { 0 };
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	static struct server server; /* the completion thread's, for the whole run */
	int read_only = 0, disk = -1, dev, i, serving = 1;
	unsigned delay_ms = 0;
	size_t image_len;
	const void *image;
	uint8_t *mem;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--image") && i + 1 < argc) {
			image_path = argv[++i];
			continue;
		}
		/* image=FILE, as the UEFI host takes it: --image FILE, and wins over
		 * it; the first one counts, as the monitor reads it (cmdline_value). */
		if (!strncmp(arg, "image=", 6) && !image_arg)
			image_arg = arg + 6;
		if (!strcmp(arg, "--disk") && i + 1 < argc)
			disk_path = argv[++i];
		else if (!strcmp(arg, "--pool") && i + 1 < argc)
			pool = argv[++i];
		else if (!strcmp(arg, "--core") && i + 1 < argc)
			core_path = argv[++i];
		else if (!strcmp(arg, "--read-only"))
			read_only = 1;
		else if (!strcmp(arg, "--tap") && i + 1 < argc)
			tap_name = argv[++i];
		else if (!strcmp(arg, "--disk-latency") && i + 1 < argc)
			disk_latency_us = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(arg, "--serve-delay") && i + 1 < argc)
			delay_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(arg, "--no-serve"))
			serving = 0;
		else if (arg[0] == '-') {
			fputs(usage_text, stderr);
			return EXIT_RUNNER;
		} else if (strlen(cmdline) + strlen(arg) + 2 > sizeof(cmdline)) {
			fprintf(stderr, "cokrun: the command line is longer than %u bytes\n",
				CK_CMDLINE_MAX_BYTES - 1);
			return EXIT_RUNNER;
		} else {
			strcat(strcat(cmdline, *cmdline ? " " : ""), arg);
		}
	}
	/* The monitor knows an image only by its bytes: image=FILE in the
	 * command line is how it names the one it runs (loader/linux/bridge.c). */
	if (image_arg) {
		image_path = image_arg;
	} else if (image_path && strpbrk(image_path, " \t")) {
		/* The command line's words are split at spaces: the monitor would
		 * name another file than the one run. */
		fprintf(stderr, "cokrun: --image %s: a path with a space or a tab cannot be named "
			"on the command line; rename it\n", image_path);
		return EXIT_RUNNER;
	} else if (image_path) {
		if (strlen(cmdline) + strlen(image_path) + 8 > sizeof(cmdline)) {
			fprintf(stderr, "cokrun: the command line is longer than %u bytes\n",
				CK_CMDLINE_MAX_BYTES - 1);
			return EXIT_RUNNER;
		}
		strcat(strcat(strcat(cmdline, *cmdline ? " " : ""), "image="), image_path);
	}
	if (!*cmdline)
		strcpy(cmdline, "guest=hello");
	if (pool && strlen(cmdline) + strlen(pool) + 7 <= sizeof(cmdline))
		strcat(strcat(cmdline, " pool="), pool);

	if (image_path) {
		image = read_file(image_path, &image_len);
	} else {
		image = guest_image_start;
		image_len = (size_t)(guest_image_end - guest_image_start);
	}
	if (disk_path) {
		struct stat st;

		disk = open(disk_path, read_only ? O_RDONLY : O_RDWR);
		if (disk < 0 || fstat(disk, &st) < 0)
			die(disk_path);
		s.disk_sectors = (uint64_t)st.st_size / 512;
		s.disk_read_only = (uint32_t)read_only;
	}
	dev = open(CK_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "cokrun: %s: %s%s\n", CK_DEVICE, strerror(errno),
			errno == ENOENT ? ": load the module first (insmod cokernel.ko)" : "");
		return EXIT_RUNNER;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	s.image_ptr = (uintptr_t)image;
	s.image_len = image_len;
	s.cmdline_ptr = (uintptr_t)cmdline;
	s.out_ptr = (uintptr_t)out;
	s.out_len = sizeof(out);
	s.flags = serving ? CK_SETUP_SERVE : 0;
	if (tap_name) {
		tap = tap_open(tap_name);
		if (tap < 0) {
			fprintf(stderr, "cokrun: --tap %s: %s%s\n", tap_name, strerror(errno),
				errno == ENOENT ? " (no /dev/net/tun: load the tun module)" : "");
			return EXIT_RUNNER;
		}
		s.flags |= CK_SETUP_NET;
		memcpy(s.net_mac, guest_mac, sizeof(s.net_mac));
		s.net_mtu = 1500;
	}
	if (ioctl(dev, CK_IOC_SETUP, &s) < 0) {
		int err = errno;

		(void)write_all(STDOUT_FILENO, out, s.out_written);
		fprintf(stderr, "cokrun: setup refused (%s): %s\n", strerror(err), setup_hint(err));
		return err == EFAULT ? EXIT_RUNNER : EXIT_REFUSED;
	}
	(void)write_all(STDOUT_FILENO, out, s.out_written);
	mem = mmap(NULL, s.pool_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
	if (mem == MAP_FAILED)
		die("mmap of the pool");
	if (serving) {
		server = (struct server){ dev, disk, mem, delay_ms };
		start_server(&server);
	}

	r.out_ptr = (uintptr_t)out;
	r.out_len = sizeof(out);
	r.reqs_ptr = (uintptr_t)reqs;
	r.input_ptr = (uintptr_t)input;
	for (;;) {
		int rc = ioctl(dev, CK_IOC_RUN, &r);

		if (rc < 0 && errno != EINTR)
			die("run");
		if (rc == 0)
			(void)write_all(STDOUT_FILENO, out, r.out_written);
		r.input_len = r.net_ready = 0;
		if (rc == 0 && r.exit == CK_EXIT_DONE)
			break;
		if (rc < 0 || stop_signal) {
			fprintf(stderr, "cokrun: %s: the guest is stopped (%llu switches)\n",
				strsignal(stop_signal ? stop_signal : SIGINT),
				(unsigned long long)r.switches);
			return EXIT_SIGNAL; /* closing the file gives every page back */
		}
		if (r.exit == CK_EXIT_IO) {
			for (uint32_t k = 0; k < r.nreqs; k++)
				complete(&reqs[k], mem, disk);
		} else if (r.exit == CK_EXIT_WAIT) {
			/* Input, frames, or the completion thread's answers (the
			 * file is then readable), end the wait early. */
			host_input(dev, &r, input, sizeof(input), (int)(r.wait_ns / 1000000));
		} else if (r.exit == CK_EXIT_SLICE) {
			/* A guest that computes gets what was typed, and word of
			 * frames, at the end of its slice (HCEV_INPUT, HCEV_NET):
			 * it need not wait to see them. */
			host_input(dev, &r, input, sizeof(input), 0);
		}
	}
	if (r.status == STATUS_CRASH && core_path)
		write_core(dev, core_path, mem, s.pool_bytes);
	else if (r.status == STATUS_CRASH)
		fputs("cokrun: the guest crashed; --core FILE keeps an ELF core of it for gdb\n",
		      stderr);
	munmap(mem, s.pool_bytes);
	close(dev);
	return (int)r.status;
}
