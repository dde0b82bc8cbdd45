/*
 * Virtqueues for the kernel: the ring of ring.c in memory from the page
 * allocator (physically contiguous, as the device reads it by physical
 * address), each head with an indirect table of its own when the driver
 * wants them, and the transport's notification after additions. Each
 * operation on a queue passes a tracepoint of virtio_trace.h, defined here.
 *
 * QEMU before 8.1 drops the guest's memory barriers under TCG when the
 * machine has one vCPU (its commit "tcg: Do not elide memory barriers for
 * !CF_PARALLEL in system mode"), though its I/O thread runs the device
 * beside the vCPU. The notification protocol's store-then-load pairs
 * (ring.c) then reorder on the host: re-enabling interrupts, the driver's
 * used_event store can wait in the host's store buffer while the driver
 * reads the old used index, and the device, having stored the new index,
 * reads the old used_event: neither sees the other, no interrupt comes and
 * none is ever due again (issue 12's stalled stream). On such a machine a
 * read of a device register stands in for the fence: QEMU serves it under
 * its global lock, a real barrier on the host.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "virtio_trace.h"

static int fence_by_mmio = -1; /* -1: not yet known */

/* After ring.c's fence: make it one the device's thread sees (above). */
static bool device_fence(struct virtqueue *vq)
{
	if (fence_by_mmio < 0)
		fence_by_mmio =
			cpu_count == 1 && !strcmp(cpu_features.hypervisor_id, "TCGTCGTCGTCG");
	if (fence_by_mmio)
		vq->vdev->ops->config_generation(vq->vdev);
	return fence_by_mmio;
}

static unsigned int order_for(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

struct virtqueue *virtq_create(struct virtio_device *vdev, unsigned int index, uint16_t size,
			       const struct virtq_info *info)
{
	struct virtqueue *vq = kzalloc(sizeof(*vq));
	bool indirect = info->indirect_max > 1 && virtio_has(vdev, VIRTIO_F_INDIRECT_DESC);
	uint16_t ind_max = indirect ? info->indirect_max : 0;

	if (!vq)
		return NULL;
	vq->vdev = vdev;
	vq->index = index;
	vq->callback = info->callback;
	vq->mem_order = order_for(virtq_ring_bytes(size));
	vq->mem = page_alloc_zeroed(vq->mem_order);
	vq->meta = kzalloc(virtq_ring_meta_bytes(size));
	if (ind_max) {
		vq->ind_order = order_for((size_t)size * ind_max * sizeof(struct virtq_desc));
		vq->indirect = page_alloc(vq->ind_order);
	}
	if (!vq->mem || !vq->meta || (ind_max && !vq->indirect)) {
		virtq_destroy(vq);
		return NULL;
	}
	virtq_ring_init(&vq->ring, size, vq->mem, virt_to_phys(vq->mem), vq->meta, vq->indirect,
			vq->indirect ? virt_to_phys(vq->indirect) : 0, ind_max,
			virtio_has(vdev, VIRTIO_F_EVENT_IDX));
	trace_virtq_setup(vdev->index, index, size, ind_max, virtio_has(vdev, VIRTIO_F_EVENT_IDX));
	return vq;
}

void virtq_destroy(struct virtqueue *vq)
{
	if (!vq)
		return;
	if (vq->mem)
		page_free(vq->mem);
	if (vq->indirect)
		page_free(vq->indirect);
	kfree(vq->meta);
	kfree(vq);
}

struct virtqueue *virtio_queue(struct virtio_device *vdev, unsigned int idx)
{
	return idx < vdev->nvqs ? vdev->vqs[idx] : NULL;
}

unsigned int virtq_index(const struct virtqueue *vq)
{
	return vq->index;
}

uint16_t virtq_size(const struct virtqueue *vq)
{
	return vq->ring.size;
}

struct virtio_device *virtq_device(const struct virtqueue *vq)
{
	return vq->vdev;
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int out, unsigned int in,
	      void *token)
{
	int r = virtq_ring_add(&vq->ring, bufs, out, in, token);

	trace_virtq_add(vq->vdev->index, vq->index, token, out, in, r);
	return r;
}

void virtq_kick(struct virtqueue *vq)
{
	uint16_t before = vq->ring.notified_idx;
	bool notify = virtq_ring_need_notify(&vq->ring);

	/* "Not needed" may rest on a stale avail_event: look again past a real fence. */
	if (!notify && device_fence(vq)) {
		vq->ring.notified_idx = before;
		notify = virtq_ring_need_notify(&vq->ring);
	}

	trace_virtq_kick(vq->vdev->index, vq->index, notify);
	if (notify)
		vq->vdev->ops->notify(vq);
}

void *virtq_get(struct virtqueue *vq, uint32_t *len)
{
	uint32_t n = 0;
	void *token = virtq_ring_get(&vq->ring, &n);

	if (token)
		trace_virtq_used(vq->vdev->index, vq->index, token, n);
	if (len)
		*len = n;
	return token;
}

bool virtq_has_used(struct virtqueue *vq)
{
	return virtq_ring_has_used(&vq->ring);
}

unsigned int virtq_held(const struct virtqueue *vq)
{
	return virtq_ring_held(&vq->ring);
}

unsigned int virtq_free(const struct virtqueue *vq)
{
	return vq->ring.num_free;
}

void virtq_disable_cb(struct virtqueue *vq)
{
	virtq_ring_disable_cb(&vq->ring);
}

bool virtq_enable_cb(struct virtqueue *vq)
{
	bool quiet = virtq_ring_enable_cb(&vq->ring);

	/* "Nothing used" may be a stale read: look again past a real fence. */
	if (quiet && device_fence(vq))
		quiet = !virtq_has_used(vq);
	trace_virtq_enable_cb(vq->vdev->index, vq->index, !quiet);
	return quiet;
}

uint64_t virtq_desc_phys(const struct virtqueue *vq)
{
	return vq->ring.desc_phys;
}

uint64_t virtq_avail_phys(const struct virtqueue *vq)
{
	return vq->ring.avail_phys;
}

uint64_t virtq_used_phys(const struct virtqueue *vq)
{
	return vq->ring.used_phys;
}

void virtq_interrupt(struct virtqueue *vq)
{
	trace_virtq_interrupt(vq->vdev->index, vq->index);
	if (vq->callback)
		vq->callback(vq);
}

void *virtq_transport_data(const struct virtqueue *vq)
{
	return vq->transport_data;
}

void virtq_set_transport_data(struct virtqueue *vq, void *data)
{
	vq->transport_data = data;
}
