/*
 * The virtio PCI transport, modern interface only (virtio 1.x section 4.1):
 * a PCI driver for vendor 0x1af4 whose probe finds the vendor capabilities
 * (common, notify, ISR and device configuration windows in the BARs),
 * wraps the function in a struct virtio_device and registers it on the
 * virtio bus. Interrupts: MSI-X with a vector per queue plus one for
 * configuration changes when the table has room, one vector for all queues
 * when it has two entries, else the shared INTx line and the ISR register.
 * A transitional device is driven through its modern interface; a
 * legacy-only one (no capabilities) is refused.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/pci.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/virtio.h>
#include <uapi/errno.h>
#include "internal.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_TRANSITIONAL 0x1000 /* 0x1000-0x103f: type from the subsystem id */
#define VIRTIO_PCI_MODERN	0x1040 /* 0x1040 + type */
#define VIRTIO_PCI_LAST		0x107f

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR	   3
#define CAP_DEVICE 4

/* The common configuration structure (virtio 1.x, 4.1.4.3). */
#define COMMON_DFSELECT	     0x00
#define COMMON_DF	     0x04
#define COMMON_GFSELECT	     0x08
#define COMMON_GF	     0x0c
#define COMMON_MSIX	     0x10
#define COMMON_NUMQ	     0x12
#define COMMON_STATUS	     0x14
#define COMMON_CFGGEN	     0x15
#define COMMON_Q_SELECT	     0x16
#define COMMON_Q_SIZE	     0x18
#define COMMON_Q_MSIX	     0x1a
#define COMMON_Q_ENABLE	     0x1c
#define COMMON_Q_NOFF	     0x1e
#define COMMON_Q_DESC	     0x20
#define COMMON_Q_AVAIL	     0x28
#define COMMON_Q_USED	     0x30
#define VIRTIO_MSI_NO_VECTOR 0xffff

struct vp_queue {
	struct virtio_device *vdev;
	unsigned int index;
	volatile uint16_t *notify;
};

struct vp {
	struct virtio_device vdev;
	struct pci_device *pci;
	volatile uint8_t *common, *isr, *device, *notify_base;
	uint32_t notify_mult;
	bool msix, msix_shared; /* shared: one vector for every queue */
	struct vp_queue queues[VIRTIO_MAX_QUEUES];
};

static struct vp *to_vp(struct virtio_device *vdev)
{
	return vdev->transport;
}

static uint8_t c8(struct vp *vp, unsigned int off)
{
	return vp->common[off];
}

static uint16_t c16(struct vp *vp, unsigned int off)
{
	return *(volatile uint16_t *)(vp->common + off);
}

static void w8(struct vp *vp, unsigned int off, uint8_t v)
{
	vp->common[off] = v;
}

static void w16(struct vp *vp, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)(vp->common + off) = v;
}

static void w32(struct vp *vp, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(vp->common + off) = v;
}

/* 64-bit fields are written as two 32-bit halves, low first. */
static void w64(struct vp *vp, unsigned int off, uint64_t v)
{
	w32(vp, off, (uint32_t)v);
	w32(vp, off + 4, (uint32_t)(v >> 32));
}

static uint8_t vp_get_status(struct virtio_device *vdev)
{
	return c8(to_vp(vdev), COMMON_STATUS);
}

static void vp_set_status(struct virtio_device *vdev, uint8_t status)
{
	w8(to_vp(vdev), COMMON_STATUS, status);
}

static void vp_reset(struct virtio_device *vdev)
{
	w8(to_vp(vdev), COMMON_STATUS, 0);
	while (c8(to_vp(vdev), COMMON_STATUS))
		cpu_relax();
}

static volatile uint32_t *c32p(struct vp *vp, unsigned int off)
{
	return (volatile uint32_t *)(vp->common + off);
}

static uint64_t vp_get_features(struct virtio_device *vdev)
{
	struct vp *vp = to_vp(vdev);

	return virtio_get_selected(c32p(vp, COMMON_DFSELECT), c32p(vp, COMMON_DF));
}

static void vp_set_features(struct virtio_device *vdev, uint64_t features)
{
	struct vp *vp = to_vp(vdev);

	virtio_set_selected(c32p(vp, COMMON_GFSELECT), c32p(vp, COMMON_GF), features);
}

static uint32_t vp_config_generation(struct virtio_device *vdev)
{
	return c8(to_vp(vdev), COMMON_CFGGEN);
}

static void vp_read_config(struct virtio_device *vdev, unsigned int off, void *buf,
			   unsigned int len)
{
	virtio_config_copy_in(to_vp(vdev)->device + off, buf, len);
}

static void vp_write_config(struct virtio_device *vdev, unsigned int off, const void *buf,
			    unsigned int len)
{
	virtio_config_copy_out(to_vp(vdev)->device + off, buf, len);
}

static uint16_t vp_queue_max(struct virtio_device *vdev, unsigned int idx)
{
	struct vp *vp = to_vp(vdev);

	if (idx >= c16(vp, COMMON_NUMQ))
		return 0;
	w16(vp, COMMON_Q_SELECT, (uint16_t)idx);
	return c16(vp, COMMON_Q_SIZE);
}

static bool queue_irq(void *arg)
{
	struct vp_queue *q = arg;
	struct virtqueue *vq = virtio_queue(q->vdev, q->index);

	if (vq)
		virtq_interrupt(vq);
	return true;
}

static bool config_irq(void *arg)
{
	virtio_config_interrupt(arg);
	return true;
}

/* The one MSI-X vector for every queue: each with a used buffer gets its callback. */
static bool shared_queue_irq(void *arg)
{
	return virtio_isr(arg, 1);
}

static bool intx_irq(void *arg)
{
	struct virtio_device *vdev = arg;

	/* Reading the ISR register clears it and lowers the line. */
	return virtio_isr(vdev, *to_vp(vdev)->isr);
}

static int setup_msix(struct vp *vp, unsigned int nvqs)
{
	struct pci_device *p = vp->pci;
	bool shared = p->msix_size < nvqs + 1;
	int r = pci_msix_enable(p);

	if (r)
		return r;
	int v = irq_request_vector(config_irq, &vp->vdev);
	if (v < 0 || (r = pci_msix_set(p, 0, v)))
		return v < 0 ? v : r;
	w16(vp, COMMON_MSIX, 0);
	if (c16(vp, COMMON_MSIX) == VIRTIO_MSI_NO_VECTOR)
		return -EIO;
	for (unsigned int i = 0; i < (shared ? 1 : nvqs); i++) {
		v = shared ? irq_request_vector(shared_queue_irq, &vp->vdev) :
			     irq_request_vector(queue_irq, &vp->queues[i]);
		if (v < 0 || (r = pci_msix_set(p, 1 + i, v)))
			return v < 0 ? v : r;
	}
	vp->msix = true;
	vp->msix_shared = shared;
	vp->vdev.irq_mode = shared ? "MSI-X, one vector for the queues" : "MSI-X";
	return 0;
}

static int vp_setup_irqs(struct virtio_device *vdev, unsigned int nvqs)
{
	struct vp *vp = to_vp(vdev);

	for (unsigned int i = 0; i < nvqs; i++)
		vp->queues[i] = (struct vp_queue){ .vdev = vdev, .index = i };
	if (vp->pci->msix_size >= 2 && !setup_msix(vp, nvqs))
		return 0;
	pci_msix_disable(vp->pci);
	vp->msix = false;
	vdev->irq_mode = "INTx";
	w16(vp, COMMON_MSIX, VIRTIO_MSI_NO_VECTOR);
	return pci_intx_request(vp->pci, intx_irq, vdev);
}

static int vp_queue_enable(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct vp *vp = to_vp(vdev);
	unsigned int idx = virtq_index(vq);
	uint16_t entry = !vp->msix	 ? VIRTIO_MSI_NO_VECTOR :
			 vp->msix_shared ? 1 :
					   (uint16_t)(1 + idx);

	w16(vp, COMMON_Q_SELECT, (uint16_t)idx);
	w16(vp, COMMON_Q_SIZE, virtq_size(vq));
	w16(vp, COMMON_Q_MSIX, entry);
	if (c16(vp, COMMON_Q_MSIX) != entry)
		return -EIO; /* the device could not take the vector */
	w64(vp, COMMON_Q_DESC, virtq_desc_phys(vq));
	w64(vp, COMMON_Q_AVAIL, virtq_avail_phys(vq));
	w64(vp, COMMON_Q_USED, virtq_used_phys(vq));
	struct vp_queue *q = &vp->queues[idx];
	q->notify = (volatile uint16_t *)(vp->notify_base +
					  (uint32_t)c16(vp, COMMON_Q_NOFF) * vp->notify_mult);
	virtq_set_transport_data(vq, q);
	w16(vp, COMMON_Q_ENABLE, 1);
	return 0;
}

static void vp_notify(struct virtqueue *vq)
{
	struct vp_queue *q = virtq_transport_data(vq);

	*q->notify = (uint16_t)q->index;
}

static const struct virtio_transport vp_ops = {
	.name = "pci",
	.get_status = vp_get_status,
	.set_status = vp_set_status,
	.reset = vp_reset,
	.get_features = vp_get_features,
	.set_features = vp_set_features,
	.config_generation = vp_config_generation,
	.read_config = vp_read_config,
	.write_config = vp_write_config,
	.queue_max = vp_queue_max,
	.setup_irqs = vp_setup_irqs,
	.queue_enable = vp_queue_enable,
	.notify = vp_notify,
};

/* A capability's window: BAR base plus offset, checked against the BAR's size. */
static volatile uint8_t *cap_window(struct pci_device *p, uint8_t cap)
{
	int bar = (int)pci_read(p, cap + 4u, 1);
	uint32_t off = pci_read(p, cap + 8u, 4), len = pci_read(p, cap + 12u, 4);

	if (bar >= PCI_NUM_BARS || !p->bars[bar].size || off + (uint64_t)len > p->bars[bar].size)
		return NULL;
	uint8_t *base = pci_map_bar(p, bar);
	return base ? base + off : NULL;
}

static int find_windows(struct vp *vp)
{
	struct pci_device *p = vp->pci;

	for (uint8_t cap = pci_find_cap(p, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(p, PCI_CAP_VENDOR, cap)) {
		uint8_t type = (uint8_t)pci_read(p, cap + 3u, 1);
		volatile uint8_t **slot = type == CAP_COMMON ? &vp->common :
					  type == CAP_NOTIFY ? &vp->notify_base :
					  type == CAP_ISR    ? &vp->isr :
					  type == CAP_DEVICE ? &vp->device :
							       NULL;
		if (!slot || *slot)
			continue; /* the first of each type is the preferred one */
		*slot = cap_window(p, cap);
		if (type == CAP_NOTIFY)
			vp->notify_mult = pci_read(p, cap + 16u, 4);
	}
	return vp->common && vp->notify_base && vp->isr ? 0 : -ENODEV;
}

static int vp_probe(struct device *dev)
{
	struct pci_device *p = to_pci(dev);
	struct vp *vp = kzalloc(sizeof(*vp));

	if (!vp)
		return -ENOMEM;
	vp->pci = p;
	if (find_windows(vp)) {
		dev->why = "a legacy-only device (no virtio 1.0 interface)";
		kfree(vp);
		return -ENODEV;
	}
	pci_enable(p);
	struct virtio_device *vdev = &vp->vdev;
	vdev->ops = &vp_ops;
	vdev->transport = vp;
	vdev->dev.vendor = p->subsys_vendor;
	vdev->dev.device_id =
		p->device >= VIRTIO_PCI_MODERN ? p->device - VIRTIO_PCI_MODERN : p->subsys_id;
	snprintf(vdev->dev.name, sizeof(vdev->dev.name), "%s", dev->name);
	dev->priv = vp;
	virtio_register(vdev);
	return 0; /* the transport is bound whatever the device's driver said */
}

static const struct device_id vp_ids[] = {
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_TRANSITIONAL, VIRTIO_PCI_LAST },
	{ 0, 0, 0 },
};

static const struct driver virtio_pci_driver = {
	.name = "virtio-pci",
	.bus = BUS_PCI,
	.ids = vp_ids,
	.probe = vp_probe,
};
DRIVER(virtio_pci_driver);
