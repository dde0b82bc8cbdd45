/*
 * POSIX message queue calls: arguments copied in and checked in Linux's
 * order, the work done by fs/mqueue.c. mq_notify's SIGEV_THREAD goes
 * through the C library's netlink socket (the kernel writes a cookie to
 * it, net/netlink.c).
 */
#include <alto/clock.h>
#include <alto/fdtable.h>
#include <alto/mqueue.h>
#include <alto/printk.h>
#include <alto/socket.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/signal.h>
#include <uapi/time.h>

SYSCALL_DEFINE(mq_open, const char __user *uname, int oflag, unsigned int mode,
	       const struct mq_attr_k __user *uattr)
{
	struct mq_attr_k attr;
	char *name;
	long r;

	if (uattr && copy_from_user(&attr, uattr, sizeof(attr)))
		return -EFAULT;
	name = vfs_getname(uname);
	if (IS_ERR(name))
		return PTR_ERR(name);
	r = mqueue_open(name, oflag, mode, uattr ? &attr : NULL);
	vfs_putname(name);
	return r;
}

SYSCALL_DEFINE(mq_unlink, const char __user *uname)
{
	char *name = vfs_getname(uname);
	long r;

	if (IS_ERR(name))
		return PTR_ERR(name);
	r = mqueue_unlink(name);
	vfs_putname(name);
	return r;
}

SYSCALL_DEFINE(mq_timedsend, int fd, const char __user *text, size_t len, unsigned int prio,
	       const struct timespec __user *abs_timeout)
{
	uint64_t deadline;
	long r = clock_user_deadline(abs_timeout, true, CLOCK_REALTIME, &deadline);

	return r ? r : mqueue_send(fd, text, len, prio, deadline);
}

SYSCALL_DEFINE(mq_timedreceive, int fd, char __user *text, size_t len, unsigned int __user *prio,
	       const struct timespec __user *abs_timeout)
{
	uint64_t deadline;
	long r = clock_user_deadline(abs_timeout, true, CLOCK_REALTIME, &deadline);

	return r ? r : mqueue_receive(fd, text, len, prio, deadline);
}

/*
 * SIGEV_THREAD, as the C libraries use it: sigev_signo is their netlink
 * socket, sigev_value points at a 32-byte cookie the kernel sends back to
 * that socket when the notification fires or ends (Linux's checks, in its
 * order: the cookie, the descriptor, a socket, a netlink one).
 */
static long notify_thread(int fd, const struct ksigevent *ev)
{
	uint8_t cookie[MQ_COOKIE_LEN];

	if (copy_from_user(cookie, (const void __user *)(uintptr_t)ev->sigev_value, sizeof(cookie)))
		return -EFAULT;
	struct file *sock = fd_get_file(ev->sigev_signo);
	if (!sock)
		return -EBADF;
	long r = !sock_of(sock) ? -ENOTSOCK : !netlink_is(sock_of(sock)) ? -EINVAL : 0;
	if (r) {
		file_put(sock);
		return r;
	}
	return mqueue_notify(fd, ev, sock, cookie);
}

SYSCALL_DEFINE(mq_notify, int fd, const struct ksigevent __user *uev)
{
	struct ksigevent ev;

	if (!uev)
		return mqueue_notify(fd, NULL, NULL, NULL);
	if (copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	if (ev.sigev_notify != SIGEV_NONE && ev.sigev_notify != SIGEV_SIGNAL &&
	    ev.sigev_notify != SIGEV_THREAD)
		return -EINVAL;
	if (ev.sigev_notify == SIGEV_SIGNAL && (ev.sigev_signo < 0 || ev.sigev_signo >= NSIG))
		return -EINVAL;
	if (ev.sigev_notify == SIGEV_THREAD)
		return notify_thread(fd, &ev);
	return mqueue_notify(fd, &ev, NULL, NULL);
}

SYSCALL_DEFINE(mq_getsetattr, int fd, const struct mq_attr_k __user *unew,
	       struct mq_attr_k __user *uold)
{
	struct mq_attr_k set, old;
	long r;

	if (unew) {
		if (copy_from_user(&set, unew, sizeof(set)))
			return -EFAULT;
		if (set.mq_flags & ~O_NONBLOCK)
			return -EINVAL;
	}
	r = mqueue_getsetattr(fd, unew ? &set : NULL, &old);
	if (!r && uold && copy_to_user(uold, &old, sizeof(old)))
		r = -EFAULT;
	return r;
}
