/* The interface every host port implements (loader/mb2, loader/efi, loader/linux),
 * and the only thing the monitor core knows of its host. */
#ifndef LOADER_HOST_H
#define LOADER_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "../mm/mm_host.h"
#include "../switch/passage.h"

struct elfcore;

/* A block backend: a RAM disk, EFI_BLOCK_IO_PROTOCOL, a file. Offsets and
 * lengths are in bytes, already checked against nsectors by loader/blk.c. */
struct host_blk {
	uint64_t nsectors; /* of RING_SECTOR_BYTES */
	int read_only;
	int (*read)(void *ctx, uint64_t byte_off, void *buf, uint64_t len); /* 0 or -HCERR_IO */
	int (*write)(void *ctx, uint64_t byte_off, const void *buf, uint64_t len);
	int (*flush)(void *ctx);
	void *ctx;
};

/* A network backend: a TAP device (Linux, in the runner), the firmware's
 * Simple Network Protocol (UEFI), a virtio-net driver (bare metal). Frames
 * carry their 14-byte Ethernet header; lengths are checked by loader/net.c
 * (14 to mtu + 14). send and recv may be NULL on a host that defers the
 * frames to its runner (defer_io). */
struct host_net {
	uint8_t mac[6]; /* the guest's address */
	uint16_t mtu;   /* at most RING_NET_MTU_MAX */
	/* 0, -HCERR_AGAIN (no room to send now) or -HCERR_IO. */
	int (*send)(void *ctx, const void *frame, uint32_t len);
	/* The next frame's length (at most cap), 0 if none waits, or -HCERR_IO. */
	int (*recv)(void *ctx, void *buf, uint32_t cap);
	/* Frames for the guest the backend dropped, its queue full. */
	uint64_t (*rx_dropped)(void *ctx);
	/* Polled hosts (bare metal, UEFI): nonzero if a frame waits; the monitor
	 * asks after each host interrupt and while the guest waits (net_poll).
	 * NULL: the host says so itself (Linux: net_rx_event from the runner). */
	int (*rx_waiting)(void *ctx);
	void *ctx;
};

struct host_ops {
	const char *name;       /* "mb2", ... for messages */
	uint32_t bootinfo_host; /* BOOTINFO_HOST_* */
	struct mm_host mm;      /* page allocation with machine addresses */
	int use_nx;             /* IA32_EFER.NXE is set: guest tables may use NX */
	/* Allocate the PASSAGE_NPAGES passage pages and map them contiguously at
	 * one host virtual address inside the monitor's PML4 slots (proto/layout.h;
	 * the monitor refuses any other), where the host can execute page 0 (bare
	 * metal, UEFI: LAYOUT_PASSAGE_BASE in their own tables, loader/highmap.c;
	 * Linux: vmap). 0, or a named error (-HCERR_NOMEM). */
	int (*alloc_passage)(void *ctx, uint64_t ma[PASSAGE_NPAGES], uint64_t *hva);
	void (*free_passage)(void *ctx, const uint64_t ma[PASSAGE_NPAGES], uint64_t hva);
	/* Optional: called once the stub is in page 0, for a host that keeps W^X
	 * (all three map the passage RW and NX, then make page 0 RX here). */
	int (*seal_passage)(void *ctx, uint64_t hva);
	/* Console input, without blocking: up to len bytes, how many there were. */
	uint64_t (*console_read)(void *ctx, char *buf, uint64_t len);
	/* Optional: nonzero while input waits in the host (bare metal: what COM1's
	 * interrupt handler queued). The monitor looks after each host interrupt
	 * it hands on and takes the input then, so a guest that computes gets
	 * HCEV_INPUT at once; hosts without it are polled at HC_WAIT and reads. */
	const volatile uint32_t *input_ready;
	/* Monotonic time, and the TSC rate the guest reads it with. */
	uint64_t (*time_ns)(void *ctx);
	uint64_t tsc_hz;
	const struct host_blk *blk; /* NULL: no disk (block requests get -HCERR_NODEV) */
	const struct host_net *net; /* NULL: no network (RING_DEV_NET gets -HCERR_NODEV) */
	/* 0: the monitor completes every request itself, through blk and the log.
	 * 1: it checks them, then leaves console writes and block I/O in m->batch
	 * for the host to complete (RUN_HOST_IO), and HC_WAIT to the host
	 * (RUN_HOST_WAIT): Linux does both in its user-space runner. */
	int defer_io;
	/* With defer_io: 1 if the host completes deferred requests beside the
	 * running guest (Linux: cokrun's completion thread, CK_SETUP_SERVE), so
	 * that HC_POST(HCPOST_ASYNC) returns before they are done
	 * (RUN_HOST_IO_ASYNC); 0: it completes them before the POST returns. */
	int async_io;
	/* The image monitor_run is given, by the name its user gave it (bare
	 * metal: "module guest"; UEFI and Linux: the image=PATH of the command
	 * line); NULL for the guest built into the host, whose program guest=
	 * picks. The monitor's messages name the image by it. */
	const char *image_name;
	/* Optional: called by monitor_start with the run's command line, it may
	 * put another image in *image and *len (UEFI: the file that image=PATH
	 * names; it sets image_name, or clears it for a run without image=), or
	 * say why not in a "monitor: refused:" line and return non-zero. At the
	 * run's teardown (monitor_abandon) run_image_done is given what it
	 * returned: the monitor keeps it for the run, whose report names the
	 * crashed function from its symbols. */
	int (*run_image)(const char *line, const void **image, uint64_t *len);
	void (*run_image_done)(const void *image, uint64_t len);
	/* Optional: a guest crashed; keep its core (loader/elfcore.h) somewhere
	 * (UEFI: a file on its volume). run: which run of the command line it
	 * was (" -- "), from 1. Called after the report, before the teardown. */
	void (*save_core)(const struct elfcore *c, int run);
};

#endif
