/*
 * futex(2) and futex_waitv(2): decoding the operation, its arguments and
 * its timeout, and the restart after a signal; the waiting and waking are in
 * kernel/futex*.c. The requeue-to-PI operations are refused with one line.
 */
#include <alto/clock.h>
#include <alto/futex.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/futex.h>
#include <uapi/time.h>

static long wait_restart(struct restart_block *rb);

/*
 * A wait a signal interrupted: without a timeout it restarts if the handler
 * has SA_RESTART; with one it continues to the same deadline when no handler
 * runs, else fails with EINTR (Linux's futex_wait_restart).
 */
static long wait_interruptible(uint32_t __user *uaddr, uint32_t val, uint64_t deadline,
			       uint32_t bitset, bool shared)
{
	long r = futex_wait(uaddr, val, deadline, bitset, shared);

	if (r != -EINTR)
		return r;
	if (!deadline)
		return -ERESTARTSYS;
	return signal_set_restart(wait_restart, (uint64_t)uaddr, val, deadline,
				  bitset | ((uint64_t)shared << 32));
}

static long wait_restart(struct restart_block *rb)
{
	return wait_interruptible((uint32_t __user *)rb->arg[0], (uint32_t)rb->arg[1], rb->arg[2],
				  (uint32_t)rb->arg[3], rb->arg[3] >> 32);
}

/*
 * FUTEX_LOCK_PI's timeout is absolute on CLOCK_REALTIME; LOCK_PI2's on
 * CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME says otherwise. A signal does
 * not end the wait: the call restarts with the same absolute timeout.
 */
static long lock_pi(uint32_t __user *uaddr, const struct timespec __user *timeout, int clock,
		    bool shared)
{
	uint64_t deadline;
	long r = clock_user_deadline(timeout, true, clock, &deadline);

	if (r)
		return r;
	r = futex_lock_pi(uaddr, deadline, false, shared);
	return r == -EINTR ? -ERESTARTNOINTR : r;
}

/* One console line per operation number the program uses and Alto lacks. */
static void report(int cmd)
{
	static uint64_t said;
	static bool said_big;
	bool *big = cmd >= 0 && cmd < 64 ? NULL : &said_big;

	if (big ? *big : (said & (1ull << cmd)))
		return;
	if (big)
		*big = true;
	else
		said |= 1ull << cmd;
	if (cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_CMP_REQUEUE_PI)
		printk_note("alto: futex operation %s (%d) is not supported\n",
			    cmd == FUTEX_WAIT_REQUEUE_PI ? "FUTEX_WAIT_REQUEUE_PI" :
							   "FUTEX_CMP_REQUEUE_PI",
			    cmd);
	else
		printk_note("alto: unknown futex operation %d\n", cmd);
}

SYSCALL_DEFINE(futex, uint32_t __user *uaddr, int op, uint32_t val,
	       const struct timespec __user *timeout, uint32_t __user *uaddr2, uint32_t val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	int clock = (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	int val2 = (int)(uintptr_t)timeout; /* the requeue operations pass a count there */
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint64_t deadline;
	long r;

	if (clock == CLOCK_REALTIME && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAIT_BITSET:
		r = clock_user_deadline(timeout, cmd == FUTEX_WAIT_BITSET, clock, &deadline);
		return r ? r : wait_interruptible(uaddr, val, deadline, val3, shared);
	case FUTEX_WAKE:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, (int)val, val3, shared);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, uaddr2, (int)val, val2, false, 0, shared);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, (int)val, val2, true, val3, shared);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, (int)val, val2, val3, shared);
	case FUTEX_LOCK_PI:
		return lock_pi(uaddr, timeout, CLOCK_REALTIME, shared);
	case FUTEX_LOCK_PI2:
		return lock_pi(uaddr, timeout, clock, shared);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(uaddr, 0, true, shared);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(uaddr, shared);
	default:
		report(cmd);
		return -ENOSYS;
	}
}

/* Check and copy futex_waitv's vector: 0, -EINVAL or -EFAULT. */
static long copy_waitv(const struct futex_waitv __user *uv, unsigned int n, struct futex_vec *v)
{
	struct futex_waitv w;

	for (unsigned int i = 0; i < n; i++) {
		if (copy_from_user(&w, &uv[i], sizeof(w)))
			return -EFAULT;
		/* Only 32-bit words (FUTEX2_SIZE_U32), private or not, as Linux 5.16 to 6.x. */
		if ((w.flags & ~(uint32_t)FUTEX2_PRIVATE) != FUTEX2_SIZE_U32 || w.__reserved)
			return -EINVAL;
		if (w.val > UINT32_MAX)
			return -EINVAL;
		v[i] = (struct futex_vec){ (uint32_t __user *)w.uaddr, (uint32_t)w.val,
					   !(w.flags & FUTEX2_PRIVATE) };
	}
	return 0;
}

SYSCALL_DEFINE(futex_waitv, const struct futex_waitv __user *waiters, unsigned int nr,
	       unsigned int flags, const struct timespec __user *timeout, int clock)
{
	struct futex_vec *v;
	uint64_t deadline = 0;
	long r;

	if (flags || !waiters || !nr || nr > FUTEX_WAITV_MAX)
		return -EINVAL;
	if (timeout) {
		if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME)
			return -EINVAL;
		if ((r = clock_user_deadline(timeout, true, clock, &deadline)))
			return r;
	}
	v = kmalloc(nr * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r = copy_waitv(waiters, nr, v) ?: futex_wait_multiple(v, nr, deadline);
	kfree(v);
	/* As Linux: a signal ends the wait with EINTR unless the handler restarts it. */
	return r == -EINTR ? -ERESTARTSYS : r;
}
