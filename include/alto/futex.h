/*
 * Futexes (kernel/futex.c, futex_pi.c, futex_waitv.c): threads wait on a
 * 32-bit word of application memory. A private futex (FUTEX_PRIVATE_FLAG)
 * is keyed by its address space and address; a shared one (shared = true)
 * in a MAP_SHARED area by the page behind it, so that processes sharing the
 * page meet, and elsewhere as a private one (as Linux does). futex(2),
 * futex_waitv(2) and the robust-list walk at thread exit are built on these.
 * Deadlines are absolute monotonic nanoseconds, 0 meaning none.
 */
#ifndef ALTO_FUTEX_H
#define ALTO_FUTEX_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/uaccess.h>

#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/*
 * Sleep if *uaddr still equals val, until woken for a bit of bitset, the
 * deadline, or a signal. Returns 0, -EAGAIN (the value differed),
 * -ETIMEDOUT, -EINTR, -EINVAL (misaligned, empty bitset) or -EFAULT.
 */
long futex_wait(uint32_t __user *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset,
		bool shared);
/* Wake up to n waiters whose bitset meets bitset; returns how many. */
long futex_wake(uint32_t __user *uaddr, int n, uint32_t bitset, bool shared);
/*
 * Wake up to nwake waiters of uaddr and move up to nmove others to uaddr2;
 * with check, only if *uaddr == val (else -EAGAIN). Returns woken + moved,
 * as Linux does for both FUTEX_REQUEUE and FUTEX_CMP_REQUEUE.
 */
long futex_requeue(uint32_t __user *uaddr, uint32_t __user *uaddr2, int nwake, int nmove,
		   bool check, uint32_t val, bool shared);
/*
 * FUTEX_WAKE_OP: the encoded operation on *uaddr2, then up to n wake-ups on
 * uaddr and, if the comparison of *uaddr2's old value holds, n2 on uaddr2.
 * -ENOSYS for an unknown operation or comparison.
 */
long futex_wake_op(uint32_t __user *uaddr, uint32_t __user *uaddr2, int n, int n2, uint32_t op,
		   bool shared);

/*
 * Priority-inheritance locks on Linux's owner word (uapi/futex.h): the
 * owner's thread id, FUTEX_WAITERS, FUTEX_OWNER_DIED. futex_lock_pi takes
 * the lock (0) or waits for an unlock to hand it over; -EDEADLK (ours
 * already), -ESRCH (the owner is no thread of the process), -EAGAIN (held,
 * with trylock), -ETIMEDOUT, -EINTR, -EINVAL or -EFAULT. futex_unlock_pi
 * gives it to the first waiter or frees it; -EPERM if we do not own it.
 */
long futex_lock_pi(uint32_t __user *uaddr, uint64_t deadline, bool trylock, bool shared);
long futex_unlock_pi(uint32_t __user *uaddr, bool shared);
/*
 * Thread tid died holding the robust futex at uaddr: set FUTEX_OWNER_DIED
 * and hand the lock to a PI waiter, or wake a plain waiter.
 */
void futex_owner_died(uint32_t __user *uaddr, int tid);
/*
 * Thread tid, running in address space mm, is leaving its process (after
 * its robust list; its id no longer names a live thread): PI locks it still
 * holds, or that its C library released without an unlock, go to their
 * waiters.
 */
struct mm;
void futex_thread_exit(int tid, struct mm *mm);

/* One word of futex_waitv: sleep while *uaddr == val. */
struct futex_vec {
	uint32_t __user *uaddr;
	uint32_t val;
	bool shared;
};

/*
 * Sleep while every word holds its value, until one is woken: returns its
 * index (the lowest if several), or -EAGAIN (a word differed), -ETIMEDOUT,
 * -EINTR, -EINVAL, -EFAULT or -ENOMEM.
 */
long futex_wait_multiple(const struct futex_vec *v, unsigned int n, uint64_t deadline);

void futex_init(void);

#endif
