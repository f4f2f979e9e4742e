/* One device behind the request ring, as the ring sees it (loader/ring.c):
 * the checks of a descriptor's fields, and the work. The ring does the rest
 * (indices, the length limit, the buffer's range check, the batch, the
 * statuses). A new device is a file with one of these, a number in
 * proto/ring.h and a line in ring.c's table. */
#ifndef LOADER_RING_DEVICE_H
#define LOADER_RING_DEVICE_H

#include <stdint.h>
#include "ring.h"

struct ring_device {
	/* The op and the fields that need no buffer, before anything else:
	 * 0, -HCERR_NODEV (not behind this host), or -HCERR_INVAL. */
	int (*check_op)(const struct monitor *m, const struct ring_desc *d);
	/* Optional hooks (NULL: the default in brackets) are marked so.
	 * The rest, with r->buf already a checked span of the pool: 0 or
	 * -HCERR_* (optional: nothing more to check). */
	int (*check_buf)(const struct monitor *m, const struct ring_desc *d, struct ring_req *r);
	/* On a host that defers I/O (host_ops.defer_io), 1 if the host does this
	 * request itself; 0 if the monitor does it now (optional: the monitor). */
	int (*host_serves)(const struct monitor *m, const struct ring_req *r);
	/* Do it now: 0 or -HCERR_*, with the bytes moved in *done. */
	int (*serve)(struct monitor *m, const struct ring_req *r, uint32_t *done);
	/* 1 if anything short of the whole buffer is a failure (a sector read;
	 * optional: 0). Asked only of requests the host did. */
	int (*whole_or_failed)(const struct ring_req *r);
	/* Optional: told each request's outcome as it completes, whoever did it
	 * (the net device re-arms its event on an empty RECV). */
	void (*completed)(struct monitor *m, const struct ring_req *r, int status, uint32_t done);
};

extern const struct ring_device console_device; /* loader/console.c */
/* Move what console input the host has into m->input (HC_WAIT watches it). */
void console_refill(struct monitor *m);
void console_input_event(struct monitor *m, uint64_t before);
extern const struct ring_device blk_device;     /* loader/blk.c */
extern const struct ring_device rng_device;     /* loader/rng.c (the device lab) */
extern const struct ring_device net_device;     /* loader/net.c */
/* The host has frames for the guest: HCEV_NET if the guest is due one. */
void net_rx_event(struct monitor *m);
/* A polled host (host_net.rx_waiting): asks its card, and net_rx_event. */
void net_poll(struct monitor *m);

#endif
