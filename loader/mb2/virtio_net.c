/* The bare-metal host's virtio-net driver (loader/mb2/virtio_net.h): the
 * legacy ("0.9.5", transitional) PCI interface, whose registers are I/O ports
 * in BAR0, chosen over the modern one because it needs no capability walk
 * and no memory BAR mapping, and QEMU's pc machine offers it. Queue 0
 * receives, queue 1 transmits (Virtio 1.x 5.1.2); every buffer is a fixed
 * 2 KiB slot, its 10-byte header and the frame in two descriptors (5.1.6.6
 * Legacy Interface: without ANY_LAYOUT the header is a descriptor of its own). */
#include "virtio_net.h"
#include "pci.h"
#include "pmem.h"
#include "virtq.h"
#include "../io.h"
#include "../log.h"
#include "../../proto/errors.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_LEGACY_DEVICE 0x1000 /* Virtio 1.x 4.1.2.1: transitional network card */

/* Virtio 1.x 4.1.4.8 "Legacy Interfaces: A Note on PCI Device Layout": BAR0's
 * ports; the device config follows at 0x14 while MSI-X is off (ours is). */
#define VIO_DEVICE_FEATURES 0x00 /* 32 */
#define VIO_DRIVER_FEATURES 0x04 /* 32 */
#define VIO_QUEUE_PFN 0x08       /* 32: the queue's address >> 12 */
#define VIO_QUEUE_SIZE 0x0c      /* 16, read-only in legacy */
#define VIO_QUEUE_SELECT 0x0e    /* 16 */
#define VIO_QUEUE_NOTIFY 0x10    /* 16 */
#define VIO_STATUS 0x12          /* 8 */
#define VIO_ISR 0x13             /* 8: a read clears it */
#define VIO_NET_CONFIG 0x14      /* 5.1.4: mac[6], status, max pairs, mtu (16 at +10) */
#define VIO_NET_CONFIG_MTU (VIO_NET_CONFIG + 10)

/* Virtio 1.x 2.1 "Device Status Field". */
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FAILED 128

/* Virtio 1.x 5.1.3 "Feature bits": the only two we take. */
#define VIRTIO_NET_F_MTU (1u << 3)
#define VIRTIO_NET_F_MAC (1u << 5)

#define RXQ 0
#define TXQ 1
#define HDR_BYTES 10  /* 5.1.6 Legacy: struct virtio_net_hdr without num_buffers */
#define BUF_BYTES 2048
#define DATA_OFF 16   /* the frame's place in a slot, after the header */
#define NBUFS (VIRTIO_NET_RX_BUFS + VIRTIO_NET_TX_BUFS)
#define BUF_NPAGES (NBUFS * BUF_BYTES / 4096)

_Static_assert(DATA_OFF >= HDR_BYTES, "the header fits before the frame");
_Static_assert(BUF_BYTES - DATA_OFF >= NIC_ETH_HDR_BYTES + NIC_MTU_DEFAULT, "a slot holds a frame");

static struct vnet {
	uint16_t io; /* BAR0 */
	struct virtq rx, tx;
	uint64_t rx_ma, tx_ma, buf_ma;     /* identity-mapped (boot.asm): also our pointers */
	uint64_t rx_npages, tx_npages;
	uint16_t nrx, ntx;                 /* buffers in use on each queue */
	uint16_t tx_free[VIRTIO_NET_TX_BUFS]; /* slots not in flight, a stack */
	uint16_t ntx_free;
} vn;

static uint8_t *slot(int i) /* receive slots first, then transmit */
{
	return (uint8_t *)(vn.buf_ma + (uint64_t)i * BUF_BYTES);
}

/* Slot i of a queue is the chain 2i (header) -> 2i+1 (frame). */
static void chain(struct virtq *q, uint16_t i, uint8_t *buf, uint32_t data_len, uint16_t flags)
{
	q->desc[2 * i] = (struct virtq_desc){ (uint64_t)buf, HDR_BYTES, flags | VIRTQ_DESC_F_NEXT,
					      (uint16_t)(2 * i + 1) };
	q->desc[2 * i + 1] = (struct virtq_desc){ (uint64_t)buf + DATA_OFF, data_len, flags, 0 };
}

static int setup_queue(uint16_t index, struct virtq *q, uint64_t *ma, uint64_t *npages)
{
	uint16_t size;

	outw(vn.io + VIO_QUEUE_SELECT, index);
	size = inw(vn.io + VIO_QUEUE_SIZE);
	/* 4.1.4.8 / 2.6: size 0 is "no such queue"; legacy sizes are powers of
	 * 2; two descriptors a slot need at least 2. */
	if (!virtq_size_ok(size) || size < 2) {
		log_printf("host: net: virtio-net queue %u has size %u: cannot drive it\n", index,
			   size);
		return -HCERR_IO;
	}
	*npages = virtq_legacy_bytes(size) >> 12;
	if (pmem_alloc(*npages, ma) != 0)
		return -HCERR_NOMEM;
	virtq_init(q, (void *)*ma, size);
	outl(vn.io + VIO_QUEUE_PFN, (uint32_t)(*ma >> 12)); /* below 4 GiB: fits */
	return 0;
}

static int vn_send(void *ctx, const void *frame, uint32_t len);
static int vn_recv(void *ctx, void *buf, uint32_t cap);
static int vn_rx_waiting(void *ctx);

static void release(void)
{
	/* 2.1: writing 0 resets the device, which lets go of the queues. */
	outb(vn.io + VIO_STATUS, 0);
	if (vn.rx_npages)
		pmem_free(vn.rx_ma, vn.rx_npages);
	if (vn.tx_npages)
		pmem_free(vn.tx_ma, vn.tx_npages);
	if (vn.buf_ma)
		pmem_free(vn.buf_ma, BUF_NPAGES);
	vn = (struct vnet){ 0 };
}

int virtio_net_init(struct nic *net)
{
	struct pci_dev d;
	uint32_t features, want;
	int err;

	if (pci_find(VIRTIO_VENDOR, VIRTIO_NET_LEGACY_DEVICE, &d) != 0) {
		log_printf("host: net: no virtio-net device: no network\n");
		return -HCERR_NODEV;
	}
	if (pci_bar_io(d, 0, &vn.io) != 0) {
		log_printf("host: net: virtio-net at %02x:%02x.%u has no I/O BAR0: no network\n",
			   d.bus, d.dev, d.fn);
		return -HCERR_NODEV;
	}
	pci_enable_io_master(d);
	/* 3.1.2 Legacy Interface: Device Initialization: reset, ACKNOWLEDGE,
	 * DRIVER, features, queues, DRIVER_OK (legacy has no FEATURES_OK). */
	outb(vn.io + VIO_STATUS, 0);
	outb(vn.io + VIO_STATUS, STATUS_ACKNOWLEDGE);
	outb(vn.io + VIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	features = inl(vn.io + VIO_DEVICE_FEATURES);
	if (!(features & VIRTIO_NET_F_MAC)) {
		log_printf("host: net: virtio-net offers no MAC address (features %x): no network\n",
			   features);
		err = -HCERR_IO;
		goto fail;
	}
	want = features & (VIRTIO_NET_F_MAC | VIRTIO_NET_F_MTU);
	outl(vn.io + VIO_DRIVER_FEATURES, want);
	err = setup_queue(RXQ, &vn.rx, &vn.rx_ma, &vn.rx_npages);
	if (!err)
		err = setup_queue(TXQ, &vn.tx, &vn.tx_ma, &vn.tx_npages);
	if (!err && pmem_alloc(BUF_NPAGES, &vn.buf_ma) != 0)
		err = -HCERR_NOMEM;
	if (err)
		goto fail;
	vn.nrx = vn.rx.size / 2 < VIRTIO_NET_RX_BUFS ? vn.rx.size / 2 : VIRTIO_NET_RX_BUFS;
	vn.ntx = vn.tx.size / 2 < VIRTIO_NET_TX_BUFS ? vn.tx.size / 2 : VIRTIO_NET_TX_BUFS;
	for (uint16_t i = 0; i < vn.nrx; i++) {
		chain(&vn.rx, i, slot(i), BUF_BYTES - DATA_OFF, VIRTQ_DESC_F_WRITE);
		virtq_post(&vn.rx, (uint16_t)(2 * i));
	}
	for (uint16_t i = 0; i < vn.ntx; i++)
		vn.tx_free[vn.ntx_free++] = i;
	/* 5.1.4: mac is valid with VIRTIO_NET_F_MAC, mtu with VIRTIO_NET_F_MTU. */
	for (int i = 0; i < 6; i++)
		net->mac[i] = inb((uint16_t)(vn.io + VIO_NET_CONFIG + i));
	net->mtu = want & VIRTIO_NET_F_MTU ? inw(vn.io + VIO_NET_CONFIG_MTU) : 0;
	if (net->mtu == 0)
		net->mtu = NIC_MTU_DEFAULT;
	if (net->mtu > BUF_BYTES - DATA_OFF - NIC_ETH_HDR_BYTES)
		net->mtu = BUF_BYTES - DATA_OFF - NIC_ETH_HDR_BYTES; /* we send no more */
	outb(vn.io + VIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
	outw(vn.io + VIO_QUEUE_NOTIFY, RXQ); /* 2.6.13.4: buffers are there */
	net->name = "virtio-net";
	net->send = vn_send;
	net->recv = vn_recv;
	net->rx_waiting = vn_rx_waiting;
	net->ctx = net;
	net->stats = (struct nic_stats){ 0 };
	return 0;
fail:
	outb(vn.io + VIO_STATUS, STATUS_FAILED); /* 2.1: the driver gave up on it */
	release();
	return err;
}

void virtio_net_stop(struct nic *net)
{
	if (!vn.io)
		return;
	release();
	net->send = NULL;
	net->recv = NULL;
	net->rx_waiting = NULL;
}

/* Take back every transmit slot the device is done with. */
static int reclaim_tx(void)
{
	uint16_t head;
	uint32_t len;
	int r;

	while ((r = virtq_take(&vn.tx, &head, &len)) == 1) {
		/* A head that is not one of our chains, or a slot already free:
		 * the device broke the protocol. */
		if (head % 2 || head / 2 >= vn.ntx || vn.ntx_free >= vn.ntx)
			return -HCERR_IO;
		vn.tx_free[vn.ntx_free++] = head / 2;
	}
	return r;
}

static int vn_send(void *ctx, const void *frame, uint32_t len)
{
	struct nic *net = ctx;
	uint16_t i;
	uint8_t *buf;
	int err;

	err = nic_send_len_check(net, len);
	if (err)
		return err;
	err = reclaim_tx();
	if (err)
		return err;
	if (vn.ntx_free == 0)
		return -HCERR_AGAIN;
	i = vn.tx_free[--vn.ntx_free];
	buf = slot(VIRTIO_NET_RX_BUFS + i);
	__builtin_memset(buf, 0, HDR_BYTES); /* no checksum offload, no GSO (5.1.6.2) */
	__builtin_memcpy(buf + DATA_OFF, frame, len);
	chain(&vn.tx, i, buf, len, 0);
	virtq_post(&vn.tx, (uint16_t)(2 * i));
	outw(vn.io + VIO_QUEUE_NOTIFY, TXQ); /* 4.1.4.8: the queue's index, to Queue Notify */
	net->stats.sent++;
	return 0;
}

static int vn_rx_waiting(void *ctx)
{
	(void)ctx;
	return virtq_pending(&vn.rx);
}

/* At most one pass over the queue per call: a flood cannot keep us here. */
static int vn_recv(void *ctx, void *buf, uint32_t cap)
{
	struct nic *net = ctx;

	for (uint32_t n = 0; n < vn.rx.size; n++) {
		uint16_t head;
		uint32_t len, flen;
		int r = virtq_take(&vn.rx, &head, &len);

		if (r <= 0)
			return r;
		if (head % 2 || head / 2 >= vn.nrx)
			return -HCERR_IO; /* not a chain we posted */
		/* len counts the header too (2.6.8: bytes written into the chain). */
		flen = len >= HDR_BYTES ? len - HDR_BYTES : 0;
		if (flen >= NIC_ETH_HDR_BYTES && flen <= BUF_BYTES - DATA_OFF && flen <= cap)
			__builtin_memcpy(buf, slot(head / 2) + DATA_OFF, flen);
		else
			flen = 0;
		virtq_post(&vn.rx, head); /* the same chain, posted again */
		outw(vn.io + VIO_QUEUE_NOTIFY, RXQ);
		if (flen) {
			net->stats.received++;
			return (int)flen;
		}
		net->stats.dropped++;
	}
	return 0;
}
