/* The bare-metal block backend: a RAM disk that GRUB loads as a Multiboot2
 * module ("module2 /boot/disk.img disk"). Writes live in RAM only. */
#ifndef MB2_RAMDISK_H
#define MB2_RAMDISK_H

#include <stdint.h>
#include "../host.h"

/* A host_blk over [start, end); NULL if the module is not whole sectors. */
const struct host_blk *ramdisk_init(uint64_t start, uint64_t end);

#endif
