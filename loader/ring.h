/* The host side of the request ring (proto/ring.h): set-up, the HC_POST
 * doorbell that completes a batch (loader/ring.c; the devices behind it in
 * loader/ring_device.h). */
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
	uint32_t late; /* of n, the first this many an HCPOST_ASYNC left owed */
	/* HCPOST_ASYNC on a host that defers I/O: the batch was taken at its
	 * POST and the guest went on; ring_finish completes it late (at a host
	 * interrupt, or once the host answered its deferred slots). */
	uint32_t in_flight;
	uint32_t earlier; /* completed for this POST before its own: in its count */
	struct ring_slot slot[RING_ENTRIES];
};

/* Initialise the ring at m->ring_gpa (inside the pool, checked by the caller). */
void ring_setup(struct monitor *m);
/* What ring_post left to the host, in *deferred. */
enum ring_wait {
	RING_DONE,  /* nothing: the result is the guest's */
	RING_HOST,  /* m->batch waits for the host, then ring_finish sets the result */
	RING_ASYNC, /* HCPOST_ASYNC, host_ops.async_io: m->batch goes to the host's
		     * completion thread, the guest resumes with the result now */
	RING_BUSY,  /* a POST behind a batch in flight: nothing done; once that
		     * batch's ring_finish ran, the host makes it again (hc_post_again) */
};
/* HC_POST(flags): complete every posted descriptor: how many, -HCERR_BADRING
 * or -HCERR_INVAL (a flag other than HCPOST_ASYNC); *deferred says what is
 * left to the host (enum ring_wait). HCPOST_ASYNC on a host that does not
 * defer I/O completes nothing now (result 0): the descriptors are owed until
 * ring_complete_owed, which takes them then. On a host that defers I/O they
 * are taken at once, and completed late (in flight). */
int64_t ring_post(struct monitor *m, uint64_t flags, int *deferred);
/* Complete what an HCPOST_ASYNC post left owed (nothing if none), then
 * ring_late_done: at the host's interrupts, and before HC_POST and HC_WAIT. */
void ring_complete_owed(struct monitor *m);
/* cons advanced after the POST of those descriptors returned: HCEV_RING in
 * the vcpu page, and for a guest with no upcall handler the mark HC_WAIT
 * reports (HC_WAIT_UPCALL). For any host that completes late. */
void ring_late_done(struct monitor *m);
/* Write the statuses of m->batch back to the ring (a deferred slot's status
 * is forced to 0 or -HCERR_IO, -HCERR_IO too for a block read or write that moved
 * less than its length, and its done to at most its length), advance the
 * consumer index, and give the guest the count. */
void ring_finish(struct monitor *m);

#endif
