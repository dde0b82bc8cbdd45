/*
 * futex(2): decoding the operation and its timeout; the waiting and waking
 * are in kernel/futex.c. Priority-inheritance futexes are not supported.
 */
#include <alto/futex.h>
#include <alto/printk.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP	     5
#define FUTEX_LOCK_PI	     6
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK	     (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

/* The monotonic deadline for a timeout: relative, or absolute on the given clock. */
static long deadline_of(const struct timespec __user *uts, bool absolute, bool realtime,
			uint64_t *deadline)
{
	struct timespec ts;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	uint64_t ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	uint64_t now = time_now_ns();
	if (!absolute) {
		*deadline = now + ns;
	} else if (realtime) {
		uint64_t rt = time_realtime_ns();
		*deadline = ns > rt ? now + (ns - rt) : now;
	} else {
		*deadline = ns;
	}
	if (!*deadline)
		*deadline = 1; /* an absolute time of 0 has passed: not "no timeout" */
	return 0;
}

static long wait_restart(struct restart_block *rb);

/*
 * A wait a signal interrupted: without a timeout it restarts if the handler
 * has SA_RESTART; with one it continues to the same deadline when no handler
 * runs, else fails with EINTR (Linux's futex_wait_restart).
 */
static long wait_interruptible(uint32_t __user *uaddr, uint32_t val, uint64_t deadline,
			       uint32_t bitset)
{
	long r = futex_wait(uaddr, val, deadline, bitset);

	if (r != -EINTR)
		return r;
	if (!deadline)
		return -ERESTARTSYS;
	return signal_set_restart(wait_restart, (uint64_t)uaddr, val, deadline, bitset);
}

static long wait_restart(struct restart_block *rb)
{
	return wait_interruptible((uint32_t __user *)rb->arg[0], (uint32_t)rb->arg[1], rb->arg[2],
				  (uint32_t)rb->arg[3]);
}

SYSCALL_DEFINE(futex, uint32_t __user *uaddr, int op, uint32_t val,
	       const struct timespec __user *timeout, uint32_t __user *uaddr2, uint32_t val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	int val2 = (int)(uintptr_t)timeout; /* the requeue operations pass a count there */
	uint64_t deadline;
	long r;

	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAIT_BITSET:
		r = deadline_of(timeout, cmd == FUTEX_WAIT_BITSET, realtime, &deadline);
		return r ? r : wait_interruptible(uaddr, val, deadline, val3);
	case FUTEX_WAKE:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, uaddr2, (int)val, val2, false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, (int)val, val2, true, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, (int)val, val2, val3);
	default:
		if (cmd >= FUTEX_LOCK_PI) {
			static bool said;
			if (!said)
				printk("alto: futex operation %d (priority inheritance) is not supported\n",
				       cmd);
			said = true;
		}
		return -ENOSYS;
	}
}
