/* The UEFI host's network driver over the firmware's Simple Network Protocol
 * (loader/efi/snp.h). The firmware's network stack (MNP) binds to SNP and
 * polls it from a timer, so it would take our frames: we open SNP with
 * EFI_OPEN_PROTOCOL_EXCLUSIVE, which disconnects every driver that holds it
 * BY_DRIVER (UEFI spec 7.3 OpenProtocol). Frames are sent from a fixed pool
 * of buffers, each the firmware's until GetStatus hands it back (24.1
 * Transmit), and received through one bounce buffer; nothing is allocated. */
#include <efi.h>
#include <efilib.h>
#include "snp.h"
#include "status.h"
#include "../log.h"
#include "../../proto/errors.h"

#define SLOT_BYTES 2048 /* a whole Ethernet frame, header included */
#define RECV_TRIES 64   /* frames looked at per recv call, at most */

static struct snp_state {
	EFI_HANDLE handle, image;
	EFI_SIMPLE_NETWORK *snp;
	UINT32 found_state; /* Mode->State before we touched it */
	uint8_t busy[EFI_SNP_TX_BUFS]; /* the firmware holds this transmit slot */
	unsigned nbusy;
} sn;
static uint8_t tx_pool[EFI_SNP_TX_BUFS][SLOT_BYTES] __attribute__((aligned(16)));
static uint8_t rx_bounce[SLOT_BYTES] __attribute__((aligned(16)));

static int fw_failed(const char *call, EFI_STATUS s)
{
	log_printf("host: net: %s returned %s\n", call, efi_status_name(s));
	return -HCERR_IO;
}

/* How many drivers hold the protocol BY_DRIVER now (for the log: whose
 * network stack we took the interface from). */
static UINTN drivers_bound(EFI_HANDLE h)
{
	EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = NULL;
	UINTN n = 0, bound = 0;

	if (EFI_ERROR(uefi_call_wrapper(BS->OpenProtocolInformation, 4, h, &SimpleNetworkProtocol,
					&e, &n)))
		return 0;
	for (UINTN i = 0; i < n; i++)
		if (e[i].Attributes & EFI_OPEN_PROTOCOL_BY_DRIVER)
			bound++;
	uefi_call_wrapper(BS->FreePool, 1, e); /* a failure here costs a pool block: said nowhere */
	return bound;
}

static int snp_send(void *ctx, const void *frame, uint32_t len);
static int snp_recv(void *ctx, void *buf, uint32_t cap);
static int snp_rx_waiting(void *ctx);
static int reclaim(void);

/* The first SNP handle with a 6-byte hardware address and a 14-byte media
 * header: Ethernet (24.1 EFI_SIMPLE_NETWORK_MODE). */
static const char *state_name(UINT32 state)
{
	return state == EfiSimpleNetworkInitialized ? "initialized" :
	       state == EfiSimpleNetworkStarted     ? "started" :
	       state == EfiSimpleNetworkStopped     ? "stopped" : "unknown";
}

static EFI_STATUS find(EFI_HANDLE *out, UINTN *nhandles)
{
	EFI_HANDLE *handles = NULL;
	EFI_STATUS s;

	s = uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &SimpleNetworkProtocol, NULL,
			      nhandles, &handles);
	if (EFI_ERROR(s))
		return s;
	s = EFI_NOT_FOUND;
	for (UINTN i = 0; i < *nhandles && EFI_ERROR(s); i++) {
		EFI_SIMPLE_NETWORK *snp;

		if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, handles[i],
						 &SimpleNetworkProtocol, (void **)&snp)) &&
		    snp->Mode->HwAddressSize == 6 && snp->Mode->MediaHeaderSize == NIC_ETH_HDR_BYTES) {
			*out = handles[i];
			s = EFI_SUCCESS;
		}
	}
	uefi_call_wrapper(BS->FreePool, 1, handles);
	return s;
}

int efi_snp_init(EFI_HANDLE image, struct nic *net)
{
	EFI_SIMPLE_NETWORK_MODE *m;
	UINTN n = 0, bound;
	UINT32 want, before;
	EFI_STATUS s;

	s = find(&sn.handle, &n);
	if (s == EFI_NOT_FOUND) {
		log_printf("host: net: no virtio-net device: no network (%lu SNP handles, none "
			   "Ethernet)\n", (uint64_t)n);
		return -HCERR_NODEV;
	}
	if (EFI_ERROR(s))
		return fw_failed("LocateHandleBuffer(SimpleNetwork)", s);
	bound = drivers_bound(sn.handle);
	s = uefi_call_wrapper(BS->HandleProtocol, 3, sn.handle, &SimpleNetworkProtocol,
			      (void **)&sn.snp);
	before = EFI_ERROR(s) ? EfiSimpleNetworkMaxState : sn.snp->Mode->State;
	s = uefi_call_wrapper(BS->OpenProtocol, 6, sn.handle, &SimpleNetworkProtocol,
			      (void **)&sn.snp, image, NULL, EFI_OPEN_PROTOCOL_EXCLUSIVE);
	if (EFI_ERROR(s)) {
		sn.snp = NULL;
		return fw_failed("OpenProtocol(SimpleNetwork, EXCLUSIVE)", s);
	}
	sn.image = image;
	m = sn.snp->Mode;
	/* What the drivers that let go left: the state stop goes back to. */
	sn.found_state = m->State;
	log_printf("host: net: SNP: %lu driver(s) bound (%s) before our exclusive open, %lu after "
		   "(%s)\n",
		   (uint64_t)bound, state_name(before), (uint64_t)drivers_bound(sn.handle),
		   state_name(m->State));
	/* 24.1: Start moves Stopped to Started, Initialize Started to
	 * Initialized (0, 0: no extra buffer space asked for). */
	if (m->State == EfiSimpleNetworkStopped) {
		s = uefi_call_wrapper(sn.snp->Start, 1, sn.snp);
		if (EFI_ERROR(s) && s != EFI_ALREADY_STARTED) {
			fw_failed("SimpleNetwork.Start", s);
			goto fail;
		}
	}
	if (m->State != EfiSimpleNetworkInitialized) {
		s = uefi_call_wrapper(sn.snp->Initialize, 3, sn.snp, 0, 0);
		if (EFI_ERROR(s)) {
			fw_failed("SimpleNetwork.Initialize", s);
			goto fail;
		}
	}
	/* Frames to our address and to everyone (an ARP request is broadcast),
	 * as far as the interface can filter (24.1 ReceiveFilters). */
	want = (EFI_SIMPLE_NETWORK_RECEIVE_UNICAST | EFI_SIMPLE_NETWORK_RECEIVE_BROADCAST) &
	       m->ReceiveFilterMask;
	s = uefi_call_wrapper(sn.snp->ReceiveFilters, 6, sn.snp, want, 0, FALSE, 0, NULL);
	if (EFI_ERROR(s))
		fw_failed("SimpleNetwork.ReceiveFilters", s); /* it may still deliver: go on */
	__builtin_memcpy(net->mac, m->CurrentAddress.Addr, 6);
	net->mtu = m->MaxPacketSize; /* 24.1: without the media header */
	if (net->mtu > SLOT_BYTES - NIC_ETH_HDR_BYTES)
		net->mtu = SLOT_BYTES - NIC_ETH_HDR_BYTES; /* we send no more */
	net->name = "UEFI SNP";
	net->send = snp_send;
	net->recv = snp_recv;
	net->rx_waiting = snp_rx_waiting;
	net->ctx = net;
	net->stats = (struct nic_stats){ 0 };
	return 0;
fail:
	efi_snp_stop(net);
	return -HCERR_IO;
}

void efi_snp_stop(struct nic *net)
{
	EFI_STATUS s;

	if (!sn.snp)
		return;
	/* The firmware's drivers must not get our buffers back from GetStatus
	 * once they bind again: wait up to 100 ms for the last sends. */
	for (int ms = 0; sn.nbusy && ms < 100 && reclaim() == 0; ms++)
		uefi_call_wrapper(BS->Stall, 1, 1000);
	/* Back to the state we found, which also hands back every buffer the
	 * firmware still held (24.1 Shutdown, Stop). */
	if (sn.found_state != EfiSimpleNetworkInitialized &&
	    sn.snp->Mode->State == EfiSimpleNetworkInitialized) {
		s = uefi_call_wrapper(sn.snp->Shutdown, 1, sn.snp);
		if (EFI_ERROR(s))
			fw_failed("SimpleNetwork.Shutdown", s);
	}
	if (sn.found_state == EfiSimpleNetworkStopped &&
	    sn.snp->Mode->State == EfiSimpleNetworkStarted) {
		s = uefi_call_wrapper(sn.snp->Stop, 1, sn.snp);
		if (EFI_ERROR(s))
			fw_failed("SimpleNetwork.Stop", s);
	}
	s = uefi_call_wrapper(BS->CloseProtocol, 4, sn.handle, &SimpleNetworkProtocol, sn.image,
			      NULL);
	if (EFI_ERROR(s))
		fw_failed("CloseProtocol(SimpleNetwork)", s);
	/* 7.3 ConnectController: the drivers our exclusive open disconnected
	 * bind again (Recursive: and those above them). */
	s = uefi_call_wrapper(BS->ConnectController, 4, sn.handle, NULL, NULL, TRUE);
	if (EFI_ERROR(s) && s != EFI_NOT_FOUND)
		fw_failed("ConnectController(SimpleNetwork)", s);
	log_printf("host: net: SNP given back to the firmware: %lu driver(s) bound again\n",
		   (uint64_t)drivers_bound(sn.handle));
	sn = (struct snp_state){ 0 };
	net->send = NULL;
	net->recv = NULL;
	net->rx_waiting = NULL;
}

/* Take back every transmit buffer the firmware is done with: GetStatus hands
 * one back per call, NULL when there are no more (24.1 GetStatus, TxBuf). */
static int reclaim(void)
{
	for (int n = 0; n <= EFI_SNP_TX_BUFS; n++) {
		VOID *done = NULL;
		UINT32 irq;
		EFI_STATUS s = uefi_call_wrapper(sn.snp->GetStatus, 3, sn.snp, &irq, &done);
		uintptr_t off = (uintptr_t)done - (uintptr_t)tx_pool;

		if (EFI_ERROR(s))
			return fw_failed("SimpleNetwork.GetStatus", s);
		if (!done)
			return 0;
		/* Only a buffer we gave, and that it still held, is taken back. */
		if (off >= sizeof(tx_pool) || off % SLOT_BYTES || !sn.busy[off / SLOT_BYTES]) {
			log_printf("host: net: SimpleNetwork.GetStatus returned a buffer we did "
				   "not send\n");
			return -HCERR_IO;
		}
		sn.busy[off / SLOT_BYTES] = 0;
		sn.nbusy--;
	}
	return 0;
}

static int snp_send(void *ctx, const void *frame, uint32_t len)
{
	struct nic *net = ctx;
	unsigned i;
	EFI_STATUS s;
	int err;

	err = nic_send_len_check(net, len);
	if (err)
		return err;
	err = reclaim();
	if (err)
		return err;
	for (i = 0; i < EFI_SNP_TX_BUFS && sn.busy[i]; i++)
		;
	if (i == EFI_SNP_TX_BUFS)
		return -HCERR_AGAIN;
	__builtin_memcpy(tx_pool[i], frame, len);
	/* HeaderSize 0: the buffer is the whole frame, its header ours (24.1
	 * Transmit). EFI_NOT_READY: the interface's queue is full for now. */
	s = uefi_call_wrapper(sn.snp->Transmit, 7, sn.snp, 0, (UINTN)len, tx_pool[i], NULL, NULL,
			      NULL);
	if (s == EFI_NOT_READY)
		return -HCERR_AGAIN;
	if (EFI_ERROR(s))
		return fw_failed("SimpleNetwork.Transmit", s);
	sn.busy[i] = 1;
	sn.nbusy++;
	net->stats.sent++;
	return 0;
}

/* SNP cannot say that a frame waits without taking it (24.1 GetStatus
 * reports interrupts, which not every driver raises): the one taken to find
 * out waits in rx_bounce, rx_held bytes of it, for the next recv. */
static UINTN rx_held;

/* Into rx_bounce, the next frame the firmware has: its length, 0 if none,
 * -HCERR_IO if the firmware failed. One longer than the bounce buffer is
 * dropped (and counted), and the next one looked at. */
static int fetch(struct nic *net)
{
	for (int n = 0; n < RECV_TRIES; n++) {
		UINTN size = sizeof(rx_bounce);
		EFI_STATUS s = uefi_call_wrapper(sn.snp->Receive, 7, sn.snp, NULL, &size, rx_bounce,
						 NULL, NULL, NULL);

		if (s == EFI_NOT_READY)
			return 0; /* 24.1 Receive: nothing received */
		if (s == EFI_BUFFER_TOO_SMALL || (!EFI_ERROR(s) && size > sizeof(rx_bounce))) {
			net->stats.dropped++;
			continue;
		}
		if (EFI_ERROR(s))
			return fw_failed("SimpleNetwork.Receive", s);
		return (int)size;
	}
	return 0;
}

static int snp_rx_waiting(void *ctx)
{
	int n;

	if (rx_held)
		return 1;
	n = fetch(ctx);
	rx_held = n > 0 ? (UINTN)n : 0;
	return n != 0; /* a failure too: the recv that follows says it */
}

/* Through the bounce buffer, so that a frame too long for the caller is
 * dropped by us, whatever the firmware does with a short buffer. */
static int snp_recv(void *ctx, void *buf, uint32_t cap)
{
	struct nic *net = ctx;

	for (int n = 0; n < RECV_TRIES; n++) {
		int size = rx_held ? (int)rx_held : fetch(net);

		rx_held = 0;
		if (size <= 0)
			return size;
		if ((uint32_t)size > cap) {
			net->stats.dropped++;
			continue;
		}
		__builtin_memcpy(buf, rx_bounce, (uint32_t)size);
		net->stats.received++;
		return size;
	}
	return 0;
}
