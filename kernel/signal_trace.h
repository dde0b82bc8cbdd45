/*
 * Signal tracepoints (defined in kernel/signal.c): sending (to whom, and
 * the result: 0 also when a signal is dropped as ignored or already
 * pending), taking one for delivery with its action, handler frames (their
 * return is the rt_sigreturn system call), faults turned into signals,
 * restarted calls, sigtimedwait-style waits, and deaths by signal.
 */
#ifndef KERNEL_SIGNAL_TRACE_H
#define KERNEL_SIGNAL_TRACE_H

#include <alto/trace.h>

TRACEPOINT(signal_send, "pid=%d tid=%d sig=%d code=%d result=%d", int, pid, int, tid, int, sig, int,
	   code, int, result)
TRACEPOINT(signal_deliver, "sig=%d handler=%p flags=%x", int, sig, uint64_t, handler, uint64_t,
	   flags)
TRACEPOINT(signal_frame, "sig=%d rsp=%p rip=%p", int, sig, uint64_t, rsp, uint64_t, rip)
TRACEPOINT(signal_fault, "sig=%d code=%d addr=%p rip=%p", int, sig, int, code, uint64_t, addr,
	   uint64_t, rip)
TRACEPOINT(signal_action, "sig=%d handler=%p flags=%x", int, sig, uint64_t, handler, uint64_t,
	   flags)
TRACEPOINT(signal_die, "sig=%d", int, sig)
TRACEPOINT(signal_restart, "nr=%u", uint64_t, nr)
TRACEPOINT(signal_wait_enter, "deadline=%u", uint64_t, deadline)
TRACEPOINT(signal_wait_exit, "result=%d", int, result)

#endif
