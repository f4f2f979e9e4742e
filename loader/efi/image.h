/* The UEFI host's guest image from a file: image=PATH on a run's command
 * line names a file on the volume the application was loaded from. */
#ifndef EFI_IMAGE_H
#define EFI_IMAGE_H

#include <efi.h>
#include <stdint.h>

#define EFI_IMAGE_MAX_BYTES (16u << 20) /* as the Linux host's CK_IMAGE_MAX_BYTES */

/* Read PATH ('/' or '\' between names) from self's volume into pool memory:
 * 0 with *image and *len set, or -1 after a "monitor: refused: image=PATH:"
 * line that says why (no such file, a directory, too big, a read error). */
int efi_image_read(EFI_HANDLE self, const char *path, const void **image, uint64_t *len);
void efi_image_free(const void *image);

#endif
