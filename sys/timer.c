/*
 * Timers: alarm, getitimer/setitimer, the POSIX timer calls and timerfd.
 * The handlers convert Linux's structures to nanoseconds and back; the
 * timers themselves are in kernel/posix_timers.c and fs/timerfd.c.
 */
#include <alto/clock.h>
#include <alto/fdtable.h>
#include <alto/process.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/time.h>

static int timeval_to_ns(const struct timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	struct timespec ts = { tv->tv_sec, tv->tv_usec * 1000 };
	return timespec_to_ns(&ts, ns);
}

/* An active itimer shows at least 1 us (as Linux), never a disarmed-looking zero. */
static struct itimerval to_itimerval(const struct itimer_ns *v)
{
	uint64_t value = v->value && v->value < NSEC_PER_USEC ? NSEC_PER_USEC : v->value;

	return (struct itimerval){ ns_to_timeval(v->interval), ns_to_timeval(value) };
}

SYSCALL_DEFINE(getitimer, int which, struct itimerval __user *value)
{
	struct itimer_ns cur;
	int r = itimer_get(current_process(), which, &cur);

	if (r)
		return r;
	struct itimerval v = to_itimerval(&cur);
	return copy_to_user(value, &v, sizeof(v));
}

SYSCALL_DEFINE(setitimer, int which, const struct itimerval __user *value,
	       struct itimerval __user *ovalue)
{
	struct itimerval v = { 0 };
	struct itimer_ns set, old;
	int r;

	/* A NULL value disarms, as Linux has always allowed. */
	if (value && copy_from_user(&v, value, sizeof(v)))
		return -EFAULT;
	if ((r = timeval_to_ns(&v.it_value, &set.value)) ||
	    (r = timeval_to_ns(&v.it_interval, &set.interval)))
		return r;
	r = itimer_set(current_process(), which, &set, &old);
	if (r || !ovalue)
		return r;
	v = to_itimerval(&old);
	return copy_to_user(ovalue, &v, sizeof(v));
}

SYSCALL_DEFINE(alarm, unsigned int seconds)
{
	struct itimer_ns set = { (uint64_t)seconds * NSEC_PER_SEC, 0 }, old;

	if (itimer_set(current_process(), ITIMER_REAL, &set, &old))
		return 0;
	/* The seconds left, rounded to the nearest, but never 0 for a pending alarm. */
	uint64_t secs = old.value / NSEC_PER_SEC, usec = old.value % NSEC_PER_SEC / 1000;
	if ((!secs && old.value) || usec >= 500000)
		secs++;
	return (long)secs;
}

SYSCALL_DEFINE(timer_create, int clock, const struct ksigevent __user *evp, int __user *timerid)
{
	struct process *p = current_process();
	struct ksigevent ev;

	if (evp && copy_from_user(&ev, evp, sizeof(ev)))
		return -EFAULT;
	int id = posix_timer_create(p, clock, evp ? &ev : NULL);
	if (id < 0)
		return id;
	if (put_user(id, timerid)) {
		posix_timer_delete(p, id);
		return -EFAULT;
	}
	return 0;
}

static struct itimerspec to_itimerspec(const struct itimer_ns *v)
{
	return (struct itimerspec){ ns_to_timespec(v->interval), ns_to_timespec(v->value) };
}

/* Read an itimerspec: 0, -EFAULT or -EINVAL. */
static long itimerspec_from_user(const struct itimerspec __user *u, struct itimer_ns *v)
{
	struct itimerspec its;

	if (copy_from_user(&its, u, sizeof(its)))
		return -EFAULT;
	return timespec_to_ns(&its.it_value, &v->value) ?:
		       timespec_to_ns(&its.it_interval, &v->interval);
}

static long itimerspec_to_user(struct itimerspec __user *u, const struct itimer_ns *v)
{
	struct itimerspec its = to_itimerspec(v);

	return copy_to_user(u, &its, sizeof(its));
}

SYSCALL_DEFINE(timer_settime, int id, int flags, const struct itimerspec __user *value,
	       struct itimerspec __user *ovalue)
{
	struct itimer_ns set, old;
	long r;

	if (!value)
		return -EINVAL;
	if ((r = itimerspec_from_user(value, &set)))
		return r;
	r = posix_timer_set(current_process(), id, flags & TIMER_ABSTIME, &set, &old);
	if (r || !ovalue)
		return r;
	return itimerspec_to_user(ovalue, &old);
}

SYSCALL_DEFINE(timer_gettime, int id, struct itimerspec __user *value)
{
	struct itimer_ns cur;
	int r = posix_timer_get(current_process(), id, &cur);

	return r ? r : itimerspec_to_user(value, &cur);
}

SYSCALL_DEFINE(timer_getoverrun, int id)
{
	return posix_timer_overrun(current_process(), id);
}

SYSCALL_DEFINE(timer_delete, int id)
{
	return posix_timer_delete(current_process(), id);
}

SYSCALL_DEFINE(timerfd_create, int clock, int flags)
{
	struct fdtable *t = current_fdtable();

	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (!t)
		return -EMFILE;
	return fd_install(timerfd_new(clock, flags & TFD_NONBLOCK ? O_NONBLOCK : 0),
			  flags & TFD_CLOEXEC);
}

SYSCALL_DEFINE(timerfd_settime, int fd, int flags, const struct itimerspec __user *value,
	       struct itimerspec __user *ovalue)
{
	struct itimer_ns set, old;
	long r = itimerspec_from_user(value, &set);

	if (r)
		return r;
	struct file *f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	r = timerfd_settime(f, flags, &set, &old);
	file_put(f);
	if (r || !ovalue)
		return r;
	return itimerspec_to_user(ovalue, &old);
}

SYSCALL_DEFINE(timerfd_gettime, int fd, struct itimerspec __user *value)
{
	struct itimer_ns cur;
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	long r = timerfd_gettime(f, &cur);
	file_put(f);
	return r ? r : itimerspec_to_user(value, &cur);
}
