/* The UEFI block backend: the test disk as an EFI_BLOCK_IO_PROTOCOL instance
 * (a second QEMU disk), found by the marker in its first sector. */
#ifndef EFI_BLOCKIO_H
#define EFI_BLOCKIO_H

#include "../host.h"

/* The first whole-disk BlockIo whose sector 0 starts with DISKIMG_MAGIC, as a
 * host_blk; NULL (and a message) if there is none. */
const struct host_blk *efi_blockio_find(void);

#endif
