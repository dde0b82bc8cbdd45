/*
 * IOAPIC: routes the legacy and device interrupt lines (global system
 * interrupts) to vectors. The MADT gives the IOAPICs and the ISA overrides;
 * without ACPI the standard single IOAPIC at 0xfec00000 is assumed.
 */
#include <alto/acpi.h>
#include <alto/apic.h>
#include <alto/interrupt.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include "irq_trace.h"

#define IOREGSEL      0x00
#define IOWIN	      0x10
#define IOAPIC_VER    0x01
#define IOAPIC_REDTBL 0x10

#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	uint32_t count;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nioapics;
static struct spinlock ioapic_lock = SPINLOCK_INIT;

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

static void add(uint32_t addr, uint32_t gsi_base)
{
	struct ioapic *io = &ioapics[nioapics++];

	io->regs = mmio_map(addr, 4096);
	io->gsi_base = gsi_base;
	io->count = ((reg_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < io->count; i++)
		reg_write(io, IOAPIC_REDTBL + 2 * i, RTE_MASKED);
}

void ioapic_init(void)
{
	for (unsigned int i = 0; i < acpi.nioapics; i++)
		add(acpi.ioapics[i].addr, acpi.ioapics[i].gsi_base);
	if (!nioapics)
		add(0xfec00000, 0);
}

static struct ioapic *find(uint32_t gsi)
{
	for (unsigned int i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].count)
			return &ioapics[i];
	}
	return NULL;
}

void ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low)
{
	struct ioapic *io = find(gsi);

	if (!io) {
		printk("ioapic: no IOAPIC serves GSI %u\n", gsi);
		return;
	}
	uint32_t pin = gsi - io->gsi_base;
	uint32_t lo = vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0);
	unsigned long flags = spin_lock(&ioapic_lock);
	reg_write(io, IOAPIC_REDTBL + 2 * pin + 1, apic_id() << 24);
	reg_write(io, IOAPIC_REDTBL + 2 * pin, lo);
	spin_unlock(&ioapic_lock, flags);
}

void ioapic_mask(uint32_t gsi)
{
	struct ioapic *io = find(gsi);

	if (!io)
		return;
	unsigned long flags = spin_lock(&ioapic_lock);
	reg_write(io, IOAPIC_REDTBL + 2 * (gsi - io->gsi_base), RTE_MASKED);
	spin_unlock(&ioapic_lock, flags);
}

void irq_route_isa(unsigned int irq, irq_handler_fn fn, void *arg)
{
	uint16_t flags = acpi.isa_flags[irq];
	/* MPS INTI flags: polarity bits 0-1 (3 = active low), trigger bits 2-3 (3 = level). */
	bool active_low = (flags & 3) == 3;
	bool level = ((flags >> 2) & 3) == 3;

	irq_set_handler(VEC_ISA_BASE + irq, fn, arg);
	trace_irq_route(irq, VEC_ISA_BASE + irq);
	ioapic_route(acpi.isa_gsi[irq], VEC_ISA_BASE + irq, level, active_low);
}
