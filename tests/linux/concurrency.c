/* Several threads of one process on one /dev/cokernel file at once, for a few
 * seconds. Runner A loops RUN into a text buffer it has just cleared with
 * MADV_DONTNEED (so every call's copy out faults) while the mapper
 * maps and unmaps the pool, checks that it shows the guest in guest-physical
 * order, and tries MADV_DONTNEED on it (refused: a VM_PFNMAP mapping,
 * mm/madvise.c); runner B loops RUN through buffers that the zapper clears and the
 * remapper replaces with new ones (mmap MAP_FIXED, so a call may write its
 * results to pages that are no longer B's) or makes PROT_NONE for a moment
 * (its text buffer, which B itself never touches); the setter calls SETUP (EBUSY) and
 * an unknown ioctl (ENOTTY) on the file and sets up, maps, runs and closes
 * second files. Both runners answer the requests they get and give console
 * input when the guest waits. With the old lock order runner A and the mapper
 * hung each other until SIGKILL; here every thread must stop when told, every
 * call must return one of the results it may, and afterwards the guest (echo)
 * must still run to a clean end. Runs in the Linux-host VM
 * (scripts/linux/scenario.sh "concurrency"); prints one line a check and
 * "N passed, N failed"; exits 0 if none failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../../proto/linux_ioctl.h"
#include "../../proto/ring.h"

#define PAGE 4096
#define OUT_BYTES (64 * 1024)
#define SECONDS 4
#define STOP_WITHIN_S 20
#define POOL "4M"

static int passed, failed;
static int fd;                /* the file every thread works on */
static uint8_t *image;        /* /guest.elf, for the setter's second files */
static size_t image_len;
static uint8_t first_page[PAGE]; /* gpa 0 as mapped before the threads start */
static size_t pool_bytes;
static atomic_int stop;

static void check(int ok, const char *what, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail[0] ? ": " : "", detail);
	ok ? passed++ : failed++;
}

static void die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Results per thread: how many calls, which errno values, how many unexpected. */
struct stats {
	const char *name;
	long calls, ok, by_errno[160], unexpected;
	char first_unexpected[128];
	char note[160];
};

static void count(struct stats *s, const char *call, int rc, int err, const int *allowed)
{
	s->calls++;
	if (rc >= 0) {
		s->ok++;
		return;
	}
	if (err > 0 && err < 160)
		s->by_errno[err]++;
	for (; err && *allowed; allowed++)
		if (*allowed == err)
			return;
	if (!s->unexpected++)
		snprintf(s->first_unexpected, sizeof(s->first_unexpected), "%s: %s", call,
			 err ? strerrorname_np(err) : "succeeded");
}

/* One runner's buffers, in one anonymous mapping: the struct, the text, the
 * request array, the input, each in its own pages. */
struct area {
	uint8_t *base;
	size_t len;
	struct ck_run *run;
	char *out;
	struct ck_req *reqs;
	char *input;
};

static void area_new(struct area *a)
{
	a->len = PAGE + OUT_BYTES + PAGE + PAGE;
	a->base = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED)
		die("mmap of a runner's buffers");
	a->run = (struct ck_run *)a->base;
	a->out = (char *)a->base + PAGE;
	a->reqs = (struct ck_req *)(a->base + PAGE + OUT_BYTES);
	a->input = (char *)a->base + PAGE + OUT_BYTES + PAGE;
}

struct runner {
	struct stats st;
	struct area a;
	int zap_own; /* clear the text buffer with MADV_DONTNEED before each RUN */
	long io, waits, console_bytes;
};

static struct runner runner_a = { .st.name = "runner A", .zap_own = 1 };
static struct runner runner_b = { .st.name = "runner B" };

static void *run_loop(void *arg)
{
	struct runner *rn = arg;
	struct ck_req answers[CK_MAX_REQS];
	uint32_t nanswers = 0, input_len = 0;
	/* A's buffers only fault; B's may be zeroed or gone under the call. */
	static const int allowed_a[] = { 0 }; /* lists end with 0 */
	static const int allowed_b[] = { EFAULT, EINVAL, 0 };

	while (!stop) {
		struct ck_run r = { .out_ptr = (uintptr_t)rn->a.out, .out_len = OUT_BYTES,
				    .reqs_ptr = (uintptr_t)rn->a.reqs,
				    .input_ptr = (uintptr_t)rn->a.input, .input_len = input_len };
		int rc, err;

		memcpy(rn->a.input, "ab\n", 3);
		memcpy(rn->a.reqs, answers, nanswers * sizeof(answers[0]));
		memcpy(rn->a.run, &r, sizeof(r));
		if (rn->zap_own && madvise(rn->a.out, OUT_BYTES, MADV_DONTNEED) != 0)
			die("MADV_DONTNEED of the text buffer");
		rc = ioctl(fd, CK_IOC_RUN, rn->a.run);
		err = errno;
		count(&rn->st, "RUN", rc, err, rn->zap_own ? allowed_a : allowed_b);
		input_len = 0;
		nanswers = 0;
		if (rc != 0)
			continue;
		memcpy(&r, rn->a.run, sizeof(r)); /* B's may be gone now: then zeroes */
		if (r.exit == CK_EXIT_IO && r.nreqs <= CK_MAX_REQS) {
			rn->io++;
			nanswers = r.nreqs;
			memcpy(answers, rn->a.reqs, nanswers * sizeof(answers[0]));
			for (uint32_t k = 0; k < nanswers; k++) {
				answers[k].status = 0;
				answers[k].done = answers[k].len;
				rn->console_bytes += answers[k].len;
			}
		} else if (r.exit == CK_EXIT_WAIT) {
			rn->waits++;
			input_len = 3;
		}
	}
	snprintf(rn->st.note, sizeof(rn->st.note), "%ld batches answered (%ld bytes), %ld waits",
		 rn->io, rn->console_bytes, rn->waits);
	return NULL;
}

static void *zapper(void *arg)
{
	struct stats *s = arg;
	static const int allowed[] = { 0 };

	while (!stop) {
		int rc = madvise(runner_b.a.base, runner_b.a.len, MADV_DONTNEED);

		count(s, "MADV_DONTNEED of runner B's buffers", rc, errno, allowed);
		usleep(200);
	}
	return NULL;
}

static void *remapper(void *arg)
{
	struct stats *s = arg;
	static const int allowed[] = { 0 };

	while (!stop) {
		/* New pages in one step: B itself never finds its buffers gone. */
		int rc = mmap(runner_b.a.base, runner_b.a.len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == runner_b.a.base ? 0 : -1;

		count(s, "mmap of new buffers over runner B's", rc, errno, allowed);
		usleep(500);
		rc = mprotect(runner_b.a.out, OUT_BYTES, PROT_NONE);
		count(s, "mprotect of runner B's text buffer to PROT_NONE", rc, errno, allowed);
		usleep(100); /* a window in which B's calls cannot write their text */
		rc = mprotect(runner_b.a.out, OUT_BYTES, PROT_READ | PROT_WRITE);
		count(s, "mprotect of runner B's text buffer back", rc, errno, allowed);
		usleep(500);
	}
	return NULL;
}

static void *mapper(void *arg)
{
	struct stats *s = arg;
	static const int allowed[] = { 0 };
	static const int refused[] = { EINVAL, 0 };
	long wrong = 0, maps = 0;

	while (!stop) {
		size_t len = maps % 2 ? pool_bytes : (size_t)PAGE * (1 + (size_t)maps % 7);
		uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		int rc;

		count(s, "mmap of the pool", p == MAP_FAILED ? -1 : 0, errno, allowed);
		if (p == MAP_FAILED)
			continue;
		maps++;
		wrong += memcmp(p, first_page, PAGE) != 0; /* the guest's image, gpa 0 first */
		(void)*(volatile uint8_t *)(p + len - 1);   /* and mapped to its last byte */
		/* The pool is the module's (VM_PFNMAP): the kernel may not drop it. */
		rc = madvise(p, len, MADV_DONTNEED);
		count(s, "MADV_DONTNEED of the pool", rc == 0 ? -1 : rc, rc == 0 ? 0 : errno,
		      refused);
		rc = munmap(p, len);
		count(s, "munmap of the pool", rc, errno, allowed);
	}
	snprintf(s->note, sizeof(s->note), "%ld maps; %ld of them not showing gpa 0 first", maps,
		 wrong);
	if (wrong)
		count(s, "a map whose first page is not gpa 0", -1, EIO, allowed);
	return NULL;
}

static void *setter(void *arg)
{
	struct stats *s = arg;
	static const int busy[] = { EBUSY, 0 }, notty[] = { ENOTTY, 0 }, none[] = { 0 };
	static char out[OUT_BYTES];
	static struct ck_req reqs[CK_MAX_REQS];
	long second = 0;

	while (!stop) {
		struct ck_setup su = { .image_ptr = (uintptr_t)image, .image_len = image_len,
				       .cmdline_ptr = (uintptr_t)"guest=hello pool=2M",
				       .out_ptr = (uintptr_t)out, .out_len = sizeof(out) };
		struct ck_run r = { .out_ptr = (uintptr_t)out, .out_len = sizeof(out),
				    .reqs_ptr = (uintptr_t)reqs };
		int rc = ioctl(fd, CK_IOC_SETUP, &su), other;
		void *p;

		count(s, "SETUP of the busy file", rc, errno, busy);
		rc = ioctl(fd, _IO('k', 99));
		count(s, "an unknown ioctl", rc, errno, notty);
		/* A second file set up, mapped, run and closed while all that goes on. */
		other = open(CK_DEVICE, O_RDWR);
		if (other < 0)
			die(CK_DEVICE);
		rc = ioctl(other, CK_IOC_SETUP, &su);
		count(s, "SETUP of a second file", rc, errno, none);
		p = mmap(NULL, su.pool_bytes, PROT_READ, MAP_SHARED, other, 0);
		count(s, "mmap of the second file", p == MAP_FAILED ? -1 : 0, errno, none);
		rc = ioctl(other, CK_IOC_RUN, &r);
		count(s, "RUN of the second file", rc, errno, none);
		close(other); /* the mapping keeps it until munmap */
		if (p != MAP_FAILED)
			munmap(p, su.pool_bytes);
		second++;
	}
	snprintf(s->note, sizeof(s->note), "%ld second files set up, mapped, run and closed",
		 second);
	return NULL;
}

static void report(const struct stats *s)
{
	char detail[512];
	int n = snprintf(detail, sizeof(detail), "%ld calls, %ld succeeded", s->calls, s->ok);

	for (int e = 1; e < 160; e++)
		if (s->by_errno[e])
			n += snprintf(detail + n, sizeof(detail) - n, ", %ld %s", s->by_errno[e],
				      strerrorname_np(e));
	if (s->note[0])
		n += snprintf(detail + n, sizeof(detail) - n, "; %s", s->note);
	if (s->unexpected)
		snprintf(detail + n, sizeof(detail) - n, "; %ld unexpected, first %s", s->unexpected,
			 s->first_unexpected);
	printf("     %s: %s\n", s->name, detail);
	snprintf(detail, sizeof(detail), "%s: every call returned a result it may", s->name);
	check(s->unexpected == 0, detail, "");
}

/* The guest after all that: quit it cleanly, answering as a runner should. */
static int finish(void)
{
	static char out[OUT_BYTES];
	static struct ck_req reqs[CK_MAX_REQS];
	struct ck_run r = { .out_ptr = (uintptr_t)out, .out_len = sizeof(out),
			    .reqs_ptr = (uintptr_t)reqs, .input_ptr = (uintptr_t)"\nquit\n" };
	int given = 0;

	for (int i = 0; i < 100000; i++) {
		if (ioctl(fd, CK_IOC_RUN, &r) != 0)
			return -errno;
		r.input_len = 0;
		if (r.exit == CK_EXIT_DONE)
			return (int)r.status;
		if (r.exit == CK_EXIT_IO) {
			for (uint32_t k = 0; k < r.nreqs; k++) {
				reqs[k].status = 0;
				reqs[k].done = reqs[k].len;
			}
		} else if (r.exit == CK_EXIT_WAIT && !given) {
			r.input_len = 6;
			given = 1;
		}
	}
	return -ETIMEDOUT;
}

int main(void)
{
	static char out[OUT_BYTES];
	static struct stats zap = { .name = "zapper" }, remap = { .name = "remapper" },
			    map = { .name = "mapper" }, set = { .name = "setter" };
	struct {
		void *(*fn)(void *);
		void *arg;
		const char *name;
		pthread_t t;
	} th[] = {
		{ run_loop, &runner_a, "runner A", 0 }, { run_loop, &runner_b, "runner B", 0 },
		{ zapper, &zap, "zapper", 0 },          { remapper, &remap, "remapper", 0 },
		{ mapper, &map, "mapper", 0 },          { setter, &set, "setter", 0 },
	};
	const int nth = sizeof(th) / sizeof(th[0]);
	struct ck_setup su = { .cmdline_ptr = (uintptr_t)"guest=echo pool=" POOL,
			       .out_ptr = (uintptr_t)out, .out_len = sizeof(out) };
	struct timespec deadline;
	struct stat sb;
	char detail[160];
	int img = open("/guest.elf", O_RDONLY), stuck = 0, status;
	uint8_t *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (img < 0 || fstat(img, &sb) < 0 || !(image = malloc(sb.st_size)) ||
	    read(img, image, sb.st_size) != sb.st_size)
		die("/guest.elf");
	image_len = (size_t)sb.st_size;
	close(img);
	fd = open(CK_DEVICE, O_RDWR);
	if (fd < 0)
		die(CK_DEVICE);
	su.image_ptr = (uintptr_t)image;
	su.image_len = image_len;
	if (ioctl(fd, CK_IOC_SETUP, &su) != 0)
		die("SETUP of guest=echo");
	pool_bytes = su.pool_bytes;
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("the first mmap");
	memcpy(first_page, p, PAGE);
	munmap(p, PAGE);
	area_new(&runner_a.a);
	area_new(&runner_b.a);

	for (int i = 0; i < nth; i++)
		if (pthread_create(&th[i].t, NULL, th[i].fn, th[i].arg) != 0)
			die("pthread_create");
	sleep(SECONDS);
	stop = 1;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STOP_WITHIN_S;
	for (int i = 0; i < nth; i++) {
		if (pthread_timedjoin_np(th[i].t, NULL, &deadline) != 0) {
			snprintf(detail, sizeof(detail),
				 "%s is stuck %d s after being told: a deadlock", th[i].name,
				 STOP_WITHIN_S);
			check(0, "every thread stops when told", detail);
			stuck = 1;
		}
	}
	if (stuck) { /* the threads cannot be joined: say what there is and go */
		printf("%d passed, %d failed\n", passed, failed);
		fflush(stdout);
		_exit(1);
	}
	snprintf(detail, sizeof(detail), "%d threads hammered one file for %d s", nth, SECONDS);
	check(1, "every thread stops when told", detail);
	report(&runner_a.st);
	report(&runner_b.st);
	report(&zap);
	report(&remap);
	report(&map);
	report(&set);
	check(runner_a.st.ok > 0 && runner_b.st.ok > 0 && map.ok > 0 && set.ok > 0 &&
		      runner_a.io + runner_b.io > 0 && runner_a.waits + runner_b.waits > 0,
	      "every thread made progress: RUNs with I/O and waits, maps, SETUPs", "");
	status = finish();
	snprintf(detail, sizeof(detail), "exit status %d", status);
	check(status == 0, "the guest still runs to a clean end afterwards", detail);
	close(fd);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
