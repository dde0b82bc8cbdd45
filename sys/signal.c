/*
 * Signal system calls: dispositions and masks are recorded with Linux's
 * checks and results; kill of the own process applies the default action.
 * Running handlers comes with the signals work.
 */
#include <alto/cpu.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <uapi/errno.h>

#define UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

SYSCALL_DEFINE(rt_sigaction, int sig, const struct k_sigaction __user *act,
	       struct k_sigaction __user *oact, size_t sigsetsize)
{
	struct process *p = current_process();
	struct k_sigaction new, old;

	if (sigsetsize != sizeof(ksigset_t) || sig < 1 || sig >= NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	unsigned long flags = spin_lock(&p->lock);
	old = p->sigactions[sig];
	if (act) {
		new.mask &= ~UNBLOCKABLE;
		p->sigactions[sig] = new;
	}
	spin_unlock(&p->lock, flags);
	return oact ? copy_to_user(oact, &old, sizeof(old)) : 0;
}

SYSCALL_DEFINE(rt_sigprocmask, int how, const ksigset_t __user *set, ksigset_t __user *oset,
	       size_t sigsetsize)
{
	struct thread *t = current_thread();
	ksigset_t s, old = t->sigmask;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (set) {
		if (copy_from_user(&s, set, sizeof(s)))
			return -EFAULT;
		if (how == SIG_BLOCK)
			t->sigmask |= s;
		else if (how == SIG_UNBLOCK)
			t->sigmask &= ~s;
		else if (how == SIG_SETMASK)
			t->sigmask = s;
		else
			return -EINVAL;
		t->sigmask &= ~UNBLOCKABLE;
	}
	return oset ? copy_to_user(oset, &old, sizeof(old)) : 0;
}

SYSCALL_DEFINE(rt_sigpending, ksigset_t __user *set, size_t sigsetsize)
{
	if (sigsetsize > sizeof(ksigset_t))
		return -EINVAL;
	return clear_user(set, sigsetsize);
}

SYSCALL_DEFINE(sigaltstack, const struct k_stack __user *ss, struct k_stack __user *old)
{
	struct thread *t = current_thread();
	struct k_stack s, prev = t->altstack;

	if (!prev.ss_size)
		prev.ss_flags = SS_DISABLE;
	if (ss) {
		if (copy_from_user(&s, ss, sizeof(s)))
			return -EFAULT;
		if (s.ss_flags & ~SS_DISABLE)
			return -EINVAL;
		if (!(s.ss_flags & SS_DISABLE) && s.ss_size < MINSIGSTKSZ)
			return -ENOMEM;
		t->altstack = (s.ss_flags & SS_DISABLE) ? (struct k_stack){ 0 } : s;
	}
	return old ? copy_to_user(old, &prev, sizeof(prev)) : 0;
}

/* Signals to this process; other pids do not exist. */
static long to_self(int sig)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (sig)
		signal_raise_current(sig);
	return 0;
}

SYSCALL_DEFINE(kill, int pid, int sig)
{
	struct process *p = current_process();

	if (pid != p->pid && pid != 0 && pid != -1 && pid != -p->pid)
		return -ESRCH;
	return to_self(sig);
}

SYSCALL_DEFINE(tkill, int tid, int sig)
{
	return tid == current_thread()->tid ? to_self(sig) : -ESRCH;
}

SYSCALL_DEFINE(tgkill, int tgid, int tid, int sig)
{
	return tgid == current_process()->pid ? sys_tkill(tid, sig) : -ESRCH;
}
