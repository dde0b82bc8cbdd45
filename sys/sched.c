/*
 * Scheduling calls. One policy (SCHED_OTHER, round robin); the others are
 * accepted and reported back, priorities are recorded nowhere yet, and the
 * CPU set is every CPU there is.
 */
#include <alto/cpu.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <uapi/errno.h>

#define SCHED_OTHER 0
#define SCHED_FIFO  1
#define SCHED_RR    2
#define SCHED_BATCH 3
#define SCHED_IDLE  5

SYSCALL_DEFINE(sched_yield, void)
{
	thread_yield();
	return 0;
}

SYSCALL_DEFINE(sched_getaffinity, int pid, unsigned int len, unsigned long __user *mask)
{
	unsigned long m = cpu_count >= 64 ? ~0ul : (1ul << cpu_count) - 1;

	if (len < sizeof(m) || (len & (sizeof(long) - 1)))
		return -EINVAL;
	if (clear_user(mask, len) || copy_to_user(mask, &m, sizeof(m)))
		return -EFAULT;
	return sizeof(m);
}

SYSCALL_DEFINE(sched_setaffinity, int pid, unsigned int len, const unsigned long __user *mask)
{
	unsigned long m;

	if (len < sizeof(m))
		return -EINVAL;
	if (copy_from_user(&m, mask, sizeof(m)))
		return -EFAULT;
	return m ? 0 : -EINVAL;
}

static bool valid_policy(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_BATCH || policy == SCHED_IDLE;
}

SYSCALL_DEFINE(sched_get_priority_max, int policy)
{
	if (!valid_policy(policy))
		return -EINVAL;
	return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

SYSCALL_DEFINE(sched_get_priority_min, int policy)
{
	if (!valid_policy(policy))
		return -EINVAL;
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

SYSCALL_DEFINE(sched_getscheduler, int pid)
{
	return SCHED_OTHER;
}

SYSCALL_DEFINE(sched_setscheduler, int pid, int policy, const int __user *param)
{
	return valid_policy(policy & 0xff) ? 0 : -EINVAL;
}

SYSCALL_DEFINE(sched_getparam, int pid, int __user *param)
{
	return put_user(0, param);
}

SYSCALL_DEFINE(sched_setparam, int pid, const int __user *param)
{
	return 0;
}

SYSCALL_DEFINE(getpriority, int which, int who)
{
	return 20; /* the kernel's biased form of nice 0 */
}

SYSCALL_DEFINE(setpriority, int which, int who, int prio)
{
	return 0;
}
