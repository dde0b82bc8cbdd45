/*
 * The split virtqueue (ring.h): free descriptors are chained through their
 * next fields; a request takes one descriptor per buffer, or one descriptor
 * pointing at the head's own indirect table when it has several buffers and
 * indirect descriptors were negotiated. Event indexes: the driver writes
 * used_event (after the avail ring) to say when it wants an interrupt, the
 * device writes avail_event (after the used ring) to say when it wants a
 * notification. Shared fields are written with release stores and read with
 * acquire loads; the store-then-load pairs of the notification protocol
 * need a full fence.
 */
#include <uapi/errno.h>
#include "ring.h"

#define ALIGN4(x) (((x) + 3) & ~(size_t)3)

static size_t avail_bytes(uint16_t size)
{
	return 4 + 2 * (size_t)size + 2;
}

size_t virtq_ring_bytes(uint16_t size)
{
	return ALIGN4(16 * (size_t)size + avail_bytes(size)) + 4 + 8 * (size_t)size + 2;
}

size_t virtq_ring_meta_bytes(uint16_t size)
{
	return (size_t)size * (sizeof(void *) + sizeof(uint16_t));
}

static uint16_t *used_event(struct virtq_ring *r)
{
	return &r->avail->ring[r->size];
}

static uint16_t *avail_event(struct virtq_ring *r)
{
	return (uint16_t *)&r->used->ring[r->size];
}

void virtq_ring_init(struct virtq_ring *r, uint16_t size, void *mem, uint64_t phys, void *meta,
		     void *ind, uint64_t ind_phys, uint16_t indirect_max, bool event_idx)
{
	size_t used_off = ALIGN4(16 * (size_t)size + avail_bytes(size));

	*r = (struct virtq_ring){
		.size = size,
		.desc = mem,
		.avail = (struct virtq_avail *)((char *)mem + 16 * (size_t)size),
		.used = (struct virtq_used *)((char *)mem + used_off),
		.desc_phys = phys,
		.avail_phys = phys + 16 * (size_t)size,
		.used_phys = phys + used_off,
		.indirect = indirect_max ? ind : NULL,
		.indirect_phys = ind_phys,
		.indirect_max = indirect_max,
		.event_idx = event_idx,
		.num_free = size,
		.cb_enabled = true,
		.tokens = meta,
		.chain_len = (uint16_t *)((char *)meta + (size_t)size * sizeof(void *)),
	};
	for (uint16_t i = 0; i + 1 < size; i++)
		r->desc[i].next = i + 1;
	for (uint16_t i = 0; i < size; i++) {
		r->tokens[i] = NULL;
		r->chain_len[i] = 0;
	}
}

static void fill(struct virtq_desc *d, const struct virtq_buf *b, bool write)
{
	d->addr = b->addr;
	d->len = b->len;
	d->flags = write ? VIRTQ_DESC_F_WRITE : 0;
}

/* The request in the head's indirect table; the ring spends one descriptor. */
static uint16_t add_indirect(struct virtq_ring *r, const struct virtq_buf *bufs, unsigned int out,
			     unsigned int n)
{
	uint16_t head = r->free_head;
	struct virtq_desc *table = r->indirect + (size_t)head * r->indirect_max;

	for (unsigned int i = 0; i < n; i++) {
		fill(&table[i], &bufs[i], i >= out);
		if (i + 1 < n) {
			table[i].flags |= VIRTQ_DESC_F_NEXT;
			table[i].next = (uint16_t)(i + 1);
		}
	}
	struct virtq_desc *d = &r->desc[head];
	d->addr = r->indirect_phys + (uint64_t)head * r->indirect_max * sizeof(*d);
	d->len = (uint32_t)(n * sizeof(*d));
	d->flags = VIRTQ_DESC_F_INDIRECT;
	r->free_head = d->next;
	r->chain_len[head] = 1;
	return head;
}

static uint16_t add_direct(struct virtq_ring *r, const struct virtq_buf *bufs, unsigned int out,
			   unsigned int n)
{
	uint16_t head = r->free_head, i = head, last = head;

	for (unsigned int k = 0; k < n; k++) {
		struct virtq_desc *d = &r->desc[i];
		fill(d, &bufs[k], k >= out);
		last = i;
		if (k + 1 < n)
			d->flags |= VIRTQ_DESC_F_NEXT;
		i = d->next;
	}
	r->free_head = r->desc[last].next;
	r->chain_len[head] = (uint16_t)n;
	return head;
}

int virtq_ring_add(struct virtq_ring *r, const struct virtq_buf *bufs, unsigned int out,
		   unsigned int in, void *token)
{
	unsigned int n = out + in;
	uint16_t head;

	if (!n || !token)
		return -EINVAL;
	/* Several buffers go indirect when they fit a table; one descriptor goes direct. */
	if (n > 1 && r->indirect && n <= r->indirect_max) {
		if (!r->num_free)
			return -ENOSPC;
		head = add_indirect(r, bufs, out, n);
		r->num_free--;
	} else {
		if (n > r->num_free)
			return -ENOSPC;
		head = add_direct(r, bufs, out, n);
		r->num_free = (uint16_t)(r->num_free - n);
	}
	r->tokens[head] = token;
	r->avail->ring[r->avail_idx & (r->size - 1)] = head;
	r->avail_idx++;
	/* The descriptors and the ring entry before the index the device reads. */
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

bool virtq_ring_need_notify(struct virtq_ring *r)
{
	uint16_t old = r->notified_idx, now = r->avail_idx;

	/* Our index store before the device's suppression fields are read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->notified_idx = now;
	if (r->event_idx) {
		uint16_t event = __atomic_load_n(avail_event(r), __ATOMIC_ACQUIRE);
		return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
	}
	return !(__atomic_load_n(&r->used->flags, __ATOMIC_ACQUIRE) & VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_ring_has_used(const struct virtq_ring *r)
{
	return __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) != r->last_used;
}

unsigned int virtq_ring_held(const struct virtq_ring *r)
{
	uint16_t used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);

	return (uint16_t)(READ_ONCE(r->avail_idx) - used);
}

static void free_chain(struct virtq_ring *r, uint16_t head)
{
	uint16_t n = r->chain_len[head], last = head;

	for (uint16_t k = 1; k < n; k++)
		last = r->desc[last].next;
	r->desc[last].next = r->free_head;
	r->free_head = head;
	r->num_free = (uint16_t)(r->num_free + n);
	r->tokens[head] = NULL;
	r->chain_len[head] = 0;
}

void *virtq_ring_get(struct virtq_ring *r, uint32_t *len)
{
	if (!virtq_ring_has_used(r))
		return NULL;
	struct virtq_used_elem *e = &r->used->ring[r->last_used & (r->size - 1)];
	uint32_t id = e->id;
	if (len)
		*len = e->len;
	r->last_used++;
	if (id >= r->size || !r->tokens[id])
		return NULL; /* a device bug: an id we never gave it */
	void *token = r->tokens[id];
	free_chain(r, (uint16_t)id);
	/* With interrupts wanted, move the event along: the next entry interrupts. */
	if (r->event_idx && r->cb_enabled)
		__atomic_store_n(used_event(r), r->last_used, __ATOMIC_RELEASE);
	return token;
}

void virtq_ring_disable_cb(struct virtq_ring *r)
{
	r->cb_enabled = false;
	if (r->event_idx) {
		/* An event half the index space behind: no interrupt until we move it. */
		__atomic_store_n(used_event(r), (uint16_t)(r->last_used - 0x8000),
				 __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&r->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELEASE);
}

bool virtq_ring_enable_cb(struct virtq_ring *r)
{
	r->cb_enabled = true;
	if (r->event_idx)
		__atomic_store_n(used_event(r), r->last_used, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&r->avail->flags, 0, __ATOMIC_RELEASE);
	/* Our store before the device's index is read: else a buffer could slip by unseen. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !virtq_ring_has_used(r);
}
