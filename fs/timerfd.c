/*
 * timerfd: a clock timer whose expirations are counted in the file; read()
 * returns the count as a uint64 and resets it. A periodic timer that fired
 * is parked until the count is read (as Linux re-arms at read time), so an
 * unread timerfd costs no interrupts. The count is updated under the
 * timer's lock and read under the wait queue's, never both in that order.
 */
#include <alto/clock.h>
#include <alto/mm.h>
#include <alto/signal.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/time.h>
#include "internal.h"

struct timerfd {
	struct spinlock lock; /* the ctimer's lock; also guards the flags below */
	struct waitq wq;
	struct ctimer ct;
	uint64_t ticks; /* expirations not yet read */
	bool cancel_on_set;
	bool canceled; /* the wall clock was set under TFD_TIMER_CANCEL_ON_SET */
};

static const struct file_ops timerfd_fops;

static bool timerfd_fire(struct ctimer *ct, uint64_t count, struct ctimer_signal *sig)
{
	struct timerfd *tfd = container_of(ct, struct timerfd, ct);

	WRITE_ONCE(tfd->ticks, tfd->ticks + count);
	waitq_notify(&tfd->wq, POLLIN | POLLRDNORM);
	return false; /* park: the next read re-arms */
}

static void timerfd_clock_set(struct ctimer *ct)
{
	struct timerfd *tfd = container_of(ct, struct timerfd, ct);

	if (!tfd->cancel_on_set)
		return;
	tfd->canceled = true;
	WRITE_ONCE(tfd->ticks, tfd->ticks + 1); /* readable, as on Linux */
	waitq_notify(&tfd->wq, POLLIN | POLLRDNORM);
}

/* Take the count (re-arming a parked timer): > 0, 0 for none yet, or -ECANCELED. */
static int64_t take_ticks(struct timerfd *tfd)
{
	unsigned long flags = spin_lock(&tfd->lock);
	int64_t n;

	if (tfd->canceled) {
		tfd->canceled = false;
		WRITE_ONCE(tfd->ticks, 0);
		n = -ECANCELED;
	} else {
		n = (int64_t)(tfd->ticks + ctimer_catch_up(&tfd->ct));
		WRITE_ONCE(tfd->ticks, 0);
	}
	spin_unlock(&tfd->lock, flags);
	return n;
}

static int wait_ticks(struct timerfd *tfd)
{
	unsigned long flags = spin_lock(&tfd->wq.lock);

	while (!READ_ONCE(tfd->ticks) && !signal_pending())
		waitq_wait_locked(&tfd->wq, &flags, 0);
	spin_unlock(&tfd->wq.lock, flags);
	return READ_ONCE(tfd->ticks) ? 0 : -EINTR;
}

static long timerfd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct timerfd *tfd = f->priv;
	int64_t n;

	if (u->resid < sizeof(uint64_t))
		return -EINVAL;
	while (!(n = take_ticks(tfd))) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int err = wait_ticks(tfd);
		if (err)
			return err;
	}
	if (n < 0)
		return n;
	uint64_t count = (uint64_t)n;
	return uio_copy_out(u, &count, sizeof(count)) ?: (long)sizeof(count);
}

static unsigned int timerfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *tfd = f->priv;

	poll_wait(pt, &tfd->wq);
	return READ_ONCE(tfd->ticks) ? POLLIN | POLLRDNORM : 0;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *tfd = f->priv;

	ctimer_destroy(&tfd->ct);
	kfree(tfd);
}

static const struct file_ops timerfd_fops = {
	.anon_name = "[timerfd]",
	.read = timerfd_read,
	.poll = timerfd_poll,
	.release = timerfd_release,
};

struct file *timerfd_new(int clock, unsigned int flags)
{
	struct timerfd *tfd = kzalloc(sizeof(*tfd));

	if (!tfd)
		return ERR_PTR(-ENOMEM);
	spin_init(&tfd->lock);
	waitq_init(&tfd->wq);
	ctimer_init(&tfd->ct, clock, &tfd->lock, timerfd_fire);
	tfd->ct.clock_set = timerfd_clock_set;
	/* An anonymous inode: mode 0600 and no file type, as Linux shows it. */
	struct file *f = vfs_anon_file(&timerfd_fops, 0, O_RDWR | (flags & O_NONBLOCK), tfd);
	if (IS_ERR(f)) {
		ctimer_destroy(&tfd->ct);
		kfree(tfd);
	}
	return f;
}

static struct timerfd *timerfd_of(struct file *f)
{
	return f->ops == &timerfd_fops ? f->priv : NULL;
}

int timerfd_settime(struct file *f, int flags, const struct itimer_ns *value, struct itimer_ns *old)
{
	struct timerfd *tfd = timerfd_of(f);
	bool abs = flags & TFD_TIMER_ABSTIME;

	if (!tfd || (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)))
		return -EINVAL;
	unsigned long irq = spin_lock(&tfd->lock);
	ctimer_catch_up(&tfd->ct);
	ctimer_set(&tfd->ct, value->value, abs, value->interval, old);
	WRITE_ONCE(tfd->ticks, 0);
	tfd->canceled = false;
	tfd->cancel_on_set =
		abs && (flags & TFD_TIMER_CANCEL_ON_SET) &&
		(tfd->ct.clock == CLOCK_REALTIME || tfd->ct.clock == CLOCK_REALTIME_ALARM);
	spin_unlock(&tfd->lock, irq);
	return 0;
}

int timerfd_gettime(struct file *f, struct itimer_ns *cur)
{
	struct timerfd *tfd = timerfd_of(f);

	if (!tfd)
		return -EINVAL;
	unsigned long flags = spin_lock(&tfd->lock);
	uint64_t missed = ctimer_catch_up(&tfd->ct);
	WRITE_ONCE(tfd->ticks, tfd->ticks + missed);
	ctimer_get(&tfd->ct, cur);
	if (missed)
		waitq_notify(&tfd->wq, POLLIN | POLLRDNORM);
	spin_unlock(&tfd->lock, flags);
	return 0;
}
