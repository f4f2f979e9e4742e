/* The one ARP exchange the hosts' network self-test needs (netcheck=1,
 * loader/netcheck.c): a request built, a reply recognised. RFC 826 over
 * Ethernet and IPv4; addresses in host byte order (10.0.2.2 is 0x0a000202). */
#ifndef LOADER_ARP_H
#define LOADER_ARP_H

#include <stdint.h>

#define ARP_FRAME_BYTES 42 /* 14 of Ethernet header, 28 of ARP */

/* A broadcast request "who has target_ip? tell ip (mac)" into frame. */
void arp_request(uint8_t frame[ARP_FRAME_BYTES], const uint8_t mac[6], uint32_t ip,
		 uint32_t target_ip);

/* 1 if frame[0, len) is an ARP reply that says from_ip is at some MAC, sent
 * to us (mac, ip), with that MAC into sender; else 0. Any bytes at all are
 * safe to give it. */
int arp_is_reply(const uint8_t *frame, uint32_t len, uint32_t from_ip, const uint8_t mac[6],
		 uint32_t ip, uint8_t sender[6]);

#endif
