/*
 * The socket layer's core: sockets as files (read is recv, write is send,
 * poll and ioctl go to the family), the registry of families (a linker
 * section: SOCKET_FAMILY), creation, readiness and waiting, the interface
 * requests every family answers, and the calls
 * that only move an address or a descriptor: bind, connect, listen, accept,
 * getsockname, getpeername, shutdown, socketpair. A family nobody
 * registered is EAFNOSUPPORT, quietly: programs probe for families.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/net.h>
#include <alto/process.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/stat.h>
#include <uapi/termios.h>
#include "internal.h"

#define SOCK_MAX 11 /* types are below this (SOCK_PACKET is 10) */

extern const struct socket_family *const __socket_families_start[], *const __socket_families_end[];

static const struct file_ops socket_fops;

struct socket *sock_of(struct file *f)
{
	return f->ops == &socket_fops ? f->priv : NULL;
}

static const struct socket_family *find_family(int family)
{
	for (const struct socket_family *const *p = __socket_families_start;
	     p < __socket_families_end; p++) {
		if ((*p)->family == family)
			return *p;
	}
	return NULL;
}

/* ---- readiness */

void sock_notify(struct socket *s, unsigned int events)
{
	waitq_notify_seq(&s->wq, &s->seq, events);
}

int sock_wait_result(int r, uint64_t deadline)
{
	if (r == -ETIMEDOUT)
		return -EAGAIN;
	if (r == -EINTR)
		return deadline ? -EINTR : -ERESTARTSYS;
	return r;
}

int sock_wait(struct socket *s, unsigned int seq, unsigned int events, uint64_t deadline)
{
	return sock_wait_result(waitq_wait_seq(&s->wq, &s->seq, seq, events, deadline), deadline);
}

uint64_t sock_deadline(struct socket *s, bool send)
{
	uint64_t t = send ? READ_ONCE(s->sndtimeo_ns) : READ_ONCE(s->rcvtimeo_ns);

	return t ? time_now_ns() + t : 0;
}

struct ucred sock_current_cred(void)
{
	struct process *p = current_process();

	/* Alto's programs run as root until credentials arrive. */
	return (struct ucred){ .pid = p ? p->pid : 0, .uid = 0, .gid = 0 };
}

/* ---- sockets as files */

static long socket_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct sock_msg m = { .uio = u };

	return sock_do_recvmsg(f->priv, &m, u->nowait ? MSG_DONTWAIT : 0);
}

static long socket_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct sock_msg m = { .uio = u };

	return sock_do_sendmsg(f->priv, &m, u->nowait ? MSG_DONTWAIT : 0);
}

static unsigned int socket_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;

	if (!s->ops->poll) {
		poll_wait(pt, &s->wq);
		return 0;
	}
	return s->ops->poll(s, pt);
}

/* The family's ioctl, then the interface requests any socket answers (glibc's if_nametoindex). */
static int socket_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct socket *s = f->priv;
	int r = s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;

	return r == -ENOTTY ? net_if_ioctl(cmd, arg) : r;
}

static void socket_release(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops && s->ops->release)
		s->ops->release(s);
	kfree(s);
}

static const struct file_ops socket_fops = {
	.read = socket_read,
	.write = socket_write,
	.poll = socket_poll,
	.ioctl = socket_ioctl,
	.release = socket_release,
};

/* A socket file with the layer's defaults and no family state yet. */
static struct file *sock_alloc(int family, int type, int protocol, bool nonblock)
{
	struct socket *s = kzalloc(sizeof(*s));
	struct file *f;

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	waitq_init(&s->wq);
	s->sndbuf = SOCK_DEFAULT_BUF;
	s->rcvbuf = SOCK_DEFAULT_BUF;
	s->rcvlowat = 1;
	f = vfs_anon_file(&socket_fops, S_IFSOCK, O_RDWR | (nonblock ? O_NONBLOCK : 0), s);
	if (IS_ERR(f)) {
		kfree(s);
		return f;
	}
	f->vnode->mode = S_IFSOCK | 0777; /* as Linux shows sockets */
	s->file = f;
	return f;
}

struct file *sock_create(int family, int type, int protocol)
{
	const struct socket_family *fam;
	int kind = type & SOCK_TYPE_MASK;
	struct file *f;
	int err;

	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return ERR_PTR(-EINVAL);
	if (family < 0 || family >= AF_MAX)
		return ERR_PTR(-EAFNOSUPPORT);
	if (kind >= SOCK_MAX)
		return ERR_PTR(-EINVAL);
	fam = find_family(family);
	if (!fam)
		return ERR_PTR(-EAFNOSUPPORT);
	f = sock_alloc(family, kind, protocol, type & SOCK_NONBLOCK);
	if (IS_ERR(f))
		return f;
	err = fam->create(f->priv, protocol);
	if (err) {
		file_put(f);
		return ERR_PTR(err);
	}
	return f;
}

/* ---- addresses */

int sockaddr_import(struct sockaddr_storage *k, const void __user *u, int len)
{
	if (len < 0 || (size_t)len > sizeof(*k))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	if (len && copy_from_user(k, u, (size_t)len))
		return -EFAULT;
	return 0;
}

int sockaddr_export(const struct sockaddr_storage *k, int klen, void __user *u, int __user *ulen)
{
	int len;

	if (!ulen)
		return 0;
	if (get_user(len, ulen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	len = MIN(len, klen);
	if (len && copy_to_user(u, k, (size_t)len))
		return -EFAULT;
	return put_user(klen, ulen) ? -EFAULT : 0;
}

/* ---- the calls */

long sock_socketpair(int family, int type, int protocol, int __user *sv)
{
	struct file *a = sock_create(family, type, protocol), *b;
	int fd[2];
	long r;

	if (IS_ERR(a))
		return PTR_ERR(a);
	b = sock_create(family, type, protocol);
	if (IS_ERR(b)) {
		file_put(a);
		return PTR_ERR(b);
	}
	struct socket *sa = a->priv, *sb = b->priv;
	r = sa->ops->socketpair ? sa->ops->socketpair(sa, sb) : -EOPNOTSUPP;
	if (r) {
		file_put(a);
		file_put(b);
		return r;
	}
	fd[0] = fd_install(a, type & SOCK_CLOEXEC);
	if (fd[0] < 0) {
		file_put(b);
		return fd[0];
	}
	fd[1] = fd_install(b, type & SOCK_CLOEXEC);
	r = fd[1] < 0 ? fd[1] : copy_to_user(sv, fd, sizeof(fd));
	if (r) {
		fd_close(current_fdtable(), fd[0]);
		if (fd[1] >= 0)
			fd_close(current_fdtable(), fd[1]);
	}
	return r;
}

long sock_bind(struct socket *s, const void __user *addr, int len)
{
	struct sockaddr_storage k;
	int err = sockaddr_import(&k, addr, len);

	if (err)
		return err;
	return s->ops->bind ? s->ops->bind(s, &k, len) : -EOPNOTSUPP;
}

long sock_connect(struct socket *s, const void __user *addr, int len)
{
	struct sockaddr_storage k;
	int err = sockaddr_import(&k, addr, len);

	if (err)
		return err;
	if (!s->ops->connect)
		return -EOPNOTSUPP;
	return s->ops->connect(s, &k, len, s->file->flags & O_NONBLOCK);
}

long sock_listen(struct socket *s, int backlog)
{
	if ((unsigned int)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	return s->ops->listen ? s->ops->listen(s, backlog) : -EOPNOTSUPP;
}

long sock_accept(struct socket *s, void __user *addr, int __user *len, int flags)
{
	struct sockaddr_storage k;
	struct file *nf;
	int err, klen;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (!s->ops->accept)
		return -EOPNOTSUPP;
	nf = sock_alloc(s->family, s->type, s->protocol, flags & SOCK_NONBLOCK);
	if (IS_ERR(nf))
		return PTR_ERR(nf);
	struct socket *ns = nf->priv;
	ns->ops = s->ops;
	err = s->ops->accept(s, ns, s->file->flags & O_NONBLOCK);
	if (!err && addr) {
		klen = s->ops->getname(ns, &k, true);
		err = klen < 0 ? klen : sockaddr_export(&k, klen, addr, len);
	}
	if (err) {
		file_put(nf);
		return err;
	}
	return fd_install(nf, flags & SOCK_CLOEXEC);
}

long sock_getname(struct socket *s, void __user *addr, int __user *len, bool peer)
{
	struct sockaddr_storage k;
	int klen;

	if (!s->ops->getname)
		return -EOPNOTSUPP;
	memset(&k, 0, sizeof(k));
	klen = s->ops->getname(s, &k, peer);
	return klen < 0 ? klen : sockaddr_export(&k, klen, addr, len);
}

long sock_shutdown(struct socket *s, int how)
{
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	return s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
}
