/*
 * Scheduling calls. One policy (SCHED_OTHER, round robin); the others are
 * accepted and reported back, priorities are recorded nowhere yet, and the
 * CPU set is every CPU there is.
 */
#include <alto/cpu.h>
#include <alto/process.h>
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

/*
 * The thread a scheduling call names: 0 is the caller, else any thread id
 * (taskset -p works on other processes). As with process_thread_by_tid,
 * the thread may exit while the caller uses it.
 */
static struct thread *target(int pid)
{
	if (pid == 0)
		return current_thread();
	struct process *p = process_of_tid(pid);
	struct thread *t = p ? process_thread_by_tid(p, pid) : NULL;

	process_put(p);
	return t;
}

static unsigned long online_mask(void)
{
	return cpu_count >= 64 ? ~0ul : (1ul << cpu_count) - 1;
}

SYSCALL_DEFINE(sched_getaffinity, int pid, unsigned int len, unsigned long __user *mask)
{
	struct thread *t = target(pid);

	if (!t)
		return -ESRCH;
	unsigned long m = t->affinity & online_mask();
	if (len < sizeof(m) || (len & (sizeof(long) - 1)))
		return -EINVAL;
	if (clear_user(mask, len) || copy_to_user(mask, &m, sizeof(m)))
		return -EFAULT;
	return sizeof(m);
}

SYSCALL_DEFINE(sched_setaffinity, int pid, unsigned int len, const unsigned long __user *mask)
{
	struct thread *t = target(pid);
	unsigned long m = 0;

	if (!t)
		return -ESRCH;
	/* Masks longer than 64 bits name CPUs Alto does not have beyond the first word. */
	if (copy_from_user(&m, mask, MIN(len, sizeof(m))))
		return -EFAULT;
	return sched_set_affinity(t, m);
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
