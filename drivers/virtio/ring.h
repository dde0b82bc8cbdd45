/*
 * The split virtqueue ring (virtio 1.x, section 2.7): descriptor table,
 * available ring and used ring, with indirect descriptors and event-index
 * notification suppression. Pure data-structure code with no kernel calls:
 * its caller supplies the memory (virtual address and the physical address
 * the device sees), so the same code is tested on the host against a
 * simulated device (tests/unit/test_virtq.c). Not thread-safe: a queue's
 * user serializes its calls.
 */
#ifndef DRIVERS_VIRTIO_RING_H
#define DRIVERS_VIRTIO_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/virtio.h> /* struct virtq_buf */

#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* size entries, then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* size entries, then avail_event */
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");

struct virtq_ring {
	uint16_t size; /* a power of two */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t desc_phys, avail_phys, used_phys;
	/* Indirect tables: indirect_max descriptors per head, or none (indirect_max 0). */
	struct virtq_desc *indirect;
	uint64_t indirect_phys;
	uint16_t indirect_max;
	bool event_idx;
	bool cb_enabled; /* interrupts wanted (virtq_ring_enable_cb) */
	uint16_t free_head, num_free;
	uint16_t avail_idx;    /* our copy of avail->idx */
	uint16_t notified_idx; /* avail_idx at the last notification check */
	uint16_t last_used;    /* the next used entry to take */
	void **tokens;	       /* per head: the caller's token, NULL when free */
	uint16_t *chain_len;   /* per head: descriptors the chain holds in the table */
};

/* Bytes of ring memory for `size` entries (desc, avail, used, 4-byte aligned parts). */
size_t virtq_ring_bytes(uint16_t size);
/* Bytes of the per-head bookkeeping (tokens and chain lengths). */
size_t virtq_ring_meta_bytes(uint16_t size);
/*
 * Lay the ring out in mem (zeroed, virtq_ring_bytes long, at physical
 * phys), with bookkeeping in meta and, when indirect_max > 0, indirect
 * tables in ind (size * indirect_max descriptors at ind_phys).
 */
void virtq_ring_init(struct virtq_ring *r, uint16_t size, void *mem, uint64_t phys, void *meta,
		     void *ind, uint64_t ind_phys, uint16_t indirect_max, bool event_idx);

/*
 * Queue a request: out buffers the device reads, then in buffers it writes.
 * token comes back from virtq_ring_get. 0, or -ENOSPC when the ring is full,
 * -EINVAL for an empty request.
 */
int virtq_ring_add(struct virtq_ring *r, const struct virtq_buf *bufs, unsigned int out,
		   unsigned int in, void *token);
/* True when the device asked to be notified of what was added since the last call. */
bool virtq_ring_need_notify(struct virtq_ring *r);
/* The next finished request's token and bytes written, or NULL when none. */
void *virtq_ring_get(struct virtq_ring *r, uint32_t *len);
/* True when a finished request waits to be taken. */
bool virtq_ring_has_used(const struct virtq_ring *r);
/* Chains made available that the device has not marked used yet (no lock: a snapshot). */
unsigned int virtq_ring_held(const struct virtq_ring *r);
/* Ask for no interrupts. */
void virtq_ring_disable_cb(struct virtq_ring *r);
/* Ask for an interrupt at the next used buffer; false when one is already there (look again). */
bool virtq_ring_enable_cb(struct virtq_ring *r);

#endif
