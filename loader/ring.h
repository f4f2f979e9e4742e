/* The host side of the request ring (proto/ring.h): set-up, the HC_POST
 * doorbell that completes a batch, and HC_WAIT. */
#ifndef LOADER_RING_H
#define LOADER_RING_H

#include <stdint.h>

struct monitor;

/* Initialise the ring at m->ring_gpa (inside the pool, checked by the caller). */
void ring_setup(struct monitor *m);
/* Complete every posted descriptor: how many, or -HC_EBADRING. */
int64_t ring_post(struct monitor *m);
/* 1 if console input is waiting, 0 at the deadline or the end of the slice. */
int64_t ring_wait(struct monitor *m, uint64_t deadline_ns);

#define RING_WAIT_SLICE_NS 100000000ull /* HC_WAIT returns at least every 100 ms */

#endif
