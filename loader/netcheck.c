/* The hosts' network self-test (loader/netcheck.h): ARP requests to QEMU's
 * user-mode gateway, each reply polled for with the TSC as the clock (the
 * drivers are polled; there is no interrupt to wait for). After the first
 * exchange, the driver's bad inputs and a run of exchanges long enough to
 * wrap both of virtio-net's 256-entry rings and reuse every buffer. */
#include "netcheck.h"
#include "arp.h"
#include "cmdline.h"
#include "errors.h"
#include "log.h"
#include "tsc.h"
#include "../proto/errors.h"

#define BURST 300       /* exchanges in a row: past a 256-entry ring's wrap */
#define SMALL_CAP 41    /* a buffer shorter than any ARP frame */

static uint8_t frame[2048]; /* a whole frame; static: over the monitor's frame limit */

int netcheck_wanted(const char *cmdline)
{
	char v[4];

	return cmdline_value(cmdline, "netcheck", v, sizeof(v)) == 1 && v[0] == '1';
}

static void say_counters(const struct nic *net)
{
	log_printf("host: net: counters: sent %lu, received %lu, dropped %lu\n", net->stats.sent,
		   net->stats.received, net->stats.dropped);
}

static int send_req(struct nic *net)
{
	uint8_t req[ARP_FRAME_BYTES];

	arp_request(req, net->mac, NETCHECK_OUR_IP, NETCHECK_GATEWAY_IP);
	return net->send(net->ctx, req, sizeof(req));
}

/* One exchange: a request (again every 500 ms) until the gateway's reply
 * comes or wait_ms pass. 0 and its MAC in from; -HCERR_AGAIN on no reply;
 * a driver's error as it came. *others counts frames that were not it. */
static int exchange(struct nic *net, uint64_t tsc_hz, uint64_t wait_ms, uint8_t from[6],
		    uint64_t *others, int *len)
{
	uint64_t t0 = tsc_ns(tsc_hz), last = 0, now;
	int n, err;

	for (now = t0; now - t0 < wait_ms * 1000000ull; now = tsc_ns(tsc_hz)) {
		if (last == 0 || now - last >= 500000000ull) {
			err = send_req(net);
			if (err && err != -HCERR_AGAIN) {
				log_printf("host: net: sending an ARP request failed: %s\n",
					   hc_strerror(err));
				return err;
			}
			last = now;
		}
		n = net->recv(net->ctx, frame, sizeof(frame));
		if (n < 0) {
			log_printf("host: net: receiving failed: %s\n", hc_strerror(n));
			return n;
		}
		*len = n;
		if (n > 0 && arp_is_reply(frame, (uint32_t)n, NETCHECK_GATEWAY_IP, net->mac,
					  NETCHECK_OUR_IP, from))
			return 0;
		if (n > 0)
			(*others)++;
	}
	return -HCERR_AGAIN;
}

/* What the driver does with frames it must refuse: named errors, nothing sent. */
static int bad_sends(struct nic *net)
{
	uint64_t sent = net->stats.sent;
	int short_err, long_err;

	__builtin_memset(frame, 0, sizeof(frame));
	short_err = net->send(net->ctx, frame, NIC_ETH_HDR_BYTES - 1);
	long_err = net->send(net->ctx, frame, NIC_ETH_HDR_BYTES + net->mtu + 1);
	log_printf("host: net: a %u-byte frame: %s, a %u-byte frame: %s: %s\n",
		   NIC_ETH_HDR_BYTES - 1, hc_strerror(short_err), NIC_ETH_HDR_BYTES + net->mtu + 1,
		   hc_strerror(long_err),
		   short_err == -HCERR_INVAL && long_err == -HCERR_2BIG && net->stats.sent == sent ?
			   "ok" : "WRONG");
	return short_err == -HCERR_INVAL && long_err == -HCERR_2BIG ? 0 : -HCERR_INVAL;
}

/* A reply offered to a buffer too short for it: dropped and counted, and
 * recv says 0 rather than handing out part of it. */
static int small_buffer(struct nic *net, uint64_t tsc_hz)
{
	uint64_t dropped = net->stats.dropped, t0 = tsc_ns(tsc_hz);
	int n = 0, err = send_req(net);

	while (!err && net->stats.dropped == dropped && tsc_ns(tsc_hz) - t0 < 1000000000ull) {
		n = net->recv(net->ctx, frame, SMALL_CAP);
		if (n != 0)
			break;
	}
	log_printf("host: net: a frame for a %u-byte buffer: %s (recv said %d): %s\n", SMALL_CAP,
		   net->stats.dropped > dropped ? "dropped and counted" : "not dropped", n,
		   !err && n == 0 && net->stats.dropped > dropped ? "ok" : "WRONG");
	return !err && n == 0 && net->stats.dropped > dropped ? 0 : -HCERR_IO;
}

int netcheck_run(struct nic *net, uint64_t tsc_hz)
{
	const uint8_t *m = net->mac;
	uint8_t from[6];
	uint64_t others = 0, t0;
	int err, done = 0, len = 0;

	log_printf("host: net: %s MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u\n", net->name, m[0],
		   m[1], m[2], m[3], m[4], m[5], net->mtu);
	t0 = tsc_ns(tsc_hz);
	err = exchange(net, tsc_hz, NETCHECK_WAIT_MS, from, &others, &len);
	if (err) {
		log_printf("host: net: no ARP reply from 10.0.2.2 in %u ms (%lu other frames): "
			   "WRONG\n", NETCHECK_WAIT_MS, others);
		goto out;
	}
	/* Its length is the gateway's, padded as it pads (no FCS): a test knows it. */
	log_printf("host: net: ARP reply from 10.0.2.2 (MAC %02x:%02x:%02x:%02x:%02x:%02x): ok, "
		   "%d bytes, after %lu ms\n",
		   from[0], from[1], from[2], from[3], from[4], from[5], len,
		   (tsc_ns(tsc_hz) - t0) / 1000000);
	err = bad_sends(net);
	if (!err)
		err = small_buffer(net, tsc_hz);
	t0 = tsc_ns(tsc_hz);
	while (!err && done < BURST && !(err = exchange(net, tsc_hz, 1000, from, &others, &len)))
		done++;
	log_printf("host: net: %d of %d ARP exchanges in a row answered in %lu ms: %s\n", done,
		   BURST, (tsc_ns(tsc_hz) - t0) / 1000000, done == BURST ? "ok" : "WRONG");
out:
	say_counters(net);
	return err;
}
