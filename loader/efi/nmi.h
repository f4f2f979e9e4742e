/* The UEFI host's NMI handler: the firmware's own default for an NMI is a
 * register dump and a dead loop, so while guests run the host takes NMIs
 * itself (EFI_CPU_ARCH_PROTOCOL) and counts them. */
#ifndef LOADER_EFI_NMI_H
#define LOADER_EFI_NMI_H

#include <stdint.h>

void efi_nmi_watch(int on);
uint64_t efi_nmi_count(void);

#endif
