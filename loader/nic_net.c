/* loader/nic_net.h: a host_net that is a struct nic's calls, one for one. */
#include "nic_net.h"
#include "../proto/ring.h"

static int hn_send(void *ctx, const void *frame, uint32_t len)
{
	struct nic *nic = ctx;

	return nic->send(nic->ctx, frame, len);
}

static int hn_recv(void *ctx, void *buf, uint32_t cap)
{
	struct nic *nic = ctx;

	return nic->recv(nic->ctx, buf, cap);
}

static int hn_rx_waiting(void *ctx)
{
	struct nic *nic = ctx;

	return nic->rx_waiting(nic->ctx);
}

/* What the card received and could not hand on (too long, malformed): the
 * guest's RECV takes frames as they come, so the card's own queue is the
 * bounded one and its drops are the guest's. */
static uint64_t hn_rx_dropped(void *ctx)
{
	const struct nic *nic = ctx;

	return nic->stats.dropped;
}

void nic_host_net(struct nic *nic, struct host_net *out)
{
	*out = (struct host_net){
		.mtu = (uint16_t)(nic->mtu < RING_NET_MTU_MAX ? nic->mtu : RING_NET_MTU_MAX),
		.send = hn_send,
		.recv = hn_recv,
		.rx_dropped = hn_rx_dropped,
		.rx_waiting = hn_rx_waiting,
		.ctx = nic,
	};
	__builtin_memcpy(out->mac, nic->mac, sizeof(out->mac));
}
