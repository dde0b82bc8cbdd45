/*
 * The virtio core (virtio 1.0 and later only: modern PCI and MMIO version
 * 2). A transport (drivers/virtio/pci.c, mmio.c) finds a device, wraps it in
 * a struct virtio_device and calls device_add() on the virtio bus; virtio
 * drivers register with DRIVER() (bus BUS_VIRTIO, device id VIRTIO_ID_*)
 * and, in their probe, go through the standard sequence:
 *
 *	virtio_start(vdev, features)      reset, acknowledge, negotiate
 *	virtio_setup_queues(vdev, ...)    rings, interrupts (a vector per queue
 *	                                  with MSI-X, else one shared line)
 *	... fill receive queues ...
 *	virtio_ready(vdev)                DRIVER_OK
 *
 * Queue callbacks run in interrupt context: they take used buffers or kick
 * a work thread. A queue is not thread-safe: its driver serializes calls on
 * it. Every started device is reset at power-off.
 */
#ifndef ALTO_VIRTIO_H
#define ALTO_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/device.h>

#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_VSOCK	  19
#define VIRTIO_ID_FS	  26

/* Feature bits the core itself deals with. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32
#define VIRTIO_F_RING_PACKED   34

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

#define VIRTIO_MAX_QUEUES 16

struct virtio_device;
struct virtqueue;

/* One buffer of a request, by physical address: the device reads (out) or writes (in) it. */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
};

/* What the transport does; the core and drivers call through virtio_* below. */
struct virtio_transport {
	const char *name; /* "pci", "mmio" */
	uint8_t (*get_status)(struct virtio_device *vdev);
	void (*set_status)(struct virtio_device *vdev, uint8_t status);
	void (*reset)(struct virtio_device *vdev); /* returns once the device reads 0 */
	uint64_t (*get_features)(struct virtio_device *vdev);
	void (*set_features)(struct virtio_device *vdev, uint64_t features);
	uint32_t (*config_generation)(struct virtio_device *vdev);
	void (*read_config)(struct virtio_device *vdev, unsigned int off, void *buf,
			    unsigned int len);
	void (*write_config)(struct virtio_device *vdev, unsigned int off, const void *buf,
			     unsigned int len);
	/* The largest size of queue idx, 0 when there is no such queue. */
	uint16_t (*queue_max)(struct virtio_device *vdev, unsigned int idx);
	/* Interrupts for nvqs queues: sets vdev->irq_mode; 0 or -errno. */
	int (*setup_irqs)(struct virtio_device *vdev, unsigned int nvqs);
	/* Give the device the queue's ring and enable it. */
	int (*queue_enable)(struct virtio_device *vdev, struct virtqueue *vq);
	void (*notify)(struct virtqueue *vq);
};

struct virtio_device {
	struct device dev;
	const struct virtio_transport *ops;
	void *transport;   /* the transport's state */
	uint64_t features; /* negotiated */
	unsigned int nvqs;
	struct virtqueue *vqs[VIRTIO_MAX_QUEUES];
	const char *irq_mode; /* "MSI-X", "INTx", "MMIO line": for reports */
	/* The device changed its configuration (interrupt context); NULL: ignore. */
	void (*config_changed)(struct virtio_device *vdev);
	void *priv;	    /* the driver's */
	unsigned int index; /* N of virtioN, in the order of registration */
	bool started;
};

static inline struct virtio_device *to_virtio(struct device *dev)
{
	return dev->bus_priv;
}

/* How a driver wants one queue. */
struct virtq_info {
	const char *name;
	void (*callback)(struct virtqueue *vq); /* interrupt context; NULL: none wanted */
	uint16_t max_size;			/* 0: as large as the device allows */
	uint16_t indirect_max;			/* buffers per indirect table, 0: never */
};

/* Make dev a virtio device on its transport and offer it to the virtio drivers. */
int virtio_register(struct virtio_device *vdev);
/*
 * Reset the device and negotiate: the result is what the device offers of
 * `wanted` (plus VERSION_1, and INDIRECT_DESC and EVENT_IDX where offered),
 * in vdev->features. -ENODEV when the device lacks VERSION_1 (legacy), -EIO
 * when it refuses the features.
 */
int virtio_start(struct virtio_device *vdev, uint64_t wanted);
static inline bool virtio_has(const struct virtio_device *vdev, unsigned int bit)
{
	return vdev->features & (1ull << bit);
}
int virtio_setup_queues(struct virtio_device *vdev, unsigned int n, const struct virtq_info *info);
void virtio_ready(struct virtio_device *vdev);
/* Give up on the device: FAILED status, then reset. */
void virtio_fail(struct virtio_device *vdev);
/* Stop the device: reset (it no longer touches memory). */
void virtio_reset(struct virtio_device *vdev);
/* A driver's shutdown (struct driver): reset the device if it was started. */
void virtio_shutdown(struct device *dev);
/* Read len bytes of device configuration at off, consistently (generation checked). */
void virtio_read_config(struct virtio_device *vdev, unsigned int off, void *buf, unsigned int len);
void virtio_write_config(struct virtio_device *vdev, unsigned int off, const void *buf,
			 unsigned int len);
/* For transports without per-queue interrupts: the ISR says queues (bit 0) and config (bit 1). */
bool virtio_isr(struct virtio_device *vdev, uint32_t isr);
/* "virtio0"... a name for reports, from the device's order of registration. */
const char *virtio_name(const struct virtio_device *vdev);

/* Queues (drivers/virtio/virtqueue.c) */
struct virtqueue *virtio_queue(struct virtio_device *vdev, unsigned int idx);
unsigned int virtq_index(const struct virtqueue *vq);
uint16_t virtq_size(const struct virtqueue *vq);
struct virtio_device *virtq_device(const struct virtqueue *vq);
/* out buffers the device reads, then in buffers it writes; 0, -ENOSPC or -EINVAL. */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int out, unsigned int in,
	      void *token);
/* Tell the device about what was added, if it wants to be told. */
void virtq_kick(struct virtqueue *vq);
/* The next finished request's token (and the bytes the device wrote), or NULL. */
void *virtq_get(struct virtqueue *vq, uint32_t *len);
bool virtq_has_used(struct virtqueue *vq);
/* Requests the device still holds (not marked used), without the caller's lock: a snapshot. */
unsigned int virtq_held(const struct virtqueue *vq);
unsigned int virtq_free(const struct virtqueue *vq);
void virtq_disable_cb(struct virtqueue *vq);
/* Re-enable interrupts; false when a used buffer already waits (take it, then try again). */
bool virtq_enable_cb(struct virtqueue *vq);
/* For transports: the queue's ring addresses and its callback. */
uint64_t virtq_desc_phys(const struct virtqueue *vq);
uint64_t virtq_avail_phys(const struct virtqueue *vq);
uint64_t virtq_used_phys(const struct virtqueue *vq);
void virtq_interrupt(struct virtqueue *vq);
/* The transport's per-queue data (notify address). */
void *virtq_transport_data(const struct virtqueue *vq);
void virtq_set_transport_data(struct virtqueue *vq, void *data);

#endif
