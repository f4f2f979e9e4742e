/* The network self-test's ARP (loader/arp.c): the request's bytes exactly,
 * and a reply told apart from everything that is not the one we asked for. */
#include "unit.h"
#include "../../loader/arp.h"

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
#define OUR_IP 0x0a00020fu /* 10.0.2.15 */
#define GW_IP 0x0a000202u  /* 10.0.2.2 */

TEST(arp_request_bytes)
{
	static const uint8_t want[ARP_FRAME_BYTES] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, /* Ethernet, IPv4, request */
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15, /* sender */
		0, 0, 0, 0, 0, 0, 10, 0, 2, 2,                     /* target */
	};
	uint8_t f[ARP_FRAME_BYTES];

	arp_request(f, our_mac, OUR_IP, GW_IP);
	for (int i = 0; i < ARP_FRAME_BYTES; i++)
		if (f[i] != want[i])
			unit_fail(__FILE__, __LINE__, "byte %d: expected 0x%02x, got 0x%02x", i,
				  want[i], f[i]);
}

/* The gateway's answer, as QEMU's slirp builds it (padded to 60 bytes). */
static void reply(uint8_t f[60])
{
	static const uint8_t r[ARP_FRAME_BYTES] = {
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
		0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 10, 0, 2, 2,
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,
	};
	memset(f, 0, 60);
	memcpy(f, r, sizeof(r));
}

TEST(arp_reply_recognised_and_its_sender_taken)
{
	uint8_t f[60], from[6] = { 0 };

	reply(f);
	EXPECT_EQ(arp_is_reply(f, 60, GW_IP, our_mac, OUR_IP, from), 1);
	EXPECT_EQ(memcmp(from, gw_mac, 6), 0);
	EXPECT_EQ(arp_is_reply(f, ARP_FRAME_BYTES, GW_IP, our_mac, OUR_IP, from), 1);
}

TEST(arp_anything_else_is_not_the_reply)
{
	uint8_t f[60], from[6] = { 0 };

	reply(f);
	EXPECT_EQ(arp_is_reply(f, ARP_FRAME_BYTES - 1, GW_IP, our_mac, OUR_IP, from), 0);
	EXPECT_EQ(arp_is_reply(f, 60, 0x0a000203u, our_mac, OUR_IP, from), 0); /* another host */
	EXPECT_EQ(arp_is_reply(f, 60, GW_IP, our_mac, 0x0a000210u, from), 0);  /* for another IP */
	EXPECT_EQ(arp_is_reply(f, 60, GW_IP, gw_mac, OUR_IP, from), 0);        /* for another MAC */
	f[21] = 1; /* a request */
	EXPECT_EQ(arp_is_reply(f, 60, GW_IP, our_mac, OUR_IP, from), 0);
	reply(f);
	f[13] = 0x00; /* EtherType IPv4 */
	EXPECT_EQ(arp_is_reply(f, 60, GW_IP, our_mac, OUR_IP, from), 0);
	reply(f);
	f[18] = 8; /* not a 6-byte hardware address */
	EXPECT_EQ(arp_is_reply(f, 60, GW_IP, our_mac, OUR_IP, from), 0);
	EXPECT_EQ(from[0], 0); /* never written */
	arp_request(f, our_mac, OUR_IP, GW_IP); /* our own request, looped back */
	EXPECT_EQ(arp_is_reply(f, ARP_FRAME_BYTES, GW_IP, our_mac, OUR_IP, from), 0);
}
