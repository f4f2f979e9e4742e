/* The network device of the request ring (proto/ring.h RING_DEV_NET):
 * Ethernet frames out (SEND) and in (RECV), and the device's address and MTU
 * (INFO), over the host's backend (host_ops.net). Received frames wait in the
 * backend's own bounded queue; HCEV_NET tells the guest they are there, once
 * per time it found none (net_rx_event), so it never has to poll. */
#include "monitor.h"
#include "ring_device.h"

/* The longest frame: header and MTU, the host's MTU held to what the ABI
 * offers (and m->net_frame holds). */
static uint32_t frame_max(const struct monitor *m)
{
	uint32_t mtu = m->host->net->mtu;

	return RING_NET_HDR_BYTES + (mtu < RING_NET_MTU_MAX ? mtu : RING_NET_MTU_MAX);
}

static int check_op(const struct monitor *m, const struct ring_desc *d)
{
	if (!m->host->net)
		return -HCERR_NODEV;
	if (d->op < RING_OP_NET_SEND || d->op > RING_OP_NET_INFO || d->offset != 0)
		return -HCERR_INVAL;
	return 0;
}

static int check_buf(const struct monitor *m, const struct ring_desc *d, struct ring_req *r)
{
	uint32_t max = frame_max(m);

	(void)r;
	switch (d->op) {
	case RING_OP_NET_SEND: /* a frame no shorter than its header, no longer than the MTU allows */
		if (d->len_bytes < RING_NET_HDR_BYTES)
			return -HCERR_INVAL;
		return d->len_bytes > max ? -HCERR_2BIG : 0;
	case RING_OP_NET_RECV: /* room for any frame: none is cut short */
		return d->len_bytes >= max ? 0 : -HCERR_INVAL;
	default: /* RING_OP_NET_INFO */
		return d->len_bytes >= sizeof(struct ring_net_info) ? 0 : -HCERR_INVAL;
	}
}

/* On Linux the runner holds the TAP device: it sends and receives; the
 * monitor answers INFO from what the runner said at set-up. */
static int host_serves(const struct monitor *m, const struct ring_req *r)
{
	(void)m;
	return r->op != RING_OP_NET_INFO;
}

static int serve(struct monitor *m, const struct ring_req *r, uint32_t *done)
{
	const struct host_net *net = m->host->net;
	struct ring_net_info info = { .mtu = (uint16_t)(frame_max(m) - RING_NET_HDR_BYTES) };
	struct gspan part = r->buf;
	int n, err;

	switch (r->op) {
	case RING_OP_NET_SEND:
		if (!net->send)
			return -HCERR_NODEV;
		gmem_read(&m->pool, m->net_frame, r->buf);
		err = net->send(net->ctx, m->net_frame, (uint32_t)r->buf.len_bytes);
		*done = err ? 0 : (uint32_t)r->buf.len_bytes;
		return err;
	case RING_OP_NET_RECV:
		if (!net->recv)
			return -HCERR_NODEV;
		n = net->recv(net->ctx, m->net_frame, frame_max(m));
		if (n < 0 || (uint32_t)n > frame_max(m)) /* the backend's word, bounded */
			return -HCERR_IO;
		part.len_bytes = (uint32_t)n;
		gmem_write(&m->pool, part, m->net_frame);
		*done = (uint32_t)n;
		return 0;
	default: /* RING_OP_NET_INFO */
		__builtin_memcpy(info.mac, net->mac, sizeof(info.mac));
		info.rx_dropped = net->rx_dropped ? net->rx_dropped(net->ctx) : 0;
		part.len_bytes = sizeof(info);
		gmem_write(&m->pool, part, &info);
		*done = sizeof(info);
		return 0;
	}
}

/* Whoever did it: an INFO, or a RECV that found no frame, arms HCEV_NET. */
static void completed(struct monitor *m, const struct ring_req *r, int status, uint32_t done)
{
	if (status != 0)
		return;
	if (r->op == RING_OP_NET_INFO || (r->op == RING_OP_NET_RECV && done == 0))
		m->net_armed = 1;
	else if (r->op == RING_OP_NET_SEND)
		m->net_sent++;
	else if (r->op == RING_OP_NET_RECV)
		m->net_received++;
}

void net_rx_event(struct monitor *m)
{
	if (m->net_armed && m->vcpu) {
		m->vcpu->events |= HCEV_NET;
		m->net_armed = 0;
	}
}

void net_poll(struct monitor *m)
{
	const struct host_net *net = m->host->net;

	if (m->net_armed && net && net->rx_waiting && net->rx_waiting(net->ctx))
		net_rx_event(m);
}

const struct ring_device net_device = {
	.check_op = check_op,
	.check_buf = check_buf,
	.host_serves = host_serves,
	.serve = serve,
	.completed = completed,
};
