/*
 * POSIX message queues, as Linux keeps them: each queue is a file of the
 * mqueue file system (one instance, mounted on /dev/mqueue at boot, where
 * `ls` lists the queues and reading one gives Linux's QSIZE line), and a
 * queue descriptor is an open file of it. Messages wait in priority order
 * (first in, first out among equals); a sender blocks while the queue is
 * full, a receiver while it is empty, each up to an absolute CLOCK_REALTIME
 * deadline, and poll sees both. One process may ask to be notified, by a
 * signal or by nothing, when a message reaches an empty queue that no
 * receiver waits on, until it closes a descriptor of the queue (flush, at
 * every close: a fork's child closing its copy does not end it). By a
 * signal, by nothing, or by a thread: the C library's netlink socket gets
 * its 32-byte cookie, the last byte saying woken up or removed, and its
 * helper thread starts the program's function. Linux's
 * limits apply: 10 messages of 8 KiB by default,
 * at most those (fs.mqueue.msg_max, msgsize_max) without CAP_SYS_RESOURCE,
 * 256 queues alive, and each user's queues within RLIMIT_MSGQUEUE bytes.
 */
#include <alto/clock.h>
#include <alto/cred.h>
#include <alto/fdtable.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/mqueue.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/socket.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/resource.h>
#include <uapi/stat.h>
#include "internal.h"

#define MQUEUE_MAGIC 0x19800202
#define FILENT_SIZE  80 /* the size stat gives a queue, as Linux */

struct mq_msg {
	struct list link;
	unsigned int prio;
	size_t len;
	char text[];
};

struct mqueue {
	struct vnode v;
	struct list link; /* in the directory, under the mount's ns_lock */
	size_t namelen;
	char name[NAME_MAX + 1];
	/* The messages and the notification, under wq.lock. */
	struct waitq wq; /* senders, receivers and pollers: woken at every change */
	struct mq_attr_k attr;
	uint64_t qsize; /* bytes of message text queued */
	struct list msgs;
	struct process *notify_proc; /* NULL: nobody asked */
	int notify_type;	     /* SIGEV_NONE, SIGEV_SIGNAL or SIGEV_THREAD */
	int notify_signo;
	uint64_t notify_value;
	struct file *notify_sock; /* SIGEV_THREAD: the netlink socket, and its cookie */
	uint8_t notify_cookie[MQ_COOKIE_LEN];
	unsigned int receivers; /* waiting: a message goes to them, not to a notification */
	uint32_t charged_uid;	/* RLIMIT_MSGQUEUE: whose bytes this queue counts in */
	uint64_t charged;
};

/*
 * RLIMIT_MSGQUEUE: the bytes of each user's queues, Linux's sum (a message
 * header and a priority-tree node per slot, 48 bytes each, and the texts'
 * room), kept from creation until the queue is freed.
 */
struct mq_user {
	struct list link;
	uint32_t uid;
	uint64_t bytes;
};

static struct spinlock users_lock = SPINLOCK_INIT;
static struct list users = LIST_INIT(users);

static struct mount mq_mount;
static struct vnode mq_root;
static struct list queues = LIST_INIT(queues); /* under mq_mount.ns_lock */
static unsigned int nqueues;		       /* alive, named or not (Linux's count): atomic */

static const struct vnode_ops mq_dir_ops, mq_file_ops;
static const struct file_ops mq_fops;

static struct mqueue *mq_of(struct vnode *v)
{
	return container_of(v, struct mqueue, v);
}

static struct mqueue *find(const char *name, size_t len)
{
	struct list *l;

	list_for_each(l, &queues) {
		struct mqueue *q = list_entry(l, struct mqueue, link);
		if (q->namelen == len && !memcmp(q->name, name, len))
			return q;
	}
	return NULL;
}

/* Linux's mq_attr_ok: the sizes a queue may be made with. */
static int attr_ok(const struct mq_attr_k *a)
{
	struct cred *c = cred_current();
	bool privileged = cred_capable(c, CAP_SYS_RESOURCE);

	cred_put(c);
	if (a->mq_maxmsg <= 0 || a->mq_msgsize <= 0)
		return -EINVAL;
	if (privileged ? a->mq_maxmsg > MQ_HARD_MSGMAX || a->mq_msgsize > MQ_HARD_MSGSIZEMAX :
			 a->mq_maxmsg > MQ_MSG_MAX || a->mq_msgsize > MQ_MSGSIZE_MAX)
		return -EINVAL;
	return 0;
}

static uint64_t queue_bytes(const struct mq_attr_k *a)
{
	uint64_t slots = (uint64_t)a->mq_maxmsg;

	return slots * 48 + MIN(slots, (uint64_t)MQ_PRIO_MAX) * 48 +
	       slots * (uint64_t)a->mq_msgsize;
}

static struct mq_user *user_of(uint32_t uid)
{
	struct list *l;

	list_for_each(l, &users) {
		struct mq_user *u = list_entry(l, struct mq_user, link);
		if (u->uid == uid)
			return u;
	}
	return NULL;
}

/* Count bytes against uid's RLIMIT_MSGQUEUE (limit): -EMFILE beyond it. */
static int charge(uint32_t uid, uint64_t bytes, uint64_t limit)
{
	struct mq_user *fresh = kzalloc(sizeof(*fresh));
	unsigned long flags = spin_lock(&users_lock);
	struct mq_user *u = user_of(uid);
	int err = 0;

	if (!u && fresh) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		list_append(&users, &u->link);
	}
	if (!u)
		err = -ENOMEM;
	else if (u->bytes + bytes < u->bytes || u->bytes + bytes > limit)
		err = -EMFILE;
	else
		u->bytes += bytes;
	spin_unlock(&users_lock, flags);
	kfree(fresh);
	return err;
}

static void uncharge(uint32_t uid, uint64_t bytes)
{
	unsigned long flags = spin_lock(&users_lock);
	struct mq_user *u = user_of(uid);

	if (u)
		u->bytes -= bytes;
	spin_unlock(&users_lock, flags);
}

/* A new queue named name in the directory; call with the ns_lock held. */
static int create(const char *name, size_t len, uint32_t mode, const struct mq_attr_k *attr,
		  struct mqueue **out)
{
	struct mq_attr_k a = { .mq_maxmsg = MQ_MSG_DEFAULT, .mq_msgsize = MQ_MSGSIZE_DEFAULT };
	int err = attr ? attr_ok(attr) : 0;

	if (err)
		return err;
	if (attr) {
		a.mq_maxmsg = attr->mq_maxmsg;
		a.mq_msgsize = attr->mq_msgsize;
	}
	struct cred *c = cred_current();
	bool privileged = cred_capable(c, CAP_SYS_RESOURCE);
	uint32_t uid = c->uid;
	cred_put(c);
	if (READ_ONCE(nqueues) >= MQ_QUEUES_MAX && !privileged)
		return -ENOSPC;
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	uint64_t limit = p->rlimits[RLIMIT_MSGQUEUE].rlim_cur;
	spin_unlock(&p->lock, flags);
	err = charge(uid, queue_bytes(&a), limit);
	if (err)
		return err;
	struct mqueue *q = kzalloc(sizeof(*q));
	if (!q) {
		uncharge(uid, queue_bytes(&a));
		return -ENOMEM;
	}
	q->charged_uid = uid;
	q->charged = queue_bytes(&a);
	vnode_init(&q->v, &mq_mount, &mq_file_ops, S_IFREG | (mode & S_IALLUGO));
	q->v.fops = &mq_fops;
	q->v.size = FILENT_SIZE;
	vfs_own_new(&mq_root, &q->v);
	memcpy(q->name, name, len);
	q->namelen = len;
	waitq_init(&q->wq);
	list_init(&q->msgs);
	q->attr = a;
	list_append(&queues, &q->link); /* the directory's reference is the initial one */
	__atomic_add_fetch(&nqueues, 1, __ATOMIC_RELAXED);
	*out = q;
	return 0;
}

/* ---- the directory */

static int dir_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct mqueue *q = find(name, len);

	if (!q)
		return -ENOENT;
	vnode_get(&q->v);
	*out = &q->v;
	return 0;
}

/* open(O_CREAT) in /dev/mqueue makes a queue of the default size, as on Linux. */
static int dir_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		      struct vnode **out)
{
	struct mqueue *q;
	int err;

	if (!S_ISREG(mode))
		return -EPERM;
	if (find(name, len))
		return -EEXIST;
	err = create(name, len, mode, NULL, &q);
	if (err)
		return err;
	vnode_get(&q->v);
	*out = &q->v;
	return 0;
}

static void remove_queue(struct mqueue *q)
{
	list_remove(&q->link);
	rw_write_lock(&q->v.lock);
	q->v.nlink = 0;
	q->v.ctime = vfs_now();
	rw_write_unlock(&q->v.lock);
	vnode_put(&q->v); /* the directory's reference: the queue lives while open */
}

static int dir_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir)
{
	struct mqueue *q = find(name, len);

	if (!q)
		return -ENOENT;
	if (rmdir)
		return -ENOTDIR;
	remove_queue(q);
	return 0;
}

static int dir_readdir(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	uint64_t i = 2;
	struct list *l;

	if (*cookie == 0) {
		if (fn(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		struct vnode *up = dir->mount->covered ? dir->mount->covered : dir;
		if (fn(ctx, "..", 2, up->ino, DT_DIR, 2))
			return 0;
		*cookie = 2;
	}
	list_for_each(l, &queues) {
		struct mqueue *q = list_entry(l, struct mqueue, link);
		if (i++ < *cookie)
			continue;
		if (fn(ctx, q->name, q->namelen, q->v.ino, DT_REG, i))
			return 0;
		*cookie = i;
	}
	return 0;
}

static int dir_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size)
{
	struct list *l;

	list_for_each(l, &queues) {
		struct mqueue *q = list_entry(l, struct mqueue, link);
		if (&q->v == child && q->namelen < size) {
			memcpy(buf, q->name, q->namelen);
			return (int)q->namelen;
		}
	}
	return -ENOENT;
}

static void mq_free(struct vnode *v)
{
	struct mqueue *q = mq_of(v);

	while (!list_empty(&q->msgs)) {
		struct mq_msg *m = list_first_entry(&q->msgs, struct mq_msg, link);
		list_remove(&m->link);
		kfree(m);
	}
	uncharge(q->charged_uid, q->charged);
	__atomic_sub_fetch(&nqueues, 1, __ATOMIC_RELAXED);
	process_put(q->notify_proc);
	file_put(q->notify_sock);
	kfree(q);
}

static const struct vnode_ops mq_dir_ops = {
	.lookup = dir_lookup,
	.create = dir_create,
	.unlink = dir_unlink,
	.readdir = dir_readdir,
	.name_of = dir_name_of,
};

static const struct vnode_ops mq_file_ops = {
	.free = mq_free,
};

/* ---- the open file: Linux's status line, readiness, and the notification's end */

static struct mqueue *queue_of(struct file *f)
{
	return f && f->ops == &mq_fops ? mq_of(f->vnode) : NULL;
}

static long mq_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct mqueue *q = queue_of(f);
	char line[128];

	unsigned long flags = spin_lock(&q->wq.lock);
	bool signal = q->notify_proc && q->notify_type == SIGEV_SIGNAL;
	int n = snprintf(line, sizeof(line),
			 "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
			 (unsigned long)q->qsize, q->notify_proc ? q->notify_type : 0,
			 signal ? q->notify_signo : 0, q->notify_proc ? q->notify_proc->pid : 0);
	spin_unlock(&q->wq.lock, flags);
	if (*pos >= (uint64_t)n)
		return 0;
	size_t len = MIN((size_t)n - *pos, u->resid);
	int err = uio_copy_out(u, line + *pos, len);
	if (err)
		return err;
	*pos += len;
	return (long)len;
}

static unsigned int mq_poll(struct file *f, struct poll_table *pt)
{
	struct mqueue *q = queue_of(f);
	unsigned int mask = 0;

	poll_wait(pt, &q->wq);
	unsigned long flags = spin_lock(&q->wq.lock);
	if (q->attr.mq_curmsgs)
		mask |= POLLIN | POLLRDNORM;
	if (q->attr.mq_curmsgs < q->attr.mq_maxmsg)
		mask |= POLLOUT | POLLWRNORM;
	spin_unlock(&q->wq.lock, flags);
	return mask;
}

/* What ends a registration outside the lock: the process and a SIGEV_THREAD cookie to send. */
struct mq_ending {
	struct process *proc;
	struct file *sock;
	uint8_t cookie[MQ_COOKIE_LEN];
};

/* Forget the registration (lock held), why: MQ_NOTIFY_WOKENUP or MQ_NOTIFY_REMOVED. */
static void unregister_locked(struct mqueue *q, struct mq_ending *e, uint8_t why)
{
	e->proc = q->notify_proc;
	e->sock = q->notify_sock;
	memcpy(e->cookie, q->notify_cookie, sizeof(e->cookie));
	e->cookie[MQ_COOKIE_LEN - 1] = why;
	q->notify_proc = NULL;
	q->notify_sock = NULL;
}

/* After the lock: the cookie to the C library's socket (Linux's netlink_sendskb), the refs. */
static void end_registration(struct mq_ending *e)
{
	if (e->sock)
		netlink_unicast(sock_of(e->sock), e->cookie, sizeof(e->cookie));
	file_put(e->sock);
	process_put(e->proc);
}

/*
 * Closing any descriptor of the queue ends the closing process's
 * notification (Linux's flush: a fork's child closing its copy does not).
 */
static void mq_flush(struct file *f)
{
	struct mqueue *q = queue_of(f);
	struct mq_ending e = { 0 };
	unsigned long flags = spin_lock(&q->wq.lock);

	if (q->notify_proc == current_process())
		unregister_locked(q, &e, MQ_NOTIFY_REMOVED);
	spin_unlock(&q->wq.lock, flags);
	end_registration(&e);
}

static const struct file_ops mq_fops = {
	.read = mq_read,
	.llseek = vfs_generic_llseek,
	.poll = mq_poll,
	.flush = mq_flush,
};

/* ---- the calls */

/* A queue's name as Linux takes it: one component, not "." or "..". */
static int check_name(const char *name, size_t len)
{
	if (!len)
		return -ENOENT;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.') ||
	    memchr(name, '/', len))
		return -EACCES;
	return 0;
}

/* Check name and take the directory's lock: 0 with it held, or the name's error. */
static int lock_name(const char *name, size_t *len)
{
	*len = strlen(name);
	int err = check_name(name, *len);

	if (!err)
		mutex_lock(&mq_mount.ns_lock);
	return err;
}

/* Find or make the queue; a referenced vnode in *out. */
static int open_queue(const char *name, int oflag, unsigned int mode, const struct mq_attr_k *attr,
		      struct mqueue **out)
{
	static const int acc_mask[3] = { MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE };
	size_t len;
	int err = lock_name(name, &len);

	if (err)
		return err;
	struct mqueue *q = find(name, len);
	if (q && (oflag & O_CREAT) && (oflag & O_EXCL)) {
		err = -EEXIST;
	} else if (q && (oflag & O_ACCMODE) == O_ACCMODE) {
		err = -EINVAL; /* Linux checks it only when the queue exists */
	} else if (q) {
		err = vfs_permission(&q->v, acc_mask[oflag & O_ACCMODE]);
	} else if (!(oflag & O_CREAT)) {
		err = -ENOENT;
	} else {
		err = vfs_may_create(&mq_root) ?: create(name, len, mode & ~vfs_umask(), attr, &q);
	}
	if (!err) {
		vnode_get(&q->v);
		*out = q;
	}
	mutex_unlock(&mq_mount.ns_lock);
	return err;
}

long mqueue_open(const char *name, int oflag, unsigned int mode, const struct mq_attr_k *attr)
{
	struct mqueue *q;
	int err = open_queue(name, oflag, mode, attr, &q);

	if (err)
		return err;
	struct file *f = file_alloc(&q->v, &mq_fops, oflag & (O_ACCMODE | O_NONBLOCK));
	vnode_put(&q->v);
	if (IS_ERR(f))
		return PTR_ERR(f);
	int fd = fd_alloc(current_fdtable(), f, 0, oflag & O_CLOEXEC);
	if (fd < 0)
		file_put(f); /* not installed: the reference is still ours */
	return fd;
}

long mqueue_unlink(const char *name)
{
	size_t len;
	int err = lock_name(name, &len);

	if (err)
		return err;
	struct mqueue *q = find(name, len);
	err = q ? vfs_may_delete(&mq_root, &q->v) : -ENOENT;
	/* Linux 6.18 answers EACCES here where unlink(2) in /dev/mqueue says EPERM. */
	if (err == -EPERM)
		err = -EACCES;
	if (!err)
		remove_queue(q);
	mutex_unlock(&mq_mount.ns_lock);
	return err;
}

/*
 * The queue behind fd, open for reading or writing as need says (MAY_READ,
 * MAY_WRITE, or 0); NULL for EBADF. O_ACCMODE 3 allows neither, as on Linux.
 */
static struct file *mq_file(int fd, int need)
{
	struct file *f = fd_get_file(fd);
	int acc = f ? (int)(f->flags & O_ACCMODE) : 0;
	bool ok = need == MAY_READ  ? acc == O_RDONLY || acc == O_RDWR :
		  need == MAY_WRITE ? acc == O_WRONLY || acc == O_RDWR :
				      true;

	if (f && queue_of(f) && ok)
		return f;
	if (f)
		file_put(f);
	return NULL;
}

/* Wait on q (its lock held) until ready(q) or the deadline: 0, -ETIMEDOUT or a restart. */
static int wait_for(struct mqueue *q, unsigned long *flags, bool (*ready)(struct mqueue *q),
		    uint64_t deadline)
{
	while (!ready(q)) {
		int r = waitq_wait_interruptible_locked(&q->wq, flags, deadline);
		if (r == -EINTR)
			return -ERESTARTSYS; /* SA_RESTART restarts it, to the same absolute time */
		if (r == -ETIMEDOUT && !ready(q))
			return -ETIMEDOUT;
	}
	return 0;
}

static bool has_room(struct mqueue *q)
{
	return q->attr.mq_curmsgs < q->attr.mq_maxmsg;
}

static bool has_message(struct mqueue *q)
{
	return q->attr.mq_curmsgs > 0;
}

/*
 * A message reached an empty queue: the registered process hears of it
 * once (a thread's cookie goes out with e, after the lock).
 */
static void notify_locked(struct mqueue *q, struct mq_ending *e)
{
	struct process *p = q->notify_proc;

	if (!p || q->attr.mq_curmsgs != 1 || q->receivers)
		return;
	unregister_locked(q, e, MQ_NOTIFY_WOKENUP);
	if (q->notify_type != SIGEV_SIGNAL)
		return;
	struct ksiginfo info = { .si_signo = q->notify_signo, .si_code = SI_MESGQ };
	struct process *self = current_process();
	struct cred *c = cred_current();
	info.kill.pid = self ? self->pid : 0;
	info.kill.uid = c->uid;
	info.kill.value = q->notify_value;
	cred_put(c);
	signal_send_process(p, q->notify_signo, &info); /* e holds p until after the lock */
}

static void insert_locked(struct mqueue *q, struct mq_msg *m)
{
	struct list *pos;

	/* Highest priority first; a new message goes after its equals. */
	list_for_each(pos, &q->msgs) {
		if (list_entry(pos, struct mq_msg, link)->prio < m->prio)
			break;
	}
	list_insert_before(pos, &m->link);
	q->attr.mq_curmsgs++;
	q->qsize += m->len;
}

/* The queue's times move with each message, as Linux's do. */
static void touch(struct mqueue *q)
{
	struct timespec now = vfs_now();

	rw_write_lock(&q->v.lock);
	q->v.atime = q->v.mtime = q->v.ctime = now;
	rw_write_unlock(&q->v.lock);
}

long mqueue_send(int fd, const char __user *text, size_t len, unsigned int prio, uint64_t deadline)
{
	if (prio >= MQ_PRIO_MAX)
		return -EINVAL;
	struct file *f = mq_file(fd, MAY_WRITE);
	if (!f)
		return -EBADF;
	struct mqueue *q = queue_of(f);
	long r = len > (size_t)q->attr.mq_msgsize ? -EMSGSIZE : 0;
	struct mq_msg *m = r ? NULL : kmalloc(sizeof(*m) + len + 1);
	if (!r && !m)
		r = -ENOMEM;
	if (!r && copy_from_user(m->text, text, len))
		r = -EFAULT;
	if (r)
		goto out;
	m->len = len;
	m->prio = prio;
	struct mq_ending e = { 0 };
	unsigned long flags = spin_lock(&q->wq.lock);
	if (!has_room(q))
		r = (READ_ONCE(f->flags) & O_NONBLOCK) ? -EAGAIN :
							 wait_for(q, &flags, has_room, deadline);
	if (!r) {
		insert_locked(q, m);
		m = NULL;
		notify_locked(q, &e);
	}
	spin_unlock(&q->wq.lock, flags);
	end_registration(&e);
	if (!r) {
		waitq_wake_all(&q->wq); /* it takes wq.lock: after the change, outside it */
		touch(q);
	}
out:
	kfree(m);
	file_put(f);
	return r;
}

long mqueue_receive(int fd, char __user *text, size_t len, unsigned int __user *prio,
		    uint64_t deadline)
{
	struct file *f = mq_file(fd, MAY_READ);

	if (!f)
		return -EBADF;
	struct mqueue *q = queue_of(f);
	struct mq_msg *m = NULL;
	long r = len < (size_t)q->attr.mq_msgsize ? -EMSGSIZE : 0;
	if (r)
		goto out;
	unsigned long flags = spin_lock(&q->wq.lock);
	if (!has_message(q) && (READ_ONCE(f->flags) & O_NONBLOCK)) {
		r = -EAGAIN;
	} else if (!has_message(q)) {
		q->receivers++;
		r = wait_for(q, &flags, has_message, deadline);
		q->receivers--;
	}
	if (!r) {
		m = list_first_entry(&q->msgs, struct mq_msg, link);
		list_remove(&m->link);
		q->attr.mq_curmsgs--;
		q->qsize -= m->len;
	}
	spin_unlock(&q->wq.lock, flags);
	if (r)
		goto out;
	waitq_wake_all(&q->wq);
	touch(q);
	r = (long)m->len;
	if ((prio && put_user(m->prio, prio)) || copy_to_user(text, m->text, m->len))
		r = -EFAULT; /* the message is gone, as on Linux */
out:
	kfree(m);
	file_put(f);
	return r;
}

long mqueue_notify(int fd, const struct ksigevent *ev, struct file *sock, const uint8_t *cookie)
{
	struct file *f = mq_file(fd, 0);

	if (!f) {
		file_put(sock);
		return -EBADF;
	}
	struct mqueue *q = queue_of(f);
	struct process *self = current_process();
	struct mq_ending e = { 0 };
	long r = 0;
	unsigned long flags = spin_lock(&q->wq.lock);
	if (!ev) {
		if (q->notify_proc == self)
			unregister_locked(q, &e, MQ_NOTIFY_REMOVED);
	} else if (q->notify_proc) {
		r = -EBUSY;
	} else {
		process_get(self); /* held while registered: /dev/mqueue shows its pid */
		q->notify_proc = self;
		q->notify_type = ev->sigev_notify;
		q->notify_signo = ev->sigev_signo;
		q->notify_value = ev->sigev_value;
		q->notify_sock = sock;
		if (sock)
			memcpy(q->notify_cookie, cookie, MQ_COOKIE_LEN);
		sock = NULL;
	}
	spin_unlock(&q->wq.lock, flags);
	end_registration(&e);
	file_put(sock);
	file_put(f);
	return r;
}

long mqueue_getsetattr(int fd, const struct mq_attr_k *set, struct mq_attr_k *old)
{
	struct file *f = mq_file(fd, 0);

	if (!f)
		return -EBADF;
	struct mqueue *q = queue_of(f);
	unsigned long flags = spin_lock(&q->wq.lock);
	*old = q->attr;
	spin_unlock(&q->wq.lock, flags);
	old->mq_flags = READ_ONCE(f->flags) & O_NONBLOCK;
	if (set) {
		unsigned int fl = READ_ONCE(f->flags);
		WRITE_ONCE(f->flags,
			   (set->mq_flags & O_NONBLOCK) ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
	}
	file_put(f);
	return 0;
}

void mqueue_init(void)
{
	mount_init(&mq_mount, "mqueue", MQUEUE_MAGIC);
	vnode_init(&mq_root, &mq_mount, &mq_dir_ops, S_IFDIR | S_ISVTX | 0777);
	mq_root.fops = &vfs_dir_fops;
	mq_mount.root = &mq_root;
	int err = vfs_mkdir(NULL, "/dev/mqueue", 01777);
	if (!err || err == -EEXIST)
		err = vfs_mount(&mq_mount, "/dev/mqueue");
	if (err)
		printk("alto: cannot mount the mqueue file system on /dev/mqueue: %d\n", err);
}
