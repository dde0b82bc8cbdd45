/*
 * Scheduling calls: the CPU set, the policy and real-time priority of a
 * thread (sched_setscheduler and friends, with every error Linux gives,
 * in its order), nice values (setpriority, getpriority), the round-robin
 * interval and I/O priorities (ioprio_set, ioprio_get: kept, not acted
 * on). kernel/sched.c runs threads by them.
 */
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/layout.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <uapi/errno.h>
#include <uapi/sched.h>
#include <uapi/time.h>

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

static bool valid_policy(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_BATCH || policy == SCHED_IDLE;
}

static bool rt_policy(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

SYSCALL_DEFINE(sched_get_priority_max, int policy)
{
	if (!valid_policy(policy))
		return -EINVAL;
	return rt_policy(policy) ? MAX_RT_PRIO - 1 : 0;
}

SYSCALL_DEFINE(sched_get_priority_min, int policy)
{
	if (!valid_policy(policy))
		return -EINVAL;
	return rt_policy(policy) ? 1 : 0;
}

/* The thread a pid names, or NULL: -EINVAL for a negative pid, else -ESRCH. */
static struct thread *named(int pid, long *err)
{
	struct thread *t = pid < 0 ? NULL : target(pid);

	*err = pid < 0 ? -EINVAL : -ESRCH;
	return t;
}

static uint64_t rlimit_cur(int resource)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	uint64_t v = p->rlimits[resource].rlim_cur;

	spin_unlock(&p->lock, flags);
	return v;
}

static bool has_cap(int cap)
{
	struct cred *c = cred_current();
	bool r = cred_capable(c, cap);

	cred_put(c);
	return r;
}

/*
 * Linux's check_same_owner: the caller's effective uid is the real or
 * effective uid of t's process. Without it (or CAP_SYS_NICE), another
 * user's threads keep their policy, nice value and CPUs.
 */
static bool same_owner(struct thread *t)
{
	if (t->proc == current_process())
		return true;
	struct cred *me = cred_current(), *it = cred_of_process(t->proc);
	bool r = me->euid == it->uid || me->euid == it->euid;

	cred_put(it);
	cred_put(me);
	return r;
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
	if (!same_owner(t) && !has_cap(CAP_SYS_NICE))
		return -EPERM;
	return sched_set_affinity(t, m);
}

/* Linux's can_nice: RLIMIT_NICE allows nice values down to 20 - limit. */
static bool can_nice(int nice)
{
	return rlimit_cur(RLIMIT_NICE) >= (uint64_t)(20 - nice) || has_cap(CAP_SYS_NICE);
}

/* What an unprivileged caller may not do (Linux's __sched_setscheduler checks). */
static long may_set_policy(struct thread *t, int policy, int prio, bool reset)
{
	if (has_cap(CAP_SYS_NICE))
		return 0;
	if (rt_policy(policy)) {
		uint64_t limit = rlimit_cur(RLIMIT_RTPRIO);
		if (policy != t->policy && !limit)
			return -EPERM;
		if (prio > t->rt_priority && (uint64_t)prio > limit)
			return -EPERM;
	}
	if (t->policy == SCHED_IDLE && policy != SCHED_IDLE && !can_nice(t->nice))
		return -EPERM;
	if (t->reset_on_fork && !reset)
		return -EPERM;
	return same_owner(t) ? 0 : -EPERM;
}

/* sched_setscheduler and sched_setparam; policy -1 keeps the thread's own. */
static long set_scheduler(int pid, int policy, const int __user *param)
{
	struct thread *t;
	long err;
	int prio;

	if (!param || pid < 0)
		return -EINVAL;
	if (get_user(prio, param))
		return -EFAULT;
	t = named(pid, &err);
	if (!t)
		return err;
	bool reset = t->reset_on_fork;
	if (policy >= 0) {
		reset = policy & SCHED_RESET_ON_FORK;
		policy &= ~SCHED_RESET_ON_FORK;
	} else {
		policy = t->policy;
	}
	if (!valid_policy(policy) || prio < 0 || prio >= MAX_RT_PRIO ||
	    rt_policy(policy) != (prio != 0))
		return -EINVAL;
	err = may_set_policy(t, policy, prio, reset);
	if (!err)
		sched_set_policy(t, policy, prio, reset);
	return err;
}

SYSCALL_DEFINE(sched_setscheduler, int pid, int policy, const int __user *param)
{
	return policy < 0 ? -EINVAL : set_scheduler(pid, policy, param);
}

SYSCALL_DEFINE(sched_setparam, int pid, const int __user *param)
{
	return set_scheduler(pid, -1, param);
}

SYSCALL_DEFINE(sched_getscheduler, int pid)
{
	long err;
	struct thread *t = named(pid, &err);

	if (!t)
		return err;
	return t->policy | (t->reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

SYSCALL_DEFINE(sched_getparam, int pid, int __user *param)
{
	long err;
	struct thread *t;

	if (!param || pid < 0)
		return -EINVAL;
	t = named(pid, &err);
	if (!t)
		return err;
	return put_user(t->rt_priority, param);
}

/* What sched_getscheduler and sched_getparam say, in sched_attr's form (chrt -p). */
SYSCALL_DEFINE(sched_getattr, int pid, struct sched_attr __user *uattr, unsigned int usize,
	       unsigned int flags)
{
	struct sched_attr a = { 0 };
	long err;
	struct thread *t;

	if (!uattr || pid < 0 || flags || usize < SCHED_ATTR_SIZE_VER0 || usize > PAGE_SIZE)
		return -EINVAL;
	t = named(pid, &err);
	if (!t)
		return err;
	a.size = MIN(usize, (unsigned int)sizeof(a));
	a.sched_policy = (uint32_t)t->policy;
	a.sched_flags = t->reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0;
	if (t->policy == SCHED_FIFO || t->policy == SCHED_RR)
		a.sched_priority = (uint32_t)t->rt_priority;
	else
		a.sched_nice = t->nice;
	return copy_to_user(uattr, &a, a.size);
}

/* SCHED_RR's turn (Linux's sched_rr_timeslice_ms); 0 for FIFO; the slice for the others. */
SYSCALL_DEFINE(sched_rr_get_interval, int pid, struct timespec __user *tp)
{
	long err;
	struct thread *t = named(pid, &err);

	if (!t)
		return err;
	uint64_t ns = t->policy == SCHED_FIFO ? 0 :
		      t->policy == SCHED_RR   ? RR_TIMESLICE_NS :
						TIME_SLICE_NS;
	struct timespec ts = { (long)(ns / 1000000000), (long)(ns % 1000000000) };
	return copy_to_user(tp, &ts, sizeof(ts));
}

struct prio_set {
	int which; /* PRIO_PGRP or PRIO_USER */
	uint32_t id;
};

static bool in_prio_set(struct process *q, void *arg)
{
	const struct prio_set *set = arg;

	if (set->which == PRIO_PGRP)
		return (uint32_t)q->pgid == set->id;
	spin_lock_noirq(&q->lock);
	bool mine = q->cred && q->cred->uid == set->id;
	spin_unlock_noirq(&q->lock);
	return mine;
}

/*
 * The threads setpriority and getpriority name, one at a time to fn (which
 * returns 0 or an error to remember): PRIO_PROCESS a thread (0: the
 * caller), PRIO_PGRP every thread of a process group (0: the caller's) and
 * PRIO_USER every thread whose process has that real uid (0: the caller's).
 * Returns -ESRCH when none matched, else fn's last error, or 0.
 */
static long for_each_named(int which, int who, long (*fn)(struct thread *t, void *arg), void *arg)
{
	struct prio_set set = { which, (uint32_t)who };
	struct process **list;
	long r = -ESRCH;

	if (which == PRIO_PROCESS) {
		struct thread *t = target(who);
		return t ? fn(t, arg) : -ESRCH;
	}
	if (!who && which == PRIO_PGRP) {
		set.id = (uint32_t)process_getpgid(0);
	} else if (!who) {
		struct cred *c = cred_current();
		set.id = c->uid;
		cred_put(c);
	}
	int n = process_collect(in_prio_set, &set, &list);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		long e = process_for_each_thread(list[i], fn, arg);
		if (e != -ESRCH)
			r = r == -ESRCH ? e : (e ? e : r);
	}
	process_put_all(list, n);
	return r;
}

static long set_one_nice(struct thread *t, void *arg)
{
	int nice = *(int *)arg;

	if (!same_owner(t) && !has_cap(CAP_SYS_NICE))
		return -EPERM;
	if (nice < t->nice && !can_nice(nice))
		return -EACCES;
	sched_set_nice(t, nice);
	return 0;
}

SYSCALL_DEFINE(setpriority, int which, int who, int prio)
{
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	prio = prio < MIN_NICE ? MIN_NICE : prio > MAX_NICE ? MAX_NICE : prio;
	return for_each_named(which, who, set_one_nice, &prio);
}

static long highest(struct thread *t, void *arg)
{
	long *best = arg, v = 20 - t->nice; /* the kernel's biased form: 40 for -20, 1 for 19 */

	if (v > *best)
		*best = v;
	return 0;
}

SYSCALL_DEFINE(getpriority, int which, int who)
{
	long best = 0;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	long r = for_each_named(which, who, highest, &best);
	return r ? r : best;
}

/*
 * I/O priorities (ionice): checked and kept per thread as Linux does, and
 * inherited by new threads; the block layer does not order requests by them.
 */
static int ioprio_check(int ioprio)
{
	/* The bits between level and class are Linux 6.5's hints, accepted. */
	int class = ioprio >> IOPRIO_CLASS_SHIFT, level = ioprio & (IOPRIO_NR_LEVELS - 1);

	if (ioprio < 0 || ioprio > 0xffff)
		return -EINVAL;
	switch (class) {
	case IOPRIO_CLASS_RT:
		return has_cap(CAP_SYS_NICE) || has_cap(CAP_SYS_ADMIN) ? 0 : -EPERM;
	case IOPRIO_CLASS_BE:
	case IOPRIO_CLASS_IDLE:
		return 0;
	case IOPRIO_CLASS_NONE:
		return level ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static long set_one_ioprio(struct thread *t, void *arg)
{
	if (!same_owner(t) && !has_cap(CAP_SYS_NICE))
		return -EPERM;
	WRITE_ONCE(t->ioprio, *(uint16_t *)arg);
	return 0;
}

SYSCALL_DEFINE(ioprio_set, int which, int who, int ioprio)
{
	uint16_t v = (uint16_t)ioprio;
	int err;

	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	err = ioprio_check(ioprio);
	return err ? err : for_each_named(which - 1, who, set_one_ioprio, &v);
}

/* Of several threads, the numerically lowest (Linux's ioprio_best). */
static long best_ioprio(struct thread *t, void *arg)
{
	int *best = arg, v = READ_ONCE(t->ioprio);

	if (*best < 0 || v < *best)
		*best = v;
	return 0;
}

SYSCALL_DEFINE(ioprio_get, int which, int who)
{
	int best = -1;

	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	long r = for_each_named(which - 1, who, best_ioprio, &best);
	return r ? r : best;
}
