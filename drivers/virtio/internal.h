/*
 * What the virtio core shares between its files: the queue object around the
 * pure ring of ring.h.
 */
#ifndef DRIVERS_VIRTIO_INTERNAL_H
#define DRIVERS_VIRTIO_INTERNAL_H

#include <stdint.h>
#include <alto/virtio.h>
#include "ring.h"

struct virtqueue {
	struct virtq_ring ring;
	struct virtio_device *vdev;
	unsigned int index;
	void (*callback)(struct virtqueue *vq);
	void *transport_data;
	void *mem, *meta, *indirect; /* what the ring lives in, for freeing */
	unsigned int mem_order, ind_order;
};

/*
 * Register helpers shared by the transports. Feature words are 64 bits read
 * and written 32 at a time through a select register; device configuration
 * fields of 1, 2 or 4 bytes are accessed at their width (the specification
 * asks for it), anything else byte by byte.
 */
static inline uint64_t virtio_get_selected(volatile uint32_t *select, volatile uint32_t *value)
{
	*select = 0;
	uint64_t lo = *value;
	*select = 1;
	return lo | (uint64_t)*value << 32;
}

static inline void virtio_set_selected(volatile uint32_t *select, volatile uint32_t *value,
				       uint64_t v)
{
	*select = 0;
	*value = (uint32_t)v;
	*select = 1;
	*value = (uint32_t)(v >> 32);
}

void virtio_config_copy_in(volatile uint8_t *p, void *buf, unsigned int len);
void virtio_config_copy_out(volatile uint8_t *p, const void *buf, unsigned int len);

/* The device's configuration changed (a transport's interrupt): tell its driver. */
void virtio_config_interrupt(struct virtio_device *vdev);

struct virtqueue *virtq_create(struct virtio_device *vdev, unsigned int index, uint16_t size,
			       const struct virtq_info *info);
void virtq_destroy(struct virtqueue *vq);

#endif
