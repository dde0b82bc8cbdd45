/*
 * Interrupt vectors and handlers. Device drivers register a handler for an
 * ISA IRQ (routed through the IOAPIC) or take a free vector for MSI. The
 * handler runs with interrupts off, on the interrupted thread's stack.
 */
#ifndef ALTO_INTERRUPT_H
#define ALTO_INTERRUPT_H

#include <stdint.h>

#define VEC_FIRST_IRQ	32 /* 0-31 are CPU exceptions */
#define VEC_ISA_BASE	32 /* ISA IRQ n arrives at 32 + n */
#define VEC_DYNAMIC	64 /* first vector handed out for MSI and the like */
#define VEC_TIMER	0xf0
#define VEC_IPI_RESCHED 0xf1
#define VEC_IPI_CALL	0xf2
#define VEC_SPURIOUS	0xff

typedef void (*irq_handler_fn)(void *arg);

/* Install a handler for a vector (replaces any previous one). */
void irq_set_handler(unsigned int vector, irq_handler_fn fn, void *arg);
/* Allocate a free vector for a device interrupt; returns -ENOSPC when none. */
int irq_alloc_vector(void);
/* Route ISA IRQ n (with MADT overrides) to this CPU and install fn. */
void irq_route_isa(unsigned int irq, irq_handler_fn fn, void *arg);

#endif
