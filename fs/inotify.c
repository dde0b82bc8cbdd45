/*
 * inotify: watches on vnodes, events queued in the watching file. The VFS
 * reports what happens through fsnotify_*() (names created, deleted and
 * moved in a directory; a file opened, read, written, closed, changed in
 * its attributes; a vnode deleted or moved itself); each costs one load
 * while nobody watches. Events go to every watch on the vnode whose mask
 * wants them, and events on a file also to watches on the directory it was
 * opened in, with its name, as Linux's fsnotify_parent does. Queued events
 * are merged with an identical last one, capped at max_queued_events (then
 * one IN_Q_OVERFLOW), and read whole, each name padded to 16 bytes.
 *
 * Watches hold their vnode. The watch list is under a global mutex (events
 * come from system calls, which may sleep); each instance's queue is under
 * its wait queue's lock, where readers and poll find it.
 */
#include <alto/mm.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/inotify.h>
#include <uapi/poll.h>
#include <uapi/termios.h>
#include "internal.h"

#define MAX_QUEUED  16384 /* /proc/sys/fs/inotify/max_queued_events */
#define MAX_WATCHES 8192  /* per instance: max_user_watches is larger; enough here */
#define EVENT_HEAD  16	  /* struct inotify_event without its name */

struct inotify {
	struct waitq wq; /* its lock: the queue below */
	struct list events;
	size_t bytes;
	unsigned int count;
	bool overflowed;
	struct list watches; /* under watch_lock */
	int next_wd;
	unsigned int nwatches;
};

struct watch {
	struct list link;  /* in->watches */
	struct list vlink; /* all_watches */
	struct inotify *in;
	struct vnode *v;
	int wd;
	uint32_t mask;
};

struct event {
	struct list link;
	int32_t wd;
	uint32_t mask, cookie, len; /* len: the padded name's */
	char name[];
};

static struct mutex watch_lock = MUTEX_INIT(watch_lock);
static struct list all_watches = LIST_INIT(all_watches);
static unsigned int nwatches;
static uint32_t next_cookie;

static const struct file_ops inotify_fops;

/* ---- the queue */

static size_t padded(size_t namelen)
{
	return namelen ? ALIGN_UP(namelen + 1, (size_t)EVENT_HEAD) : 0;
}

static bool same(const struct event *a, const struct event *b)
{
	return a->wd == b->wd && a->mask == b->mask && a->cookie == b->cookie && a->len == b->len &&
	       !memcmp(a->name, b->name, a->len);
}

/* Queue an event (kmalloc'd, taken over) unless it repeats the last one. */
static void queue(struct inotify *in, struct event *e)
{
	unsigned long flags = spin_lock(&in->wq.lock);
	struct event *last =
		list_empty(&in->events) ? NULL : list_entry(in->events.prev, struct event, link);

	if (last && same(last, e)) {
		kfree(e);
	} else if (in->count >= MAX_QUEUED) {
		/* Past the limit: one IN_Q_OVERFLOW (wd -1) once the queue is read. */
		kfree(e);
		in->overflowed = true;
		waitq_notify_locked(&in->wq, POLLIN | POLLRDNORM);
	} else {
		list_append(&in->events, &e->link);
		in->bytes += EVENT_HEAD + e->len;
		in->count++;
		waitq_notify_locked(&in->wq, POLLIN | POLLRDNORM);
	}
	spin_unlock(&in->wq.lock, flags);
}

static void send(struct inotify *in, int wd, uint32_t mask, uint32_t cookie, const char *name,
		 size_t namelen)
{
	size_t len = padded(namelen);
	struct event *e = kzalloc(sizeof(*e) + len);

	if (!e)
		return; /* lost, as an overflow would lose it */
	*e = (struct event){ .wd = wd, .mask = mask, .cookie = cookie, .len = (uint32_t)len };
	memcpy(e->name, name, namelen);
	queue(in, e);
}

/* ---- watches (watch_lock held) */

static void watch_remove(struct watch *w, bool ignored)
{
	if (ignored)
		send(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
	list_remove(&w->link);
	list_remove(&w->vlink);
	w->in->nwatches--;
	__atomic_sub_fetch(&nwatches, 1, __ATOMIC_RELAXED);
	vfs_io_hooks_update(); /* read and write take the watched way */
	vnode_put(w->v);
	kfree(w);
}

/* Every watch on v that wants mask gets the event (with a name, or not). */
static void deliver(struct vnode *v, uint32_t mask, uint32_t cookie, const char *name,
		    size_t namelen)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &all_watches) {
		struct watch *w = list_entry(pos, struct watch, vlink);
		uint32_t want = w->mask | IN_IGNORED | IN_UNMOUNT | IN_Q_OVERFLOW;
		if (w->v != v || !(mask & want & ~IN_ISDIR))
			continue;
		send(w->in, w->wd, mask & (want | IN_ISDIR), cookie, name, namelen);
		if (w->mask & IN_ONESHOT)
			watch_remove(w, true);
	}
}

static bool nobody_watches(void)
{
	return !__atomic_load_n(&nwatches, __ATOMIC_RELAXED);
}

bool fsnotify_watching(void)
{
	return !nobody_watches();
}

/* ---- what the VFS reports */

void fsnotify_name(struct vnode *dir, const char *name, size_t len, uint32_t mask, uint32_t cookie)
{
	if (nobody_watches())
		return;
	mutex_lock(&watch_lock);
	deliver(dir, mask, cookie, name, len);
	mutex_unlock(&watch_lock);
}

void fsnotify_vnode(struct vnode *v, uint32_t mask)
{
	if (nobody_watches())
		return;
	mutex_lock(&watch_lock);
	deliver(v, mask, 0, NULL, 0);
	if (mask & (IN_DELETE_SELF | IN_UNMOUNT)) {
		/* The vnode is gone for good: its watches end with IN_IGNORED. */
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &all_watches) {
			struct watch *w = list_entry(pos, struct watch, vlink);
			if (w->v == v)
				watch_remove(w, true);
		}
	}
	mutex_unlock(&watch_lock);
}

uint32_t fsnotify_cookie(void)
{
	return __atomic_add_fetch(&next_cookie, 1, __ATOMIC_RELAXED);
}

/* Is v watched by anyone? (watch_lock held) */
static bool watched(struct vnode *v)
{
	struct list *pos;

	list_for_each(pos, &all_watches) {
		if (list_entry(pos, struct watch, vlink)->v == v)
			return true;
	}
	return false;
}

/* Out of line: the name buffer's frame and stack canary cost every read and write. */
static __attribute__((noinline)) void notify_file(struct file *f, uint32_t mask)
{
	struct vnode *v = f->vnode, *dir = f->parent;
	uint32_t isdir = S_ISDIR(v->mode) ? IN_ISDIR : 0;

	mutex_lock(&watch_lock);
	deliver(v, mask | isdir, 0, NULL, 0);
	if (dir && dir != v && dir->ops->name_of && watched(dir)) {
		char name[NAME_MAX + 1];
		mutex_lock(&dir->mount->ns_lock);
		int n = dir->ops->name_of(dir, v, name, sizeof(name));
		mutex_unlock(&dir->mount->ns_lock);
		if (n > 0)
			deliver(dir, mask | isdir, 0, name, (size_t)n);
	}
	mutex_unlock(&watch_lock);
}

void fsnotify_file(struct file *f, uint32_t mask)
{
	if (nobody_watches() || !f->vnode || (f->flags & O_PATH))
		return;
	notify_file(f, mask);
}

/* ---- the file */

static struct inotify *inotify_of(struct file *f)
{
	return f->ops == &inotify_fops ? f->priv : NULL;
}

/*
 * Take the events that fit in room bytes off the queue (lock held) into
 * batch; with none queued after an overflow, the IN_Q_OVERFLOW event.
 * Returns their size, or -EINVAL when not even the first fits.
 */
static long take_events(struct inotify *in, size_t room, struct list *batch)
{
	size_t bytes = 0;

	if (list_empty(&in->events) && in->overflowed) {
		struct event *e = kzalloc(sizeof(*e));
		if (!e || room < EVENT_HEAD) {
			kfree(e);
			return e ? -EINVAL : -ENOMEM;
		}
		*e = (struct event){ .wd = -1, .mask = IN_Q_OVERFLOW };
		in->overflowed = false;
		list_append(batch, &e->link);
		return EVENT_HEAD;
	}
	while (!list_empty(&in->events)) {
		struct event *e = list_first_entry(&in->events, struct event, link);
		size_t size = EVENT_HEAD + e->len;
		if (bytes + size > room)
			break;
		list_remove(&e->link);
		list_append(batch, &e->link);
		in->bytes -= size;
		in->count--;
		bytes += size;
	}
	return bytes ? (long)bytes : -EINVAL;
}

static long inotify_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inotify *in = f->priv;
	struct list batch = LIST_INIT(batch);
	unsigned long flags = spin_lock(&in->wq.lock);
	long r = 0;

	while (list_empty(&in->events) && !in->overflowed && !r) {
		if ((f->flags & O_NONBLOCK) || u->nowait)
			r = -EAGAIN;
		else if (waitq_wait_events_locked(&in->wq, &flags, 0, POLLIN))
			r = -ERESTARTSYS;
	}
	if (!r)
		r = take_events(in, u->resid, &batch);
	spin_unlock(&in->wq.lock, flags);
	/* Copied after the lock (a copy may fault); what a fault stops is lost, as on Linux. */
	while (!list_empty(&batch)) {
		struct event *e = list_first_entry(&batch, struct event, link);
		if (r > 0 &&
		    (uio_copy_out(u, &e->wd, EVENT_HEAD) || uio_copy_out(u, e->name, e->len)))
			r = -EFAULT;
		list_remove(&e->link);
		kfree(e);
	}
	return r;
}

static unsigned int inotify_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *in = f->priv;

	poll_wait(pt, &in->wq);
	return !list_empty(&in->events) || READ_ONCE(in->overflowed) ? POLLIN | POLLRDNORM : 0;
}

static int inotify_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct inotify *in = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	return put_user((int)READ_ONCE(in->bytes), (int __user *)arg);
}

static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;

	mutex_lock(&watch_lock);
	while (!list_empty(&in->watches))
		watch_remove(list_first_entry(&in->watches, struct watch, link), false);
	mutex_unlock(&watch_lock);
	while (!list_empty(&in->events)) {
		struct event *e = list_first_entry(&in->events, struct event, link);
		list_remove(&e->link);
		kfree(e);
	}
	kfree(in);
}

static const struct file_ops inotify_fops = {
	.anon_name = "inotify",
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
};

struct file *inotify_create(unsigned int flags)
{
	struct inotify *in = kzalloc(sizeof(*in));
	struct file *f;

	if (!in)
		return ERR_PTR(-ENOMEM);
	waitq_init(&in->wq);
	list_init(&in->events);
	list_init(&in->watches);
	in->next_wd = 1;
	f = vfs_anon_file(&inotify_fops, 0, O_RDONLY | (flags & O_NONBLOCK), in);
	if (IS_ERR(f))
		kfree(in);
	return f;
}

int inotify_add(struct file *f, struct vnode *v, uint32_t mask)
{
	struct inotify *in = inotify_of(f);
	struct list *pos;
	int wd = 0;

	if (!in)
		return -EINVAL;
	if (!(mask & IN_ALL_EVENTS))
		return -EINVAL;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if ((mask & IN_ONLYDIR) && !S_ISDIR(v->mode))
		return -ENOTDIR;
	mutex_lock(&watch_lock);
	list_for_each(pos, &in->watches) {
		struct watch *w = list_entry(pos, struct watch, link);
		if (w->v != v)
			continue;
		if (mask & IN_MASK_CREATE) {
			wd = -EEXIST;
		} else {
			uint32_t keep = (mask & IN_MASK_ADD) ? w->mask : 0;
			w->mask = keep | (mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK));
			wd = w->wd;
		}
		break;
	}
	if (!wd) {
		struct watch *w = in->nwatches < MAX_WATCHES ? kzalloc(sizeof(*w)) : NULL;
		if (!w) {
			wd = in->nwatches < MAX_WATCHES ? -ENOMEM : -ENOSPC;
		} else {
			vnode_get(v);
			*w = (struct watch){ .in = in,
					     .v = v,
					     .wd = in->next_wd++,
					     .mask = mask & (IN_ALL_EVENTS | IN_ONESHOT |
							     IN_EXCL_UNLINK) };
			list_append(&in->watches, &w->link);
			list_append(&all_watches, &w->vlink);
			in->nwatches++;
			__atomic_add_fetch(&nwatches, 1, __ATOMIC_RELAXED);
			vfs_io_hooks_update(); /* read and write take the watched way */
			wd = w->wd;
		}
	}
	mutex_unlock(&watch_lock);
	return wd;
}

int inotify_rm(struct file *f, int wd)
{
	struct inotify *in = inotify_of(f);
	struct list *pos;
	int err = -EINVAL;

	if (!in)
		return -EINVAL;
	mutex_lock(&watch_lock);
	list_for_each(pos, &in->watches) {
		struct watch *w = list_entry(pos, struct watch, link);
		if (w->wd == wd) {
			watch_remove(w, true);
			err = 0;
			break;
		}
	}
	mutex_unlock(&watch_lock);
	return err;
}
