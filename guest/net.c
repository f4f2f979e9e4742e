/* The guest's IPv4 layer (net.h). Every field is read from the frame's bytes
 * in network byte order, and every length is checked against what arrived
 * before anything past it is read: a frame from the wire is as untrusted as a
 * descriptor is to the monitor. */
#include "hypercall.h"
#include "kernel.h"
#include "net.h"
#include "ring.h"

#define ETH_HDR 14
#define ETH_ARP 0x0806
#define ETH_IPV4 0x0800
#define ARP_BYTES 28
#define IP_HDR 20
#define IP_ICMP 1
#define IP_UDP 17
#define UDP_HDR 8
#define BUF_BYTES 2048 /* room for any frame (RING_NET_HDR_BYTES + RING_NET_MTU_MAX) */
#define NPORTS 4

/* The buffers live in the guest image, which is pool memory: their
 * addresses are what the descriptors carry. */
static uint8_t rx_buf[NET_BATCH][BUF_BYTES] __attribute__((aligned(4096)));
static uint8_t tx_buf[NET_BATCH][BUF_BYTES] __attribute__((aligned(4096)));
static uint32_t tx_len[NET_BATCH], ntx;
static struct ring_net_info info;
static uint32_t my_ip;
static uint16_t ip_id;
static struct net_stats st;
static struct {
	uint16_t port;
	void (*fn)(const struct net_udp *u);
} ports[NPORTS];

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* The Internet checksum's running sum (RFC 1071): 16-bit words, big-endian. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint32_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* UDP's checksum covers a pseudo-header of the addresses (RFC 768). */
static uint32_t udp_sum(uint32_t src, uint32_t dst, const uint8_t *udp, uint32_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IP_UDP;
	put16(ph + 10, len);
	return fold(sum16(sum16(0, ph, sizeof(ph)), udp, len));
}

/* An ARP announcement (RFC 5227 2.3: a request with our address as both
 * sender and target, to everyone), so that a peer that wants to reach us
 * first (QEMU's user-mode network forwarding a port to us) knows our MAC
 * before its first datagram, instead of dropping that one while it asks. */
static int32_t announce(void)
{
	static const uint8_t everyone[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *f = tx_buf[0], *a = f + ETH_HDR;

	__builtin_memcpy(f, everyone, 6);
	__builtin_memcpy(f + 6, info.mac, 6);
	put16(f + 12, ETH_ARP);
	put16(a, 1);        /* hardware: Ethernet */
	put16(a + 2, ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);    /* a request */
	__builtin_memcpy(a + 8, info.mac, 6);
	put32(a + 14, my_ip);
	__builtin_memset(a + 18, 0, 6);
	put32(a + 24, my_ip);
	return ring_call(RING_DEV_NET, RING_OP_NET_SEND, f, ETH_HDR + ARP_BYTES, 0, 0);
}

int32_t net_open(uint32_t ip)
{
	static struct ring_net_info got;
	int32_t err = ring_call(RING_DEV_NET, RING_OP_NET_INFO, &got, sizeof(got), 0, 0);

	if (err)
		return err;
	info = got;
	my_ip = ip;
	if (announce()) /* no worse than a peer that asks: counted, not fatal */
		st.send_failed++;
	return 0;
}

const uint8_t *net_mac(void)
{
	return info.mac;
}

uint32_t net_mtu(void)
{
	return info.mtu;
}

uint64_t net_host_dropped(void)
{
	return info.rx_dropped;
}

const struct net_stats *net_stats(void)
{
	return &st;
}

int net_udp_bind(uint16_t port, void (*fn)(const struct net_udp *u))
{
	for (int i = 0; i < NPORTS; i++)
		if (!ports[i].fn) {
			ports[i].port = port;
			ports[i].fn = fn;
			return 0;
		}
	return -1;
}

/* The next transmit buffer with its Ethernet header, to dst; NULL if the
 * batch's answers are all queued (the answer is dropped and counted). */
static uint8_t *tx_frame(const uint8_t *dst, uint32_t type)
{
	uint8_t *f;

	if (ntx == NET_BATCH) {
		st.send_failed++;
		return 0;
	}
	f = tx_buf[ntx];
	__builtin_memcpy(f, dst, 6);
	__builtin_memcpy(f + 6, info.mac, 6);
	put16(f + 12, type);
	return f;
}

static void tx_queue(uint32_t len)
{
	tx_len[ntx++] = len;
}

/* An IPv4 header of ours at ip, to dst, with total bytes after it included. */
static void ip_header(uint8_t *ip, uint32_t dst, uint32_t proto, uint32_t total)
{
	ip[0] = 0x45; /* version 4, 5 words */
	ip[1] = 0;
	put16(ip + 2, total);
	put16(ip + 4, ip_id++);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	put16(ip + 10, 0);
	put32(ip + 12, my_ip);
	put32(ip + 16, dst);
	put16(ip + 10, fold(sum16(0, ip, IP_HDR)));
}

static void arp_in(const uint8_t *f, uint32_t len)
{
	const uint8_t *a = f + ETH_HDR;
	uint8_t *r;

	if (len < ETH_HDR + ARP_BYTES || be16(a) != 1 || be16(a + 2) != ETH_IPV4 || a[4] != 6 ||
	    a[5] != 4) {
		st.malformed++;
		return;
	}
	if (be16(a + 6) != 1 || be32(a + 24) != my_ip) { /* a request for our address */
		st.ignored++;
		return;
	}
	r = tx_frame(a + 8, ETH_ARP);
	if (!r)
		return;
	__builtin_memcpy(r + ETH_HDR, a, 6); /* the same hardware and protocol types */
	put16(r + ETH_HDR + 6, 2);           /* a reply */
	__builtin_memcpy(r + ETH_HDR + 8, info.mac, 6);
	put32(r + ETH_HDR + 14, my_ip);
	__builtin_memcpy(r + ETH_HDR + 18, a + 8, 10); /* to its sender's MAC and address */
	tx_queue(ETH_HDR + ARP_BYTES);
	st.arp_replies++;
}

static void icmp_in(const uint8_t *f, const uint8_t *ip, uint32_t hl, uint32_t total)
{
	const uint8_t *icmp = ip + hl;
	uint32_t n = total - hl;
	uint8_t *r;

	if (n < 8 || fold(sum16(0, icmp, n)) != 0) {
		st.malformed++;
		return;
	}
	if (icmp[0] != 8 || icmp[1] != 0) { /* only echo requests are answered */
		st.ignored++;
		return;
	}
	if (IP_HDR + n > info.mtu || !(r = tx_frame(f + 6, ETH_IPV4)))
		return;
	ip_header(r + ETH_HDR, be32(ip + 12), IP_ICMP, IP_HDR + n);
	__builtin_memcpy(r + ETH_HDR + IP_HDR, icmp, n); /* its id, sequence and data */
	r[ETH_HDR + IP_HDR] = 0;                           /* echo reply */
	put16(r + ETH_HDR + IP_HDR + 2, 0);
	put16(r + ETH_HDR + IP_HDR + 2, fold(sum16(0, r + ETH_HDR + IP_HDR, n)));
	tx_queue(ETH_HDR + IP_HDR + n);
	st.icmp_replies++;
}

static void udp_in(const uint8_t *f, const uint8_t *ip, uint32_t hl, uint32_t total)
{
	const uint8_t *u = ip + hl;
	uint32_t n = total - hl, ulen = n >= UDP_HDR ? be16(u + 4) : 0;
	struct net_udp d;

	if (n < UDP_HDR || ulen < UDP_HDR || ulen > n ||
	    (be16(u + 6) && udp_sum(be32(ip + 12), be32(ip + 16), u, ulen) != 0)) {
		st.malformed++;
		return;
	}
	d = (struct net_udp){ .src_ip = be32(ip + 12), .src_port = (uint16_t)be16(u),
			      .dst_port = (uint16_t)be16(u + 2), .data = u + UDP_HDR,
			      .len = ulen - UDP_HDR, .frame = f };
	st.udp_in++;
	for (int i = 0; i < NPORTS; i++)
		if (ports[i].fn && ports[i].port == d.dst_port) {
			ports[i].fn(&d);
			return;
		}
	st.ignored++;
}

void net_udp_reply(const struct net_udp *u, const void *data, uint32_t len)
{
	uint32_t ulen = UDP_HDR + len, sum;
	uint8_t *r, *p;

	if (IP_HDR + ulen > info.mtu) {
		st.send_failed++;
		return;
	}
	r = tx_frame(u->frame + 6, ETH_IPV4);
	if (!r)
		return;
	ip_header(r + ETH_HDR, u->src_ip, IP_UDP, IP_HDR + ulen);
	p = r + ETH_HDR + IP_HDR;
	put16(p, u->dst_port);
	put16(p + 2, u->src_port);
	put16(p + 4, ulen);
	put16(p + 6, 0);
	__builtin_memcpy(p + UDP_HDR, data, len);
	sum = udp_sum(my_ip, u->src_ip, p, ulen);
	put16(p + 6, sum ? sum : 0xffff); /* 0 would mean "no checksum" */
	tx_queue(ETH_HDR + IP_HDR + ulen);
	st.udp_replies++;
}

static void ipv4_in(const uint8_t *f, uint32_t len)
{
	const uint8_t *ip = f + ETH_HDR;
	uint32_t hl, total;

	if (len < ETH_HDR + IP_HDR || ip[0] >> 4 != 4) {
		st.malformed++;
		return;
	}
	hl = (ip[0] & 15u) * 4;
	total = be16(ip + 2);
	if (hl < IP_HDR || total < hl || ETH_HDR + total > len || fold(sum16(0, ip, hl)) != 0) {
		st.malformed++;
		return;
	}
	/* Not ours, or a fragment (more to come, or not the first): not for us. */
	if (be32(ip + 16) != my_ip || (be16(ip + 6) & 0x3fff)) {
		st.ignored++;
		return;
	}
	if (ip[9] == IP_ICMP)
		icmp_in(f, ip, hl, total);
	else if (ip[9] == IP_UDP)
		udp_in(f, ip, hl, total);
	else
		st.ignored++;
}

static void frame_in(const uint8_t *f, uint32_t len)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	st.frames_in++;
	if (len < ETH_HDR) {
		st.malformed++;
	} else if (__builtin_memcmp(f, info.mac, 6) && __builtin_memcmp(f, bcast, 6)) {
		st.ignored++; /* to someone else */
	} else if (be16(f + 12) == ETH_ARP) {
		arp_in(f, len);
	} else if (be16(f + 12) == ETH_IPV4) {
		ipv4_in(f, len);
	} else {
		st.ignored++;
	}
}

int64_t net_poll(void)
{
	struct ring_desc *tx[NET_BATCH], *rx[NET_BATCH];
	uint32_t nsent = ntx;
	int64_t got = 0;

	for (uint32_t i = 0; i < nsent; i++) {
		tx[i] = ring_next();
		if (!tx[i])
			return -HCERR_BADRING;
		*tx[i] = (struct ring_desc){ .device = RING_DEV_NET, .op = RING_OP_NET_SEND,
					     .len_bytes = tx_len[i], .buf_gpa = virt_to_gpa(tx_buf[i]) };
	}
	for (int i = 0; i < NET_BATCH; i++) {
		rx[i] = ring_next();
		if (!rx[i])
			return -HCERR_BADRING;
		*rx[i] = (struct ring_desc){ .device = RING_DEV_NET, .op = RING_OP_NET_RECV,
					     .len_bytes = BUF_BYTES, .buf_gpa = virt_to_gpa(rx_buf[i]) };
	}
	ring_publish();
	ring_post();
	ntx = 0;
	for (uint32_t i = 0; i < nsent; i++) {
		if (tx[i]->status == 0)
			st.frames_out++;
		else if (tx[i]->status == -HCERR_AGAIN)
			st.send_again++;
		else
			st.send_failed++;
	}
	for (int i = 0; i < NET_BATCH; i++) {
		if (rx[i]->status != 0 || rx[i]->done_bytes == 0)
			continue;
		frame_in(rx_buf[i], rx[i]->done_bytes);
		got++;
	}
	return got;
}

uint32_t net_parse_ip(const char *s)
{
	uint32_t ip = 0;

	for (int part = 0; part < 4; part++) {
		uint32_t v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (uint32_t)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255 || (part < 3 && *s++ != '.'))
			return 0;
		ip = ip << 8 | v;
	}
	return *s ? 0 : ip;
}
