/*
 * The virtio MMIO transport, version 2 only (virtio 1.x section 4.2). The
 * devices come from what the platform describes: the DSDT's LNRO0005
 * devices (QEMU's microvm with ACPI) and the "virtio_mmio.device=
 * SIZE@BASE:IRQ" words appended to the command line (microvm with
 * acpi=off, Firecracker). Each window holding a device becomes a struct
 * virtio_device on the virtio bus. One interrupt line per device: the
 * handler acknowledges what InterruptStatus says and looks again, so an
 * event arriving meanwhile is never lost whatever the line's trigger.
 * Version 1 (legacy) devices are refused: QEMU needs
 * -global virtio-mmio.force-legacy=false, which `alto` passes.
 */
#include <alto/acpi.h>
#include <alto/boot.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/virtio.h>
#include <uapi/errno.h>
#include "internal.h"

#define MMIO_MAGIC	   0x000
#define MMIO_VERSION	   0x004
#define MMIO_DEVICE_ID	   0x008
#define MMIO_VENDOR_ID	   0x00c
#define MMIO_DEV_FEATURES  0x010
#define MMIO_DEV_FEAT_SEL  0x014
#define MMIO_DRV_FEATURES  0x020
#define MMIO_DRV_FEAT_SEL  0x024
#define MMIO_QUEUE_SEL	   0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM	   0x038
#define MMIO_QUEUE_READY   0x044
#define MMIO_QUEUE_NOTIFY  0x050
#define MMIO_IRQ_STATUS	   0x060
#define MMIO_IRQ_ACK	   0x064
#define MMIO_STATUS	   0x070
#define MMIO_QUEUE_DESC	   0x080
#define MMIO_QUEUE_AVAIL   0x090
#define MMIO_QUEUE_USED	   0x0a0
#define MMIO_CONFIG_GEN	   0x0fc
#define MMIO_CONFIG	   0x100
#define MMIO_MAGIC_VALUE   0x74726976 /* "virt" */
#define MMIO_MIN_SIZE	   0x200
#define MAX_MMIO_DEVICES   32

struct vm {
	struct virtio_device vdev;
	volatile uint8_t *regs;
	struct acpi_mmio_device where;
};

static struct vm *to_vm(struct virtio_device *vdev)
{
	return vdev->transport;
}

static uint32_t r32(struct vm *m, unsigned int off)
{
	return *(volatile uint32_t *)(m->regs + off);
}

static void w32(struct vm *m, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(m->regs + off) = v;
}

static void w64(struct vm *m, unsigned int off, uint64_t v)
{
	w32(m, off, (uint32_t)v);
	w32(m, off + 4, (uint32_t)(v >> 32));
}

static uint8_t vm_get_status(struct virtio_device *vdev)
{
	return (uint8_t)r32(to_vm(vdev), MMIO_STATUS);
}

static void vm_set_status(struct virtio_device *vdev, uint8_t status)
{
	w32(to_vm(vdev), MMIO_STATUS, status);
}

static void vm_reset(struct virtio_device *vdev)
{
	w32(to_vm(vdev), MMIO_STATUS, 0);
	while (r32(to_vm(vdev), MMIO_STATUS))
		cpu_relax();
}

static volatile uint32_t *reg(struct vm *m, unsigned int off)
{
	return (volatile uint32_t *)(m->regs + off);
}

static uint64_t vm_get_features(struct virtio_device *vdev)
{
	struct vm *m = to_vm(vdev);

	return virtio_get_selected(reg(m, MMIO_DEV_FEAT_SEL), reg(m, MMIO_DEV_FEATURES));
}

static void vm_set_features(struct virtio_device *vdev, uint64_t features)
{
	struct vm *m = to_vm(vdev);

	virtio_set_selected(reg(m, MMIO_DRV_FEAT_SEL), reg(m, MMIO_DRV_FEATURES), features);
}

static uint32_t vm_config_generation(struct virtio_device *vdev)
{
	return r32(to_vm(vdev), MMIO_CONFIG_GEN);
}

static void vm_read_config(struct virtio_device *vdev, unsigned int off, void *buf,
			   unsigned int len)
{
	virtio_config_copy_in(to_vm(vdev)->regs + MMIO_CONFIG + off, buf, len);
}

static void vm_write_config(struct virtio_device *vdev, unsigned int off, const void *buf,
			    unsigned int len)
{
	virtio_config_copy_out(to_vm(vdev)->regs + MMIO_CONFIG + off, buf, len);
}

static uint16_t vm_queue_max(struct virtio_device *vdev, unsigned int idx)
{
	struct vm *m = to_vm(vdev);

	w32(m, MMIO_QUEUE_SEL, idx);
	if (r32(m, MMIO_QUEUE_READY))
		return 0;
	uint32_t max = r32(m, MMIO_QUEUE_NUM_MAX);
	return max > 0x8000 ? 0x8000 : (uint16_t)max;
}

static bool line_irq(void *arg)
{
	struct virtio_device *vdev = arg;
	struct vm *m = to_vm(vdev);
	bool any = false;

	for (uint32_t isr; (isr = r32(m, MMIO_IRQ_STATUS)) != 0;) {
		w32(m, MMIO_IRQ_ACK, isr);
		virtio_isr(vdev, isr);
		any = true;
	}
	return any;
}

static int vm_setup_irqs(struct virtio_device *vdev, unsigned int nvqs)
{
	struct vm *m = to_vm(vdev);

	vdev->irq_mode = "line";
	return irq_request_line(m->where.gsi, m->where.level, m->where.active_low, line_irq, vdev);
}

static int vm_queue_enable(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct vm *m = to_vm(vdev);

	w32(m, MMIO_QUEUE_SEL, virtq_index(vq));
	w32(m, MMIO_QUEUE_NUM, virtq_size(vq));
	w64(m, MMIO_QUEUE_DESC, virtq_desc_phys(vq));
	w64(m, MMIO_QUEUE_AVAIL, virtq_avail_phys(vq));
	w64(m, MMIO_QUEUE_USED, virtq_used_phys(vq));
	w32(m, MMIO_QUEUE_READY, 1);
	return 0;
}

static void vm_notify(struct virtqueue *vq)
{
	w32(to_vm(virtq_device(vq)), MMIO_QUEUE_NOTIFY, virtq_index(vq));
}

static const struct virtio_transport vm_ops = {
	.name = "mmio",
	.get_status = vm_get_status,
	.set_status = vm_set_status,
	.reset = vm_reset,
	.get_features = vm_get_features,
	.set_features = vm_set_features,
	.config_generation = vm_config_generation,
	.read_config = vm_read_config,
	.write_config = vm_write_config,
	.queue_max = vm_queue_max,
	.setup_irqs = vm_setup_irqs,
	.queue_enable = vm_queue_enable,
	.notify = vm_notify,
};

/* One described window: a device there (or an empty transport, ignored) is registered. */
static void add_window(const struct acpi_mmio_device *w)
{
	if (w->size < MMIO_MIN_SIZE) {
		printk("virtio-mmio at %#lx: window of %lu bytes is too small; skipped\n", w->base,
		       w->size);
		return;
	}
	volatile uint8_t *regs = mmio_map(w->base, w->size);
	uint32_t magic = *(volatile uint32_t *)(regs + MMIO_MAGIC);
	uint32_t version = *(volatile uint32_t *)(regs + MMIO_VERSION);
	uint32_t id = *(volatile uint32_t *)(regs + MMIO_DEVICE_ID);
	if (magic != MMIO_MAGIC_VALUE) {
		printk("virtio-mmio at %#lx: no virtio device there (magic %#x); skipped\n",
		       w->base, magic);
		return;
	}
	if (!id)
		return; /* a transport with nothing plugged in */
	if (version != 2) {
		printk("virtio-mmio at %#lx: legacy interface (version %u), not driven; QEMU "
		       "needs -global virtio-mmio.force-legacy=false\n",
		       w->base, version);
		return;
	}
	struct vm *m = kzalloc(sizeof(*m));
	if (!m) {
		printk("virtio-mmio at %#lx: out of memory; skipped\n", w->base);
		return;
	}
	m->regs = regs;
	m->where = *w;
	m->vdev.ops = &vm_ops;
	m->vdev.transport = m;
	m->vdev.dev.vendor = *(volatile uint32_t *)(regs + MMIO_VENDOR_ID);
	m->vdev.dev.device_id = id;
	snprintf(m->vdev.dev.name, sizeof(m->vdev.dev.name), "mmio %#lx irq %u", w->base, w->gsi);
	virtio_register(&m->vdev);
}

/* "SIZE@BASE:IRQ[:ID]", as Linux takes it; 0 or -EINVAL. */
static int parse_word(const char *s, struct acpi_mmio_device *w)
{
	char buf[64], *at, *colon;
	unsigned long long size, base, irq;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	at = strchr(buf, '@');
	colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		return -EINVAL;
	*at = *colon = 0;
	char *id = strchr(colon + 1, ':');
	if (id)
		*id = 0;
	if (parse_size(buf, &size) || parse_u64(at + 1, &base) || parse_u64(colon + 1, &irq))
		return -EINVAL;
	/* The line's trigger is not given: edge, as for ISA lines; the handler copes with both. */
	*w = (struct acpi_mmio_device){ .base = base, .size = size, .gsi = (uint32_t)irq };
	return 0;
}

static bool seen(const struct acpi_mmio_device *list, int n, uint64_t base)
{
	for (int i = 0; i < n; i++) {
		if (list[i].base == base)
			return true;
	}
	return false;
}

void virtio_mmio_scan(void)
{
	struct acpi_mmio_device found[MAX_MMIO_DEVICES];
	int n = acpi_find_mmio_devices("LNRO0005", found, MAX_MMIO_DEVICES);
	const char *word;

	for (int i = 0; (word = cmdline_platform("virtio_mmio.device", i)) != NULL; i++) {
		struct acpi_mmio_device w;
		if (parse_word(word, &w)) {
			printk("virtio-mmio: cannot read virtio_mmio.device=%s; skipped\n", word);
			continue;
		}
		if (n < MAX_MMIO_DEVICES && !seen(found, n, w.base))
			found[n++] = w;
	}
	for (int i = 0; i < n; i++)
		add_window(&found[i]);
}
