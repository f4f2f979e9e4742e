/* An ARP request and the check of its reply (loader/arp.h). Field offsets
 * are RFC 826's packet layout after the 14-byte Ethernet header; multi-byte
 * fields are big-endian on the wire. */
#include "arp.h"

#define ETHERTYPE_ARP 0x0806 /* IEEE 802 numbers: ARP */
#define ARP_HTYPE_ETHER 1
#define ARP_PTYPE_IPV4 0x0800
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

void arp_request(uint8_t f[ARP_FRAME_BYTES], const uint8_t mac[6], uint32_t ip,
		 uint32_t target_ip)
{
	__builtin_memset(f, 0xff, 6); /* to everyone */
	__builtin_memcpy(f + 6, mac, 6);
	put16(f + 12, ETHERTYPE_ARP);
	put16(f + 14, ARP_HTYPE_ETHER);
	put16(f + 16, ARP_PTYPE_IPV4);
	f[18] = 6; /* hardware address length */
	f[19] = 4; /* protocol address length */
	put16(f + 20, ARP_OP_REQUEST);
	__builtin_memcpy(f + 22, mac, 6); /* sender */
	put32(f + 28, ip);
	__builtin_memset(f + 32, 0, 6); /* target hardware address: what we ask */
	put32(f + 38, target_ip);
}

int arp_is_reply(const uint8_t *f, uint32_t len, uint32_t from_ip, const uint8_t mac[6],
		 uint32_t ip, uint8_t sender[6])
{
	if (len < ARP_FRAME_BYTES || get16(f + 12) != ETHERTYPE_ARP ||
	    get16(f + 14) != ARP_HTYPE_ETHER || get16(f + 16) != ARP_PTYPE_IPV4 || f[18] != 6 ||
	    f[19] != 4 || get16(f + 20) != ARP_OP_REPLY)
		return 0;
	if (get32(f + 28) != from_ip || get32(f + 38) != ip ||
	    __builtin_memcmp(f + 32, mac, 6) != 0 || __builtin_memcmp(f, mac, 6) != 0)
		return 0;
	__builtin_memcpy(sender, f + 22, 6);
	return 1;
}
