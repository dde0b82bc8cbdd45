/*
 * The PC side of PCI and device interrupts (include/alto/arch.h):
 * configuration space through ECAM, the memory window the ACPI MCFG table
 * gives (one MiB per bus, mapped when a bus is first touched), or through
 * the legacy 0xcf8/0xcfc ports where there is no MCFG; the MSI message of the
 * local APIC; wired lines through the IOAPIC; and the INTx routing of QEMU's
 * q35, which its DSDT's _PRT describes (read here as the fixed table it is,
 * since Alto has no AML interpreter).
 */
#include <alto/acpi.h>
#include <alto/apic.h>
#include <alto/arch.h>
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/spinlock.h>
#include <alto/x86.h>
#include <uapi/errno.h>

#define CONF_ADDR    0xcf8
#define CONF_DATA    0xcfc
#define ECAM_BUS_LEN (1u << 20)

static struct spinlock port_lock = SPINLOCK_INIT;
static volatile uint8_t *ecam_bus[256];
static bool use_ecam;

void arch_pci_init(void)
{
	use_ecam = acpi.ecam_base != 0;
}

const char *arch_pci_method(void)
{
	return use_ecam ? "ECAM" : "ports";
}

/* The bus's window, mapped uncached on first use; NULL outside the MCFG range. */
static volatile uint8_t *ecam(uint8_t bus)
{
	static struct spinlock map_lock = SPINLOCK_INIT;

	if (bus < acpi.ecam_bus_start || bus > acpi.ecam_bus_end)
		return NULL;
	volatile uint8_t *w = READ_ONCE(ecam_bus[bus]);
	if (w)
		return w;
	unsigned long flags = spin_lock(&map_lock);
	if (!ecam_bus[bus]) {
		uint64_t pa = acpi.ecam_base + (uint64_t)(bus - acpi.ecam_bus_start) * ECAM_BUS_LEN;
		WRITE_ONCE(ecam_bus[bus], mmio_map(pa, ECAM_BUS_LEN));
	}
	spin_unlock(&map_lock, flags);
	return ecam_bus[bus];
}

static uint32_t port_address(uint8_t bus, uint8_t devfn, uint16_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)devfn << 8 | (off & 0xfc);
}

uint32_t arch_pci_read(uint8_t bus, uint8_t devfn, uint16_t off, int size)
{
	uint32_t mask = size == 4 ? ~0u : (1u << (size * 8)) - 1;

	if (use_ecam) {
		volatile uint8_t *w = ecam(bus);
		if (!w)
			return mask;
		volatile uint8_t *p = w + ((uint32_t)devfn << 12) + off;
		return size == 1 ? *p :
		       size == 2 ? *(volatile uint16_t *)p :
				   *(volatile uint32_t *)p;
	}
	if (off > 0xff)
		return mask;
	unsigned long flags = spin_lock(&port_lock);
	outl(CONF_ADDR, port_address(bus, devfn, off));
	uint32_t v = inl(CONF_DATA) >> ((off & 3) * 8);
	spin_unlock(&port_lock, flags);
	return v & mask;
}

void arch_pci_write(uint8_t bus, uint8_t devfn, uint16_t off, int size, uint32_t v)
{
	if (use_ecam) {
		volatile uint8_t *w = ecam(bus);
		if (!w)
			return;
		volatile uint8_t *p = w + ((uint32_t)devfn << 12) + off;
		if (size == 1)
			*p = (uint8_t)v;
		else if (size == 2)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			*(volatile uint32_t *)p = v;
		return;
	}
	if (off > 0xff)
		return;
	unsigned long flags = spin_lock(&port_lock);
	outl(CONF_ADDR, port_address(bus, devfn, off));
	uint16_t port = (uint16_t)(CONF_DATA + (off & 3));
	if (size == 1)
		outb(port, (uint8_t)v);
	else if (size == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
	spin_unlock(&port_lock, flags);
}

/* The local APIC's MSI format: physical destination, fixed delivery, edge. */
#define MSI_ADDR_BASE	    0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12

void arch_msi_compose(unsigned int vector, unsigned int cpu, struct msi_msg *msg)
{
	msg->addr = MSI_ADDR_BASE | (uint64_t)(cpus[cpu].apic_id & 0xff) << MSI_ADDR_DEST_SHIFT;
	msg->data = vector & 0xff;
}

void arch_irq_route(uint32_t gsi, unsigned int vector, bool level, bool active_low)
{
	ioapic_route(gsi, (uint8_t)vector, level, active_low);
}

/*
 * QEMU's q35 (ICH9): slots 0-24 and 30 rotate their pins over the PIRQ E-H
 * links (slot + pin), slots 25-29 and 31 use A-D in pin order; in APIC mode
 * PIRQ A-H are GSIs 16-23, level-triggered and active high. Only the
 * machine with an MCFG (q35) has this routing; without it (microvm has no
 * PCI) nothing is known.
 */
#define Q35_PIRQ_A_GSI 16
#define Q35_PIRQ_E_GSI 20

int arch_pci_intx_route(uint8_t bus, uint8_t slot, uint8_t pin, uint32_t *gsi, bool *level,
			bool *active_low)
{
	if (!use_ecam || bus != 0 || pin < 1 || pin > 4)
		return -ENODEV;
	unsigned int idx = pin - 1u;
	if ((slot >= 25 && slot <= 29) || slot == 31)
		*gsi = Q35_PIRQ_A_GSI + idx;
	else
		*gsi = Q35_PIRQ_E_GSI + ((slot + idx) & 3);
	*level = true;
	*active_low = false;
	return 0;
}
