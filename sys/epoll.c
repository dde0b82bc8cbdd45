/*
 * epoll and eventfd system calls: argument checks, descriptors and the
 * application's memory here; the sets and counters are in fs/epoll.c and
 * fs/eventfd.c. As on Linux, an epoll wait interrupted by a signal fails
 * with EINTR and is never restarted, whatever SA_RESTART says; the
 * epoll_pwait calls keep their signal mask for the handler.
 */
#include <alto/epoll.h>
#include <alto/fdtable.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

#define EP_MAX_EVENTS (INT32_MAX / (int)sizeof(struct epoll_event))

SYSCALL_DEFINE(epoll_create1, int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	return fd_install(epoll_create(), flags & EPOLL_CLOEXEC);
}

SYSCALL_DEFINE(epoll_create, int size)
{
	return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}

SYSCALL_DEFINE(epoll_ctl, int epfd, int op, int fd, struct epoll_event __user *uev)
{
	struct epoll_event ev = { 0 };
	struct file *epf, *tf;
	long r;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	epf = fd_get_file(epfd);
	if (!epf)
		return -EBADF;
	tf = fd_get_file(fd);
	r = tf ? epoll_ctl(epf, op, fd, tf, &ev) : -EBADF;
	file_put(tf);
	file_put(epf);
	return r;
}

static long do_epoll_wait(int epfd, struct epoll_event __user *events, int max, uint64_t deadline)
{
	struct file *f;
	long r;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok(events, (size_t)max * sizeof(*events)))
		return -EFAULT;
	f = fd_get_file(epfd);
	if (!f)
		return -EBADF;
	r = epoll_wait(f, events, max, deadline);
	file_put(f);
	return r;
}

static uint64_t ms_deadline(int timeout)
{
	return timeout < 0 ? 0 : deadline_after((uint64_t)timeout * NSEC_PER_MSEC);
}

SYSCALL_DEFINE(epoll_wait, int epfd, struct epoll_event __user *events, int max, int timeout)
{
	return do_epoll_wait(epfd, events, max, ms_deadline(timeout));
}

/* The wait with the application's mask, which an interruption leaves for the handler. */
static long masked_wait(int epfd, struct epoll_event __user *events, int max, uint64_t deadline,
			const ksigset_t __user *sigmask, size_t sigsetsize)
{
	long r = set_wait_mask(sigmask, sigsetsize);

	if (r)
		return r;
	r = do_epoll_wait(epfd, events, max, deadline);
	if (r != -EINTR)
		signal_restore_temporary_mask();
	return r;
}

SYSCALL_DEFINE(epoll_pwait, int epfd, struct epoll_event __user *events, int max, int timeout,
	       const ksigset_t __user *sigmask, size_t sigsetsize)
{
	return masked_wait(epfd, events, max, ms_deadline(timeout), sigmask, sigsetsize);
}

SYSCALL_DEFINE(epoll_pwait2, int epfd, struct epoll_event __user *events, int max,
	       const struct timespec __user *timeout, const ksigset_t __user *sigmask,
	       size_t sigsetsize)
{
	uint64_t deadline;
	long r = timespec_deadline(timeout, &deadline);

	return r ? r : masked_wait(epfd, events, max, deadline, sigmask, sigsetsize);
}

SYSCALL_DEFINE(eventfd2, unsigned int count, int flags)
{
	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	return fd_install(eventfd_create(count, flags & (EFD_NONBLOCK | EFD_SEMAPHORE)),
			  flags & EFD_CLOEXEC);
}

SYSCALL_DEFINE(eventfd, unsigned int count)
{
	return sys_eventfd2(count, 0);
}
