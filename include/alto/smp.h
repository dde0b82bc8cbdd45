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
/* The same on the CPUs of mask (bit n: CPU n) only. */
void smp_call_mask(uint64_t mask, void (*fn)(void *arg), void *arg);

/* Make every CPU forget translations for [start, end) (after changing them). */
void tlb_shootdown(uintptr_t start, uintptr_t end);
/*
 * The same for application addresses of one address space, on the CPUs of
 * cpus (those whose page-table root is that address space's: struct mm's
 * cpus). CPUs halted in their idle loop are left a note instead of an IPI
 * (lazy TLB, below), since nothing they run before leaving the halt touches
 * application memory. Kernel mappings (stack slots reused while an interrupt
 * on an idle CPU may walk a wait queue on some thread's stack) need
 * tlb_shootdown.
 */
void tlb_shootdown_user(uint64_t cpus, uintptr_t start, uintptr_t end);
/* Flush everything (after virtual addresses are reused). */
void tlb_flush_all(void);

/*
 * Lazy TLB for idle CPUs: a CPU halting in its idle loop is marked lazy and
 * takes no shootdown IPIs (waking a halted virtual CPU is the costly part
 * of a shootdown); a shootdown that skipped it leaves it a note, and it
 * flushes its whole TLB when it switches from its idle thread to another
 * (tlb_idle_exit, from the scheduler), before anything could use a stale
 * application translation. Interrupt handlers never
 * touch application memory, so they may run in between.
 */
void tlb_idle_enter(void);
void tlb_idle_exit(void);

#endif
