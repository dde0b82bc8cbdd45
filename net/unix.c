/*
 * AF_UNIX sockets, all in the kernel: stream, datagram and seqpacket, with
 * names in the file system (a socket file made at bind; the socket is found
 * again through that file's vnode) or in the abstract namespace (a leading
 * NUL), connections through a listener's queue of embryos (the server's
 * end, made at connect, given a socket by accept), and socketpair. This file
 * holds names and connections; net/unix_msg.c moves the data.
 *
 * Each unix_sock has its own mutex and no code holds two of them, so
 * nothing here can deadlock on another socket; a global mutex guards the
 * names. Blocked senders and connectors sleep on the receiver's peer_wait,
 * which lives as long as any reference to it. Credentials and pids are the
 * current process's at the moment Linux takes them (listen, connect,
 * socketpair, each send), so several processes will work unchanged.
 */
#include <alto/fdtable.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/string.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/stat.h>
#include <uapi/termios.h>
#include "internal.h"

#define SUN_OFF	     offsetof(struct sockaddr_un, sun_path)
#define NO_ID	     0xffffffffu /* the uid and gid of credentials there are none of */
#define NAME_BUCKETS 64

/* The names: bound sockets by socket-file vnode or abstract name. */
static struct mutex names_lock = MUTEX_INIT(names_lock);
static struct list names[NAME_BUCKETS];
static bool names_ready;
static unsigned int autobind_next;

static const struct socket_ops unix_stream_ops, unix_dgram_ops;

static struct unix_sock *unix_of(struct socket *s)
{
	return s->priv;
}

void unix_get(struct unix_sock *u)
{
	__atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
}

void unix_addr_put(struct unix_addr *a)
{
	if (a && !__atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL))
		kfree(a);
}

static void purge(struct list *q)
{
	while (!list_empty(q)) {
		struct unix_skb *skb = list_first_entry(q, struct unix_skb, link);
		list_remove(&skb->link);
		unix_skb_free(skb);
	}
}

void unix_put(struct unix_sock *u)
{
	if (!u || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL))
		return;
	purge(&u->rcvq);
	unix_addr_put(u->addr);
	unix_put(u->peer); /* an embryo that never made it to a queue */
	kfree(u);
}

static struct unix_sock *unix_alloc(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	u->refs = 1;
	mutex_init(&u->lock);
	u->type = type;
	list_init(&u->name_link);
	list_init(&u->rcvq);
	list_init(&u->acceptq);
	list_init(&u->accept_link);
	waitq_init(&u->peer_wait);
	return u;
}

void unix_notify(struct unix_sock *u, unsigned int events)
{
	if (u->s)
		sock_notify(u->s, events);
}

void unix_wake_senders(struct unix_sock *u)
{
	waitq_notify_seq(&u->peer_wait, &u->peer_seq, WAITQ_ALL);
}

static bool connection_oriented(int type)
{
	return type == SOCK_STREAM || type == SOCK_SEQPACKET;
}

/* ---- names */

static struct list *bucket_of(const void *key, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const uint8_t *)key)[i]) * 16777619u;
	if (!names_ready) {
		for (int i = 0; i < NAME_BUCKETS; i++)
			list_init(&names[i]);
		names_ready = true;
	}
	return &names[h % NAME_BUCKETS];
}

/* A path name's bucket goes by its vnode, an abstract one's by its bytes. */
static struct list *bucket_for(struct vnode *v, const struct unix_addr *a)
{
	return v ? bucket_of(&v, sizeof(v)) : bucket_of(a->sun.sun_path, (size_t)a->len - SUN_OFF);
}

/* The socket bound to vnode v, or to abstract name a (names_lock held), referenced. */
static struct unix_sock *lookup_locked(struct vnode *v, const struct unix_addr *a)
{
	struct list *pos, *head = bucket_for(v, a);

	list_for_each(pos, head) {
		struct unix_sock *u = list_entry(pos, struct unix_sock, name_link);
		bool match = v ? u->vnode == v :
				 !u->vnode && u->addr->len == a->len &&
					     !memcmp(u->addr->sun.sun_path, a->sun.sun_path,
						     (size_t)a->len - SUN_OFF);
		if (match) {
			unix_get(u);
			return u;
		}
	}
	return NULL;
}

/*
 * An address from the application, checked as Linux checks it. A path
 * name ends at its first NUL (one is added if the buffer had none), an
 * abstract one takes every byte given.
 */
static struct unix_addr *make_addr(const struct sockaddr_storage *k, int len)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)k;
	struct unix_addr *a;

	if (len < (int)SUN_OFF || len > (int)sizeof(*sun) || sun->sun_family != AF_UNIX)
		return ERR_PTR(-EINVAL);
	if (len == (int)SUN_OFF)
		return NULL; /* autobind */
	a = kzalloc(sizeof(*a));
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->refs = 1;
	a->sun.sun_family = AF_UNIX;
	if (sun->sun_path[0]) {
		size_t n = strnlen(sun->sun_path, (size_t)len - SUN_OFF);
		memcpy(a->sun.sun_path, sun->sun_path, n);
		a->len = (int)(SUN_OFF + n + 1);
	} else {
		memcpy(a->sun.sun_path, sun->sun_path, (size_t)len - SUN_OFF);
		a->len = len;
	}
	return a;
}

static bool is_path(const struct unix_addr *a)
{
	return a->sun.sun_path[0] != 0;
}

/* Bind u (lock held) to a: the name table, and a socket file for a path. */
static int bind_locked(struct unix_sock *u, struct unix_addr *a)
{
	struct vnode *v = NULL;
	struct unix_sock *other;
	int err;

	if (is_path(a)) {
		err = vfs_mknod(NULL, a->sun.sun_path, S_IFSOCK | (0777 & ~vfs_umask()), 0);
		if (!err)
			err = vfs_lookup(NULL, a->sun.sun_path, 0, &v);
		if (err)
			return err == -EEXIST ? -EADDRINUSE : err;
	}
	mutex_lock(&names_lock);
	other = v ? NULL : lookup_locked(NULL, a);
	if (!other) {
		u->addr = a;
		u->vnode = v;
		list_append(bucket_for(v, a), &u->name_link);
	}
	mutex_unlock(&names_lock);
	if (other) {
		unix_put(other);
		return -EADDRINUSE;
	}
	return 0;
}

int unix_autobind(struct unix_sock *u)
{
	if (u->addr)
		return 0;
	for (int tries = 0; tries < 0x100000; tries++) {
		struct unix_addr *a = kzalloc(sizeof(*a));
		if (!a)
			return -ENOMEM;
		a->refs = 1;
		a->sun.sun_family = AF_UNIX;
		unsigned int n = __atomic_fetch_add(&autobind_next, 1, __ATOMIC_RELAXED) & 0xfffff;
		snprintf(a->sun.sun_path + 1, sizeof(a->sun.sun_path) - 1, "%05x", n);
		a->len = (int)(SUN_OFF + 6);
		if (!bind_locked(u, a))
			return 0;
		unix_addr_put(a);
	}
	return -ENOSPC;
}

static void unbind(struct unix_sock *u)
{
	mutex_lock(&names_lock);
	list_remove(&u->name_link);
	mutex_unlock(&names_lock);
	vnode_put(u->vnode);
	u->vnode = NULL;
}

static int unix_bind(struct socket *s, const struct sockaddr_storage *k, int len)
{
	struct unix_sock *u = unix_of(s);
	struct unix_addr *a = make_addr(k, len);
	int err;

	if (IS_ERR(a))
		return (int)PTR_ERR(a);
	mutex_lock(&u->lock);
	if (!a)
		err = unix_autobind(u);
	else if (!u->addr)
		err = bind_locked(u, a);
	else if (!is_path(a))
		err = -EINVAL;
	else if (!(err = vfs_mknod(NULL, a->sun.sun_path, S_IFSOCK, 0)) || err == -EEXIST)
		/* Linux makes the file before it finds the socket bound: EADDRINUSE first. */
		err = err ? -EADDRINUSE : (vfs_unlink(NULL, a->sun.sun_path), -EINVAL);
	mutex_unlock(&u->lock);
	if (err)
		unix_addr_put(a);
	return err;
}

struct unix_sock *unix_find(const struct sockaddr_storage *k, int len)
{
	struct unix_addr *a = make_addr(k, len);
	struct unix_sock *u = NULL;
	struct vnode *v = NULL;
	int err = 0;

	if (!a)
		return ERR_PTR(-EINVAL);
	if (IS_ERR(a))
		return (struct unix_sock *)a;
	if (is_path(a)) {
		err = vfs_lookup(NULL, a->sun.sun_path, LOOKUP_FOLLOW, &v);
		if (!err && !S_ISSOCK(v->mode))
			err = -ECONNREFUSED;
	}
	if (!err) {
		mutex_lock(&names_lock);
		u = lookup_locked(v, a);
		mutex_unlock(&names_lock);
		err = u ? 0 : -ECONNREFUSED;
	}
	vnode_put(v);
	unix_addr_put(a);
	return err ? ERR_PTR(err) : u;
}

static int unix_getname(struct socket *s, struct sockaddr_storage *k, bool peer)
{
	struct unix_sock *u = unix_of(s), *p = NULL;
	struct unix_addr *a;
	int len = (int)SUN_OFF;

	mutex_lock(&u->lock);
	if (peer) {
		p = u->peer;
		if (!p || (connection_oriented(u->type) && u->state != UNIX_CONNECTED)) {
			mutex_unlock(&u->lock);
			return -ENOTCONN;
		}
		unix_get(p);
	}
	mutex_unlock(&u->lock);
	struct unix_sock *w = p ? p : u;
	mutex_lock(&w->lock);
	a = w->addr;
	k->ss_family = AF_UNIX;
	if (a) {
		memcpy(k, &a->sun, (size_t)a->len);
		len = a->len;
	}
	mutex_unlock(&w->lock);
	unix_put(p);
	return len;
}

/* ---- connections */

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = unix_of(s);
	int err = 0;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&u->lock);
	if (!u->addr || (u->state != UNIX_UNCONNECTED && u->state != UNIX_LISTENING)) {
		err = -EINVAL;
	} else {
		if (backlog > u->backlog)
			unix_wake_senders(u); /* connectors waiting for room */
		u->backlog = backlog;
		u->state = UNIX_LISTENING;
		u->cred = sock_current_cred();
		/* A listener's own credentials are its SO_PEERCRED, as on Linux. */
		u->peercred = u->cred;
		u->has_peercred = true;
		s->listening = true;
	}
	mutex_unlock(&u->lock);
	return err;
}

/* Claim u (lock held) for a connection: 0, or why it cannot connect. */
static int start_connect(struct unix_sock *u)
{
	switch (u->state) {
	case UNIX_CONNECTED:
		return -EISCONN;
	case UNIX_LISTENING:
		return -EINVAL;
	case UNIX_CONNECTING:
		return -EALREADY;
	default:
		u->state = UNIX_CONNECTING;
		return 0;
	}
}

/* Queue the embryo n on listener l, waiting for room unless nonblock. */
static int queue_embryo(struct unix_sock *l, struct unix_sock *n, bool nonblock, uint64_t deadline)
{
	for (;;) {
		unsigned int seq = __atomic_load_n(&l->peer_seq, __ATOMIC_ACQUIRE);
		mutex_lock(&l->lock);
		if (l->dead || l->state != UNIX_LISTENING) {
			mutex_unlock(&l->lock);
			return -ECONNREFUSED;
		}
		if (l->nacceptq <= (unsigned int)l->backlog) {
			list_append(&l->acceptq, &n->accept_link);
			l->nacceptq++;
			n->addr = l->addr;
			__atomic_add_fetch(&n->addr->refs, 1, __ATOMIC_RELAXED);
			n->cred = l->cred;
			unix_notify(l, POLLIN | POLLRDNORM);
			mutex_unlock(&l->lock);
			return 0;
		}
		mutex_unlock(&l->lock);
		if (nonblock)
			return -EAGAIN;
		int r = unix_wait_room(l, seq, deadline);
		if (r)
			return r;
	}
}

static int stream_connect(struct unix_sock *u, struct unix_sock *l, bool nonblock)
{
	struct unix_sock *n;
	int err;

	if (l->type != u->type)
		return -EPROTOTYPE;
	mutex_lock(&u->lock);
	err = start_connect(u);
	if (!err && (u->s->flags & (1ull << SO_PASSCRED)))
		err = unix_autobind(u);
	u->cred = sock_current_cred();
	mutex_unlock(&u->lock);
	if (err)
		return err;
	n = unix_alloc(u->type);
	if (!n) {
		err = -ENOMEM;
	} else {
		unix_get(u);
		n->peer = u;
		n->state = UNIX_CONNECTED;
		n->peercred = u->cred;
		n->has_peercred = true;
		unix_get(n); /* the listener's queue holds one, we hold one */
		err = queue_embryo(l, n, nonblock, sock_deadline(u->s, true));
		if (err)
			unix_put(n); /* ours; the queue's, below */
	}
	mutex_lock(&u->lock);
	if (err) {
		u->state = UNIX_UNCONNECTED;
	} else {
		u->peer = n; /* our reference */
		u->state = UNIX_CONNECTED;
		u->peercred = n->cred; /* the listener's, copied at queueing */
		u->has_peercred = true;
		unix_notify(u, POLLOUT | POLLWRNORM);
	}
	mutex_unlock(&u->lock);
	if (err)
		unix_put(n);
	return err;
}

/* A datagram socket's default destination; AF_UNSPEC forgets it. */
static int dgram_connect(struct unix_sock *u, const struct sockaddr_storage *k, int len)
{
	struct unix_sock *p = NULL, *old;

	if (len >= (int)sizeof(sa_family_t) && k->ss_family == AF_UNSPEC) {
		p = NULL;
	} else {
		p = unix_find(k, len);
		if (IS_ERR(p))
			return (int)PTR_ERR(p);
		if (p->type != u->type) {
			unix_put(p);
			return -EPROTOTYPE;
		}
	}
	mutex_lock(&u->lock);
	int err = p && (u->s->flags & (1ull << SO_PASSCRED)) ? unix_autobind(u) : 0;
	if (err) {
		mutex_unlock(&u->lock);
		unix_put(p);
		return err;
	}
	old = u->peer;
	u->peer = p;
	unix_notify(u, POLLOUT | POLLWRNORM);
	mutex_unlock(&u->lock);
	unix_put(old);
	return 0;
}

static int unix_connect(struct socket *s, const struct sockaddr_storage *k, int len, bool nonblock)
{
	struct unix_sock *u = unix_of(s), *l;
	int err;

	if (u->type == SOCK_DGRAM)
		return dgram_connect(u, k, len);
	l = unix_find(k, len);
	if (IS_ERR(l))
		return (int)PTR_ERR(l);
	err = stream_connect(u, l, nonblock);
	unix_put(l);
	return err;
}

static int unix_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	struct unix_sock *u = unix_of(s), *n = NULL;
	uint64_t deadline = sock_deadline(s, false);
	int err = 0;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	while (!n && !err) {
		unsigned int seq = sock_seq(s);
		mutex_lock(&u->lock);
		if (u->state != UNIX_LISTENING) {
			err = -EINVAL;
		} else if (!list_empty(&u->acceptq)) {
			n = list_first_entry(&u->acceptq, struct unix_sock, accept_link);
			list_remove(&n->accept_link);
			u->nacceptq--;
		}
		mutex_unlock(&u->lock);
		if (!n && !err)
			err = nonblock ? -EAGAIN : sock_wait(s, seq, POLLIN, deadline);
	}
	if (err)
		return err;
	unix_wake_senders(u); /* room in the backlog */
	mutex_lock(&n->lock);
	n->s = ns;
	ns->priv = n; /* the queue's reference */
	ns->err = n->err;
	n->err = 0;
	/* The accepted socket inherits SO_PASSCRED and SO_PASSSEC. */
	ns->flags |= s->flags & ((1ull << SO_PASSCRED) | (1ull << SO_PASSSEC));
	mutex_unlock(&n->lock);
	return 0;
}

static int unix_socketpair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = unix_of(a), *ub = unix_of(b);
	struct ucred cred = sock_current_cred();

	unix_get(ub);
	ua->peer = ub;
	unix_get(ua);
	ub->peer = ua;
	ua->cred = ub->cred = ua->peercred = ub->peercred = cred;
	ua->has_peercred = ub->has_peercred = true;
	if (connection_oriented(ua->type))
		ua->state = ub->state = UNIX_CONNECTED;
	return 0;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = unix_of(s), *p;
	unsigned int mode = (unsigned int)how + 1; /* SHUT_RD is 0, RCV_SHUTDOWN 1 */
	unsigned int peer_mode = ((mode & UNIX_RCV_SHUTDOWN) ? UNIX_SEND_SHUTDOWN : 0) |
				 ((mode & UNIX_SEND_SHUTDOWN) ? UNIX_RCV_SHUTDOWN : 0);

	mutex_lock(&u->lock);
	u->shutdown |= mode;
	p = u->peer;
	if (p)
		unix_get(p);
	unix_notify(u, WAITQ_ALL);
	mutex_unlock(&u->lock);
	if (p && connection_oriented(u->type)) {
		mutex_lock(&p->lock);
		p->shutdown |= peer_mode;
		unix_notify(p, WAITQ_ALL);
		mutex_unlock(&p->lock);
		unix_wake_senders(p);
	}
	unix_put(p);
	return 0;
}

/* ---- readiness, ioctls, options */

/* A stream sender may write while what it has queued at the peer is within a quarter of SO_SNDBUF.
 */
static bool stream_writable(struct unix_sock *u)
{
	struct unix_sock *p = u->peer;

	return !p || READ_ONCE(p->rcv_bytes) * 4 <= (size_t)READ_ONCE(u->s->sndbuf);
}

static bool dgram_writable(struct unix_sock *u)
{
	struct unix_sock *p = u->peer;

	/* A full queue at a peer that is not connected back: only a send tells. */
	return !p || READ_ONCE(p->peer) != u || READ_ONCE(p->rcv_count) <= UNIX_MAX_DGRAM_QLEN;
}

static unsigned int unix_poll(struct socket *s, struct poll_table *pt)
{
	struct unix_sock *u = unix_of(s);
	unsigned int mask = 0;

	poll_wait(pt, &s->wq);
	mutex_lock(&u->lock);
	if (u->err || READ_ONCE(s->err))
		mask |= POLLERR;
	if (u->shutdown == UNIX_SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (u->shutdown & UNIX_RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rcvq) || !list_empty(&u->acceptq))
		mask |= POLLIN | POLLRDNORM;
	if (connection_oriented(u->type) &&
	    (u->state == UNIX_UNCONNECTED || u->state == UNIX_CONNECTING))
		mask |= POLLHUP;
	bool writable = u->state != UNIX_LISTENING &&
			(u->type == SOCK_STREAM ? stream_writable(u) : dgram_writable(u));
	if (writable)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	mutex_unlock(&u->lock);
	return mask;
}

static int unix_ioctl(struct socket *s, unsigned int cmd, unsigned long arg)
{
	struct unix_sock *u = unix_of(s);
	long n = 0;

	if (cmd != FIONREAD && cmd != TIOCOUTQ)
		return -ENOTTY;
	mutex_lock(&u->lock);
	if (u->state == UNIX_LISTENING) {
		n = -EINVAL;
	} else if (cmd == TIOCOUTQ) {
		n = u->peer && u->type == SOCK_STREAM ? (long)READ_ONCE(u->peer->rcv_bytes) : 0;
	} else if (connection_oriented(u->type)) {
		n = (long)u->rcv_bytes;
	} else if (!list_empty(&u->rcvq)) {
		struct unix_skb *skb = list_first_entry(&u->rcvq, struct unix_skb, link);
		n = (long)skb->len;
	}
	mutex_unlock(&u->lock);
	if (n < 0)
		return (int)n;
	return put_user((int)n, (int __user *)arg);
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, unsigned int *len)
{
	struct unix_sock *u = unix_of(s);

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_PEERCRED) {
		struct ucred c = { 0, NO_ID, NO_ID };
		mutex_lock(&u->lock);
		if (u->has_peercred)
			c = u->peercred;
		mutex_unlock(&u->lock);
		memcpy(val, &c, sizeof(c));
		*len = sizeof(c);
		return 0;
	}
	if (name == SO_ERROR) {
		mutex_lock(&u->lock);
		int e = u->err ? u->err : __atomic_exchange_n(&s->err, 0, __ATOMIC_RELAXED);
		u->err = 0;
		mutex_unlock(&u->lock);
		memcpy(val, &e, sizeof(e));
		*len = sizeof(e);
		return 0;
	}
	return -ENOPROTOOPT;
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, unsigned int len)
{
	return level == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}

/* ---- the end of a socket */

/* u's other end goes: no more data either way, and ECONNRESET if data was lost. */
static void peer_gone(struct unix_sock *p, bool lost_data)
{
	mutex_lock(&p->lock);
	p->shutdown = UNIX_SHUTDOWN_MASK;
	if (lost_data)
		p->err = ECONNRESET;
	unix_notify(p, WAITQ_ALL);
	mutex_unlock(&p->lock);
	unix_wake_senders(p);
}

/* Close u: its socket (if any) is gone, and so is its end of everything. */
static void unix_close(struct unix_sock *u, bool embryo)
{
	struct list embryos, rcvq;
	struct unix_sock *p;

	list_init(&embryos);
	list_init(&rcvq);
	mutex_lock(&u->lock);
	u->dead = true;
	u->s = NULL;
	p = u->peer;
	u->peer = NULL;
	bool unread = !list_empty(&u->rcvq);
	while (!list_empty(&u->acceptq)) {
		struct list *e = u->acceptq.next;
		list_remove(e);
		list_append(&embryos, e);
	}
	u->nacceptq = 0;
	while (!list_empty(&u->rcvq)) {
		struct list *e = u->rcvq.next;
		list_remove(e);
		list_append(&rcvq, e);
	}
	u->rcv_bytes = 0;
	u->rcv_count = 0;
	mutex_unlock(&u->lock);
	if (u->addr)
		unbind(u);
	if (p && connection_oriented(u->type))
		peer_gone(p, unread || embryo);
	else if (p && p->peer == u)
		unix_wake_senders(p);
	unix_put(p);
	unix_wake_senders(u);
	purge(&rcvq);
	while (!list_empty(&embryos)) {
		struct unix_sock *n = list_first_entry(&embryos, struct unix_sock, accept_link);
		list_remove(&n->accept_link);
		unix_close(n, true);
		unix_put(n);
	}
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = unix_of(s);

	if (!u)
		return;
	unix_close(u, false);
	unix_put(u);
}

#define UNIX_OPS                                                                         \
	.bind = unix_bind, .connect = unix_connect, .getname = unix_getname,             \
	.sendmsg = unix_sendmsg, .recvmsg = unix_recvmsg, .shutdown = unix_shutdown,     \
	.poll = unix_poll, .setsockopt = unix_setsockopt, .getsockopt = unix_getsockopt, \
	.ioctl = unix_ioctl, .socketpair = unix_socketpair, .release = unix_release

static const struct socket_ops unix_stream_ops = {
	UNIX_OPS,
	.listen = unix_listen,
	.accept = unix_accept,
};

static const struct socket_ops unix_dgram_ops = {
	UNIX_OPS,
};

static int unix_create(struct socket *s, int protocol)
{
	struct unix_sock *u;

	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (s->type == SOCK_RAW)
		s->type = SOCK_DGRAM; /* as Linux takes it */
	if (s->type != SOCK_STREAM && s->type != SOCK_DGRAM && s->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	u = unix_alloc(s->type);
	if (!u)
		return -ENOMEM;
	u->s = s;
	s->priv = u;
	s->ops = s->type == SOCK_DGRAM ? &unix_dgram_ops : &unix_stream_ops;
	return 0;
}

SOCKET_FAMILY(unix_family) = {
	.family = AF_UNIX,
	.create = unix_create,
};
