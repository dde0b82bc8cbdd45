/*
 * signalfd: a file that reads the reading thread's pending signals of its
 * mask as struct signalfd_siginfo records, taking them as delivery would.
 * Readers and poll sleep on the process's signal wait queue, which every
 * signal sent wakes; the signals themselves stay in kernel/signal.c.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>

struct signalfd {
	ksigset_t mask;
};

static const struct file_ops signalfd_fops;

/* Signals of mask pending for the current thread (lock-free: a hint, rechecked). */
static bool any_pending(ksigset_t mask)
{
	struct thread *t = current_thread();

	return t->proc &&
	       ((READ_ONCE(t->sig.pending.set) | READ_ONCE(t->proc->shared_pending.set)) & mask);
}

/* Fields by the layout of the siginfo, as Linux's signalfd_copyinfo fills them. */
static void convert(const struct ksiginfo *k, struct signalfd_siginfo *s)
{
	int sig = k->si_signo, code = k->si_code;
	bool fault =
		sig == SIGILL || sig == SIGFPE || sig == SIGSEGV || sig == SIGBUS || sig == SIGTRAP;

	*s = (struct signalfd_siginfo){ .ssi_signo = (uint32_t)sig,
					.ssi_errno = k->si_errno,
					.ssi_code = code };
	if (code > SI_USER && code < SI_KERNEL && fault) {
		s->ssi_addr = k->fault.addr;
	} else if (code > SI_USER && code < SI_KERNEL && sig == SIGCHLD) {
		s->ssi_pid = (uint32_t)k->child.pid;
		s->ssi_uid = k->child.uid;
		s->ssi_status = k->child.status;
		s->ssi_utime = (uint64_t)k->child.utime;
		s->ssi_stime = (uint64_t)k->child.stime;
	} else if (code == SI_TIMER) {
		s->ssi_tid = (uint32_t)k->timer.timerid;
		s->ssi_overrun = (uint32_t)k->timer.overrun;
		s->ssi_ptr = k->timer.value;
		s->ssi_int = (int32_t)k->timer.value;
	} else {
		s->ssi_pid = (uint32_t)k->kill.pid;
		s->ssi_uid = k->kill.uid;
		if (code < 0) {
			s->ssi_ptr = k->kill.value;
			s->ssi_int = (int32_t)k->kill.value;
		}
	}
}

/* Sleep until a signal of mask is pending; -ERESTARTSYS when another signal comes first. */
static int wait_for(ksigset_t mask)
{
	struct waitq *wq = &current_process()->signal_wq;
	unsigned long flags = spin_lock(&wq->lock);
	int r = 0;

	while (!any_pending(mask) && !r)
		r = waitq_wait_interruptible_locked(wq, &flags, 0);
	spin_unlock(&wq->lock, flags);
	return r ? -ERESTARTSYS : 0;
}

static long signalfd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct signalfd *sfd = f->priv;
	struct signalfd_siginfo rec;
	struct ksiginfo info;
	long done = 0;

	if (!current_process() || u->resid < sizeof(rec))
		return -EINVAL;
	while (u->resid >= sizeof(rec)) {
		ksigset_t mask = READ_ONCE(sfd->mask);
		int sig = signal_dequeue(~mask, &info);
		if (!sig) {
			if (done || (f->flags & O_NONBLOCK))
				break;
			int r = wait_for(mask);
			if (r)
				return r;
			continue;
		}
		convert(&info, &rec);
		if (uio_copy_out(u, &rec, sizeof(rec)))
			return done ? done : -EFAULT;
		done += sizeof(rec);
	}
	return done ? done : -EAGAIN;
}

static unsigned int signalfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *sfd = f->priv;
	struct process *p = current_process();

	if (!p)
		return 0;
	poll_wait(pt, &p->signal_wq);
	return any_pending(READ_ONCE(sfd->mask)) ? POLLIN | POLLRDNORM : 0;
}

static void signalfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops signalfd_fops = {
	.anon_name = "[signalfd]",
	.read = signalfd_read,
	.poll = signalfd_poll,
	.release = signalfd_release,
};

struct file *signalfd_open(ksigset_t mask, unsigned int flags)
{
	struct signalfd *sfd = kzalloc(sizeof(*sfd));
	struct file *f;

	if (!sfd)
		return ERR_PTR(-ENOMEM);
	sfd->mask = mask;
	f = vfs_anon_file(&signalfd_fops, 0, O_RDWR | (flags & O_NONBLOCK), sfd);
	if (IS_ERR(f))
		kfree(sfd);
	return f;
}

int signalfd_set_mask(struct file *f, ksigset_t mask)
{
	struct signalfd *sfd = f->priv;

	if (f->ops != &signalfd_fops)
		return -EINVAL;
	WRITE_ONCE(sfd->mask, mask);
	waitq_notify(&current_process()->signal_wq, POLLIN | POLLRDNORM);
	return 0;
}
