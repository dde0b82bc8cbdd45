/*
 * Timer tracepoints (defined in kernel/timer.c): kernel timers armed,
 * cancelled and fired (with how late), and the clock timers behind alarm,
 * setitimer, timer_create and timerfd (kernel/ctimer.c) as they are set,
 * expire (with the expirations counted) and signal.
 */
#ifndef KERNEL_TIMER_TRACE_H
#define KERNEL_TIMER_TRACE_H

#include <alto/trace.h>

TRACEPOINT(timer_arm, "timer=%p deadline=%u fn=%p", const void *, timer, uint64_t, deadline,
	   const void *, fn)
TRACEPOINT(timer_cancel, "timer=%p", const void *, timer)
TRACEPOINT(timer_fire, "timer=%p fn=%p late_ns=%u", const void *, timer, const void *, fn, uint64_t,
	   late_ns)
TRACEPOINT(timer_fire_done, "timer=%p", const void *, timer)
TRACEPOINT(ctimer_set, "ctimer=%p clock=%d value=%u abs=%d interval=%u", const void *, ctimer, int,
	   clock, uint64_t, value, int, abs, uint64_t, interval)
TRACEPOINT(ctimer_expire, "ctimer=%p count=%u", const void *, ctimer, uint64_t, count)
TRACEPOINT(ctimer_signal, "pid=%d tid=%d sig=%d", int, pid, int, tid, int, sig)
TRACEPOINT(ctimer_clock_set, "clock=%d", int, clock)

#endif
