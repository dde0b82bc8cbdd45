/*
 * The virtio core: registration of devices found by a transport, the
 * initialization sequence of the virtio 1.x specification (section 3.1:
 * reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK),
 * consistent configuration reads, and interrupt dispatch for transports
 * with one interrupt per device. Only VERSION_1 devices are driven.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"
#include "virtio_trace.h"

#define CORE_FEATURES                                                      \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_F_EVENT_IDX))

static const char *const type_names[] = {
	[VIRTIO_ID_NET] = "net", [VIRTIO_ID_BLOCK] = "block", [VIRTIO_ID_CONSOLE] = "console",
	[VIRTIO_ID_RNG] = "rng", [VIRTIO_ID_VSOCK] = "vsock", [VIRTIO_ID_FS] = "fs",
};

static const char *type_name(uint32_t id)
{
	return id < ARRAY_SIZE(type_names) && type_names[id] ? type_names[id] : "unknown";
}

int virtio_register(struct virtio_device *vdev)
{
	static int next_index;
	static struct spinlock index_lock = SPINLOCK_INIT;
	unsigned long flags = spin_lock(&index_lock);
	int index = next_index++;

	spin_unlock(&index_lock, flags);
	vdev->index = (unsigned int)index;
	/* The transport put where the device is in the name; prefix ours. */
	char where[DEVICE_NAME_LEN];
	snprintf(where, sizeof(where), "%s", vdev->dev.name);
	snprintf(vdev->dev.name, sizeof(vdev->dev.name), "virtio%d (%s)", index, where);
	vdev->dev.bus = BUS_VIRTIO;
	vdev->dev.bus_priv = vdev;
	if (device_verbose())
		printk("%s: %s device (type %u)\n", vdev->dev.name, type_name(vdev->dev.device_id),
		       vdev->dev.device_id);
	return device_add(&vdev->dev);
}

const char *virtio_name(const struct virtio_device *vdev)
{
	return vdev->dev.name;
}

void virtio_reset(struct virtio_device *vdev)
{
	trace_virtio_reset(vdev->index, 0);
	vdev->ops->reset(vdev);
	vdev->started = false;
}

void virtio_shutdown(struct device *dev)
{
	struct virtio_device *vdev = to_virtio(dev);

	if (!vdev->started)
		return;
	virtio_reset(vdev);
	if (device_verbose())
		printk("%s: reset\n", vdev->dev.name);
}

void virtio_fail(struct virtio_device *vdev)
{
	trace_virtio_reset(vdev->index, 1);
	vdev->ops->set_status(vdev, vdev->ops->get_status(vdev) | VIRTIO_STATUS_FAILED);
	virtio_reset(vdev);
	/* Reset, the device no longer reads the rings. */
	for (unsigned int i = 0; i < vdev->nvqs; i++) {
		virtq_destroy(vdev->vqs[i]);
		vdev->vqs[i] = NULL;
	}
	vdev->nvqs = 0;
}

static int negotiate(struct virtio_device *vdev, uint64_t wanted, uint64_t *offered)
{
	const struct virtio_transport *ops = vdev->ops;

	ops->reset(vdev);
	ops->set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	ops->set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	*offered = ops->get_features(vdev);
	if (!(*offered & (1ull << VIRTIO_F_VERSION_1))) {
		vdev->dev.why = "the device does not offer VERSION_1 (a legacy device)";
		virtio_fail(vdev);
		return -ENODEV;
	}
	vdev->features = *offered & (wanted | CORE_FEATURES);
	ops->set_features(vdev, vdev->features);
	ops->set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				      VIRTIO_STATUS_FEATURES_OK);
	if (!(ops->get_status(vdev) & VIRTIO_STATUS_FEATURES_OK)) {
		vdev->dev.why = "the device refused the features offered to it";
		virtio_fail(vdev);
		return -EIO;
	}
	vdev->started = true;
	return 0;
}

int virtio_start(struct virtio_device *vdev, uint64_t wanted)
{
	uint64_t offered = 0;
	int r = negotiate(vdev, wanted, &offered);

	trace_virtio_negotiate(vdev->index, vdev->dev.device_id, offered, vdev->features, r);
	return r;
}

static uint16_t round_down_pow2(uint16_t n)
{
	uint16_t p = 1;

	while ((uint16_t)(p << 1) && (uint16_t)(p << 1) <= n)
		p = (uint16_t)(p << 1);
	return p;
}

int virtio_setup_queues(struct virtio_device *vdev, unsigned int n, const struct virtq_info *info)
{
	if (n > VIRTIO_MAX_QUEUES)
		return -EINVAL;
	int r = vdev->ops->setup_irqs(vdev, n);
	if (r)
		return r;
	for (unsigned int i = 0; i < n; i++) {
		uint16_t max = vdev->ops->queue_max(vdev, i);
		if (!max)
			return -ENODEV;
		uint16_t size =
			round_down_pow2(info[i].max_size ? MIN(max, info[i].max_size) : max);
		struct virtqueue *vq = virtq_create(vdev, i, size, &info[i]);
		if (!vq)
			return -ENOMEM;
		vdev->vqs[i] = vq;
		vdev->nvqs = i + 1;
		r = vdev->ops->queue_enable(vdev, vq);
		if (r)
			return r;
	}
	return 0;
}

void virtio_ready(struct virtio_device *vdev)
{
	trace_virtio_ready(vdev->index, vdev->nvqs);
	vdev->ops->set_status(vdev, vdev->ops->get_status(vdev) | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_read_config(struct virtio_device *vdev, unsigned int off, void *buf, unsigned int len)
{
	uint32_t before, after;

	do {
		before = vdev->ops->config_generation(vdev);
		vdev->ops->read_config(vdev, off, buf, len);
		after = vdev->ops->config_generation(vdev);
	} while (before != after);
}

void virtio_write_config(struct virtio_device *vdev, unsigned int off, const void *buf,
			 unsigned int len)
{
	vdev->ops->write_config(vdev, off, buf, len);
}

void virtio_config_copy_in(volatile uint8_t *p, void *buf, unsigned int len)
{
	if (len == 2) {
		uint16_t v = *(volatile uint16_t *)p;
		memcpy(buf, &v, 2);
	} else if (len == 4) {
		uint32_t v = *(volatile uint32_t *)p;
		memcpy(buf, &v, 4);
	} else {
		for (unsigned int i = 0; i < len; i++)
			((uint8_t *)buf)[i] = p[i];
	}
}

void virtio_config_copy_out(volatile uint8_t *p, const void *buf, unsigned int len)
{
	if (len == 2) {
		uint16_t v;
		memcpy(&v, buf, 2);
		*(volatile uint16_t *)p = v;
	} else if (len == 4) {
		uint32_t v;
		memcpy(&v, buf, 4);
		*(volatile uint32_t *)p = v;
	} else {
		for (unsigned int i = 0; i < len; i++)
			p[i] = ((const uint8_t *)buf)[i];
	}
}

void virtio_config_interrupt(struct virtio_device *vdev)
{
	trace_virtio_config_changed(vdev->index);
	if (vdev->config_changed)
		vdev->config_changed(vdev);
}

#define ISR_QUEUE  1u
#define ISR_CONFIG 2u

bool virtio_isr(struct virtio_device *vdev, uint32_t isr)
{
	if (isr & ISR_QUEUE) {
		for (unsigned int i = 0; i < vdev->nvqs; i++) {
			if (vdev->vqs[i] && virtq_has_used(vdev->vqs[i]))
				virtq_interrupt(vdev->vqs[i]);
		}
	}
	if (isr & ISR_CONFIG)
		virtio_config_interrupt(vdev);
	return isr != 0;
}
