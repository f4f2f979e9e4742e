/* The console device of the request ring (proto/ring.h RING_DEV_CONSOLE):
 * writes go to the host's log; reads take what the host has of console
 * input, through the monitor's small input buffer (m->input), which HC_WAIT
 * also watches (loader/wait.c). */
#include "monitor.h"
#include "log.h"
#include "ring_device.h"

void console_input_event(struct monitor *m, uint64_t before)
{
	if (before == 0 && m->input_len && m->vcpu)
		m->vcpu->events |= HCEV_INPUT;
}

void console_refill(struct monitor *m)
{
	const struct host_ops *h = m->host;
	uint64_t before = m->input_len;

	if (h->console_read && m->input_len < sizeof(m->input))
		m->input_len += h->console_read(h->mm.ctx, m->input + m->input_len,
						sizeof(m->input) - m->input_len);
	console_input_event(m, before);
}

/* Up to len bytes of what input there is, taken out of the buffer. */
static uint64_t take_input(struct monitor *m, char *buf, uint64_t len)
{
	uint64_t n;

	console_refill(m);
	n = len < m->input_len ? len : m->input_len;
	__builtin_memcpy(buf, m->input, n);
	__builtin_memmove(m->input, m->input + n, m->input_len - n);
	m->input_len -= n;
	return n;
}

static int check_op(const struct monitor *m, const struct ring_desc *d)
{
	(void)m;
	if (d->op != RING_OP_CONSOLE_WRITE && d->op != RING_OP_CONSOLE_READ)
		return -HCERR_INVAL;
	return d->offset == 0 ? 0 : -HCERR_INVAL;
}

/* Input comes from the monitor's own buffer; output may be the host's job. */
static int host_serves(const struct monitor *m, const struct ring_req *r)
{
	(void)m;
	return r->op == RING_OP_CONSOLE_WRITE;
}

static int write_piece(void *hva, uint64_t len, uint64_t span_off, void *ctx)
{
	(void)span_off, (void)ctx;
	log_write(hva, len);
	return 0;
}

static int serve(struct monitor *m, const struct ring_req *r, uint32_t *done)
{
	char in[sizeof(m->input)];
	struct gspan part;
	uint64_t n;

	if (r->op == RING_OP_CONSOLE_WRITE) {
		gmem_each(&m->pool, r->buf, write_piece, 0);
		*done = (uint32_t)r->buf.len_bytes;
		return 0;
	}
	n = take_input(m, in, r->buf.len_bytes);
	gmem_span(&m->pool, r->buf.gpa, n, &part); /* a prefix of a checked span */
	gmem_write(&m->pool, part, in);
	*done = (uint32_t)n;
	return 0;
}

const struct ring_device console_device = {
	.check_op = check_op,
	.host_serves = host_serves,
	.serve = serve,
};
