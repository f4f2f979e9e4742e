/* The device request ring: a single-producer (guest) / single-consumer (host)
 * ring of fixed-size descriptors in pool pages that the monitor sets aside and
 * the boot info names. The guest fills descriptors, advances prod, and makes
 * one HC_POST for the whole batch; the host completes each descriptor in place
 * (status, done_bytes) and advances cons. docs/ABI.md has the byte offsets,
 * the state machine and the ordering rules. */
#ifndef PROTO_RING_H
#define PROTO_RING_H

#include <stdint.h>

#define RING_MAGIC 0x474e4952u /* "RING" */
#define RING_ENTRIES 128u      /* a power of two */
#define RING_DESC_OFFSET 0x100u
#define RING_BYTES (RING_DESC_OFFSET + RING_ENTRIES * 64u)
#define RING_PAGES ((RING_BYTES + 4095u) / 4096u)
#define RING_MAX_LEN_BYTES (1u << 20) /* one descriptor moves at most 1 MiB */

/* Devices and their operations. */
#define RING_DEV_CONSOLE 1
#define RING_OP_CONSOLE_WRITE 1 /* buf -> host console; done_bytes = len */
#define RING_OP_CONSOLE_READ 2  /* host input -> buf, what there is now (may be 0) */
#define RING_DEV_BLOCK 2
#define RING_OP_BLK_READ 1     /* sectors [offset, offset + len/512) -> buf */
#define RING_OP_BLK_WRITE 2    /* buf -> sectors; -HCERR_ROFS on a read-only disk */
#define RING_OP_BLK_FLUSH 3    /* make earlier writes durable; len must be 0 */
#define RING_OP_BLK_GEOMETRY 4 /* struct ring_blk_geometry -> buf (len >= 16) */

/* The random-number device (the device lab, docs/labs/device.md): read fills
 * buf with len_bytes (1 to RING_RNG_MAX_BYTES) pseudo-random bytes from the
 * monitor's generator; offset must be 0. Served by the monitor core itself on
 * every host (never deferred to the Linux runner). */
#define RING_DEV_RNG 3
#define RING_OP_RNG_READ 1
#define RING_RNG_MAX_BYTES 4096u

#define RING_SECTOR_BYTES 512u

/* The network device (docs/ABI.md "The network device"): Ethernet frames,
 * each with its 14-byte header and without the frame check sequence, as a
 * TAP device or a NIC's descriptors carry them. offset must be 0.
 * SEND: one frame of len_bytes (14 to mtu + 14) out; done_bytes = len_bytes.
 * RECV: the next received frame into buf (len_bytes >= mtu + 14);
 *       done_bytes = its length, 0 if none is waiting (which re-arms HCEV_NET).
 * INFO: struct ring_net_info -> buf (len_bytes >= 32); it also turns HCEV_NET on. */
#define RING_DEV_NET 4
#define RING_OP_NET_SEND 1
#define RING_OP_NET_RECV 2
#define RING_OP_NET_INFO 3
#define RING_NET_HDR_BYTES 14u
#define RING_NET_MTU_MAX 1500u /* the most a host offers: standard frames, no jumbo ones */

struct ring_net_info {
	uint8_t mac[6];      /* the guest's own address, given by the host */
	uint16_t mtu;        /* largest payload after the 14-byte header */
	uint32_t flags;      /* none yet: 0 */
	uint64_t rx_dropped; /* frames for the guest the host dropped (its queue full) */
	uint64_t reserved;
};

/* One request. Written by the guest except status and done_bytes, which the
 * host writes before it advances cons. 64 bytes: one cache line, so no
 * descriptor shares a line with another or crosses a page. */
struct ring_desc {
	uint16_t device;     /* guest: RING_DEV_* */
	uint16_t op;         /* guest: RING_OP_* of that device */
	uint32_t len_bytes;  /* guest: buffer length */
	uint64_t buf_gpa;    /* guest: buffer, a guest pseudo-physical address */
	uint64_t offset;     /* guest: block: first sector; console: 0 */
	uint64_t cookie;     /* guest: the host never reads or changes it */
	int32_t status;      /* host: 0, or -HCERR_* (proto/errors.h) */
	uint32_t done_bytes; /* host: bytes moved */
	uint64_t reserved[3];
};

/* The ring's first page. Each index has its own cache line, so the guest's
 * writes to prod and the host's to cons never share one (as in Solo5). */
struct ring_hdr {
	uint32_t magic;    /* host, at set-up: RING_MAGIC */
	uint32_t nentries; /* host, at set-up: RING_ENTRIES */
	uint8_t pad0[56];
	uint32_t prod;     /* guest: free-running count of descriptors posted */
	uint8_t pad1[60];
	uint32_t cons;     /* host: free-running count of descriptors completed */
	uint8_t pad2[60];
	uint8_t pad3[RING_DESC_OFFSET - 192];
	/* struct ring_desc desc[RING_ENTRIES] follows at RING_DESC_OFFSET;
	 * descriptor n lives in slot n % RING_ENTRIES. */
};

struct ring_blk_geometry {
	uint32_t sector_bytes;
	uint32_t flags;     /* RING_BLK_F_READ_ONLY */
	uint64_t nsectors;
};
#define RING_BLK_F_READ_ONLY 1u

_Static_assert(sizeof(struct ring_desc) == 64, "descriptor size");
_Static_assert(sizeof(struct ring_hdr) == RING_DESC_OFFSET, "ring header size");
_Static_assert(__builtin_offsetof(struct ring_hdr, prod) == 64, "prod on its own line");
_Static_assert(__builtin_offsetof(struct ring_hdr, cons) == 128, "cons on its own line");
_Static_assert(__builtin_offsetof(struct ring_desc, status) == 32, "status offset");
_Static_assert(sizeof(struct ring_blk_geometry) == 16, "geometry size");
_Static_assert(sizeof(struct ring_net_info) == 32, "net info size");
_Static_assert((RING_ENTRIES & (RING_ENTRIES - 1)) == 0, "entries a power of two");

#endif
