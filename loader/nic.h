/* A host's network card, as the bare-metal and UEFI hosts' drivers offer it
 * (loader/mb2/virtio_net.c, loader/efi/snp.c): whole Ethernet frames in and
 * out, polled, in memory the driver holds from init to the end of the boot
 * (no allocation per frame). The monitor's net device is wired to it. */
#ifndef LOADER_NIC_H
#define LOADER_NIC_H

#include <stdint.h>
#include "../proto/errors.h"

#define NIC_ETH_HDR_BYTES 14  /* destination, source, EtherType (IEEE 802.3 3.1.1) */
#define NIC_MTU_DEFAULT 1500  /* Ethernet's payload when the device names none */

/* Kept by the driver; read by anyone. */
struct nic_stats {
	uint64_t sent;     /* frames the device took to transmit */
	uint64_t received; /* frames handed to a recv caller */
	uint64_t dropped;  /* frames received but not handed on: longer than the
			    * caller's buffer, or malformed by the device */
};

struct nic {
	const char *name; /* "virtio-net", "UEFI SNP", for messages */
	uint8_t mac[6];
	uint32_t mtu; /* payload bytes after the Ethernet header: a frame is at
		       * most NIC_ETH_HDR_BYTES + mtu (no FCS) */
	/* One whole frame, header included, copied before the call returns:
	 * 0, -HCERR_INVAL (shorter than a header), -HCERR_2BIG (longer than
	 * the MTU allows), -HCERR_AGAIN (busy: no transmit slot even after
	 * taking back the ones the device is done with), -HCERR_IO (the device
	 * failed or broke its protocol). */
	int (*send)(void *ctx, const void *frame, uint32_t len);
	/* The next received frame into buf: its length; 0 if none is there
	 * now; one longer than cap is dropped (and counted) and the next one
	 * looked at; -HCERR_IO as above. */
	int (*recv)(void *ctx, void *buf, uint32_t cap);
	/* Nonzero if a received frame waits for recv (cheap: no copy out). */
	int (*rx_waiting)(void *ctx);
	void *ctx;
	struct nic_stats stats;
};

/* A frame's length, checked once for every driver's send: 0, or the named
 * error send returns for it. */
static inline int nic_send_len_check(const struct nic *net, uint32_t len)
{
	if (len < NIC_ETH_HDR_BYTES)
		return -HCERR_INVAL;
	return len > NIC_ETH_HDR_BYTES + net->mtu ? -HCERR_2BIG : 0;
}

#endif
