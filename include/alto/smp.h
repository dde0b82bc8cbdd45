/*
 * Several CPUs: starting them (arch/x86_64/smp.c), running a function on all
 * others (IPIs), and keeping their TLBs in step when mappings change.
 */
#ifndef ALTO_SMP_H
#define ALTO_SMP_H

#include <stdint.h>

/* Start every CPU the machine describes; cpu_count says how many run. */
void smp_init(void);
/* Install the IPI handlers (before smp_init). */
void smp_ipi_init(void);

/*
 * Run fn(arg) on every online CPU, this one included, and wait until all
 * have. Call with interrupts enabled and no spinlock held (others may need
 * ours to finish); fn runs with interrupts off.
 */
void smp_call_all(void (*fn)(void *arg), void *arg);

/* Make every CPU forget translations for [start, end) (after changing them). */
void tlb_shootdown(uintptr_t start, uintptr_t end);
/* Flush everything (after virtual addresses are reused). */
void tlb_flush_all(void);

#endif
