/*
 * Socket system calls: a descriptor becomes its socket (EBADF, ENOTSOCK)
 * and the socket layer (net/) does the rest, addresses and messages
 * included. recvmmsg's time-out is turned into a deadline here and what is
 * left of it written back, as Linux does.
 */
#include <alto/fdtable.h>
#include <alto/socket.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <uapi/errno.h>

/* call, with s the socket at fd (its file referenced meanwhile). */
#define WITH_SOCKET(fd, s, call)                                          \
	({                                                                \
		struct file *f_ = fd_get_file(fd);                        \
		struct socket *s = f_ ? sock_of(f_) : NULL;               \
		long r_ = !f_ ? -EBADF : !(s) ? -ENOTSOCK : (long)(call); \
		file_put(f_);                                             \
		r_;                                                       \
	})

SYSCALL_DEFINE(socket, int family, int type, int protocol)
{
	return fd_install(sock_create(family, type, protocol), type & SOCK_CLOEXEC);
}

SYSCALL_DEFINE(socketpair, int family, int type, int protocol, int __user *sv)
{
	return sock_socketpair(family, type, protocol, sv);
}

SYSCALL_DEFINE(bind, int fd, const void __user *addr, int len)
{
	return WITH_SOCKET(fd, s, sock_bind(s, addr, len));
}

SYSCALL_DEFINE(connect, int fd, const void __user *addr, int len)
{
	return WITH_SOCKET(fd, s, sock_connect(s, addr, len));
}

SYSCALL_DEFINE(listen, int fd, int backlog)
{
	return WITH_SOCKET(fd, s, sock_listen(s, backlog));
}

SYSCALL_DEFINE(accept4, int fd, void __user *addr, int __user *len, int flags)
{
	return WITH_SOCKET(fd, s, sock_accept(s, addr, len, flags));
}

SYSCALL_DEFINE(accept, int fd, void __user *addr, int __user *len)
{
	return sys_accept4(fd, addr, len, 0);
}

SYSCALL_DEFINE(getsockname, int fd, void __user *addr, int __user *len)
{
	return WITH_SOCKET(fd, s, sock_getname(s, addr, len, false));
}

SYSCALL_DEFINE(getpeername, int fd, void __user *addr, int __user *len)
{
	return WITH_SOCKET(fd, s, sock_getname(s, addr, len, true));
}

SYSCALL_DEFINE(shutdown, int fd, int how)
{
	return WITH_SOCKET(fd, s, sock_shutdown(s, how));
}

SYSCALL_DEFINE(sendto, int fd, const void __user *buf, size_t len, int flags,
	       const void __user *addr, int alen)
{
	return WITH_SOCKET(fd, s, sock_sendto(s, buf, len, flags, addr, alen));
}

SYSCALL_DEFINE(recvfrom, int fd, void __user *buf, size_t len, int flags, void __user *addr,
	       int __user *alen)
{
	return WITH_SOCKET(fd, s, sock_recvfrom(s, buf, len, flags, addr, alen));
}

SYSCALL_DEFINE(sendmsg, int fd, struct msghdr __user *msg, int flags)
{
	return WITH_SOCKET(fd, s, sock_sendmsg(s, msg, flags));
}

SYSCALL_DEFINE(recvmsg, int fd, struct msghdr __user *msg, int flags)
{
	return WITH_SOCKET(fd, s, sock_recvmsg(s, msg, flags));
}

SYSCALL_DEFINE(sendmmsg, int fd, struct mmsghdr __user *vec, unsigned int vlen, int flags)
{
	return WITH_SOCKET(fd, s, sock_sendmmsg(s, vec, vlen, flags));
}

SYSCALL_DEFINE(recvmmsg, int fd, struct mmsghdr __user *vec, unsigned int vlen, int flags,
	       struct timespec __user *timeout)
{
	struct timespec ts;
	uint64_t deadline = 0;
	long r;

	if (timeout) {
		if (copy_from_user(&ts, timeout, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
			return -EINVAL;
		/* A zero time-out has passed once one message is in, but is a deadline all the
		 * same. */
		deadline =
			time_now_ns() + (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	}
	r = WITH_SOCKET(fd, s, sock_recvmmsg(s, vec, vlen, flags, deadline));
	if (timeout && r >= 0) {
		uint64_t now = time_now_ns(), left = now < deadline ? deadline - now : 0;
		ts = (struct timespec){ (int64_t)(left / NSEC_PER_SEC),
					(long)(left % NSEC_PER_SEC) };
		if (copy_to_user(timeout, &ts, sizeof(ts)))
			return -EFAULT;
	}
	return r;
}

SYSCALL_DEFINE(setsockopt, int fd, int level, int name, const void __user *val, unsigned int len)
{
	return WITH_SOCKET(fd, s, sock_setsockopt(s, level, name, val, len));
}

SYSCALL_DEFINE(getsockopt, int fd, int level, int name, void __user *val, unsigned int __user *len)
{
	return WITH_SOCKET(fd, s, sock_getsockopt(s, level, name, val, len));
}
