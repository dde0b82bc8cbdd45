/*
 * The device model's core: the list of devices, matching a device against
 * the drivers DRIVER() placed in the .drivers section, and shutting bound
 * devices down at power-off. A probe that fails is reported on one line and
 * the device stays unbound; nothing here panics. A driver may leave its
 * probe to the late work (may_defer, alto/late.h) when nothing needs the
 * device before the program starts: the boot then runs none of its code.
 */
#include <alto/arch.h>
#include <alto/boot.h>
#include <alto/device.h>
#include <alto/errno_names.h>
#include <alto/late.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <uapi/errno.h>

extern const struct driver *const __drivers_start[], *const __drivers_end[];

static struct list devices = LIST_INIT(devices);
static struct spinlock devices_lock = SPINLOCK_INIT;
/* Devices whose probe waits for the late work, in the order they were found. */
static struct device *deferred, **deferred_tail = &deferred;

bool device_verbose(void)
{
	return cmdline_has("verbose");
}

static bool id_matches(const struct device_id *id, const struct device *dev)
{
	uint32_t last = id->device_last ? id->device_last : id->device;

	return (id->vendor == DEVICE_ANY || id->vendor == dev->vendor) &&
	       dev->device_id >= id->device && dev->device_id <= last;
}

static bool driver_matches(const struct driver *drv, const struct device *dev)
{
	if (drv->bus != dev->bus)
		return false;
	for (const struct device_id *id = drv->ids; id->vendor || id->device; id++) {
		if (id_matches(id, dev))
			return true;
	}
	return false;
}

static void link_device(struct device *dev)
{
	unsigned long flags = spin_lock(&devices_lock);

	list_append(&devices, &dev->link);
	spin_unlock(&devices_lock, flags);
}

static int probe(struct device *dev, const struct driver *drv)
{
	int r = drv->probe(dev);

	if (r) {
		const char *name = errno_name(-r);
		printk("%s: %s: %s; device skipped\n", dev->name, drv->name,
		       dev->why ? dev->why :
		       name	? name :
				  "probe failed");
		return r;
	}
	dev->driver = drv;
	return 0;
}

int device_add(struct device *dev)
{
	link_device(dev);
	for (const struct driver *const *p = __drivers_start; p < __drivers_end; p++) {
		const struct driver *drv = *p;
		if (!driver_matches(drv, dev))
			continue;
		if (drv->may_defer && !late_init_begun() && drv->may_defer(dev)) {
			unsigned long flags = spin_lock(&devices_lock);
			*deferred_tail = dev;
			deferred_tail = &dev->deferred_next;
			spin_unlock(&devices_lock, flags);
			return 0;
		}
		return probe(dev, drv);
	}
	return -ENODEV;
}

/* The late work's part: probe the deferred devices, each with the driver it matched. */
static void devices_probe_deferred(void)
{
	unsigned long flags = spin_lock(&devices_lock);
	struct device *dev = deferred;

	deferred = NULL;
	deferred_tail = &deferred;
	spin_unlock(&devices_lock, flags);
	for (; dev; dev = dev->deferred_next) {
		for (const struct driver *const *p = __drivers_start; p < __drivers_end; p++) {
			if (driver_matches(*p, dev)) {
				probe(dev, *p);
				break;
			}
		}
	}
}
LATE_INIT(devices_probe_deferred);

void devices_init(void)
{
	arch_pci_init();
	pci_scan();
	virtio_mmio_scan();
}

void devices_shutdown(void)
{
	struct list *pos;

	/* Last bound first: a transport goes down after the devices on it. */
	for (pos = devices.prev; pos != &devices; pos = pos->prev) {
		struct device *dev = list_entry(pos, struct device, link);
		if (dev->driver && dev->driver->shutdown)
			dev->driver->shutdown(dev);
	}
}

void devices_for_each(void (*fn)(struct device *dev, void *arg), void *arg)
{
	struct list *pos;

	list_for_each(pos, &devices)
		fn(list_entry(pos, struct device, link), arg);
}
