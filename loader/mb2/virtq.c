/* A split virtqueue's index arithmetic (loader/mb2/virtq.h). Indices are
 * free-running 16-bit counters on both sides (Virtio 1.x 2.6.6, 2.6.8): a
 * slot is idx % size, and the count outstanding is the difference modulo
 * 2^16, which stays right across the wrap because size divides 65536. */
#include "virtq.h"
#include "../../proto/errors.h"

int virtq_size_ok(uint32_t size)
{
	return size != 0 && size <= VIRTQ_SIZE_MAX && (size & (size - 1)) == 0;
}

static uint64_t align_up(uint64_t v)
{
	return (v + VIRTQ_ALIGN - 1) & ~(uint64_t)(VIRTQ_ALIGN - 1);
}

/* Descriptors, then flags, idx, ring[size], used_event; the used ring (flags,
 * idx, ring[size], avail_event) on the next boundary. */
static uint64_t avail_offset(uint16_t size)
{
	return 16ull * size;
}

static uint64_t used_offset(uint16_t size)
{
	return align_up(avail_offset(size) + 2 * (3ull + size));
}

uint64_t virtq_legacy_bytes(uint16_t size)
{
	return used_offset(size) + align_up(2 * 3ull + 8ull * size);
}

void virtq_init(struct virtq *q, void *mem, uint16_t size)
{
	uint8_t *base = mem;

	__builtin_memset(mem, 0, virtq_legacy_bytes(size));
	q->size = size;
	q->last_used = 0;
	q->next_avail = 0;
	q->desc = mem;
	q->avail = (struct virtq_avail *)(base + avail_offset(size));
	q->used = (struct virtq_used *)(base + used_offset(size));
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
}

void virtq_post(struct virtq *q, uint16_t head)
{
	q->avail->ring[q->next_avail & (q->size - 1)] = head;
	q->next_avail++;
	/* 2.6.13.3: the entry before the index. x86 keeps stores in order
	 * (SDM Vol.3 8.2.2); the release only stops the compiler. */
	__atomic_store_n(&q->avail->idx, q->next_avail, __ATOMIC_RELEASE);
}

int virtq_take(struct virtq *q, uint16_t *head, uint32_t *len)
{
	/* The device writes the element before the index (2.6.8.2); the acquire
	 * orders our reads of the element after it. */
	uint16_t idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	uint16_t ahead = (uint16_t)(idx - q->last_used);
	struct virtq_used_elem e;

	if (ahead == 0)
		return 0;
	if (ahead > q->size) {
		q->last_used = idx; /* nothing there can be trusted: skip it all */
		return -HCERR_IO;
	}
	e = q->used->ring[q->last_used & (q->size - 1)];
	q->last_used++;
	if (e.id >= q->size)
		return -HCERR_IO;
	*head = (uint16_t)e.id;
	*len = e.len;
	return 1;
}

int virtq_pending(const struct virtq *q)
{
	return __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->last_used;
}
