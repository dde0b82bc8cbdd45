/*
 * Process identity, groups and sessions, limits and exit (credentials are
 * sys/cred.c). exit ends the thread, exit_group the process.
 */
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/layout.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include <uapi/resource.h>

#define ARCH_SET_GS	    0x1001
#define ARCH_SET_FS	    0x1002
#define ARCH_GET_FS	    0x1003
#define ARCH_GET_GS	    0x1004
#define PR_SET_NAME	    15
#define PR_GET_NAME	    16
#define PR_SET_DUMPABLE	    4
#define PR_GET_DUMPABLE	    3
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_SET_VMA	    0x53564d41
#define PR_GET_KEEPCAPS	    7
#define PR_SET_KEEPCAPS	    8
#define PR_CAPBSET_READ	    23

SYSCALL_DEFINE(getpid, void)
{
	return current_process()->pid;
}

SYSCALL_DEFINE(getppid, void)
{
	return process_ppid(current_process());
}

SYSCALL_DEFINE(gettid, void)
{
	return current_thread()->tid;
}

SYSCALL_DEFINE(getpgrp, void)
{
	return process_getpgid(0);
}

SYSCALL_DEFINE(getpgid, int pid)
{
	return pid < 0 ? -ESRCH : process_getpgid(pid);
}

SYSCALL_DEFINE(getsid, int pid)
{
	return pid < 0 ? -ESRCH : process_getsid(pid);
}

SYSCALL_DEFINE(setpgid, int pid, int pgid)
{
	return pid < 0 ? -ESRCH : process_setpgid(pid, pgid);
}

SYSCALL_DEFINE(setsid, void)
{
	return process_setsid();
}

SYSCALL_DEFINE(exit, int code)
{
	process_thread_exit(code);
}

SYSCALL_DEFINE(exit_group, int code)
{
	process_exit((code & 0xff) << 8);
}

SYSCALL_DEFINE(arch_prctl, int code, unsigned long addr)
{
	struct thread *t = current_thread();

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		t->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return put_user(t->fs_base, (unsigned long __user *)addr);
	case ARCH_SET_GS:
		printk_note("alto: arch_prctl(ARCH_SET_GS) refused: GS belongs to the kernel\n");
		return -EPERM;
	case ARCH_GET_GS:
		return put_user(0ul, (unsigned long __user *)addr);
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE(set_tid_address, int __user *tidptr)
{
	current_thread()->clear_child_tid = (uint64_t)tidptr;
	return current_thread()->tid;
}

SYSCALL_DEFINE(set_robust_list, void __user *head, size_t len)
{
	if (len != 24) /* sizeof(struct robust_list_head) */
		return -EINVAL;
	current_thread()->robust_list = (uint64_t)head;
	return 0;
}

SYSCALL_DEFINE(get_robust_list, int pid, void __user *__user *head, size_t __user *len)
{
	if (pid && pid != current_thread()->tid)
		return -ESRCH;
	return put_user((uint64_t)current_thread()->robust_list, (uint64_t __user *)head) ?:
		       put_user((size_t)24, len);
}

/* glibc registers rseq at startup and copes with ENOSYS; say nothing about it. */
SYSCALL_DEFINE(rseq, void __user *rseq, uint32_t len, int flags, uint32_t sig)
{
	return -ENOSYS;
}

SYSCALL_DEFINE(personality, unsigned long persona)
{
	return 0; /* PER_LINUX, whatever is asked */
}

SYSCALL_DEFINE(prctl, int option, unsigned long a2, unsigned long a3, unsigned long a4,
	       unsigned long a5)
{
	struct thread *t = current_thread();
	char name[THREAD_NAME_LEN];

	switch (option) {
	case PR_SET_NAME:
		if (strncpy_from_user(name, (const char *)a2, sizeof(name)) == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = 0;
		strlcpy(t->name, name, sizeof(t->name));
		return 0;
	case PR_GET_NAME:
		return copy_to_user((void *)a2, t->name, sizeof(t->name));
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
	case PR_SET_NO_NEW_PRIVS:
	case PR_SET_VMA:
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return 0;
	case PR_GET_KEEPCAPS: {
		struct cred *c = cred_current();
		long keep = c->keep_caps;
		cred_put(c);
		return keep;
	}
	case PR_SET_KEEPCAPS:
		if (a2 > 1)
			return -EINVAL;
		cred_set_keepcaps(a2);
		return 0;
	case PR_CAPBSET_READ:
		return a2 <= CAP_LAST_CAP ? 1 : -EINVAL; /* the bounding set is every capability */
	default:
		return -EINVAL;
	}
}

static long check_resource(int resource)
{
	return resource < 0 || resource >= RLIM_NLIMITS ? -EINVAL : 0;
}

static long limits(struct process *p, int resource, const struct rlimit64 __user *new_limit,
		   struct rlimit64 __user *old_limit)
{
	struct rlimit64 nl, ol;

	if (check_resource(resource))
		return -EINVAL;
	if (new_limit && copy_from_user(&nl, new_limit, sizeof(nl)))
		return -EFAULT;
	if (new_limit && nl.rlim_cur > nl.rlim_max)
		return -EINVAL;
	unsigned long flags = spin_lock(&p->lock);
	ol = p->rlimits[resource];
	if (new_limit)
		p->rlimits[resource] = nl;
	spin_unlock(&p->lock, flags);
	return old_limit ? copy_to_user(old_limit, &ol, sizeof(ol)) : 0;
}

/* Another process's limits too, as root may. */
SYSCALL_DEFINE(prlimit64, int pid, int resource, const struct rlimit64 __user *new_limit,
	       struct rlimit64 __user *old_limit)
{
	struct process *p = pid ? process_find(pid) : current_process();

	if (!p || p->state != PROCESS_ALIVE || pid < 0) {
		if (pid && p)
			process_put(p);
		return -ESRCH;
	}
	long r = limits(p, resource, new_limit, old_limit);
	if (pid)
		process_put(p);
	return r;
}

SYSCALL_DEFINE(getrlimit, int resource, struct rlimit64 __user *limit)
{
	return sys_prlimit64(0, resource, NULL, limit);
}

SYSCALL_DEFINE(setrlimit, int resource, const struct rlimit64 __user *limit)
{
	return sys_prlimit64(0, resource, limit, NULL);
}

/*
 * CPU time is the scheduler's run time, all of it counted as user time (the
 * kernel does not time its own part). Voluntary switches are wake-ups.
 */
SYSCALL_DEFINE(getrusage, int who, struct rusage __user *usage)
{
	struct process *p = current_process();
	struct thread *t = current_thread();
	struct rusage ru;

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	if (who == RUSAGE_SELF) {
		ru.ru_utime = ns_to_timeval(cputime_process_ns(p));
		ru.ru_nvcsw = (long)cputime_process_nvcsw(p);
	} else if (who == RUSAGE_CHILDREN) {
		ru.ru_utime = ns_to_timeval(READ_ONCE(p->children_cpu_ns));
	} else if (who == RUSAGE_THREAD) {
		ru.ru_utime = ns_to_timeval(cputime_thread_ns(t));
		ru.ru_nvcsw = (long)t->wakeups;
	}
	/* In KiB; the resident size now rather than its peak. */
	if (who != RUSAGE_CHILDREN)
		ru.ru_maxrss = (long)(p->mm->resident * (PAGE_SIZE / 1024));
	return copy_to_user(usage, &ru, sizeof(ru));
}

#define USER_HZ 100

SYSCALL_DEFINE(times, struct tms __user *buf)
{
	struct process *p = current_process();
	struct tms t = { .tms_utime = (long)(cputime_process_ns(p) / (NSEC_PER_SEC / USER_HZ)),
			 .tms_cutime =
				 (long)(READ_ONCE(p->children_cpu_ns) / (NSEC_PER_SEC / USER_HZ)) };

	if (buf && copy_to_user(buf, &t, sizeof(t)))
		return -EFAULT;
	return (long)(time_now_ns() / (NSEC_PER_SEC / USER_HZ));
}
