/*
 * Local APIC (xAPIC by MMIO, or x2APIC by MSR when the CPU has it) and the
 * IOAPIC. The local APIC timer runs in one-shot mode, or TSC-deadline mode
 * where available, armed for the next event only.
 */
#ifndef ALTO_APIC_H
#define ALTO_APIC_H

#include <stdbool.h>
#include <stdint.h>

void apic_init(void);	  /* boot CPU: mode, calibration */
void apic_init_cpu(void); /* every CPU */
void apic_eoi(void);
uint32_t apic_id(void);
/* Fire the timer interrupt at this monotonic time (ns); 0 stops it. */
void apic_timer_arm(uint64_t deadline_ns);
/*
 * Finish the timer's calibration now if no arm has done it yet (before the
 * APs start: they use the BSP's figure). Never touches an armed timer.
 */
void apic_timer_calibrate(void);
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_init(uint32_t apic_id);
void apic_send_startup(uint32_t apic_id, uint32_t start_page);
/* The same vector to every CPU but this one. */
void apic_send_ipi_others(uint8_t vector);
extern bool apic_x2;
extern bool apic_tsc_deadline;

void ioapic_init(void);
/* Route global system interrupt gsi to vector on the boot CPU, unmasked. */
void ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low);
void ioapic_mask(uint32_t gsi);

#endif
