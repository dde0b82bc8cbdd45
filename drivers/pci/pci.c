/*
 * The PCI bus: a walk of configuration space from bus 0 down through the
 * bridges (bus numbers and BAR addresses come from the firmware, SeaBIOS on
 * q35), one struct pci_device per function handed to device_add(); then
 * what drivers use: BARs, capabilities, MSI-X and INTx. Configuration
 * accesses go through include/alto/arch.h.
 */
#include <alto/arch.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/pci.h>
#include <alto/printk.h>
#include <uapi/errno.h>

#define MAX_BUS_DEPTH	8
#define HEADER_BRIDGE	0x01
#define HEADER_MULTI_FN 0x80

#define BAR_IO	     0x1
#define BAR_MEM_TYPE 0x6
#define BAR_MEM_64   0x4
#define BAR_IO_MASK  0xfffffffcu
#define BAR_MEM_MASK 0xfffffff0u

#define MSIX_CTRL	       2
#define MSIX_TABLE	       4
#define MSIX_CTRL_ENABLE       (1u << 15)
#define MSIX_CTRL_MASK_ALL     (1u << 14)
#define MSIX_CTRL_SIZE	       0x7ff
#define MSIX_ENTRY_SIZE	       16
#define MSIX_ENTRY_VECTOR_CTRL 3 /* in 32-bit words */
#define MSIX_ENTRY_MASKED      1u

uint32_t pci_read(struct pci_device *p, uint16_t off, int size)
{
	return arch_pci_read(p->bus, p->devfn, off, size);
}

void pci_write(struct pci_device *p, uint16_t off, int size, uint32_t v)
{
	arch_pci_write(p->bus, p->devfn, off, size, v);
}

uint8_t pci_find_cap(struct pci_device *p, uint8_t id, uint8_t after)
{
	if (!(pci_read(p, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t off =
		after ? (uint8_t)pci_read(p, after + 1u, 1) : (uint8_t)pci_read(p, PCI_CAP_PTR, 1);
	/* At most 48 capabilities fit in 256 bytes: a longer chain is a loop. */
	for (int n = 0; off >= 0x40 && n < 48; n++) {
		off &= 0xfc;
		if (pci_read(p, off, 1) == id)
			return off;
		off = (uint8_t)pci_read(p, off + 1u, 1);
	}
	return 0;
}

void pci_enable(struct pci_device *p)
{
	uint32_t cmd = pci_read(p, PCI_COMMAND, 2);

	pci_write(p, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void *pci_map_bar(struct pci_device *p, int bar)
{
	struct pci_bar *b = &p->bars[bar];

	if (bar < 0 || bar >= PCI_NUM_BARS || !b->size || b->io)
		return NULL;
	if (!b->mapped)
		b->mapped = mmio_map(b->addr, b->size);
	return b->mapped;
}

/* Read a BAR's address and size (decoding off meanwhile); returns BARs used (1 or 2). */
static int read_bar(struct pci_device *p, int i)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint32_t orig = pci_read(p, off, 4);
	struct pci_bar *b = &p->bars[i];

	pci_write(p, off, 4, ~0u);
	uint32_t mask = pci_read(p, off, 4);
	pci_write(p, off, 4, orig);
	if (orig & BAR_IO) {
		b->io = true;
		b->addr = orig & BAR_IO_MASK;
		b->size = (uint32_t)(~(mask & BAR_IO_MASK) + 1) & 0xffff;
		return 1;
	}
	uint64_t addr = orig & BAR_MEM_MASK;
	uint64_t size_mask = 0xffffffff00000000ull | (mask & BAR_MEM_MASK);
	int used = 1;
	if ((orig & BAR_MEM_TYPE) == BAR_MEM_64 && i + 1 < PCI_NUM_BARS) {
		uint32_t hi = pci_read(p, off + 4u, 4);
		pci_write(p, off + 4u, 4, ~0u);
		uint32_t hmask = pci_read(p, off + 4u, 4);
		pci_write(p, off + 4u, 4, hi);
		addr |= (uint64_t)hi << 32;
		size_mask = (uint64_t)hmask << 32 | (mask & BAR_MEM_MASK);
		used = 2;
	}
	if (mask & BAR_MEM_MASK || used == 2)
		b->size = ~size_mask + 1;
	b->addr = addr;
	if (!addr)
		b->size = 0; /* not assigned by the firmware */
	return used;
}

static void read_bars(struct pci_device *p)
{
	uint32_t cmd = pci_read(p, PCI_COMMAND, 2);

	pci_write(p, PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (int i = 0; i < PCI_NUM_BARS;)
		i += read_bar(p, i);
	pci_write(p, PCI_COMMAND, 2, cmd);
}

static void read_msix(struct pci_device *p)
{
	p->msix_cap = pci_find_cap(p, PCI_CAP_MSIX, 0);
	if (p->msix_cap)
		p->msix_size =
			(uint16_t)((pci_read(p, p->msix_cap + MSIX_CTRL, 2) & MSIX_CTRL_SIZE) + 1);
}

int pci_msix_enable(struct pci_device *p)
{
	if (!p->msix_cap)
		return -ENODEV;
	uint32_t table = pci_read(p, p->msix_cap + MSIX_TABLE, 4);
	uint8_t *base = pci_map_bar(p, (int)(table & 7));
	if (!base)
		return -ENODEV;
	p->msix_table = (volatile uint32_t *)(base + (table & ~7u));
	uint16_t ctrl = (uint16_t)pci_read(p, p->msix_cap + MSIX_CTRL, 2);
	pci_write(p, p->msix_cap + MSIX_CTRL, 2, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASK_ALL);
	for (unsigned int i = 0; i < p->msix_size; i++)
		p->msix_table[i * 4 + MSIX_ENTRY_VECTOR_CTRL] = MSIX_ENTRY_MASKED;
	uint32_t cmd = pci_read(p, PCI_COMMAND, 2);
	pci_write(p, PCI_COMMAND, 2, cmd | PCI_COMMAND_INTX_DISABLE);
	pci_write(p, p->msix_cap + MSIX_CTRL, 2, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASK_ALL);
	return 0;
}

int pci_msix_set(struct pci_device *p, unsigned int entry, int vector)
{
	struct msi_msg msg;

	if (!p->msix_table || entry >= p->msix_size)
		return -EINVAL;
	arch_msi_compose((unsigned int)vector, 0, &msg);
	volatile uint32_t *e = p->msix_table + entry * (MSIX_ENTRY_SIZE / 4);
	e[0] = (uint32_t)msg.addr;
	e[1] = (uint32_t)(msg.addr >> 32);
	e[2] = msg.data;
	e[MSIX_ENTRY_VECTOR_CTRL] = 0;
	return 0;
}

void pci_msix_disable(struct pci_device *p)
{
	if (!p->msix_cap)
		return;
	uint16_t ctrl = (uint16_t)pci_read(p, p->msix_cap + MSIX_CTRL, 2);
	pci_write(p, p->msix_cap + MSIX_CTRL, 2, ctrl & ~MSIX_CTRL_ENABLE);
	p->msix_table = NULL;
}

int pci_intx_request(struct pci_device *p, device_irq_fn fn, void *arg)
{
	uint32_t gsi;
	bool level, active_low;

	if (!p->irq_pin)
		return -ENODEV;
	int r = arch_pci_intx_route(0, p->root_slot, p->root_pin, &gsi, &level, &active_low);
	if (r)
		return r;
	uint32_t cmd = pci_read(p, PCI_COMMAND, 2);
	pci_write(p, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_INTX_DISABLE);
	return irq_request_line(gsi, level, active_low, fn, arg);
}

/* Where INTx of a function below bridges lands on bus 0: each bridge rotates the pin by slot. */
struct path {
	uint8_t root_slot; /* the slot on bus 0 this bus hangs from */
	uint8_t rotate;	   /* the sum of slots below it, mod 4 */
	int depth;
};

static void scan_bus(uint8_t bus, struct path path);

static void add_function(uint8_t bus, uint8_t devfn, struct path path)
{
	struct pci_device *p = kzalloc(sizeof(*p));

	if (!p) {
		printk("pci: out of memory while scanning bus %u\n", bus);
		return;
	}
	p->bus = bus;
	p->devfn = devfn;
	p->vendor = (uint16_t)pci_read(p, PCI_VENDOR_ID, 2);
	p->device = (uint16_t)pci_read(p, PCI_DEVICE_ID, 2);
	p->revision = (uint8_t)pci_read(p, PCI_REVISION, 1);
	p->class_code = pci_read(p, PCI_REVISION, 4) >> 8;
	p->header_type = (uint8_t)pci_read(p, PCI_HEADER_TYPE, 1);
	uint8_t slot = devfn >> 3;
	bool on_root = bus == 0 && path.depth == 0;
	p->root_slot = on_root ? slot : path.root_slot;
	if ((p->header_type & 0x7f) == 0) {
		p->subsys_vendor = (uint16_t)pci_read(p, PCI_SUBSYS_VENDOR, 2);
		p->subsys_id = (uint16_t)pci_read(p, PCI_SUBSYS_ID, 2);
		p->irq_pin = (uint8_t)pci_read(p, PCI_INTERRUPT_PIN, 1);
		if (p->irq_pin >= 1 && p->irq_pin <= 4)
			p->root_pin =
				on_root ? p->irq_pin :
					  (uint8_t)((p->irq_pin - 1 + path.rotate + slot) % 4 + 1);
		read_bars(p);
		read_msix(p);
	}
	p->dev = (struct device){
		.bus = BUS_PCI, .vendor = p->vendor, .device_id = p->device, .bus_priv = p
	};
	snprintf(p->dev.name, sizeof(p->dev.name), "pci 0000:%02x:%02x.%u", bus, slot, devfn & 7);
	if (device_verbose())
		printk("%s: %04x:%04x class %06x%s\n", p->dev.name, p->vendor, p->device,
		       p->class_code, p->msix_cap ? ", MSI-X" : "");
	device_add(&p->dev);
	if ((p->header_type & 0x7f) == HEADER_BRIDGE && path.depth < MAX_BUS_DEPTH) {
		uint8_t secondary = (uint8_t)pci_read(p, PCI_SECONDARY_BUS, 1);
		struct path below = {
			.root_slot = p->root_slot,
			.rotate = (uint8_t)(on_root ? 0 : (path.rotate + slot) % 4),
			.depth = path.depth + 1,
		};
		if (secondary > bus)
			scan_bus(secondary, below);
	}
}

static void scan_bus(uint8_t bus, struct path path)
{
	for (uint8_t slot = 0; slot < 32; slot++) {
		uint8_t devfn = (uint8_t)(slot << 3);
		if (arch_pci_read(bus, devfn, PCI_VENDOR_ID, 2) == 0xffff)
			continue;
		bool multi = arch_pci_read(bus, devfn, PCI_HEADER_TYPE, 1) & HEADER_MULTI_FN;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++) {
			if (arch_pci_read(bus, devfn | fn, PCI_VENDOR_ID, 2) != 0xffff)
				add_function(bus, devfn | fn, path);
		}
	}
}

void pci_scan(void)
{
	scan_bus(0, (struct path){ 0 });
}
