/* The Linux host's ABI between the module (/dev/cokernel) and its runner
 * (cokrun), as coLinux split its daemon from its driver. One guest per open
 * file: SETUP once, mmap the pool, then RUN until the guest is over.
 *
 *   SETUP  image, command line and disk geometry in; the pool's size and the
 *          monitor's messages out. Errors: EINVAL (bad sizes, command line),
 *          EFAULT (bad pointers), ENOEXEC (not a guest ELF), ENOMEM (the host
 *          cannot give the pool), EBUSY (already set up), ENODEV (this CPU
 *          cannot host a guest), EINTR (a signal came while it waited for
 *          another call on the file: nothing done).
 *   mmap   the pool, guest-physical address 0 at offset 0, shared: the runner
 *          moves request data with it (a pread straight into guest memory).
 *   RUN    completes what the last RUN handed out (requests, console input),
 *          runs the guest in the caller's context for at most a slice, and
 *          says why it came back. EINTR: a signal was pending when RUN began
 *          (it did nothing; RUN again, or close to end the guest); a signal
 *          that comes while the guest runs ends the slice early
 *          (CK_EXIT_SLICE). ESRCH: the guest is over and all its text was
 *          handed out.
 *   SERVE  the completion thread's call, beside the RUNs of another thread
 *          (SETUP with CK_SETUP_SERVE): hands in the answers to the batch
 *          the last SERVE handed out (nanswers of them in reqs_ptr, 0 if
 *          none; answered as RUN's are, struct ck_req), then sleeps until the
 *          guest posts the next batch with HCPOST_ASYNC and hands it out
 *          (nreqs in reqs_ptr). The guest learns of the answers as HCEV_RING
 *          at the RUN loop's next step (SERVE kicks the RUN's CPU), and a
 *          runner polling the file after CK_EXIT_WAIT sees it readable.
 *          Errors: ENXIO (no SETUP with CK_SETUP_SERVE), EINVAL (nanswers is
 *          neither 0 nor the count handed out, or answers with none handed
 *          out: nothing taken), EFAULT (a bad buffer: the answers were not
 *          taken, or the batch stays for the next SERVE), ESRCH (the guest is
 *          over: answers dropped), EINTR (a signal while it slept: the
 *          answers were taken, no batch handed out).
 *   poll   POLLIN while answers of the completion thread wait for a RUN.
 *   CRASH  after a RUN said CK_EXIT_DONE for a guest that crashed (status
 *          100): what a core file needs (docs/CRASHDUMP.md), the registers
 *          at the crash and the guest's windows onto its pool (read them in
 *          the pool's mapping). It only reads: ENXIO before SETUP, EBUSY
 *          while the guest has not ended, ENODATA when it ended otherwise
 *          (an exit, a refusal), EFAULT for a bad buffer (which may then be
 *          partly written), ENOMEM, EINTR (a signal while it waited for the
 *          file's lock).
 *
 * SETUP and RUN do all of their work or none of it: each copies everything
 * in and pins every buffer it writes to (the struct, the text buffer, RUN's
 * request array) before it changes anything, so a call that fails (EFAULT
 * for a buffer that is not writable memory, unmapped or PROT_NONE) has
 * taken no input, applied no answer and run no guest; repeat it with good
 * buffers. The buffers must be ordinary memory, not the pool's mapping.
 *
 * Every integer is fixed-size so 32- and 64-bit code agree; pointers are u64.
 * Built by the module (kernel headers) and the runner (libc headers) alike. */
#ifndef PROTO_LINUX_IOCTL_H
#define PROTO_LINUX_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CK_DEVICE "/dev/cokernel"
#define CK_IMAGE_MAX_BYTES (16u << 20)
#define CK_CMDLINE_MAX_BYTES 256u /* with its NUL, as proto/bootinfo.h */
#define CK_OUT_MIN_BYTES 4096u    /* the smallest output buffer RUN accepts */
#define CK_INPUT_MAX_BYTES 256u
#define CK_MAX_REQS 128u          /* RING_ENTRIES: one POST at most */
#define CK_NET_MTU_MAX 1500u      /* RING_NET_MTU_MAX */

struct ck_setup {
	__u64 image_ptr, image_len;    /* in: the guest ELF */
	__u64 cmdline_ptr;             /* in: NUL-terminated, < CK_CMDLINE_MAX_BYTES */
	__u64 disk_sectors;            /* in: 512-byte sectors; 0: no disk */
	__u32 disk_read_only;          /* in: 1: writes get -HCERR_ROFS */
	__u32 flags;                   /* in: 0, or CK_SETUP_SERVE */
	__u64 out_ptr, out_len;        /* in: buffer for the monitor's messages */
	__u64 out_written;             /* out: bytes written there */
	__u64 pool_bytes;              /* out: the size to mmap */
	__u8 net_mac[6];               /* in: the guest's MAC address (CK_SETUP_NET) */
	__u16 net_mtu;                 /* in: 68 to CK_NET_MTU_MAX (CK_SETUP_NET) */
};

/* The runner has a completion thread that calls SERVE: a batch the guest
 * posts with HCPOST_ASYNC goes to it, and the guest runs on meanwhile.
 * Without it, such a batch is completed through RUN before the POST returns. */
#define CK_SETUP_SERVE 1u
/* The runner has a network device (a TAP device it opened): the guest's
 * RING_DEV_NET sends and receives are handed out as requests, and RUN's
 * net_ready says when frames wait. Without it the device is -HCERR_NODEV. */
#define CK_SETUP_NET 2u

/* Why RUN came back (ck_run.exit). */
enum ck_exit {
	CK_EXIT_SLICE = 1, /* the slice is over or the host wants the CPU: RUN again */
	CK_EXIT_OUTPUT,    /* 8 KiB of text or more is waiting: print it, RUN again */
	CK_EXIT_IO,        /* complete reqs[0..nreqs) and RUN again */
	CK_EXIT_WAIT,      /* the guest waits for console input, at most wait_ns */
	CK_EXIT_DONE,      /* the guest is over: status as the other hosts report it */
};

/* One request the guest posted that the runner completes (a console write, a
 * block read, write or flush, a network send or receive), already checked by the module: buf lies in the
 * pool, the disk range in the disk. The runner sets status (0, or -1 for an
 * I/O error) and done (bytes moved) before the next RUN, in place: an entry
 * whose other fields are not those handed out counts as unanswered. A
 * network send the device has no room for is answered -12 (-HCERR_AGAIN),
 * which the guest sees as it is; a receive with no frame waiting, done 0. The
 * module hands each out with status -1, so a request left unanswered fails,
 * and a block read or write answered with fewer bytes than len fails too
 * (-HCERR_IO). */
struct ck_req {
	__u16 device, op;              /* proto/ring.h RING_DEV_*, RING_OP_* */
	__u32 len;
	__u64 gpa;                     /* offset in the mmapped pool */
	__u64 disk_off;                /* bytes */
	__s32 status;
	__u32 done;
};

struct ck_run {
	__u64 out_ptr, out_len;        /* in: where guest and monitor text goes (>= CK_OUT_MIN_BYTES;
	                                * a call writes at most 20 KiB, so no more is pinned) */
	__u64 reqs_ptr;                /* in: CK_MAX_REQS struct ck_req, kept between RUNs;
	                                * after CK_EXIT_IO the next RUN reads the answers here */
	__u64 input_ptr;               /* in: console input for the guest */
	__u32 input_len;               /* in: <= CK_INPUT_MAX_BYTES; 0 at the end of a wait: none came.
	                                * Give it after CK_EXIT_WAIT: the monitor then has room
	                                * for all of it; bytes beyond its room are dropped. */
	__u32 exit;                    /* out: enum ck_exit */
	__u64 out_written;             /* out */
	__u32 nreqs;                   /* out: CK_EXIT_IO */
	__u32 status;                  /* out: CK_EXIT_DONE: exit code 0..99, 100 crash */
	__u64 wait_ns;                 /* out: CK_EXIT_WAIT: how long at most */
	__u64 switches;                /* out: world switches so far */
	__u32 net_ready;               /* in: 1 if frames wait on the runner's network device */
	__u32 net_wanted;              /* out: 1 while the guest is due HCEV_NET: only then
	                                * need the runner look whether frames wait */
};

/* SERVE's argument (the completion thread's; CK_SETUP_SERVE). */
struct ck_serve {
	__u64 reqs_ptr;                /* in: CK_MAX_REQS struct ck_req: answers in, the next batch out */
	__u32 nanswers;                /* in: answers to the batch the last SERVE handed out, or 0 */
	__u32 nreqs;                   /* out: the batch handed out */
};

/* One window of the guest's virtual address space onto its pool: guest
 * virtual [gva, gva + bytes) shows offset [gpa, gpa + bytes) of the pool's
 * mapping. */
struct ck_crash_map {
	__u64 gva, gpa, bytes;
	__u32 flags;                   /* ELF p_flags: 1 X, 2 W, 4 R */
	__u32 pad;
};

#define CK_CRASH_MAPS 12u
struct ck_crash {
	__u64 regs[23];                /* proto/trapframe.h's struct hc_trap_frame: cr2,
	                                * r15 ... rax, vector, error_code, rip, cs, rflags, rsp, ss */
	__u32 nmaps, pad;
	struct ck_crash_map map[CK_CRASH_MAPS]; /* the image's segments, the direct map */
	char program[16];              /* the guest ELF's name for gdb (NUL-padded) */
	char args[80];                 /* what it ran, NUL-padded */
};

#define CK_IOC_SETUP _IOWR('k', 1, struct ck_setup)
#define CK_IOC_RUN _IOWR('k', 2, struct ck_run)
#define CK_IOC_CRASH _IOR('k', 3, struct ck_crash)
#define CK_IOC_SERVE _IOWR('k', 4, struct ck_serve)

#endif
