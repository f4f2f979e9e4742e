/* The UEFI host's network card: the firmware's EFI_SIMPLE_NETWORK_PROTOCOL
 * (UEFI spec 2.10, 24.1; OVMF's VirtioNetDxe for -device virtio-net-pci),
 * taken for ourselves while we run and given back to the firmware after. */
#ifndef EFI_SNP_H
#define EFI_SNP_H

#include <efi.h>
#include "../nic.h"

#define EFI_SNP_TX_BUFS 16 /* frames handed to the firmware and not yet recycled */

/* Open the first SNP instance with an Ethernet address exclusively for image
 * (the firmware's own network stack lets go of it), bring it to the
 * Initialized state, take unicast and broadcast frames, and fill *net.
 * 0, or -HCERR_NODEV (no SNP: the caller goes on without a network),
 * -HCERR_IO (the firmware refused; a message names the call and status). */
int efi_snp_init(EFI_HANDLE image, struct nic *net);

/* Put the interface back in the state we found it, close our exclusive open
 * and let the firmware's drivers bind to it again. */
void efi_snp_stop(struct nic *net);

#endif
