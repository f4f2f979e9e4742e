/* The random-number device on the request ring (RING_DEV_RNG, proto/ring.h;
 * the device lab, docs/labs/device.md), served by the portable core on every
 * host. The generator is splitmix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014): fast and well spread, but
 * NOT cryptographic: anyone who sees a few outputs can predict the rest. It
 * is seeded once per guest from the TSC and the host's clock. */
#include "cpu.h"
#include "monitor.h"
#include "ring_device.h"
#include "../mm/guestmem.h"

/* The device's own fields, checked before the ring's common checks (the
 * length against RING_MAX_LEN_BYTES, the buffer against the pool). */
static int check_op(const struct monitor *m, const struct ring_desc *d)
{
	// LAB(device) BEGIN
	(void)m;
	if (d->op != RING_OP_RNG_READ || d->offset != 0)
		return -HCERR_INVAL;
	if (d->len_bytes == 0)
		return -HCERR_INVAL;
	if (d->len_bytes > RING_RNG_MAX_BYTES)
		return -HCERR_2BIG;
	return 0;
	// LAB(device) STARTER
	// (void)m, (void)d;
	// return -HCERR_NODEV; /* TODO: accept RING_OP_RNG_READ with a good length and offset */
	// LAB(device) END
}

// LAB(device) BEGIN
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Fill one piece of the buffer straight in the pool's page (gmem_each): no
 * copy on the stack. */
static int rng_piece(void *hva, uint64_t len, uint64_t span_off, void *ctx)
{
	uint64_t *state = ctx;
	uint8_t *p = hva;

	(void)span_off;
	for (uint64_t i = 0; i < len; i += 8) {
		uint64_t v = splitmix64(state);

		for (uint64_t j = 0; j < 8 && i + j < len; j++)
			p[i + j] = (uint8_t)(v >> (8 * j));
	}
	return 0;
}
// LAB(device) END

/* Fill the request's buffer (a span req_check made) with fresh bytes. */
static int serve(struct monitor *m, const struct ring_req *r, uint32_t *done)
{
	// LAB(device) BEGIN
	if (m->rng_state == 0) /* seeded on first use: the TSC, the host's clock */
		m->rng_state = cpu_rdtsc() ^ (m->host->time_ns(m->host->mm.ctx) << 17) ^ 1;
	gmem_each(&m->pool, r->buf, rng_piece, &m->rng_state);
	*done = (uint32_t)r->buf.len_bytes;
	return 0;
	// LAB(device) STARTER
	// (void)m, (void)r, (void)done;
	// return -HCERR_NODEV; /* TODO: fill r->buf with r->buf.len_bytes fresh bytes */
	// LAB(device) END
}

const struct ring_device rng_device = {
	.check_op = check_op,
	.serve = serve, /* on every host the core's own: never the runner's job */
};
