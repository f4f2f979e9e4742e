/* The host side of the request ring (proto/ring.h): set-up, the HC_POST
 * doorbell that completes a batch, and HC_WAIT. */
#ifndef LOADER_RING_H
#define LOADER_RING_H

#include <stdint.h>
#include "../mm/guestmem.h"
#include "../proto/ring.h"

struct monitor;

/* A descriptor that passed req_check: the device may use it as it is. */
struct ring_req {
	uint16_t device, op;
	struct gspan buf;
	uint64_t disk_off; /* block: byte offset on the disk */
};

/* One POST's descriptors, in ring order, each checked and either completed
 * (status, done set) or deferred to the host (host_ops.defer_io), which sets
 * status (0 or -HCERR_IO) and done before ring_finish. */
struct ring_slot {
	struct ring_req r;
	int32_t status;
	uint32_t done;
	uint32_t deferred;
};
struct ring_batch {
	uint32_t n, ndeferred;
	struct ring_slot slot[RING_ENTRIES];
};

/* Initialise the ring at m->ring_gpa (inside the pool, checked by the caller). */
void ring_setup(struct monitor *m);
/* Complete every posted descriptor: how many, or -HCERR_BADRING. With a host
 * that defers I/O, *deferred is set when m->batch waits for the host; the
 * guest's result is then ring_finish's. */
int64_t ring_post(struct monitor *m, int *deferred);
/* Write the statuses of m->batch back to the ring (a deferred slot's status
 * is forced to 0 or -HCERR_IO, -HCERR_IO too for a block read or write that moved
 * less than its length, and its done to at most its length), advance the
 * consumer index, and give the guest the count. */
void ring_finish(struct monitor *m);
/* 1 if console input is waiting, 0 at the deadline or the end of the slice.
 * With a host that defers I/O, *deferred is set instead of spinning: the host
 * waits until m->wait_deadline_ns, then monitor_wait_done gives the result. */
int64_t ring_wait(struct monitor *m, uint64_t deadline_ns, int *deferred);

/* The random-number device (loader/rng.c, the device lab): the check of a
 * descriptor's device-specific fields (0 or -HCERR_*), and the request. */
int rng_check(const struct monitor *m, const struct ring_desc *d);
int rng_read(struct monitor *m, const struct ring_req *r, uint32_t *done);

#define RING_WAIT_SLICE_NS 100000000ull /* HC_WAIT returns at least every 100 ms */

#endif
