/*
 * Interrupt and CPU tracepoints (defined in arch/x86_64/traps.c): device
 * interrupts and IPIs on arrival and return, exceptions, the IPIs sent,
 * cross-CPU calls and TLB shootdowns, the APIC timer's programming. None
 * may be hit in NMI context: an NMI can land in the middle of a record.
 */
#ifndef ARCH_IRQ_TRACE_H
#define ARCH_IRQ_TRACE_H

#include <alto/trace.h>

TRACEPOINT(irq_enter, "vector=%u rip=%p from_app=%d", unsigned int, vector, uint64_t, rip, int,
	   from_app)
TRACEPOINT(irq_exit, "vector=%u", unsigned int, vector)
TRACEPOINT(exception, "vector=%u rip=%p error=%x from_app=%d", unsigned int, vector, uint64_t, rip,
	   uint64_t, error, int, from_app)
TRACEPOINT(exception_fixup, "addr=%p fixup=%p", uint64_t, addr, uint64_t, fixup)
TRACEPOINT(irq_unhandled, "vector=%u", unsigned int, vector)
TRACEPOINT(irq_route, "irq=%u vector=%u", unsigned int, irq, unsigned int, vector)
TRACEPOINT(ipi_send, "apic_id=%u vector=%u", unsigned int, apic_id, unsigned int, vector)
TRACEPOINT(ipi_call, "fn=%p skip_lazy=%d", const void *, fn, int, skip_lazy)
TRACEPOINT(ipi_call_done, "fn=%p", const void *, fn)
TRACEPOINT(tlb_shootdown, "start=%p end=%p user=%d", uint64_t, start, uint64_t, end, int, user)
TRACEPOINT(tlb_flush_lazy, "cpu=%u", unsigned int, cpu)
TRACEPOINT(apic_timer_arm, "deadline_ns=%u", uint64_t, deadline_ns)
TRACEPOINT(cpu_online, "cpu=%u apic_id=%u", unsigned int, cpu, unsigned int, apic_id)

#endif
