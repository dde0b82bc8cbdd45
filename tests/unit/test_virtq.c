/*
 * Host tests of the split virtqueue (drivers/virtio/ring.c) against a
 * simulated device that reads the rings as the virtio 1.x specification
 * says a device does: requests come back with their buffers intact (direct
 * and indirect chains, read and write flags), the ring fills up and frees
 * its descriptors, and the event-index rules decide when the driver
 * notifies the device and when the device would interrupt the driver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uapi/errno.h>
#include "drivers/virtio/ring.h"

#define SIZE	8
#define IND_MAX 4

struct sim {
	struct virtq_ring r;
	void *mem, *meta;
	struct virtq_desc ind[SIZE * IND_MAX];
	uint16_t dev_avail; /* the next avail entry the device takes */
	uint16_t dev_used;  /* the device's used index */
	uint16_t signalled; /* used index at the device's last interrupt decision */
};

static struct sim *sim_new(bool event_idx, uint16_t ind_max)
{
	struct sim *s = calloc(1, sizeof(*s));

	s->mem = aligned_alloc(4096, 4096);
	memset(s->mem, 0, 4096);
	assert_true(virtq_ring_bytes(SIZE) <= 4096);
	s->meta = calloc(1, virtq_ring_meta_bytes(SIZE));
	/* Physical addresses are the host's own pointers here. */
	virtq_ring_init(&s->r, SIZE, s->mem, (uintptr_t)s->mem, s->meta, s->ind, (uintptr_t)s->ind,
			ind_max, event_idx);
	return s;
}

static void sim_free(struct sim *s)
{
	free(s->mem);
	free(s->meta);
	free(s);
}

/* One request as the device sees it: its buffers in order, with their write flags. */
struct seen {
	struct virtq_buf bufs[16];
	bool write[16];
	unsigned int n;
	uint16_t head;
	bool indirect;
};

static bool device_take(struct sim *s, struct seen *out)
{
	struct virtq_ring *r = &s->r;

	if (s->dev_avail == __atomic_load_n(&r->avail->idx, __ATOMIC_ACQUIRE))
		return false;
	uint16_t head = r->avail->ring[s->dev_avail++ % SIZE];
	struct virtq_desc *table = r->desc, *d = &r->desc[head];
	*out = (struct seen){ .head = head };
	if (d->flags & VIRTQ_DESC_F_INDIRECT) {
		assert_int_equal(d->len % sizeof(struct virtq_desc), 0);
		table = (struct virtq_desc *)(uintptr_t)d->addr;
		d = &table[0];
		out->indirect = true;
	}
	for (;;) {
		assert_true(out->n < 16);
		out->bufs[out->n] = (struct virtq_buf){ d->addr, d->len };
		out->write[out->n++] = d->flags & VIRTQ_DESC_F_WRITE;
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			break;
		d = &table[d->next];
	}
	/* The device's notification hint: the next index it wants to hear about. */
	if (r->event_idx)
		*(uint16_t *)&r->used->ring[SIZE] = s->dev_avail;
	return true;
}

/* Return a request; true when the device would interrupt the driver for it. */
static bool device_put(struct sim *s, uint16_t head, uint32_t len)
{
	struct virtq_ring *r = &s->r;
	uint16_t old = s->dev_used;

	r->used->ring[s->dev_used % SIZE] = (struct virtq_used_elem){ head, len };
	s->dev_used++;
	__atomic_store_n(&r->used->idx, s->dev_used, __ATOMIC_RELEASE);
	if (r->event_idx) {
		uint16_t event = r->avail->ring[SIZE];
		return (uint16_t)(s->dev_used - event - 1) < (uint16_t)(s->dev_used - old);
	}
	return !(r->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static void test_direct_round_trip(void **state)
{
	(void)state;
	struct sim *s = sim_new(false, 0);
	struct virtq_buf bufs[3] = { { 0x1000, 10 }, { 0x2000, 20 }, { 0x3000, 30 } };
	struct seen seen;
	int token = 42;
	uint32_t len;

	assert_int_equal(virtq_ring_add(&s->r, bufs, 1, 2, &token), 0);
	assert_int_equal(s->r.num_free, SIZE - 3);
	assert_true(device_take(s, &seen));
	assert_false(seen.indirect);
	assert_int_equal(seen.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(seen.bufs[i].addr, bufs[i].addr);
		assert_int_equal(seen.bufs[i].len, bufs[i].len);
		assert_int_equal(seen.write[i], i >= 1);
	}
	assert_null(virtq_ring_get(&s->r, &len));
	assert_true(device_put(s, seen.head, 50));
	assert_ptr_equal(virtq_ring_get(&s->r, &len), &token);
	assert_int_equal(len, 50);
	assert_int_equal(s->r.num_free, SIZE);
	assert_null(virtq_ring_get(&s->r, &len));
	sim_free(s);
}

static void test_fill_and_free(void **state)
{
	(void)state;
	struct sim *s = sim_new(false, 0);
	struct virtq_buf two[2] = { { 0x1000, 1 }, { 0x2000, 2 } };
	int tokens[SIZE];
	struct seen seen;

	for (int i = 0; i < SIZE / 2; i++)
		assert_int_equal(virtq_ring_add(&s->r, two, 1, 1, &tokens[i]), 0);
	assert_int_equal(virtq_ring_add(&s->r, two, 1, 1, &tokens[0]), -ENOSPC);
	assert_int_equal(virtq_ring_add(&s->r, two, 0, 0, &tokens[0]), -EINVAL);
	/* Completed out of order, each returns its own token and frees its descriptors. */
	struct seen all[SIZE / 2];
	for (int i = 0; i < SIZE / 2; i++)
		assert_true(device_take(s, &all[i]));
	assert_false(device_take(s, &seen));
	for (int i = SIZE / 2 - 1; i >= 0; i--)
		device_put(s, all[i].head, (uint32_t)i);
	for (int i = SIZE / 2 - 1; i >= 0; i--) {
		uint32_t len;
		assert_ptr_equal(virtq_ring_get(&s->r, &len), &tokens[i]);
		assert_int_equal(len, (uint32_t)i);
	}
	assert_int_equal(s->r.num_free, SIZE);
	/* Many more rounds than the ring has entries: indexes wrap, descriptors recycle. */
	for (int round = 0; round < 100; round++) {
		assert_int_equal(virtq_ring_add(&s->r, two, 2, 0, &tokens[1]), 0);
		assert_true(device_take(s, &seen));
		assert_int_equal(seen.n, 2);
		device_put(s, seen.head, 0);
		assert_ptr_equal(virtq_ring_get(&s->r, NULL), &tokens[1]);
	}
	assert_int_equal(s->r.num_free, SIZE);
	sim_free(s);
}

static void test_indirect(void **state)
{
	(void)state;
	struct sim *s = sim_new(false, IND_MAX);
	struct virtq_buf bufs[IND_MAX + 1];
	int tokens[SIZE + 1];
	struct seen seen;

	for (unsigned int i = 0; i < IND_MAX + 1; i++)
		bufs[i] = (struct virtq_buf){ 0x1000 * (i + 1), i + 1 };
	/* Every head holds a whole request: SIZE requests of IND_MAX buffers fit. */
	for (int i = 0; i < SIZE; i++)
		assert_int_equal(virtq_ring_add(&s->r, bufs, 2, IND_MAX - 2, &tokens[i]), 0);
	assert_int_equal(s->r.num_free, 0);
	assert_int_equal(virtq_ring_add(&s->r, bufs, 1, 0, &tokens[SIZE]), -ENOSPC);
	for (int i = 0; i < SIZE; i++) {
		assert_true(device_take(s, &seen));
		assert_true(seen.indirect);
		assert_int_equal(seen.n, IND_MAX);
		for (unsigned int k = 0; k < IND_MAX; k++) {
			assert_int_equal(seen.bufs[k].addr, bufs[k].addr);
			assert_int_equal(seen.write[k], k >= 2);
		}
		device_put(s, seen.head, 7);
		assert_ptr_equal(virtq_ring_get(&s->r, NULL), &tokens[i]);
	}
	/* Longer than a table: direct descriptors instead. */
	assert_int_equal(virtq_ring_add(&s->r, bufs, 1, IND_MAX, &tokens[0]), 0);
	assert_true(device_take(s, &seen));
	assert_false(seen.indirect);
	assert_int_equal(seen.n, IND_MAX + 1);
	/* A single buffer never goes indirect. */
	assert_int_equal(virtq_ring_add(&s->r, bufs, 1, 0, &tokens[1]), 0);
	assert_true(device_take(s, &seen));
	assert_false(seen.indirect);
	sim_free(s);
}

static void test_notify_event_idx(void **state)
{
	(void)state;
	struct sim *s = sim_new(true, 0);
	struct virtq_buf b = { 0x1000, 1 };
	int token;
	struct seen seen;

	/* A fresh device wants to hear of the first request. */
	assert_int_equal(virtq_ring_add(&s->r, &b, 1, 0, &token), 0);
	assert_true(virtq_ring_need_notify(&s->r));
	/* Requests added while the device has not caught up: no second notification. */
	assert_int_equal(virtq_ring_add(&s->r, &b, 1, 0, &token), 0);
	assert_false(virtq_ring_need_notify(&s->r));
	/* The device took both and asks for the next: one notification for two more. */
	assert_true(device_take(s, &seen));
	assert_true(device_take(s, &seen));
	assert_int_equal(virtq_ring_add(&s->r, &b, 1, 0, &token), 0);
	assert_int_equal(virtq_ring_add(&s->r, &b, 1, 0, &token), 0);
	assert_true(virtq_ring_need_notify(&s->r));
	assert_false(virtq_ring_need_notify(&s->r));
	sim_free(s);
}

static void test_interrupt_suppression(void **state)
{
	(void)state;
	for (int ev = 0; ev < 2; ev++) {
		struct sim *s = sim_new(ev, 0);
		struct virtq_buf b = { 0x1000, 1 };
		int token;
		struct seen seen[3];

		for (int i = 0; i < 3; i++) {
			assert_int_equal(virtq_ring_add(&s->r, &b, 0, 1, &token), 0);
			assert_true(device_take(s, &seen[i]));
		}
		/* Interrupts wanted: the first used buffer interrupts. */
		assert_true(device_put(s, seen[0].head, 1));
		/* Disabled: nothing interrupts, and enabling with one waiting says look again. */
		virtq_ring_disable_cb(&s->r);
		assert_false(device_put(s, seen[1].head, 1));
		assert_true(virtq_ring_has_used(&s->r));
		assert_false(virtq_ring_enable_cb(&s->r));
		assert_non_null(virtq_ring_get(&s->r, NULL));
		assert_non_null(virtq_ring_get(&s->r, NULL));
		assert_true(virtq_ring_enable_cb(&s->r));
		/* Enabled with nothing waiting: the next used buffer interrupts. */
		assert_true(device_put(s, seen[2].head, 1));
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_round_trip),
		cmocka_unit_test(test_fill_and_free),
		cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_notify_event_idx),
		cmocka_unit_test(test_interrupt_suppression),
	};
	return cmocka_run_group_tests_name("virtq", tests, NULL, NULL);
}
