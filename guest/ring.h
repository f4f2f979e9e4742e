/* The guest's side of the request ring (proto/ring.h): fill descriptors,
 * publish them, ring the doorbell once for the batch. */
#ifndef GUEST_RING_H
#define GUEST_RING_H

#include <stdint.h>
#include "../proto/ring.h"

void ring_init(void);
/* The next free descriptor, zeroed, or NULL if all RING_ENTRIES are posted
 * and not yet completed. Not visible to the host until ring_publish. */
struct ring_desc *ring_next(void);
void ring_publish(void);
/* HC_POST: the host completes everything published; returns how many. */
int64_t ring_post(void);
/* HC_POST(HCPOST_ASYNC): how many the host completed in the call; the rest
 * complete later, each time with HCEV_RING (proto/hypercall.h). */
int64_t ring_post_async(void);
struct ring_hdr *ring_header(void);
/* One request, synchronously: its status; *done_bytes if not NULL. */
int32_t ring_call(uint16_t device, uint16_t op, void *buf, uint32_t len, uint64_t offset,
		  uint32_t *done_bytes);

#endif
