/* The random device's driver: split the buffer into requests of at most
 * RING_RNG_MAX_BYTES, post as many as the ring has room for with one doorbell
 * (guest/ring.h), then read every status. */
#include "rng.h"
#include "../../../guest/hypercall.h"
#include "../../../guest/kernel.h"
#include "../../../guest/ring.h"

int64_t rng_fill(void *buf, uint64_t len)
{
	// LAB(device) BEGIN
	uint8_t *p = buf;
	uint64_t at = 0;

	while (at < len) {
		struct ring_desc *batch[RING_ENTRIES];
		unsigned n = 0;

		/* Fill descriptors while there are bytes and free slots. */
		while (at < len && n < RING_ENTRIES) {
			struct ring_desc *d = ring_next();
			uint64_t chunk = len - at < RING_RNG_MAX_BYTES ? len - at : RING_RNG_MAX_BYTES;

			if (!d)
				break;
			d->device = RING_DEV_RNG;
			d->op = RING_OP_RNG_READ;
			d->len_bytes = (uint32_t)chunk;
			d->buf_gpa = virt_to_gpa(p + at);
			batch[n++] = d;
			at += chunk;
		}
		if (n == 0)
			return -HCERR_BADRING; /* the ring is full of someone else's requests */
		ring_publish();
		ring_post(); /* completes every published descriptor */
		for (unsigned i = 0; i < n; i++)
			if (batch[i]->status)
				return batch[i]->status;
	}
	return (int64_t)len;
	// LAB(device) STARTER
	// (void)buf, (void)len;
	// return -HCERR_NOSYS; /* TODO: post RING_DEV_RNG requests, check their statuses */
	// LAB(device) END
}
