/* The narrow waist between the Linux module (module.c, built by kbuild with
 * the kernel's headers) and the portable monitor core (built with the
 * project's own flags, like every other host's): plain types only, so neither
 * side includes the other's headers. bridge.c is on the core side. */
#ifndef LOADER_LINUX_BRIDGE_H
#define LOADER_LINUX_BRIDGE_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef u64 ckb_u64;
#else
#include <stddef.h>
#include <stdint.h>
typedef uint64_t ckb_u64;
#endif

#define CKB_PASSAGE_PAGES 8 /* PASSAGE_NPAGES (switch/passage.h) */

struct ck_req;
struct ck_crash;
struct ckb_guest; /* a monitor and its host_ops: ckb_guest_bytes() of them */

/* What the module gives the core (loader/host.h, in Linux terms). */
struct ckb_env {
	int (*alloc_pages)(void *ctx, ckb_u64 npages, ckb_u64 *ma);
	void (*free_pages)(void *ctx, ckb_u64 ma, ckb_u64 npages);
	void *(*ma_to_hva)(void *ctx, ckb_u64 ma);
	int (*alloc_passage)(void *ctx, ckb_u64 ma[CKB_PASSAGE_PAGES], ckb_u64 *hva);
	void (*free_passage)(void *ctx, const ckb_u64 ma[CKB_PASSAGE_PAGES], ckb_u64 hva);
	int (*seal_passage)(void *ctx, ckb_u64 hva);
	int pages_zeroed; /* alloc_pages zeroes every page (mm/mm_host.h) */
	ckb_u64 direct_map; /* ma_to_hva(ma) is ma + this: the kernel's direct map */
	ckb_u64 tsc_hz; /* also the guest's clock (proto/hypercall.h HC_WAIT) */
	void *ctx;
};

/* ckb_start's errors, for the module to turn into errno values. */
enum ckb_error {
	CKB_OK = 0,
	CKB_EINVAL,  /* the command line */
	CKB_ENOEXEC, /* the image is no guest ELF of this ABI */
	CKB_ENOMEM,  /* the pool, the passage or the tables */
	CKB_ENODEV,  /* this CPU cannot host a guest (another hypervisor, LA57) */
};

/* What ckb_step says (enum run_outcome). CKB_EXIT covers every end of the
 * guest (exit, crash, a hypervisor appearing, a fault in the switch):
 * ckb_report tells which. CKB_IO_ASYNC: a batch posted with HCPOST_ASYNC
 * for the completion thread (ckb_reqs hands it out, the guest goes on; its
 * answers go to ckb_reqs_done between two steps). CKB_BUSY: the guest's POST
 * waits behind that batch: do not step again before ckb_reqs_done, then
 * ckb_post_again (what the POST does then). */
enum ckb_outcome { CKB_RESUME, CKB_EXIT, CKB_IO, CKB_WAIT, CKB_IO_ASYNC, CKB_BUSY };
#define CKB_STATUS_REFUSED 101 /* MON_STATUS_REFUSED: a CPU that cannot host the guest */

ckb_u64 ckb_guest_bytes(void);
void ckb_set_log_sink(void (*write)(const char *buf, size_t len));
int ckb_start(struct ckb_guest *g, const struct ckb_env *env, const char *cmdline,
	      const void *image, ckb_u64 image_len, ckb_u64 disk_sectors, int disk_read_only,
	      int async_io, const unsigned char *net_mac, unsigned net_mtu,
	      ckb_u64 *out_pool_bytes);
/* At the start of every RUN, preemption off: agree with this CPU's host
 * state. 0; 1: call ckb_map_tss with preemption on (it may sleep), then
 * again; -1: this CPU cannot run the guest (the log says why). */
int ckb_prepare(struct ckb_guest *g);
int ckb_map_tss(struct ckb_guest *g);
int ckb_step(struct ckb_guest *g);
int ckb_post_again(struct ckb_guest *g);
/* The pool, page by page in guest-physical order, for mmap. */
ckb_u64 ckb_pool_pages(const struct ckb_guest *g);
ckb_u64 ckb_pool_page_ma(const struct ckb_guest *g, ckb_u64 index);
/* CKB_IO, CKB_IO_ASYNC: the deferred requests, and the runner's answers to them. */
unsigned ckb_reqs(const struct ckb_guest *g, struct ck_req *out);
void ckb_reqs_done(struct ckb_guest *g, const struct ck_req *in);
/* Console input for the guest; returns how many bytes were taken. */
unsigned ckb_input(struct ckb_guest *g, const char *buf, unsigned len);
/* Frames wait on the runner's network device: HCEV_NET if the guest is due
 * one. ckb_net_wanted: whether it is (only then need the runner look). */
void ckb_net_ready(struct ckb_guest *g);
int ckb_net_wanted(const struct ckb_guest *g);
/* CKB_WAIT: how long until its deadline (0: passed), and the end of the wait. */
ckb_u64 ckb_wait_ns(const struct ckb_guest *g);
void ckb_wait_done(struct ckb_guest *g);
ckb_u64 ckb_switches(const struct ckb_guest *g);
/* After CKB_EXIT: the report; the status as the other hosts give it. */
int ckb_report(struct ckb_guest *g);
/* After CKB_EXIT: the registers and windows of a guest that crashed, for a
 * core file; 0, or -1 when it ended another way. */
int ckb_crash(struct ckb_guest *g, struct ck_crash *out);
/* Give every page back (whether or not the guest ended). */
void ckb_release(struct ckb_guest *g);

#endif
