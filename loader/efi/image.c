/* Reading the guest image that image=PATH names (loader/efi/image.h). The
 * application's own volume: EFI_LOADED_IMAGE_PROTOCOL.DeviceHandle (UEFI spec
 * 9.1), its EFI_SIMPLE_FILE_SYSTEM_PROTOCOL opened by GNU-EFI's LibOpenRoot
 * (13.4), then EFI_FILE_PROTOCOL Open, GetInfo and Read (13.5). */
#include <efi.h>
#include <efilib.h>
#include "image.h"
#include "status.h"
#include "../log.h"

#define PATH_MAX_CHARS 128

/* Say why, in the refusal line every bad image gets. */
static int refuse(const char *path, const char *why, EFI_STATUS s)
{
	if (s == EFI_SUCCESS)
		log_printf("monitor: refused: image=%s: %s\n", path, why);
	else
		log_printf("monitor: refused: image=%s: %s (%s)\n", path, why, efi_status_name(s));
	return -1;
}

/* The file's bytes; 0, or the refusal's -1. f is open; the caller closes it. */
static int read_all(EFI_FILE_HANDLE f, const char *path, const void **image, uint64_t *len)
{
	EFI_FILE_INFO *info = LibFileInfo(f); /* GetInfo(EFI_FILE_INFO), pool memory */
	UINTN n;
	void *buf = NULL;
	EFI_STATUS s;
	int err = 0;

	if (!info)
		return refuse(path, "File.GetInfo failed", EFI_SUCCESS);
	n = info->FileSize;
	if (info->Attribute & EFI_FILE_DIRECTORY)
		err = refuse(path, "a directory, not a file", EFI_SUCCESS);
	else if (n == 0 || n > EFI_IMAGE_MAX_BYTES)
		err = refuse(path, n ? "larger than the 16 MiB an image may have" : "an empty file",
			     EFI_SUCCESS);
	uefi_call_wrapper(BS->FreePool, 1, info);
	if (err)
		return err;
	/* EfiLoaderData, like the pool (UEFI spec 7.2 AllocatePool). */
	s = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, n, &buf);
	if (EFI_ERROR(s))
		return refuse(path, "AllocatePool for the image failed", s);
	*len = n;
	s = uefi_call_wrapper(f->Read, 3, f, &n, buf);
	if (EFI_ERROR(s) || n != *len) {
		uefi_call_wrapper(BS->FreePool, 1, buf);
		return refuse(path, "File.Read failed or came short", s);
	}
	*image = buf;
	return 0;
}

int efi_image_read(EFI_HANDLE self, const char *path, const void **image, uint64_t *len)
{
	CHAR16 wpath[PATH_MAX_CHARS];
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_HANDLE root, f;
	EFI_STATUS s;
	unsigned n = 0;
	int err;

	/* The file system's names are UCS-2 with '\' between them (UEFI spec
	 * 13.5 EFI_FILE_PROTOCOL.Open); a '/' is taken as one too. */
	for (; path[n] && n + 1 < PATH_MAX_CHARS; n++)
		wpath[n] = path[n] == '/' ? L'\\' : (CHAR16)(unsigned char)path[n];
	if (path[n])
		return refuse(path, "the path is longer than 127 characters", EFI_SUCCESS);
	wpath[n] = 0;
	s = uefi_call_wrapper(BS->HandleProtocol, 3, self, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s))
		return refuse(path, "HandleProtocol(LoadedImage) failed", s);
	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return refuse(path, "the application's device has no file system", EFI_SUCCESS);
	s = uefi_call_wrapper(root->Open, 5, root, &f, wpath, EFI_FILE_MODE_READ, 0);
	if (s == EFI_NOT_FOUND) {
		err = refuse(path, "no such file on the application's volume", EFI_SUCCESS);
	} else if (EFI_ERROR(s)) {
		err = refuse(path, "File.Open failed", s);
	} else {
		err = read_all(f, path, image, len);
		uefi_call_wrapper(f->Close, 1, f);
	}
	uefi_call_wrapper(root->Close, 1, root);
	return err;
}

void efi_image_free(const void *image)
{
	uefi_call_wrapper(BS->FreePool, 1, (void *)image);
}
