/*
 * Futexes (kernel/futex.c): threads wait on a 32-bit word of application
 * memory, keyed by its address (one address space, so private and shared
 * futexes are the same). All operations of futex(2) are built on these.
 */
#ifndef ALTO_FUTEX_H
#define ALTO_FUTEX_H

#include <stdint.h>
#include <alto/uaccess.h>

#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/*
 * Sleep if *uaddr still equals val, until woken for a bit of bitset, the
 * absolute monotonic deadline (0: none), or a signal. Returns 0, -EAGAIN
 * (the value differed), -ETIMEDOUT, -EINTR, or -EFAULT.
 */
long futex_wait(uint32_t __user *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset);
/* Wake up to n waiters whose bitset meets bitset; returns how many. */
long futex_wake(uint32_t __user *uaddr, int n, uint32_t bitset);
/*
 * Wake up to nwake waiters of uaddr and move up to nmove others to uaddr2;
 * with check, only if *uaddr == val (else -EAGAIN). Returns woken (+moved when
 * check is set, as FUTEX_CMP_REQUEUE does).
 */
long futex_requeue(uint32_t __user *uaddr, uint32_t __user *uaddr2, int nwake, int nmove,
		   bool check, uint32_t val);
/* FUTEX_WAKE_OP: the encoded operation on *uaddr2, then the wake-ups. */
long futex_wake_op(uint32_t __user *uaddr, uint32_t __user *uaddr2, int n, int n2, uint32_t op);

void futex_init(void);

#endif
