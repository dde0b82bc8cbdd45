/*
 * What the device layer needs from the architecture, in one place: access to
 * PCI configuration space, the message a device writes to raise an MSI, and
 * the routing of wired interrupt lines. arch/x86_64 implements it (ECAM or
 * the 0xcf8 ports, the local APIC's MSI format, the IOAPIC); drivers and the
 * PCI bus code never touch those themselves, so a second architecture is a
 * new implementation of this header.
 */
#ifndef ALTO_ARCH_H
#define ALTO_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * PCI configuration space. arch_pci_init() picks the access method (ECAM
 * from the ACPI MCFG table, else legacy port I/O); reads of an absent
 * function return all ones, as the hardware does. size is 1, 2 or 4 and off
 * is aligned to it; offsets past 255 need ECAM (all ones without it).
 */
void arch_pci_init(void);
/* "ECAM" or "ports", for the boot report. */
const char *arch_pci_method(void);
uint32_t arch_pci_read(uint8_t bus, uint8_t devfn, uint16_t off, int size);
void arch_pci_write(uint8_t bus, uint8_t devfn, uint16_t off, int size, uint32_t v);

/* The address and data a device writes to deliver `vector` to CPU `cpu` (MSI, MSI-X). */
struct msi_msg {
	uint64_t addr;
	uint32_t data;
};
void arch_msi_compose(unsigned int vector, unsigned int cpu, struct msi_msg *msg);

/*
 * A wired interrupt line (a global system interrupt) to `vector` on the
 * boot CPU, unmasked; level or edge, active low or high.
 */
void arch_irq_route(uint32_t gsi, unsigned int vector, bool level, bool active_low);

/*
 * The line a PCI function's INTx pin (1 = INTA .. 4 = INTD) raises, for a
 * device on bus `bus` in slot `slot` reached through the bridges above it
 * (the caller swizzles the pin across bridges). Returns 0 and fills gsi, level
 * and active_low, or -ENODEV when the platform cannot say.
 */
int arch_pci_intx_route(uint8_t bus, uint8_t slot, uint8_t pin, uint32_t *gsi, bool *level,
			bool *active_low);

#endif
