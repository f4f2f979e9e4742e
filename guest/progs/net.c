/* net: the guest on the network through its host's net device (guest/net.h):
 * it answers ARP and ICMP echo at ip= (default 10.0.3.2), echoes every UDP
 * datagram to port 7 byte for byte (RFC 862's echo service), and ends when a
 * datagram "stop" comes to port 9, printing what it did ("pause" there: a
 * second of computing without taking frames). It sleeps in
 * HC_WAIT until HCEV_NET reaches its upcall handler and only then takes
 * frames, batch after batch until none waits: it never polls the device.
 * A host without a network says -HCERR_NODEV at the start (an exit, 0).
 * seconds=N (default 60): with no frame for that long it gives up (status 1). */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"
#include "../net.h"
#include "../ring.h"

static volatile uint32_t net_events;
static volatile int stopped;

static void on_upcall(struct hc_trap_frame *f)
{
	uint32_t ev = __atomic_exchange_n(&vcpu.events, 0, __ATOMIC_SEQ_CST); /* every bit */

	(void)f;
	if (ev & HCEV_NET)
		net_events++;
}

static void echo(const struct net_udp *u)
{
	net_udp_reply(u, u->data, u->len);
}

static volatile int pause_asked;

/* Port 9 discards, but for two words: "stop" ends the program, "pause"
 * makes it compute for a second without taking frames (a guest too busy
 * for its network: the host's queue must bound what waits meanwhile). */
static void control(const struct net_udp *u)
{
	if (u->len == 4 && !__builtin_memcmp(u->data, "stop", 4))
		stopped = 1;
	if (u->len == 5 && !__builtin_memcmp(u->data, "pause", 5))
		pause_asked = 1;
}

/* Malformed frames and buffers, each refused by name and nothing sent. */
static int refusals(void)
{
	static uint8_t frame[2048];
	static const struct {
		uint16_t op;
		uint32_t len;
		int outside;
		int32_t want;
		const char *what, *name;
	} bad[] = {
		{ RING_OP_NET_SEND, 0, 0, -HCERR_INVAL, "a zero-length frame", "-HCERR_INVAL" },
		{ RING_OP_NET_SEND, 13, 0, -HCERR_INVAL, "a frame shorter than its header",
		  "-HCERR_INVAL" },
		{ RING_OP_NET_SEND, 1515, 0, -HCERR_2BIG, "a frame longer than the MTU allows",
		  "-HCERR_2BIG" },
		{ RING_OP_NET_SEND, 64, 1, -HCERR_FAULT, "a frame outside the pool", "-HCERR_FAULT" },
		{ RING_OP_NET_RECV, 100, 0, -HCERR_INVAL, "a receive buffer too small for a frame",
		  "-HCERR_INVAL" },
		{ RING_OP_NET_RECV, 2048, 1, -HCERR_FAULT, "a receive buffer outside the pool",
		  "-HCERR_FAULT" },
	};
	const struct net_stats *st = net_stats();

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ring_desc *d = ring_next();
		/* "longer than the MTU allows": one byte past this host's */
		uint32_t len = bad[i].want == -HCERR_2BIG ? RING_NET_HDR_BYTES + net_mtu() + 1
							  : bad[i].len;

		*d = (struct ring_desc){ .device = RING_DEV_NET, .op = bad[i].op,
					 .len_bytes = len,
					 .buf_gpa = bad[i].outside ? boot->pool_bytes - 32
								   : virt_to_gpa(frame) };
		ring_publish();
		ring_post();
		if (d->status != bad[i].want || d->done_bytes != 0) {
			printf("ABORT: net: %s: status %d, %u bytes (wanted %d)\n", bad[i].what,
			       d->status, d->done_bytes, bad[i].want);
			return 1;
		}
		printf("guest: net: %s: %s\n", bad[i].what, bad[i].name);
	}
	if (st->frames_out) /* nothing went out */
		return 1;
	return 0;
}

int prog_net(void)
{
	char arg[20];
	uint32_t ip, seen = 0, idle_s;
	uint64_t batches = 0, late = 0, last;
	int timed_out = 0; /* the last HC_WAIT ended by its deadline, not HCEV_NET */
	const struct net_stats *st = net_stats();
	const uint8_t *mac;
	int32_t err;

	cmdline_arg("ip", arg, sizeof(arg));
	ip = net_parse_ip(arg[0] ? arg : "10.0.3.2");
	if (!ip) {
		printf("ABORT: net: ip=%s is not an IPv4 address\n", arg);
		return 1;
	}
	cmdline_arg("seconds", arg, sizeof(arg));
	idle_s = arg[0] ? 0 : 60;
	for (const char *c = arg; *c >= '0' && *c <= '9'; c++)
		idle_s = idle_s * 10 + (uint32_t)(*c - '0');
	ring_init();
	vintr_init(on_upcall);
	err = net_open(ip);
	if (err == -HCERR_NODEV) {
		printf("guest: net: no network device on this host (-HCERR_NODEV)\n");
		return 0;
	}
	if (err) {
		printf("ABORT: net: the device's info: status %d\n", err);
		return 1;
	}
	mac = net_mac();
	printf("guest: net: MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, address %u.%u.%u.%u; "
	       "UDP echo on port 7, \"stop\" to port 9 ends it\n", mac[0], mac[1], mac[2],
	       mac[3], mac[4], mac[5], net_mtu(), ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	       ip & 255);
	if (refusals())
		return 1;
	net_udp_bind(7, echo);
	net_udp_bind(9, control);
	last = now_ns();
	/* Frames that came before the event was armed: take them first. */
	while (!stopped) {
		int64_t n;

		while ((n = net_poll()) > 0) {
			batches++;
			late += timed_out; /* frames were there, and nobody said so */
			timed_out = 0;
		}
		timed_out = 0;
		if (n < 0) {
			printf("ABORT: net: a batch: %ld\n", n);
			return 1;
		}
		if (st->frames_in != seen) {
			seen = (uint32_t)st->frames_in;
			last = now_ns();
		}
		if (stopped)
			break;
		if (pause_asked) {
			uint64_t end = now_ns() + 1000000000ull;

			pause_asked = 0;
			printf("guest: net: computing for 1 s without taking frames\n");
			while (now_ns() < end)
				__asm__ volatile("pause");
			last = now_ns();
			continue;
		}
		if (now_ns() - last > idle_s * 1000000000ull) {
			printf("ABORT: net: no frame for %u s (%lu in so far)\n", idle_s,
			       st->frames_in);
			return 1;
		}
		if (!net_events) /* sleep until HCEV_NET (or a bounded wait passes) */
			timed_out = hypercall(HC_WAIT, now_ns() + 100000000ull, 0, 0) ==
				    HC_WAIT_TIMEOUT && !net_events;
		net_events = 0;
	}
	printf("guest: net: stopped: %lu frames in, %lu out in %lu batches; %lu ARP replies, "
	       "%lu ICMP echo replies, %lu of %lu UDP datagrams answered; %lu ignored, "
	       "%lu malformed, %lu sends refused as busy, %lu failed\n", st->frames_in,
	       st->frames_out, batches, st->arp_replies, st->icmp_replies, st->udp_replies,
	       st->udp_in, st->ignored, st->malformed, st->send_again, st->send_failed);
	/* The judge of "the receive path needs no polling": frames found after a
	 * wait that ran to its deadline are frames HCEV_NET did not announce. One
	 * in 500 batches is left for a frame that lands between the host's last
	 * look and the deadline. */
	printf("guest: net: %lu of %lu batches found frames after a wait that timed out: %s\n",
	       late, batches, late * 500 <= batches ? "HCEV_NET announced them: ok" :
	       "HCEV_NET missing: polled");
	return 0;
}
