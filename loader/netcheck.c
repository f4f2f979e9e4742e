/* The hosts' network self-test (loader/netcheck.h): one ARP request to QEMU's
 * user-mode gateway, the reply polled for with the TSC as the clock (the
 * drivers are polled; there is no interrupt to wait for). */
#include "netcheck.h"
#include "arp.h"
#include "cmdline.h"
#include "errors.h"
#include "log.h"
#include "tsc.h"
#include "../proto/errors.h"

int netcheck_wanted(const char *cmdline)
{
	char v[4];

	return cmdline_value(cmdline, "netcheck", v, sizeof(v)) == 1 && v[0] == '1';
}

static void say_counters(const struct host_net *net)
{
	log_printf("host: net: counters: sent %lu, received %lu, dropped %lu\n", net->stats.sent,
		   net->stats.received, net->stats.dropped);
}

int netcheck_run(struct host_net *net, uint64_t tsc_hz)
{
	static uint8_t frame[2048]; /* a whole frame; static: over the monitor's frame limit */
	uint8_t req[ARP_FRAME_BYTES], from[6];
	const uint8_t *m = net->mac;
	uint64_t t0 = tsc_ns(tsc_hz), last = 0, now;
	uint64_t others = 0;
	int n, err;

	log_printf("host: net: %s MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u\n", net->name, m[0],
		   m[1], m[2], m[3], m[4], m[5], net->mtu);
	arp_request(req, net->mac, NETCHECK_OUR_IP, NETCHECK_GATEWAY_IP);
	for (now = t0; now - t0 < NETCHECK_WAIT_MS * 1000000ull; now = tsc_ns(tsc_hz)) {
		if (last == 0 || now - last >= 500000000ull) {
			err = net->send(net->ctx, req, sizeof(req));
			if (err && err != -HCERR_AGAIN) {
				log_printf("host: net: sending the ARP request failed: %s\n",
					   hc_strerror(err));
				say_counters(net);
				return err;
			}
			last = now;
		}
		n = net->recv(net->ctx, frame, sizeof(frame));
		if (n < 0) {
			log_printf("host: net: receiving failed: %s\n", hc_strerror(n));
			say_counters(net);
			return n;
		}
		if (n == 0)
			continue;
		if (!arp_is_reply(frame, (uint32_t)n, NETCHECK_GATEWAY_IP, net->mac,
				  NETCHECK_OUR_IP, from)) {
			others++;
			continue;
		}
		log_printf("host: net: ARP reply from 10.0.2.2 (MAC %02x:%02x:%02x:%02x:%02x:%02x): "
			   "ok, after %lu ms\n",
			   from[0], from[1], from[2], from[3], from[4], from[5],
			   (tsc_ns(tsc_hz) - t0) / 1000000);
		say_counters(net);
		return 0;
	}
	log_printf("host: net: no ARP reply from 10.0.2.2 in %u ms (%lu other frames): WRONG\n",
		   NETCHECK_WAIT_MS, others);
	say_counters(net);
	return -HCERR_AGAIN;
}
