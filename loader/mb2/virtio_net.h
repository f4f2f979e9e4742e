/* The bare-metal host's network card: QEMU's virtio-net PCI device (vendor
 * 0x1af4, device 0x1000: the transitional one, -device virtio-net-pci on the
 * pc machine), driven through its legacy I/O-port interface, polled. */
#ifndef MB2_VIRTIO_NET_H
#define MB2_VIRTIO_NET_H

#include "../nic.h"

#define VIRTIO_NET_RX_BUFS 32 /* receive buffers kept posted: the bound on what waits */
#define VIRTIO_NET_TX_BUFS 16 /* frames in flight to the device at most */

/* Find the device, negotiate (MAC, MTU; no offloads, no mergeable buffers),
 * set up both queues with their buffers from pmem, post every receive
 * buffer, and fill *net (mac, mtu, send, recv). 0, or -HCERR_NODEV (no such
 * device: the caller goes on without a network), -HCERR_IO (the device
 * refused or offers what we cannot drive; a message says what),
 * -HCERR_NOMEM. One device per boot. */
int virtio_net_init(struct nic *net);

/* Reset the device (it stops using our memory) and give the pages back. */
void virtio_net_stop(struct nic *net);

#endif
