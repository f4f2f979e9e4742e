/* The UEFI block backend (loader/efi/blockio.h). BlockIo moves whole blocks
 * from a buffer aligned to Media->IoAlign (UEFI spec 13.9), while the monitor
 * asks for byte ranges in page-sized pieces of guest memory: every transfer
 * goes through an aligned bounce buffer, and a partial block is read before
 * it is written back. Every firmware status is checked and named. */
#include <efi.h>
#include <efilib.h>
#include "blockio.h"
#include "status.h"
#include "../log.h"
#include "../../proto/diskimg.h"
#include "../../proto/errors.h"

#define BOUNCE_BYTES 4096

static EFI_BLOCK_IO *bio;
static struct host_blk disk;
static uint8_t bounce[BOUNCE_BYTES] __attribute__((aligned(4096)));

static int fw_failed(const char *what, EFI_STATUS s)
{
	log_printf("monitor: efi: %s returned %s\n", what, efi_status_name(s));
	return -HCERR_IO;
}

/* One block-aligned stretch of at most BOUNCE_BYTES through the bounce buffer. */
static int transfer(uint64_t off, uint8_t *buf, uint64_t len, int write)
{
	UINT32 bs = bio->Media->BlockSize;
	uint64_t first = off / bs, head = off % bs;
	uint64_t span = (head + len + bs - 1) / bs * bs;
	EFI_STATUS s;

	s = uefi_call_wrapper(bio->ReadBlocks, 5, bio, bio->Media->MediaId, first, span, bounce);
	if (EFI_ERROR(s))
		return fw_failed("BlockIo.ReadBlocks", s);
	if (!write) {
		__builtin_memcpy(buf, bounce + head, len);
		return 0;
	}
	__builtin_memcpy(bounce + head, buf, len);
	s = uefi_call_wrapper(bio->WriteBlocks, 5, bio, bio->Media->MediaId, first, span, bounce);
	return EFI_ERROR(s) ? fw_failed("BlockIo.WriteBlocks", s) : 0;
}

static int move(uint64_t off, uint8_t *buf, uint64_t len, int write)
{
	while (len) {
		uint64_t head = off % bio->Media->BlockSize;
		uint64_t n = BOUNCE_BYTES - head; /* head + n fits the bounce buffer */
		int err;

		if (n > len)
			n = len;
		err = transfer(off, buf, n, write);
		if (err)
			return err;
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int bio_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	(void)ctx;
	return move(off, buf, len, 0);
}

static int bio_write(void *ctx, uint64_t off, const void *buf, uint64_t len)
{
	(void)ctx;
	return move(off, (uint8_t *)buf, len, 1);
}

static int bio_flush(void *ctx)
{
	EFI_STATUS s = uefi_call_wrapper(bio->FlushBlocks, 1, bio);

	(void)ctx;
	return EFI_ERROR(s) ? fw_failed("BlockIo.FlushBlocks", s) : 0;
}

/* Sector 0 of a whole disk: does it carry the test disk's marker? */
static int has_marker(EFI_BLOCK_IO *b)
{
	EFI_STATUS s;

	if (!b->Media->MediaPresent || b->Media->LogicalPartition ||
	    b->Media->BlockSize != 512 || b->Media->IoAlign > 4096)
		return 0;
	s = uefi_call_wrapper(b->ReadBlocks, 5, b, b->Media->MediaId, 0, 512, bounce);
	return !EFI_ERROR(s) && __builtin_memcmp(bounce, DISKIMG_MAGIC, 8) == 0;
}

const struct host_blk *efi_blockio_find(void)
{
	EFI_HANDLE *handles = NULL;
	UINTN n = 0;
	EFI_STATUS s;

	s = uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &BlockIoProtocol, NULL, &n,
			      &handles);
	if (EFI_ERROR(s)) {
		fw_failed("LocateHandleBuffer(BlockIo)", s);
		return NULL;
	}
	for (UINTN i = 0; i < n && !bio; i++) {
		EFI_BLOCK_IO *b;

		s = uefi_call_wrapper(BS->HandleProtocol, 3, handles[i], &BlockIoProtocol,
				      (void **)&b);
		if (!EFI_ERROR(s) && has_marker(b))
			bio = b;
	}
	s = uefi_call_wrapper(BS->FreePool, 1, handles);
	if (EFI_ERROR(s))
		fw_failed("FreePool", s);
	if (!bio) {
		log_printf("monitor: efi: no disk with the %s marker among %lu BlockIo handles; "
			   "no block device\n",
			   DISKIMG_MAGIC, (uint64_t)n);
		return NULL;
	}
	disk = (struct host_blk){
		.nsectors = (bio->Media->LastBlock + 1) * (bio->Media->BlockSize / 512),
		.read_only = bio->Media->ReadOnly,
		.read = bio_read,
		.write = bio_write,
		.flush = bio_flush,
	};
	log_printf("monitor: efi: block device: BlockIo disk of %lu sectors%s\n", disk.nsectors,
		   disk.read_only ? ", read-only" : "");
	return &disk;
}
