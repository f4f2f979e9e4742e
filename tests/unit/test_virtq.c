/* The split virtqueue's arithmetic (loader/mb2/virtq.c) against a fake
 * device written from the spec's side: legacy layout sizes, chains posted
 * and taken back in order across the 16-bit index wrap, and a device that
 * breaks the protocol getting -HCERR_IO instead of a wild index. */
#include <stdlib.h>
#include "unit.h"
#include "../../loader/mb2/virtq.h"
#include "../../proto/errors.h"

TEST(virtq_sizes_the_legacy_interface_allows)
{
	EXPECT_EQ(virtq_size_ok(0), 0); /* "no such queue" */
	EXPECT_EQ(virtq_size_ok(1), 1);
	EXPECT_EQ(virtq_size_ok(256), 1);
	EXPECT_EQ(virtq_size_ok(32768), 1);
	EXPECT_EQ(virtq_size_ok(3), 0);
	EXPECT_EQ(virtq_size_ok(384), 0);
	EXPECT_EQ(virtq_size_ok(65536), 0);
}

/* Virtio 1.x 2.6.2 Legacy Interfaces: ALIGN(16 n + 2 (3 + n)) + ALIGN(2 * 3 + 8 n). */
TEST(virtq_legacy_layout_puts_the_used_ring_on_the_next_page)
{
	static uint8_t mem[32768] __attribute__((aligned(4096)));
	struct virtq q;

	EXPECT_EQ(virtq_legacy_bytes(256), 12288);  /* QEMU's virtio-net queues */
	EXPECT_EQ(virtq_legacy_bytes(1024), 32768);
	EXPECT_EQ(virtq_legacy_bytes(1), 8192);
	virtq_init(&q, mem, 256);
	EXPECT_EQ((uint8_t *)q.desc - mem, 0);
	EXPECT_EQ((uint8_t *)q.avail - mem, 4096);
	EXPECT_EQ((uint8_t *)q.used - mem, 8192);
	EXPECT_EQ(q.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT); /* we poll */
	EXPECT_EQ(q.avail->idx, 0);
	EXPECT_EQ(q.used->idx, 0);
}

/* The device's side: take every chain the driver made available since
 * *seen, and give it back used with len = 100 + head. */
static void device_completes(struct virtq *q, uint16_t *seen)
{
	while (*seen != q->avail->idx) {
		uint16_t head = q->avail->ring[*seen % q->size];

		q->used->ring[q->used->idx % q->size] = (struct virtq_used_elem){ head, 100u + head };
		q->used->idx++;
		(*seen)++;
	}
}

TEST(virtq_chains_come_back_in_order_across_the_index_wrap)
{
	static uint8_t mem[12288] __attribute__((aligned(4096)));
	struct virtq q;
	uint16_t seen, head = 0;
	uint32_t len = 0;
	int taken = 0;

	virtq_init(&q, mem, 8);
	/* Both sides near the end of the 16-bit index space, as after a long run. */
	q.next_avail = q.last_used = q.avail->idx = q.used->idx = seen = 65530;
	for (int round = 0; round < 3; round++) {
		for (uint16_t i = 0; i < 6; i++)
			virtq_post(&q, (uint16_t)((round + i) % 8));
		device_completes(&q, &seen);
		for (uint16_t i = 0; i < 6; i++) {
			EXPECT_EQ(virtq_take(&q, &head, &len), 1);
			EXPECT_EQ(head, (round + i) % 8);
			EXPECT_EQ(len, 100 + head);
			taken++;
		}
		EXPECT_EQ(virtq_take(&q, &head, &len), 0);
	}
	EXPECT_EQ(taken, 18);
	EXPECT_EQ(q.avail->idx, (uint16_t)(65530 + 18)); /* wrapped to 12 */
	EXPECT_EQ(q.last_used, 12);
}

TEST(virtq_a_device_that_breaks_the_protocol_gets_a_named_error)
{
	static uint8_t mem[12288] __attribute__((aligned(4096)));
	struct virtq q;
	uint16_t head = 77;
	uint32_t len = 77;

	virtq_init(&q, mem, 8);
	/* More used than the ring holds: skipped, not read past. */
	q.used->idx = 9;
	EXPECT_EQ(virtq_take(&q, &head, &len), -HCERR_IO);
	EXPECT_EQ(virtq_take(&q, &head, &len), 0);
	/* A head outside the descriptor table: consumed, refused. */
	q.used->ring[q.last_used % 8] = (struct virtq_used_elem){ 8, 60 };
	q.used->idx++;
	EXPECT_EQ(virtq_take(&q, &head, &len), -HCERR_IO);
	EXPECT_EQ(head, 77); /* nothing handed out */
	EXPECT_EQ(virtq_take(&q, &head, &len), 0);
}
