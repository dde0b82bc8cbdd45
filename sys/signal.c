/*
 * Signal system calls: dispositions, masks, the alternate stack, sending
 * (kill, tkill, tgkill, the sigqueue calls), waiting (pause, sigsuspend,
 * sigtimedwait), signalfd and restart_syscall. The semantics live in
 * kernel/signal.c; these check arguments and copy, with Linux's results.
 */
#include <alto/cred.h>
#include <alto/cpu.h>
#include <alto/fdtable.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/trap.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/time.h>

static long read_sigset(const ksigset_t __user *uset, size_t size, ksigset_t *set)
{
	if (size != sizeof(ksigset_t))
		return -EINVAL;
	return copy_from_user(set, uset, sizeof(*set)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(rt_sigaction, int sig, const struct k_sigaction __user *act,
	       struct k_sigaction __user *oact, size_t sigsetsize)
{
	struct k_sigaction new, old;

	if (sigsetsize != sizeof(ksigset_t) || sig < 1 || sig >= NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	signal_set_action(sig, act ? &new : NULL, &old);
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
			s |= old;
		else if (how == SIG_UNBLOCK)
			s = old & ~s;
		else if (how != SIG_SETMASK)
			return -EINVAL;
		/* Unblocked signals that are pending are delivered on the way out. */
		signal_set_mask(s);
	}
	return oset ? copy_to_user(oset, &old, sizeof(old)) : 0;
}

SYSCALL_DEFINE(rt_sigpending, ksigset_t __user *set, size_t sigsetsize)
{
	ksigset_t s = signal_pending_set() & current_thread()->sigmask;

	if (sigsetsize > sizeof(ksigset_t))
		return -EINVAL;
	return copy_to_user(set, &s, sigsetsize);
}

SYSCALL_DEFINE(sigaltstack, const struct k_stack __user *ss, struct k_stack __user *old)
{
	struct thread *t = current_thread();
	uint64_t sp = syscall_frame()->rsp;
	struct k_stack s, prev = {
		.ss_sp = t->altstack.ss_sp,
		.ss_flags = signal_altstack_flags(sp) | (int)(t->altstack.ss_flags & SS_AUTODISARM),
		.ss_size = t->altstack.ss_size,
	};

	if (ss) {
		if (copy_from_user(&s, ss, sizeof(s)))
			return -EFAULT;
		long r = signal_altstack_set(&s, sp);
		if (r)
			return r;
	}
	return old ? copy_to_user(old, &prev, sizeof(prev)) : 0;
}

static struct ksiginfo user_info(int code)
{
	struct ksiginfo info = { .si_code = code };
	struct cred *c = cred_current();

	info.kill.pid = current_process()->pid;
	info.kill.uid = c->uid; /* the sender's real uid, as Linux puts it */
	cred_put(c);
	return info;
}

/* A process, the caller's group (0), everyone else (-1), or the group -pid. */
SYSCALL_DEFINE(kill, int pid, int sig)
{
	struct ksiginfo info = user_info(SI_USER);

	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	return process_kill(pid, sig, &info);
}

/*
 * A signal for thread tid, of process tgid if that is not 0, checked as
 * Linux's do_send_specific: any thread of any process.
 */
static long to_thread(int tgid, int tid, int sig, const struct ksiginfo *info)
{
	long r = -ESRCH;

	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	struct process *p = process_of_tid(tid);
	if (!p)
		return -ESRCH;
	if ((!tgid || tgid == p->pid) && process_thread_by_tid(p, tid))
		r = process_may_signal(p, sig);
	if (!r && sig)
		r = signal_send_tid(p, tid, sig, info);
	process_put(p);
	return r;
}

SYSCALL_DEFINE(tkill, int tid, int sig)
{
	struct ksiginfo info = user_info(SI_TKILL);

	return tid <= 0 ? -EINVAL : to_thread(0, tid, sig, &info);
}

SYSCALL_DEFINE(tgkill, int tgid, int tid, int sig)
{
	struct ksiginfo info = user_info(SI_TKILL);

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return to_thread(tgid, tid, sig, &info);
}

/* The siginfo of the sigqueue calls: no faking kill's or the kernel's codes for another. */
static long queue_info(const struct ksiginfo __user *uinfo, int sig, bool to_self,
		       struct ksiginfo *info)
{
	if (copy_from_user(info, uinfo, sizeof(*info)))
		return -EFAULT;
	if ((info->si_code >= 0 || info->si_code == SI_TKILL) && !to_self)
		return -EPERM;
	info->si_signo = sig;
	return 0;
}

SYSCALL_DEFINE(rt_sigqueueinfo, int pid, int sig, const struct ksiginfo __user *uinfo)
{
	struct ksiginfo info;
	long r = queue_info(uinfo, sig, pid == current_process()->pid, &info);

	if (r)
		return r;
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	struct process *p = pid > 0 ? process_find(pid) : NULL;
	if (!p || p->pid == INIT_PID) {
		process_put(p);
		return -ESRCH;
	}
	r = process_may_signal(p, sig);
	if (!r && sig)
		r = signal_send_process(p, sig, &info);
	process_put(p);
	return r;
}

SYSCALL_DEFINE(rt_tgsigqueueinfo, int tgid, int tid, int sig, const struct ksiginfo __user *uinfo)
{
	struct ksiginfo info;
	long r;

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	r = queue_info(uinfo, sig, tid == current_thread()->tid, &info);
	if (r)
		return r;
	return to_thread(tgid, tid, sig, &info);
}

/* Sleep until a signal is to be acted on; the way out runs its handler. */
static long wait_for_signal(void)
{
	while (!signal_pending())
		signal_wait(0);
	return -ERESTARTNOHAND;
}

SYSCALL_DEFINE(pause, void)
{
	return wait_for_signal();
}

SYSCALL_DEFINE(rt_sigsuspend, const ksigset_t __user *umask, size_t sigsetsize)
{
	ksigset_t mask;
	long r = read_sigset(umask, sigsetsize, &mask);

	if (r)
		return r;
	signal_set_temporary_mask(mask);
	return wait_for_signal();
}

/* A relative timeout to a deadline: 0 none, POLL_NO_WAIT-like 1 for zero time. */
static long timeout_deadline(const struct timespec __user *uts, uint64_t *deadline, bool *now)
{
	struct timespec ts;

	*deadline = 0;
	*now = false;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	*now = !ts.tv_sec && !ts.tv_nsec;
	if ((uint64_t)ts.tv_sec < UINT64_MAX / NSEC_PER_SEC / 4)
		*deadline =
			time_now_ns() + (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	return 0;
}

/*
 * Wait for one of `these` (blocked, normally) to be pending: they are
 * unblocked during the wait, as Linux does, so that senders pick this thread.
 */
static int timedwait(ksigset_t these, uint64_t deadline, struct ksiginfo *info)
{
	struct thread *t = current_thread();
	ksigset_t real = t->sigmask;
	int sig, r = 0;

	signal_set_mask(real & ~these);
	while (!(sig = signal_dequeue(~these, info)) && r != -ETIMEDOUT && r != -EINTR)
		r = signal_wait(deadline);
	signal_set_mask(real);
	if (sig)
		return sig;
	return r == -ETIMEDOUT ? -EAGAIN : -EINTR;
}

SYSCALL_DEFINE(rt_sigtimedwait, const ksigset_t __user *uthese, struct ksiginfo __user *uinfo,
	       const struct timespec __user *uts, size_t sigsetsize)
{
	struct ksiginfo info;
	ksigset_t these;
	uint64_t deadline;
	bool now;
	long r = read_sigset(uthese, sigsetsize, &these);

	if (!r)
		r = timeout_deadline(uts, &deadline, &now);
	if (r)
		return r;
	these &= ~SIG_UNBLOCKABLE;
	r = signal_dequeue(~these, &info);
	if (!r)
		r = now ? -EAGAIN : timedwait(these, deadline, &info);
	if (r > 0 && uinfo && copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE(signalfd4, int fd, const ksigset_t __user *umask, size_t sizemask, int flags)
{
	ksigset_t mask;
	long r;

	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	r = read_sigset(umask, sizemask, &mask);
	if (r)
		return r;
	mask &= ~SIG_UNBLOCKABLE;
	if (fd != -1) {
		struct file *f = fd_get_file(fd);
		if (!f)
			return -EBADF;
		r = signalfd_set_mask(f, mask);
		file_put(f);
		return r ? r : fd;
	}
	return fd_install(signalfd_open(mask, flags & SFD_NONBLOCK), flags & SFD_CLOEXEC);
}

SYSCALL_DEFINE(signalfd, int fd, const ksigset_t __user *umask, size_t sizemask)
{
	return sys_signalfd4(fd, umask, sizemask, 0);
}

SYSCALL_DEFINE(restart_syscall, void)
{
	struct restart_block *rb = &current_thread()->sig.restart;
	long (*fn)(struct restart_block *) = rb->fn;

	rb->fn = NULL;
	return fn ? fn(rb) : -EINTR;
}
