/* A split virtqueue as the driver side sees it (Virtio 1.x spec 2.6), in the
 * legacy layout that a transitional PCI device takes by page frame number:
 * descriptor table, available ring, then the used ring on the next 4096-byte
 * boundary. Pure index arithmetic over memory the caller gives, so that
 * tests/unit/test_virtq.c runs it on the build machine. */
#ifndef MB2_VIRTQ_H
#define MB2_VIRTQ_H

#include <stdint.h>

/* Virtio 1.x 2.6.5 "The Virtqueue Descriptor Table". */
struct virtq_desc {
	uint64_t addr; /* machine address of the buffer */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VIRTQ_DESC_F_NEXT 1  /* the chain goes on at next */
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer (receive) */

/* 2.6.6 "The Virtqueue Available Ring"; ring[size] and used_event follow. */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx; /* free-running: the slot is idx % size */
	uint16_t ring[];
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* 2.6.7: we poll, the device need not interrupt */

/* 2.6.8 "The Virtqueue Used Ring". */
struct virtq_used_elem {
	uint32_t id;  /* head of the chain the device is done with */
	uint32_t len; /* bytes it wrote into the chain */
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

_Static_assert(sizeof(struct virtq_desc) == 16, "Virtio 2.6.5: a descriptor is 16 bytes");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "Virtio 2.6.8: a used element is 8 bytes");

#define VIRTQ_ALIGN 4096        /* 2.6.2 Legacy Interfaces: the used ring's alignment */
#define VIRTQ_SIZE_MAX 32768    /* 2.6: "Queue Size" is at most 32768 */

struct virtq {
	uint16_t size;      /* entries: a power of 2, the device's (legacy cannot change it) */
	uint16_t last_used; /* the used idx we have taken entries up to */
	uint16_t next_avail; /* our copy of avail->idx */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

/* Nonzero if the device's queue size is one we can drive: a power of 2 from
 * 1 to VIRTQ_SIZE_MAX (2.6: legacy sizes are powers of 2). */
int virtq_size_ok(uint32_t size);

/* Bytes the legacy layout of a queue of size entries takes, a multiple of
 * VIRTQ_ALIGN (2.6.2 Legacy Interfaces: "Virtqueue Layout"). */
uint64_t virtq_legacy_bytes(uint16_t size);

/* Lay the queue out over mem (virtq_legacy_bytes(size) bytes, VIRTQ_ALIGN
 * aligned), zeroed, with the device's interrupts off (we poll). */
void virtq_init(struct virtq *q, void *mem, uint16_t size);

/* Offer the chain that starts at descriptor head (2.6.13: the ring entry is
 * written before the index that publishes it). */
void virtq_post(struct virtq *q, uint16_t head);

/* The next chain the device is done with: 1 with *head and *len, 0 if none,
 * -HCERR_IO if the device broke the protocol (an index more than size ahead
 * of ours, or a head outside the table); the entry is consumed either way. */
int virtq_take(struct virtq *q, uint16_t *head, uint32_t *len);

/* Nonzero if the device has finished a chain virtq_take has not taken. */
int virtq_pending(const struct virtq *q);

#endif
