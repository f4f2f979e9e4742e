/* Names for EFI_STATUS values, so that every firmware call's failure can be
 * printed as the spec names it. */
#ifndef EFI_STATUS_NAMES_H
#define EFI_STATUS_NAMES_H

#include <efi.h>

const char *efi_status_name(EFI_STATUS s);

#endif
