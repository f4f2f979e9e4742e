/* A small IPv4 layer over the ring's network device (proto/ring.h
 * RING_DEV_NET), for guests that want to be on a network: it answers ARP
 * requests for its address (RFC 826) and ICMP echo requests (RFC 792), and
 * hands UDP datagrams (RFC 768) to a handler bound to their port, which may
 * answer them. Frames move in batches: one HC_POST carries the answers to the
 * last batch and the receives of the next. No routing, no fragments, no ARP
 * cache: it answers whoever spoke to it, at the address the frame came from. */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include <stdint.h>

#define NET_BATCH 32 /* receives a POST, and answers queued at most */

/* One UDP datagram received, as its handler sees it. */
struct net_udp {
	uint32_t src_ip;          /* host byte order */
	uint16_t src_port, dst_port;
	const uint8_t *data;
	uint32_t len;
	const uint8_t *frame;     /* the whole frame: net_udp_reply answers it */
};

struct net_stats {
	uint64_t frames_in, frames_out;
	uint64_t arp_replies, icmp_replies, udp_in, udp_replies;
	uint64_t ignored;    /* not for us, or a protocol we do not speak */
	uint64_t malformed;  /* too short, bad lengths or checksums */
	uint64_t send_again; /* sends the host had no room for (-HCERR_AGAIN) */
	uint64_t send_failed;
};

/* Ask the device for its address and MTU (which turns HCEV_NET on) and take
 * ip (host byte order) as ours: 0, or the descriptor's status (-HCERR_NODEV
 * on a host without a network). */
int32_t net_open(uint32_t ip);
const uint8_t *net_mac(void);
uint32_t net_mtu(void);
/* Frames the host dropped for us, its queue full (as of net_open). */
uint64_t net_host_dropped(void);
const struct net_stats *net_stats(void);

/* fn gets every datagram to port (at most 4 ports bound): 0, or -1. */
int net_udp_bind(uint16_t port, void (*fn)(const struct net_udp *u));
/* From the handler: queue a datagram back to where u came from. */
void net_udp_reply(const struct net_udp *u, const void *data, uint32_t len);

/* One batch: post the queued answers and NET_BATCH receives in one HC_POST,
 * then handle what came. How many frames came; 0 means none waited, and
 * HCEV_NET will say when the next does (call it until it returns 0). */
int64_t net_poll(void);

/* "a.b.c.d" to an address in host byte order; 0 if it is not one. */
uint32_t net_parse_ip(const char *s);

#endif
