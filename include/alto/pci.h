/*
 * PCI: the bus found by walking configuration space from bus 0 through the
 * bridges (the firmware has assigned bus numbers and BARs), each function
 * offered to the PCI drivers (DRIVER() with bus BUS_PCI, matched on vendor
 * and device ids). A driver maps its BARs, walks capabilities, and takes its
 * interrupts as MSI-X vectors (one per queue where the device has enough
 * table entries) or, failing that, as the shared INTx line.
 */
#ifndef ALTO_PCI_H
#define ALTO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/device.h>

#define PCI_VENDOR_ID	  0x00
#define PCI_DEVICE_ID	  0x02
#define PCI_COMMAND	  0x04
#define PCI_STATUS	  0x06
#define PCI_REVISION	  0x08
#define PCI_HEADER_TYPE	  0x0e
#define PCI_BAR0	  0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID	  0x2e
#define PCI_CAP_PTR	  0x34
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO		 (1u << 0)
#define PCI_COMMAND_MEMORY	 (1u << 1)
#define PCI_COMMAND_MASTER	 (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST	 (1u << 4)

#define PCI_CAP_MSIX   0x11
#define PCI_CAP_VENDOR 0x09

#define PCI_NUM_BARS 6

struct pci_bar {
	uint64_t addr, size; /* size 0: no BAR */
	bool io;
	void *mapped; /* memory BARs: the uncached mapping, made on first use */
};

struct pci_device {
	struct device dev;
	uint8_t bus, devfn;
	uint16_t vendor, device;
	uint32_t class_code; /* class, subclass, programming interface */
	uint8_t revision, header_type;
	uint16_t subsys_vendor, subsys_id;
	uint8_t irq_pin;	     /* 1 = INTA .. 4 = INTD, 0: none */
	uint8_t root_slot, root_pin; /* the slot and pin on bus 0 after bridge swizzling */
	struct pci_bar bars[PCI_NUM_BARS];
	uint8_t msix_cap;   /* capability offset, 0: no MSI-X */
	uint16_t msix_size; /* table entries */
	volatile uint32_t *msix_table;
};

static inline struct pci_device *to_pci(struct device *dev)
{
	return dev->bus_priv;
}

uint32_t pci_read(struct pci_device *p, uint16_t off, int size);
void pci_write(struct pci_device *p, uint16_t off, int size, uint32_t v);
/* The offset of the first capability `id` after offset `after` (0: from the start), or 0. */
uint8_t pci_find_cap(struct pci_device *p, uint8_t id, uint8_t after);
/* Enable memory decoding and bus mastering (DMA). */
void pci_enable(struct pci_device *p);
/* A memory BAR's registers, mapped uncached; NULL for an I/O or absent BAR. */
void *pci_map_bar(struct pci_device *p, int bar);

/*
 * MSI-X: enable with every entry masked and INTx off; then point entries at
 * vectors with pci_msix_set (unmasking them). Returns -ENODEV without MSI-X.
 */
int pci_msix_enable(struct pci_device *p);
int pci_msix_set(struct pci_device *p, unsigned int entry, int vector);
void pci_msix_disable(struct pci_device *p);
/* INTx through the platform's routing: the shared level line. 0 or -errno. */
int pci_intx_request(struct pci_device *p, device_irq_fn fn, void *arg);

#endif
