/*
 * eventfd: a 64-bit counter in a file. A write adds to it (blocking while
 * the sum would reach 2^64-1), a read takes all of it, or one with
 * EFD_SEMAPHORE (blocking while it is zero). The counter lives under the
 * wait queue's spinlock, so a notification from any context (later: an
 * interrupt handler signalling an eventfd) needs nothing else; readers
 * sleep for POLLIN, writers for POLLOUT.
 */
#include <alto/epoll.h>
#include <alto/mm.h>
#include <alto/signal.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>

#define COUNT_MAX UINT64_MAX

struct eventfd {
	struct waitq wq;
	uint64_t count;
	bool semaphore;
};

/* Can a read go on (write false), or a write of val? */
static bool can(struct eventfd *e, bool write, uint64_t val)
{
	return write ? COUNT_MAX - e->count > val : e->count != 0;
}

/* Wait (wq.lock held) until can(); -EAGAIN when non-blocking, a restart code on a signal. */
static int wait_can(struct eventfd *e, struct file *f, struct uio *u, unsigned long *flags,
		    bool write, uint64_t val)
{
	int r = 0;

	while (!can(e, write, val) && !r) {
		if ((f->flags & O_NONBLOCK) || u->nowait)
			return -EAGAIN;
		r = waitq_wait_events_locked(&e->wq, flags, 0, write ? POLLOUT : POLLIN);
	}
	return r == -EINTR ? -ERESTARTSYS : r;
}

static long eventfd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t val = 0;

	if (u->resid < sizeof(val))
		return -EINVAL;
	unsigned long flags = spin_lock(&e->wq.lock);
	int r = wait_can(e, f, u, &flags, false, 0);
	if (!r) {
		val = e->semaphore ? 1 : e->count;
		e->count -= val;
		waitq_notify_locked(&e->wq, POLLOUT | POLLWRNORM);
	}
	spin_unlock(&e->wq.lock, flags);
	if (r)
		return r;
	return uio_copy_out(u, &val, sizeof(val)) ?: (long)sizeof(val);
}

static long eventfd_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t val;

	if (u->resid < sizeof(val))
		return -EINVAL;
	if (uio_copy_in(u, &val, sizeof(val)))
		return -EFAULT;
	if (val == COUNT_MAX)
		return -EINVAL;
	unsigned long flags = spin_lock(&e->wq.lock);
	int r = wait_can(e, f, u, &flags, true, val);
	if (!r) {
		e->count += val;
		if (val)
			waitq_notify_locked(&e->wq, POLLIN | POLLRDNORM);
	}
	spin_unlock(&e->wq.lock, flags);
	return r ? r : (long)sizeof(val);
}

static unsigned int eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	unsigned int mask = 0;

	poll_wait(pt, &e->wq);
	uint64_t count = READ_ONCE(e->count);
	if (count)
		mask |= POLLIN | POLLRDNORM;
	if (count == COUNT_MAX)
		mask |= POLLERR;
	if (count < COUNT_MAX - 1)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
	.anon_name = "[eventfd]",
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.release = eventfd_release,
};

struct file *eventfd_create(uint64_t count, unsigned int flags)
{
	struct eventfd *e = kzalloc(sizeof(*e));
	struct file *f;

	if (!e)
		return ERR_PTR(-ENOMEM);
	waitq_init(&e->wq);
	e->count = count;
	e->semaphore = flags & EFD_SEMAPHORE;
	f = vfs_anon_file(&eventfd_fops, 0, O_RDWR | (flags & O_NONBLOCK), e);
	if (IS_ERR(f))
		kfree(e);
	return f;
}
