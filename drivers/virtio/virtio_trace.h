/*
 * Virtio tracepoints (defined in drivers/virtio/virtqueue.c): a device's
 * negotiation, readiness and resets, and each queue's life: set up,
 * requests added (buffers out and in, and whether there was room), kicks (and
 * whether the device wanted the notification), used buffers taken back,
 * interrupts and the re-enabling of them. A device is its virtioN number,
 * a queue its index on it.
 */
#ifndef DRIVERS_VIRTIO_TRACE_H
#define DRIVERS_VIRTIO_TRACE_H

#include <alto/trace.h>

TRACEPOINT(virtio_negotiate, "dev=%u type=%u offered=%x accepted=%x result=%d", unsigned int, dev,
	   unsigned int, type, uint64_t, offered, uint64_t, accepted, int, result)
TRACEPOINT(virtio_ready, "dev=%u queues=%u", unsigned int, dev, unsigned int, nvqs)
TRACEPOINT(virtio_reset, "dev=%u failed=%d", unsigned int, dev, int, failed)
TRACEPOINT(virtio_config_changed, "dev=%u", unsigned int, dev)
TRACEPOINT(virtq_setup, "dev=%u q=%u size=%u indirect=%u event_idx=%d", unsigned int, dev,
	   unsigned int, q, unsigned int, size, unsigned int, indirect, int, event_idx)
TRACEPOINT(virtq_add, "dev=%u q=%u token=%p out=%u in=%u result=%d", unsigned int, dev,
	   unsigned int, q, const void *, token, unsigned int, out, unsigned int, in, int, result)
TRACEPOINT(virtq_kick, "dev=%u q=%u notified=%d", unsigned int, dev, unsigned int, q, int, notified)
TRACEPOINT(virtq_used, "dev=%u q=%u token=%p len=%u", unsigned int, dev, unsigned int, q,
	   const void *, token, uint32_t, len)
TRACEPOINT(virtq_interrupt, "dev=%u q=%u", unsigned int, dev, unsigned int, q)
TRACEPOINT(virtq_enable_cb, "dev=%u q=%u pending=%d", unsigned int, dev, unsigned int, q, int,
	   pending)

#endif
