/*
 * ACPI tables (and the MP table where ACPI is off): what the kernel needs.
 * The MADT lists the CPUs' local APIC ids, the IOAPICs and the ISA interrupt
 * overrides; the FADT gives the PM timer and the S5 (power-off) registers;
 * MCFG the PCI Express configuration window; the DSDT the virtio-mmio
 * devices of microvm.
 */
#ifndef ALTO_ACPI_H
#define ALTO_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_IOAPICS 8

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_info {
	bool present;
	uint64_t lapic_addr;
	unsigned int ncpus;
	uint8_t cpu_apic_ids[64];
	unsigned int nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	/* ISA IRQ -> GSI and flags (polarity/trigger) from interrupt source overrides. */
	uint32_t isa_gsi[16];
	uint16_t isa_flags[16];
	/* FADT */
	uint32_t pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0: none */
	bool s5_valid;
	uint8_t slp_typa, slp_typb;
	bool hw_reduced;
	uint64_t sleep_ctl_addr; /* hardware-reduced sleep control register */
	uint8_t sleep_ctl_space; /* 0 memory, 1 I/O */
	bool has_8042;
	/* MCFG: the PCI Express configuration window (ECAM) of segment 0; 0: none. */
	uint64_t ecam_base;
	uint8_t ecam_bus_start, ecam_bus_end;
	/* The DSDT, for acpi_find_mmio_devices(); NULL without ACPI. */
	const void *dsdt;
};

/*
 * A device the DSDT describes with a _HID string and a _CRS holding one fixed
 * memory window and one interrupt (virtio-mmio's LNRO0005 on microvm).
 */
struct acpi_mmio_device {
	uint64_t base, size;
	uint32_t gsi;
	bool level, active_low;
};

extern struct acpi_info acpi;

/* Find and parse the tables; rsdp_pa from the boot info (0: search for it). */
void acpi_init(uint64_t rsdp_pa);
/*
 * Without a MADT: take the CPUs from the MP table, if the firmware wrote
 * one (drivers/mptable.c). Call after acpi_init().
 */
void mptable_init(void);
/*
 * The devices of the DSDT whose _HID is the string hid, up to max of them,
 * read without an AML interpreter: each such device's resource template
 * follows its _HID in a fixed byte form. Returns how many were found.
 */
int acpi_find_mmio_devices(const char *hid, struct acpi_mmio_device *out, int max);
/* Enter S5; returns only if that did not work. */
void acpi_power_off(void);

#endif
