/*
 * Messages: send, sendto, sendmsg, sendmmsg and their receiving twins, as
 * the layer does them for every family. Headers and addresses are imported
 * here with Linux's checks and limits, control messages are copied in whole
 * for sendmsg (the family walks them with cmsg_first/cmsg_next) and written
 * out one by one for recvmsg (sock_put_cmsg, cut with MSG_CTRUNC as Linux
 * cuts them). EPIPE raises SIGPIPE unless MSG_NOSIGNAL says otherwise.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

#define FAST_IOV	8
#define CONTROL_MAX	(64 * 1024) /* more than Linux's optmem_max allows anyway */
#define CONTROL_ONSTACK 128

/* ---- control messages */

static struct cmsghdr *cmsg_at(struct sock_msg *m, size_t off)
{
	struct cmsghdr *c;

	if (off + sizeof(*c) > m->controllen)
		return NULL;
	c = (struct cmsghdr *)((char *)m->control + off);
	if (c->cmsg_len < sizeof(*c) || c->cmsg_len > m->controllen - off)
		return ERR_PTR(-EINVAL);
	return c;
}

struct cmsghdr *cmsg_first(struct sock_msg *m)
{
	return cmsg_at(m, 0);
}

struct cmsghdr *cmsg_next(struct sock_msg *m, struct cmsghdr *c)
{
	size_t off = (size_t)((char *)c - (char *)m->control) + CMSG_ALIGN(c->cmsg_len);

	return cmsg_at(m, off);
}

int sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data, size_t len)
{
	size_t room = m->ucontrollen - m->ucontrol_used;
	struct cmsghdr c = { .cmsg_len = CMSG_LEN(len), .cmsg_level = level, .cmsg_type = type };
	char __user *at = (char __user *)m->ucontrol + m->ucontrol_used;

	if (!m->ucontrol || room < sizeof(c)) {
		m->flags |= MSG_CTRUNC;
		return 0;
	}
	if (room < c.cmsg_len) {
		m->flags |= MSG_CTRUNC;
		c.cmsg_len = room;
	}
	if (copy_to_user(at, &c, sizeof(c)) ||
	    copy_to_user(at + CMSG_HDRLEN, data, c.cmsg_len - CMSG_HDRLEN))
		return -EFAULT;
	m->ucontrol_used += MIN(CMSG_SPACE(len), room);
	return 0;
}

size_t sock_cmsg_room_fds(const struct sock_msg *m)
{
	size_t room = m->ucontrol ? m->ucontrollen - m->ucontrol_used : 0;

	return room > CMSG_HDRLEN ? (room - CMSG_HDRLEN) / sizeof(int) : 0;
}

int sock_put_rights(struct sock_msg *m, struct file **files, int n)
{
	size_t room = sock_cmsg_room_fds(m);
	int fds[SCM_MAX_FD];
	int got = 0, err = 0;

	while (got < n && got < SCM_MAX_FD && (size_t)got < room) {
		int fd = fd_install(files[got], m->cmsg_cloexec);
		files[got] = NULL; /* installed, or put by fd_install */
		if (fd < 0)
			break;
		fds[got++] = fd;
	}
	if (got < n)
		m->flags |= MSG_CTRUNC;
	for (int i = got; i < n; i++)
		file_put(files[i]);
	if (got)
		err = sock_put_cmsg(m, SOL_SOCKET, SCM_RIGHTS, fds, got * sizeof(int));
	return err;
}

/* ---- sending and receiving, for every family */

static bool nonblocking(struct socket *s, int flags)
{
	return (flags & MSG_DONTWAIT) || (READ_ONCE(s->file->flags) & O_NONBLOCK);
}

long sock_do_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	long r;

	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	r = s->ops->sendmsg(s, m, flags, nonblocking(s, flags));
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		signal_raise_current(SIGPIPE);
	return r;
}

long sock_do_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	if (!s->ops->recvmsg)
		return -EOPNOTSUPP;
	m->cmsg_cloexec = flags & MSG_CMSG_CLOEXEC;
	return s->ops->recvmsg(s, m, flags & ~MSG_CMSG_CLOEXEC, nonblocking(s, flags));
}

long sock_sendto(struct socket *s, const void __user *buf, size_t len, int flags,
		 const void __user *addr, int alen)
{
	struct sockaddr_storage k;
	struct sock_msg m = { 0 };
	struct uio u;

	if (addr) {
		int err = sockaddr_import(&k, addr, alen);
		if (err)
			return err;
		m.name = &k;
		m.namelen = alen;
	}
	uio_init_user(&u, (void __user *)buf, MIN(len, (size_t)VFS_MAX_RW));
	m.uio = &u;
	return sock_do_sendmsg(s, &m, flags);
}

long sock_recvfrom(struct socket *s, void __user *buf, size_t len, int flags, void __user *addr,
		   int __user *alen)
{
	struct sockaddr_storage k;
	struct sock_msg m = { 0 };
	struct uio u;
	long r;

	uio_init_user(&u, buf, MIN(len, (size_t)VFS_MAX_RW));
	m.uio = &u;
	if (addr) {
		m.name = &k;
		m.namelen = sizeof(k);
	}
	r = sock_do_recvmsg(s, &m, flags);
	if (r >= 0 && addr) {
		int err = sockaddr_export(&k, m.namelen, addr, alen);
		if (err)
			return err;
	}
	return r;
}

/* A sendmsg's header, copied in with its name, data vector and control messages. */
struct kmsg {
	struct msghdr h;
	struct sockaddr_storage name;
	struct uio uio;
	struct iovec fast[FAST_IOV];
	char control_fast[CONTROL_ONSTACK] __attribute__((aligned(8)));
	struct sock_msg m;
};

static long import_msg(struct kmsg *k, const struct msghdr __user *u, bool send)
{
	long r;

	/* free_msg() follows whatever this returns: nothing may be left from the heap. */
	k->uio = (struct uio){ 0 };
	k->m = (struct sock_msg){ .uio = &k->uio };
	if (copy_from_user(&k->h, u, sizeof(k->h)))
		return -EFAULT;
	if (k->h.msg_namelen < 0)
		return -EINVAL;
	if (k->h.msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (k->h.msg_name) {
		int len = MIN(k->h.msg_namelen, (int)sizeof(k->name));
		k->m.name = &k->name;
		k->m.namelen = len;
		if (send && (r = sockaddr_import(&k->name, (void __user *)k->h.msg_name, len)))
			return r;
	}
	if (!send) {
		k->m.ucontrol = (void __user *)k->h.msg_control;
		k->m.ucontrollen = k->h.msg_controllen;
	} else if (k->h.msg_controllen) {
		if (k->h.msg_controllen > CONTROL_MAX)
			return -ENOBUFS;
		k->m.controllen = k->h.msg_controllen;
		k->m.control = k->m.controllen <= sizeof(k->control_fast) ?
				       k->control_fast :
				       kmalloc(k->m.controllen);
		if (!k->m.control)
			return -ENOBUFS;
		if (copy_from_user(k->m.control, (void __user *)k->h.msg_control, k->m.controllen))
			return -EFAULT;
	}
	r = uio_import(&k->uio, (const struct iovec __user *)k->h.msg_iov, (int)k->h.msg_iovlen,
		       k->fast, FAST_IOV);
	if (r >= 0)
		uio_clamp(&k->uio, VFS_MAX_RW);
	return r < 0 ? r : 0;
}

static void free_msg(struct kmsg *k)
{
	uio_free(&k->uio);
	if (k->m.control != k->control_fast)
		kfree(k->m.control);
	k->m.control = NULL;
}

/* The results a recvmsg writes back: the name's length, the flags, the control used. */
static long export_msg(struct kmsg *k, struct msghdr __user *u)
{
	int namelen = k->m.namelen;

	if (k->h.msg_name && copy_to_user((void __user *)k->h.msg_name, &k->name,
					  (size_t)MIN(namelen, k->h.msg_namelen)))
		return -EFAULT;
	if (put_user(k->h.msg_name ? namelen : 0, &u->msg_namelen) ||
	    put_user(k->m.flags, &u->msg_flags) ||
	    put_user((uint64_t)k->m.ucontrol_used, &u->msg_controllen))
		return -EFAULT;
	return 0;
}

static long sendmsg_one(struct socket *s, struct msghdr __user *u, int flags, struct kmsg *k)
{
	long r = import_msg(k, u, true);

	if (!r)
		r = sock_do_sendmsg(s, &k->m, flags);
	free_msg(k);
	return r;
}

static long recvmsg_one(struct socket *s, struct msghdr __user *u, int flags, struct kmsg *k)
{
	long r = import_msg(k, u, false);

	if (!r)
		r = sock_do_recvmsg(s, &k->m, flags);
	if (r >= 0) {
		long e = export_msg(k, u);
		r = e ? e : r;
	}
	free_msg(k);
	return r;
}

long sock_sendmsg(struct socket *s, struct msghdr __user *msg, int flags)
{
	struct kmsg *k = kmalloc(sizeof(*k));
	long r = k ? sendmsg_one(s, msg, flags, k) : -ENOMEM;

	kfree(k);
	return r;
}

long sock_recvmsg(struct socket *s, struct msghdr __user *msg, int flags)
{
	struct kmsg *k = kmalloc(sizeof(*k));
	long r = k ? recvmsg_one(s, msg, flags, k) : -ENOMEM;

	kfree(k);
	return r;
}

/* After the first message an error is kept for later (not EAGAIN): what was done counts. */
static long batch_result(struct socket *s, unsigned int done, long err, bool keep_error)
{
	if (!done)
		return err;
	if (keep_error && err < 0 && err != -EAGAIN)
		WRITE_ONCE(s->err, (int)-err);
	return done;
}

/*
 * sendmmsg and recvmmsg: one message after another, each one's length
 * written back; the time-out (recvmmsg) is looked at between messages only,
 * as Linux does, and MSG_WAITFORONE stops waiting after the first.
 */
static long batch(struct socket *s, struct mmsghdr __user *vec, unsigned int vlen, int flags,
		  uint64_t deadline, bool send)
{
	struct kmsg *k = kmalloc(sizeof(*k));
	unsigned int done = 0;
	long r = 0;

	if (!k)
		return -ENOMEM;
	vlen = MIN(vlen, (unsigned int)UIO_MAXIOV);
	while (done < vlen) {
		r = send ? sendmsg_one(s, &vec[done].msg_hdr, flags, k) :
			   recvmsg_one(s, &vec[done].msg_hdr, flags & ~MSG_WAITFORONE, k);
		if (r < 0)
			break;
		if (put_user((uint32_t)r, &vec[done].msg_len)) {
			r = -EFAULT;
			break;
		}
		done++;
		if (!send && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
		if (deadline && time_now_ns() >= deadline)
			break;
	}
	kfree(k);
	return batch_result(s, done, r, !send);
}

long sock_sendmmsg(struct socket *s, struct mmsghdr __user *vec, unsigned int vlen, int flags)
{
	return batch(s, vec, vlen, flags, 0, true);
}

long sock_recvmmsg(struct socket *s, struct mmsghdr __user *vec, unsigned int vlen, int flags,
		   uint64_t deadline)
{
	return batch(s, vec, vlen, flags, deadline, false);
}
