/*
 * The socket layer (net/socket.c; docs/sockets.md). A socket is a file;
 * each address family is a driver: a struct socket_family registered with
 * SOCKET_FAMILY(), whose create() gives the socket its struct socket_ops.
 * The layer does what every family shares: descriptors and flags, copying
 * addresses and message headers (control messages included) in and out of
 * the application, MSG_DONTWAIT and O_NONBLOCK, SO_RCVTIMEO/SO_SNDTIMEO,
 * SIGPIPE after EPIPE unless MSG_NOSIGNAL, sendmmsg/recvmmsg, and the
 * generic SOL_SOCKET options. A family keeps its own state under its own
 * locks and reports readiness through sock_notify(), which may be called
 * from any context (an interrupt handler, a network stack's thread).
 *
 * Operations return 0 or a count, or -errno. Addresses arrive and leave as
 * kernel copies (struct sockaddr_storage); message data moves through the
 * sock_msg's uio. The sock_* calls at the end are the system calls' side of
 * the layer (sys/net.c): they take the application's pointers.
 */
#ifndef ALTO_SOCKET_H
#define ALTO_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/compiler.h>
#include <alto/sync.h>
#include <alto/vfs.h>
#include <uapi/socket.h>

struct socket;
struct poll_table;

/*
 * One message of sendmsg or recvmsg, imported by the layer. For sendmsg,
 * name (when namelen > 0) is the destination and control the application's
 * control messages, copied in (iterate with cmsg_first/cmsg_next). For
 * recvmsg the family writes the source into name (capacity namelen; it sets
 * namelen to the address's real length, or 0 for none), control messages
 * through sock_put_cmsg(), and MSG_TRUNC, MSG_CTRUNC, MSG_EOR into flags.
 */
struct sock_msg {
	struct sockaddr_storage *name;
	int namelen;
	struct uio *uio;
	/* sendmsg */
	void *control;
	size_t controllen;
	/* recvmsg: the application's control buffer and how much of it is used */
	void __user *ucontrol;
	size_t ucontrollen, ucontrol_used;
	int flags;	   /* recvmsg's result flags */
	bool cmsg_cloexec; /* MSG_CMSG_CLOEXEC: descriptors received close on exec */
};

struct socket_ops {
	/* addr is a kernel copy of len bytes (len >= sizeof(sa_family_t)). */
	int (*bind)(struct socket *s, const struct sockaddr_storage *addr, int len);
	/* -EINPROGRESS when nonblock and the connection is not made at once (then poll + SO_ERROR).
	 */
	int (*connect)(struct socket *s, const struct sockaddr_storage *addr, int len,
		       bool nonblock);
	int (*listen)(struct socket *s, int backlog);
	/* Fill newsock (a fresh socket of the same family, type and protocol) with a connection. */
	int (*accept)(struct socket *s, struct socket *newsock, bool nonblock);
	/* The local (or peer) address into addr: its length, or -ENOTCONN (peer). */
	int (*getname)(struct socket *s, struct sockaddr_storage *addr, bool peer);
	/* Bytes sent or received; nonblock: MSG_DONTWAIT or O_NONBLOCK. */
	long (*sendmsg)(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
	long (*recvmsg)(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
	/* how: SHUT_RD, SHUT_WR or SHUT_RDWR (checked by the layer). */
	int (*shutdown)(struct socket *s, int how);
	/* Readiness, calling poll_wait(pt, &s->wq); pt->events says what the caller wants. */
	unsigned int (*poll)(struct socket *s, struct poll_table *pt);
	/*
	 * Options of the family's levels, and SOL_SOCKET ones after the layer
	 * (set: it has stored the value; get: asked first, -ENOPROTOOPT lets
	 * the layer answer). val is a kernel copy.
	 */
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, unsigned int len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, unsigned int *len);
	/* ioctls the layer does not know (FIONREAD, SIOCOUTQ, interface requests): -ENOTTY. */
	int (*ioctl)(struct socket *s, unsigned int cmd, unsigned long arg);
	/* Connect a and b (fresh sockets of one type), for socketpair(); NULL: -EOPNOTSUPP. */
	int (*socketpair)(struct socket *a, struct socket *b);
	/* The last reference is gone (s->priv may still be NULL after a failed create). */
	void (*release)(struct socket *s);
};

struct socket_family {
	int family;
	/* Set s->ops and s->priv for s->type and protocol: 0, -ESOCKTNOSUPPORT, -EPROTONOSUPPORT.
	 */
	int (*create)(struct socket *s, int protocol);
};

/* Register a family: SOCKET_FAMILY(unix_family) = { AF_UNIX, unix_create }; */
#define SOCKET_FAMILY(id)                                                                        \
	static const struct socket_family id;                                                    \
	static const struct socket_family *const id##_ptr __used __section(".socket_families") = \
		&id;                                                                             \
	static const struct socket_family id

struct socket {
	const struct socket_ops *ops;
	struct file *file; /* the socket's file (not referenced: the socket goes with it) */
	int family, type, protocol;
	void *priv; /* the family's */

	/* Readiness: sleepers and pollers; seq counts notifications (sock_wait). */
	struct waitq wq;
	unsigned int seq;

	/* The layer's SOL_SOCKET state; families read it. */
	int err;	      /* SO_ERROR: a pending asynchronous error (positive errno) */
	bool listening;	      /* SO_ACCEPTCONN, set by the family's listen */
	uint64_t flags;	      /* boolean options: bit SO_x (SO_REUSEADDR, SO_PASSCRED...) */
	uint64_t rcvtimeo_ns; /* 0: wait forever */
	uint64_t sndtimeo_ns;
	int sndbuf, rcvbuf; /* as getsockopt shows them (twice what was set) */
	int rcvlowat, priority, mark;
	struct linger linger;
};

static inline bool sock_flag(const struct socket *s, int so)
{
	return READ_ONCE(s->flags) & (1ull << so);
}

/* The socket of a file, or NULL when f is none. */
struct socket *sock_of(struct file *f);

/* A new socket file (type may carry SOCK_NONBLOCK), or ERR_PTR(-EAFNOSUPPORT...). */
struct file *sock_create(int family, int type, int protocol);

/*
 * Readiness: a family calls sock_notify() whenever what its poll reports
 * may have changed (events: what became true, as POLLIN | POLLRDNORM).
 * To wait for a condition, read sock_seq() first, check the condition under
 * the family's locks, and if it does not hold sock_wait() for a change.
 */
void sock_notify(struct socket *s, unsigned int events);

/* Whether s is an AF_NETLINK socket. */
bool netlink_is(struct socket *s);
/* Queue len bytes from the kernel on netlink socket s, as one datagram (-ENOBUFS when full). */
int netlink_unicast(struct socket *s, const void *data, size_t len);
static inline unsigned int sock_seq(struct socket *s)
{
	return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
}
/*
 * Sleep until a notification meeting events comes after seq: 0; -EAGAIN
 * when the absolute monotonic deadline (0: none) passes; -ERESTARTSYS (no
 * deadline) or -EINTR (with one) on a signal, as Linux's sockets answer.
 */
int sock_wait(struct socket *s, unsigned int seq, unsigned int events, uint64_t deadline);
/* A waitq_wait_seq() result as sock_wait() returns it (for a family's own queues). */
int sock_wait_result(int r, uint64_t deadline);
/* The deadline of a send or receive from SO_SNDTIMEO/SO_RCVTIMEO: 0 for none. */
uint64_t sock_deadline(struct socket *s, bool send);

/* Control messages of a sendmsg: the first and the next, or NULL; -EINVAL is a bad one. */
struct cmsghdr *cmsg_first(struct sock_msg *m);
struct cmsghdr *cmsg_next(struct sock_msg *m, struct cmsghdr *c);
static inline void *cmsg_data(struct cmsghdr *c)
{
	return (char *)c + CMSG_HDRLEN;
}
static inline size_t cmsg_data_len(const struct cmsghdr *c)
{
	return c->cmsg_len - CMSG_HDRLEN;
}
/*
 * Append a control message to a recvmsg's buffer: 0, or -EFAULT. What does
 * not fit is cut (MSG_CTRUNC), as Linux's put_cmsg does.
 */
int sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data, size_t len);
/* How many ints of SCM_RIGHTS still fit in the recvmsg's control buffer. */
size_t sock_cmsg_room_fds(const struct sock_msg *m);

/* The credentials of the current process, as SO_PEERCRED and SCM_CREDENTIALS give them. */
struct ucred sock_current_cred(void);

/* The system calls (sys/net.c): s from a descriptor; addresses and lengths are the application's.
 */
long sock_socketpair(int family, int type, int protocol, int __user *sv);
long sock_bind(struct socket *s, const void __user *addr, int len);
long sock_connect(struct socket *s, const void __user *addr, int len);
long sock_listen(struct socket *s, int backlog);
/* A new descriptor (flags SOCK_NONBLOCK, SOCK_CLOEXEC) and the peer's address. */
long sock_accept(struct socket *s, void __user *addr, int __user *len, int flags);
long sock_getname(struct socket *s, void __user *addr, int __user *len, bool peer);
long sock_shutdown(struct socket *s, int how);
long sock_sendto(struct socket *s, const void __user *buf, size_t len, int flags,
		 const void __user *addr, int alen);
long sock_recvfrom(struct socket *s, void __user *buf, size_t len, int flags, void __user *addr,
		   int __user *alen);
long sock_sendmsg(struct socket *s, struct msghdr __user *msg, int flags);
long sock_recvmsg(struct socket *s, struct msghdr __user *msg, int flags);
long sock_sendmmsg(struct socket *s, struct mmsghdr __user *vec, unsigned int vlen, int flags);
/* deadline: absolute monotonic, 0 for none (recvmmsg's time-out). */
long sock_recvmmsg(struct socket *s, struct mmsghdr __user *vec, unsigned int vlen, int flags,
		   uint64_t deadline);
long sock_setsockopt(struct socket *s, int level, int name, const void __user *val,
		     unsigned int len);
long sock_getsockopt(struct socket *s, int level, int name, void __user *val,
		     unsigned int __user *len);

#endif
