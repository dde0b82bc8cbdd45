/*
 * AF_UNIX data: messages (skbs) queued at the receiver, each with the
 * sender's name, credentials and any files passed with SCM_RIGHTS. A
 * stream send is cut into pieces the reader glues back together (never
 * past a piece that carried files); datagram and seqpacket sends are one
 * message each, received whole or cut with MSG_TRUNC. Senders wait for room
 * on the receiver's peer_wait; readers wait on their socket. Control
 * messages go out in Linux's order: SCM_CREDENTIALS (with SO_PASSCRED),
 * then SCM_RIGHTS, installed in the receiving process's descriptor table.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/poll.h>
#include "internal.h"

/* A stream send is cut into pieces that fit an 8-page allocation with their header. */
#define STREAM_PIECE (32768 - sizeof(struct unix_skb))

/* What a sendmsg's control messages ask for. */
struct scm {
	struct ucred cred;
	struct file **files;
	int nfiles;
};

static void scm_destroy(struct scm *scm)
{
	for (int i = 0; i < scm->nfiles; i++)
		file_put(scm->files[i]);
	kfree(scm->files);
	scm->files = NULL;
	scm->nfiles = 0;
}

static int scm_add_rights(struct scm *scm, struct cmsghdr *c)
{
	int n = (int)(cmsg_data_len(c) / sizeof(int));
	int *fds = cmsg_data(c);

	if (n <= 0)
		return 0;
	if (scm->nfiles + n > SCM_MAX_FD)
		return -EINVAL;
	if (!scm->files && !(scm->files = kmalloc(SCM_MAX_FD * sizeof(*scm->files))))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct file *f = fd_get_file(fds[i]);
		if (!f)
			return -EBADF;
		scm->files[scm->nfiles++] = f;
	}
	return 0;
}

/* Parse the control messages (SOL_SOCKET ones; others are ignored, as on Linux). */
static int scm_parse(struct sock_msg *m, struct scm *scm)
{
	struct cmsghdr *c;
	int err = 0;

	*scm = (struct scm){ .cred = sock_current_cred() };
	for (c = cmsg_first(m); c && !IS_ERR(c) && !err; c = cmsg_next(m, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			err = scm_add_rights(scm, c);
		} else if (c->cmsg_type == SCM_CREDENTIALS) {
			/* As root any credentials may be claimed, as Linux lets root. */
			if (cmsg_data_len(c) != sizeof(struct ucred))
				err = -EINVAL;
			else
				memcpy(&scm->cred, cmsg_data(c), sizeof(scm->cred));
		} else {
			err = -EINVAL;
		}
	}
	if (IS_ERR(c))
		err = (int)PTR_ERR(c);
	if (err)
		scm_destroy(scm);
	return err;
}

void unix_skb_free(struct unix_skb *skb)
{
	for (int i = 0; i < skb->nfiles; i++)
		file_put(skb->files[i]);
	kfree(skb->files);
	unix_addr_put(skb->from);
	kfree(skb);
}

/* A message of len bytes from the uio, taking over scm's files. */
static struct unix_skb *skb_new(struct sock_msg *m, size_t len, struct scm *scm,
				struct unix_addr *from)
{
	struct unix_skb *skb = kmalloc(sizeof(*skb) + len);

	if (!skb)
		return ERR_PTR(-ENOBUFS);
	*skb = (struct unix_skb){ .len = len, .cred = scm->cred };
	list_init(&skb->link);
	if (len && uio_copy_in(m->uio, skb->data, len)) {
		kfree(skb);
		return ERR_PTR(-EFAULT);
	}
	if (from) {
		__atomic_add_fetch(&from->refs, 1, __ATOMIC_RELAXED);
		skb->from = from;
	}
	skb->files = scm->files;
	skb->nfiles = scm->nfiles;
	scm->files = NULL;
	scm->nfiles = 0;
	return skb;
}

static void enqueue_locked(struct unix_sock *p, struct unix_skb *skb)
{
	list_append(&p->rcvq, &skb->link);
	p->rcv_bytes += skb->len;
	p->rcv_count++;
	unix_notify(p, POLLIN | POLLRDNORM);
}

int unix_wait_room(struct unix_sock *p, unsigned int seq, uint64_t deadline)
{
	int r = waitq_wait_seq(&p->peer_wait, &p->peer_seq, seq, WAITQ_ALL, deadline);

	return sock_wait_result(r, deadline);
}

/* u's peer (referenced) and name (referenced) for a send; -ENOTCONN, -EPIPE. */
static int sender_state(struct unix_sock *u, struct unix_sock **peer, struct unix_addr **from)
{
	int err = 0;

	mutex_lock(&u->lock);
	if (u->type != SOCK_DGRAM && u->state != UNIX_CONNECTED)
		err = -ENOTCONN;
	else if (u->shutdown & UNIX_SEND_SHUTDOWN)
		err = -EPIPE;
	*peer = err ? NULL : u->peer;
	if (*peer)
		unix_get(*peer);
	*from = u->addr;
	if (*from)
		__atomic_add_fetch(&(*from)->refs, 1, __ATOMIC_RELAXED);
	mutex_unlock(&u->lock);
	return err;
}

static long stream_send(struct socket *s, struct sock_msg *m, struct scm *scm, bool nonblock)
{
	struct unix_sock *u = s->priv, *p;
	struct unix_addr *from;
	uint64_t deadline = sock_deadline(s, true);
	long sent = 0, err;

	if (m->namelen)
		return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	err = sender_state(u, &p, &from);
	if (!err && !p)
		err = -ENOTCONN;
	while (!err && (m->uio->resid || (!sent && scm->nfiles))) {
		unsigned int seq = __atomic_load_n(&p->peer_seq, __ATOMIC_ACQUIRE);
		mutex_lock(&p->lock);
		bool gone = p->dead || (p->shutdown & UNIX_RCV_SHUTDOWN);
		bool room = p->rcv_bytes < (size_t)READ_ONCE(s->sndbuf);
		mutex_unlock(&p->lock);
		if (gone) {
			err = -EPIPE;
		} else if (!room) {
			err = nonblock ? -EAGAIN : unix_wait_room(p, seq, deadline);
		} else {
			struct unix_skb *skb =
				skb_new(m, MIN(m->uio->resid, STREAM_PIECE), scm, from);
			if (IS_ERR(skb)) {
				err = PTR_ERR(skb);
				break;
			}
			mutex_lock(&p->lock);
			gone = p->dead || (p->shutdown & UNIX_RCV_SHUTDOWN);
			if (!gone)
				enqueue_locked(p, skb);
			mutex_unlock(&p->lock);
			if (gone) {
				unix_skb_free(skb);
				err = -EPIPE;
			} else {
				sent += (long)skb->len;
			}
		}
	}
	unix_put(p);
	unix_addr_put(from);
	return sent ? sent : err;
}

/* Where a datagram goes: the address given, or the connected peer (referenced). */
static struct unix_sock *dgram_target(struct unix_sock *u, struct unix_sock *peer,
				      struct sock_msg *m)
{
	if (u->type == SOCK_DGRAM && m->namelen) {
		unix_put(peer);
		return unix_find(m->name, m->namelen);
	}
	return peer ? peer : ERR_PTR(-ENOTCONN);
}

/* Queue one message at t: 0, or -EAGAIN, -EPERM, -EPIPE, -ECONNREFUSED... */
static int dgram_queue(struct unix_sock *u, struct unix_sock *t, struct unix_skb *skb, int sndbuf,
		       bool nonblock, uint64_t deadline)
{
	for (;;) {
		unsigned int seq = __atomic_load_n(&t->peer_seq, __ATOMIC_ACQUIRE);
		int err = 0;
		mutex_lock(&t->lock);
		if (t->dead)
			err = u->type == SOCK_DGRAM ? -ECONNREFUSED : -EPIPE;
		else if (t->peer && t->peer != u)
			err = -EPERM;
		else if (t->shutdown & UNIX_RCV_SHUTDOWN)
			err = -EPIPE;
		/* A peer connected back is bounded by our buffer, another one by its queue. */
		bool full = t->peer == u ? t->rcv_bytes + skb->len > (size_t)sndbuf :
					   t->rcv_count > UNIX_MAX_DGRAM_QLEN;
		if (!err && !full)
			enqueue_locked(t, skb);
		mutex_unlock(&t->lock);
		if (err || !full)
			return err;
		if (nonblock)
			return -EAGAIN;
		err = unix_wait_room(t, seq, deadline);
		if (err)
			return err;
	}
}

/* A datagram socket whose connected peer has gone forgets it, as Linux does. */
static void forget_dead_peer(struct unix_sock *u, struct unix_sock *t)
{
	mutex_lock(&u->lock);
	if (u->peer == t) {
		u->peer = NULL;
		unix_put(t);
	}
	mutex_unlock(&u->lock);
}

static long dgram_send(struct socket *s, struct sock_msg *m, struct scm *scm, bool nonblock)
{
	struct unix_sock *u = s->priv, *p, *t;
	struct unix_addr *from;
	size_t len = m->uio->resid;
	int sndbuf = READ_ONCE(s->sndbuf);
	long err;

	if ((long)len > sndbuf - 32)
		return -EMSGSIZE;
	if (sock_flag(s, SO_PASSCRED)) {
		mutex_lock(&u->lock);
		err = unix_autobind(u);
		mutex_unlock(&u->lock);
		if (err)
			return err;
	}
	err = sender_state(u, &p, &from);
	if (err) {
		unix_put(p);
		unix_addr_put(from);
		return err;
	}
	t = dgram_target(u, p, m);
	if (IS_ERR(t)) {
		unix_addr_put(from);
		return PTR_ERR(t);
	}
	struct unix_skb *skb = skb_new(m, len, scm, from);
	err = IS_ERR(skb) ? PTR_ERR(skb) : 0;
	if (!err)
		err = dgram_queue(u, t, skb, sndbuf, nonblock, sock_deadline(s, true));
	if (err && !IS_ERR(skb))
		unix_skb_free(skb);
	if (err == -ECONNREFUSED)
		forget_dead_peer(u, t);
	unix_put(t);
	unix_addr_put(from);
	return err ? err : (long)len;
}

long unix_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct scm scm;
	long r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	r = scm_parse(m, &scm);
	if (r)
		return r;
	r = s->type == SOCK_STREAM ? stream_send(s, m, &scm, nonblock) :
				     dgram_send(s, m, &scm, nonblock);
	scm_destroy(&scm);
	return r;
}

/* ---- receiving */

/* What a receive collected for its control messages. */
struct rcv_scm {
	struct ucred cred;
	bool has_cred;
	struct file **files;
	int nfiles;
};

/* The files of skb for the receiver: taken (consumed) or new references (peeked). */
static void take_files(struct rcv_scm *r, struct unix_skb *skb, bool peek)
{
	r->files = skb->files;
	r->nfiles = skb->nfiles;
	if (peek) {
		r->files = kmalloc((size_t)skb->nfiles * sizeof(*r->files));
		r->nfiles = r->files ? skb->nfiles : 0;
		for (int i = 0; i < r->nfiles; i++) {
			r->files[i] = skb->files[i];
			file_get(r->files[i]);
		}
	} else {
		skb->files = NULL;
		skb->nfiles = 0;
	}
}

/* The control messages, after the data: credentials first, then the files. */
static int put_scm(struct socket *s, struct sock_msg *m, struct rcv_scm *r)
{
	int err = 0;

	if (r->has_cred && sock_flag(s, SO_PASSCRED))
		err = sock_put_cmsg(m, SOL_SOCKET, SCM_CREDENTIALS, &r->cred, sizeof(r->cred));
	if (r->nfiles) {
		int e = sock_put_rights(m, r->files, r->nfiles);
		err = err ? err : e;
	} else if (r->files) {
		kfree(r->files);
		r->files = NULL;
	}
	kfree(r->files);
	return err;
}

static void set_name(struct sock_msg *m, const struct unix_skb *skb)
{
	if (!m->name)
		return;
	m->namelen = skb->from ? skb->from->len : 0;
	if (skb->from)
		memcpy(m->name, &skb->from->sun, (size_t)skb->from->len);
}

/* Room was made in u's queue: senders wait for it, a connected peer polls for it. */
static void made_room(struct unix_sock *u)
{
	struct unix_sock *p;

	unix_wake_senders(u);
	mutex_lock(&u->lock);
	p = u->peer;
	if (p)
		unix_get(p);
	mutex_unlock(&u->lock);
	if (!p)
		return;
	mutex_lock(&p->lock);
	if (p->peer == u)
		unix_notify(p, POLLOUT | POLLWRNORM | POLLWRBAND);
	mutex_unlock(&p->lock);
	unix_put(p);
}

/*
 * Wait (u->lock held, and held again on return) until u's queue has a
 * message: 0; or 1 at the end of the data; or -errno.
 */
static int wait_data(struct socket *s, struct unix_sock *u, bool nonblock, uint64_t deadline)
{
	while (list_empty(&u->rcvq)) {
		if (u->err) {
			int e = u->err;
			u->err = 0;
			return -e;
		}
		if (u->shutdown & UNIX_RCV_SHUTDOWN)
			return 1;
		if (nonblock)
			return -EAGAIN;
		/* Senders queue and notify under u->lock: read under it, nothing is missed. */
		unsigned int seq = sock_seq(s);
		mutex_unlock(&u->lock);
		int err = sock_wait(s, seq, POLLIN | POLLRDNORM, deadline);
		mutex_lock(&u->lock);
		if (err)
			return err;
	}
	return 0;
}

static long stream_recv(struct socket *s, struct sock_msg *m, int flags, bool nonblock,
			struct rcv_scm *r)
{
	struct unix_sock *u = s->priv;
	size_t target =
		(flags & MSG_WAITALL) ? m->uio->resid : MIN((size_t)s->rcvlowat, m->uio->resid);
	uint64_t deadline = sock_deadline(s, false);
	bool peek = flags & MSG_PEEK, consumed = false;
	long copied = 0;
	int err = 0;

	mutex_lock(&u->lock);
	if (u->state != UNIX_CONNECTED) {
		mutex_unlock(&u->lock);
		return -EINVAL;
	}
	struct list *pos = u->rcvq.next;
	size_t skip = 0; /* a peek's place in the skb at pos */
	while (m->uio->resid) {
		if (pos == &u->rcvq) {
			if ((size_t)copied >= target)
				break;
			if (peek && copied)
				break; /* a peek does not wait for more */
			err = wait_data(s, u, nonblock, deadline);
			if (err)
				break;
			pos = u->rcvq.next;
			skip = 0;
			continue;
		}
		struct unix_skb *skb = list_entry(pos, struct unix_skb, link);
		size_t chunk = MIN(skb->len - skb->off - skip, m->uio->resid);
		if (uio_copy_out(m->uio, skb->data + skb->off + skip, chunk)) {
			err = -EFAULT;
			break;
		}
		if (!copied) {
			set_name(m, skb);
			r->cred = skb->cred;
			r->has_cred = true;
		}
		copied += (long)chunk;
		bool had_files = skb->nfiles;
		if (had_files)
			take_files(r, skb, peek);
		if (peek) {
			skip += chunk;
			if (skip == skb->len - skb->off) {
				pos = pos->next;
				skip = 0;
			}
		} else {
			skb->off += chunk;
			u->rcv_bytes -= chunk;
			consumed = true;
			if (skb->off == skb->len) {
				pos = pos->next;
				list_remove(&skb->link);
				u->rcv_count--;
				unix_skb_free(skb);
			}
		}
		if (had_files)
			break; /* files end a read: they belong with these bytes */
	}
	mutex_unlock(&u->lock);
	if (consumed)
		made_room(u);
	if (err > 0)
		err = 0; /* the end of the data */
	return copied ? copied : err;
}

static long dgram_recv(struct socket *s, struct sock_msg *m, int flags, bool nonblock,
		       struct rcv_scm *r)
{
	struct unix_sock *u = s->priv;
	bool peek = flags & MSG_PEEK;
	int err;

	mutex_lock(&u->lock);
	if (u->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED) {
		mutex_unlock(&u->lock);
		return -ENOTCONN;
	}
	err = wait_data(s, u, nonblock, sock_deadline(s, false));
	if (err) {
		mutex_unlock(&u->lock);
		return err > 0 ? 0 : err;
	}
	struct unix_skb *skb = list_first_entry(&u->rcvq, struct unix_skb, link);
	size_t len = skb->len, chunk = MIN(len, m->uio->resid);
	if (uio_copy_out(m->uio, skb->data, chunk)) {
		mutex_unlock(&u->lock);
		return -EFAULT;
	}
	if (chunk < len)
		m->flags |= MSG_TRUNC;
	set_name(m, skb);
	r->cred = skb->cred;
	r->has_cred = true;
	take_files(r, skb, peek);
	if (!peek) {
		list_remove(&skb->link);
		u->rcv_bytes -= len;
		u->rcv_count--;
		unix_skb_free(skb);
	}
	mutex_unlock(&u->lock);
	if (!peek)
		made_room(u);
	return (flags & MSG_TRUNC) ? (long)len : (long)chunk;
}

long unix_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct rcv_scm r = { 0 };
	long n;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->name)
		m->namelen = 0;
	n = s->type == SOCK_STREAM ? stream_recv(s, m, flags, nonblock, &r) :
				     dgram_recv(s, m, flags, nonblock, &r);
	if (n >= 0) {
		int err = put_scm(s, m, &r);
		return err ? err : n;
	}
	for (int i = 0; i < r.nfiles; i++)
		file_put(r.files[i]);
	kfree(r.files);
	return n;
}
