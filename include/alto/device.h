/*
 * The device model. A bus (PCI, virtio) finds devices from what the platform
 * describes and hands each to device_add(), which offers it to the drivers
 * of that bus. Drivers register with DRIVER(); adding one touches no list.
 * A driver whose probe fails leaves one console line and the device is
 * skipped; the kernel goes on. At power-off every bound device is shut down
 * (a virtio device is reset, so it stops touching memory).
 *
 * Device interrupts: a wired line may be shared by several handlers (each
 * checks its own device); an MSI vector belongs to one. Handlers run in
 * interrupt context; work that may sleep or takes long goes to a work
 * thread (struct work_thread), kicked from the handler.
 */
#ifndef ALTO_DEVICE_H
#define ALTO_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/compiler.h>
#include <alto/interrupt.h>
#include <alto/list.h>
#include <alto/sync.h>

enum bus_type {
	BUS_PCI,
	BUS_VIRTIO,
};

#define DEVICE_ANY	0xffffffffu
#define DEVICE_NAME_LEN 40

/* What a driver matches: a vendor (DEVICE_ANY: any) and a device id, or ids up to device_last. */
struct device_id {
	uint32_t vendor, device, device_last;
};

struct device {
	enum bus_type bus;
	uint32_t vendor,
		device_id; /* PCI ids; for virtio, the transport's vendor and the device type */
	char name[DEVICE_NAME_LEN]; /* where it is: "pci 0000:00:03.0", "virtio-mmio 0xfeb00000" */
	const struct driver *driver;
	void *priv;	  /* the driver's state, once probed */
	void *bus_priv;	  /* the bus's own state (struct pci_device, struct virtio_device) */
	const char *why;  /* a failing probe may say why, for the console line */
	struct list link; /* in the list of every device */
	struct device *deferred_next; /* its probe waits for the late work (alto/late.h) */
};

struct driver {
	const char *name;
	enum bus_type bus;
	const struct device_id *ids; /* ends with { 0, 0 } */
	/* 0 when the device is ours and working; -errno to skip it. */
	int (*probe)(struct device *dev);
	/* Stop the device touching memory or raising interrupts (power-off). */
	void (*shutdown)(struct device *dev);
	/*
	 * Optional: true when nothing needs the device before the program
	 * starts, so its probe may run with the late work (alto/late.h).
	 */
	bool (*may_defer)(struct device *dev);
};

/*
 * The section holds pointers, not the structs, so that the compiler's
 * padding of structs in a section cannot break the walk.
 */
#define DRIVER(drv) \
	static const struct driver *const driver_ptr_##drv __used __section(".drivers") = &drv

/*
 * Offer dev to the drivers of its bus. Returns the probe's result, or
 * -ENODEV; 0 also when the driver deferred the probe to the late work.
 */
int device_add(struct device *dev);
/* Find the devices the platform describes (PCI, virtio-mmio) and probe them. */
void devices_init(void);
/* Shut down every bound device, last bound first (from power_off). */
void devices_shutdown(void);
/* Each device, with its driver (NULL: none bound), for reports. */
void devices_for_each(void (*fn)(struct device *dev, void *arg), void *arg);

/* The bus scans devices_init() runs, in order. */
void pci_scan(void);
void virtio_mmio_scan(void);

/*
 * Interrupts for devices. A handler returns true when its device had
 * raised the interrupt (a shared line asks every handler).
 */
typedef bool (*device_irq_fn)(void *arg);

/* A wired line (GSI), shared with other devices using the same trigger. 0 or -errno. */
int irq_request_line(uint32_t gsi, bool level, bool active_low, device_irq_fn fn, void *arg);
/* A vector of its own (for MSI or MSI-X); returns the vector or -ENOSPC. */
int irq_request_vector(device_irq_fn fn, void *arg);

/* A kernel thread that runs fn(arg) each time it is kicked (kicks while it runs count once). */
struct work_thread {
	void (*fn)(void *arg);
	void *arg;
	struct thread *thread;
	struct waitq wq;
	volatile bool pending;
};

int work_thread_start(struct work_thread *w, void (*fn)(void *), void *arg, const char *name);
/* Make it run fn again soon; safe from interrupt handlers. */
void work_thread_kick(struct work_thread *w);

/* The kernel option --verbose: drivers then report what they found, one line each. */
bool device_verbose(void);

#endif
