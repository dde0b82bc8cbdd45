/*
 * Futex tracepoints (defined in kernel/futex.c): waits with their results,
 * wake-ups with how many woke, requeues, WAKE_OP, the PI operations and
 * their hand-overs, futex_waitv, and the robust-list deaths.
 */
#ifndef KERNEL_FUTEX_TRACE_H
#define KERNEL_FUTEX_TRACE_H

#include <alto/trace.h>

TRACEPOINT(futex_wait_enter, "uaddr=%p val=%u bitset=%x", const void *, uaddr, uint32_t, val,
	   uint32_t, bitset)
TRACEPOINT(futex_wait_exit, "uaddr=%p result=%d", const void *, uaddr, long, result)
TRACEPOINT(futex_wake, "uaddr=%p n=%d bitset=%x woken=%d", const void *, uaddr, int, n, uint32_t,
	   bitset, long, woken)
TRACEPOINT(futex_wake_one, "uaddr=%p tid=%d", const void *, uaddr, int, tid)
TRACEPOINT(futex_requeue, "uaddr=%p uaddr2=%p nwake=%d nmove=%d result=%d", const void *, uaddr,
	   const void *, uaddr2, int, nwake, int, nmove, long, result)
TRACEPOINT(futex_wake_op, "uaddr=%p uaddr2=%p op=%x result=%d", const void *, uaddr, const void *,
	   uaddr2, uint32_t, op, long, result)
TRACEPOINT(futex_lock_pi_enter, "uaddr=%p trylock=%d", const void *, uaddr, int, trylock)
TRACEPOINT(futex_lock_pi_exit, "uaddr=%p result=%d", const void *, uaddr, long, result)
TRACEPOINT(futex_unlock_pi, "uaddr=%p result=%d", const void *, uaddr, long, result)
TRACEPOINT(futex_pi_hand_over, "uaddr=%p tid=%d", const void *, uaddr, int, tid)
TRACEPOINT(futex_owner_died, "uaddr=%p tid=%d", const void *, uaddr, int, tid)
TRACEPOINT(futex_waitv_enter, "n=%u deadline=%u", unsigned int, n, uint64_t, deadline)
TRACEPOINT(futex_waitv_exit, "result=%d", long, result)

#endif
