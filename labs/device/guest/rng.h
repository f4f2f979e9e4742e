/* The guest's driver of the random-number device (RING_DEV_RNG,
 * proto/ring.h), the device lab's guest side (docs/labs/device.md). */
#ifndef LABS_DEVICE_RNG_H
#define LABS_DEVICE_RNG_H

#include <stdint.h>

/* Fill buf with len random bytes, in requests of at most RING_RNG_MAX_BYTES
 * posted together (one HC_POST for as many as the ring holds). Returns len,
 * or the first request's error (-HCERR_*). */
int64_t rng_fill(void *buf, uint64_t len);

#endif
