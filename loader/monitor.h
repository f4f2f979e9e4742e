/* The monitor core: everything between "here is a guest image and a command
 * line" and "the guest is done", on any host. A host port calls monitor_run
 * and turns the status it returns into its own way of ending. */
#ifndef LOADER_MONITOR_H
#define LOADER_MONITOR_H

#include <stdint.h>
#include "cmdline.h"
#include "elf.h"
#include "host.h"
#include "../mm/pagetable.h"
#include "../mm/pool.h"
#include "../proto/hypercall.h"
#include "../proto/trapframe.h"

/* What monitor_run returns: the guest's exit code (0..HC_EXIT_MAX_CODE), or
 * one of these. The bare-metal host hands it to QEMU's isa-debug-exit. */
#define MON_STATUS_CRASH 100   /* the guest crashed (HC_CRASH); report printed */
#define MON_STATUS_REFUSED 101 /* bad command line, image or pool: nothing ran */
#define MON_STATUS_PANIC 102   /* the host itself took an exception */

struct monitor {
	const struct host_ops *host;
	struct mon_config cfg;
	struct pool pool;
	struct pt pt;
	struct elf_image image;
	struct passage ps;
	uint64_t passage_ma[PASSAGE_NPAGES]; /* [0] == 0: no passage */
	uint64_t switches;     /* world switches, both directions */
	uint64_t calls[HC_NCALLS];
	uint64_t bad_calls;    /* unknown numbers */
	uint64_t ring_gpa;     /* the request ring, set aside in the pool */
	uint32_t ring_cons;    /* the host's own consumer index (never read back) */
	uint64_t requests;     /* descriptors completed */
	char input[256];       /* console input taken from the host, not yet read */
	uint64_t input_len;
	uint64_t exit_code;
	uint64_t crash_reason;
	struct hc_trap_frame crash;
	char log_buf[HC_LOG_MAX_BYTES];
};

int monitor_run(const struct host_ops *host, const char *cmdline, const void *image,
		uint64_t image_len);

/* loader/hypercall.c: act on the hypercall the guest just made. */
enum hc_outcome { HC_RESUME, HC_GUEST_EXIT, HC_GUEST_CRASH };
enum hc_outcome hc_dispatch(struct monitor *m);

/* loader/report.c */
void report_trap_frame(const char *who, const struct hc_trap_frame *f);
void report_outcome(const struct monitor *m, enum hc_outcome how);

#endif
