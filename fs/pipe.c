/*
 * Pipes and named pipes (FIFOs): a ring buffer (64 KiB by default) between
 * read ends and write ends, freed with the last of them. Writes of up to
 * PIPE_BUF bytes are atomic; readers see end of file once every writer is
 * gone, writers get EPIPE (and SIGPIPE) once every reader is. Blocked
 * readers and writers sleep on one condition variable, whose wait queue is
 * also where the pipe notifies its readiness: data (POLLIN) at every write,
 * room (POLLOUT) at every read, everything when an end goes, so that
 * edge-triggered epoll sees every write as Linux's pipes make it.
 */
#include <alto/mm.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/termios.h>
#include "internal.h"
#include "vfs_trace.h"

#define PIPE_MAX_SIZE (1ul << 20) /* /proc/sys/fs/pipe-max-size */

struct pipe {
	struct mutex rd_lock; /* one reader (or splice) at a time, across its waits */
	struct mutex lock;
	struct condvar changed; /* its wait queue carries the readiness */
	char *buf;
	size_t size; /* a power of two, in whole pages */
	size_t head; /* next byte to read */
	size_t count;
	int readers, writers;
	unsigned int r_opens, w_opens; /* ends opened so far, for blocking FIFO opens */
	struct vnode *fifo;	       /* the vnode that opens it again (FIFO's, or pipe(2)'s) */
};

/* Guards vnode->fifo: opening a FIFO and dropping its last end. */
static struct mutex fifo_lock = MUTEX_INIT(fifo_lock);

static const struct file_ops pipe_fops;

static struct pipe *pipe_of(struct file *f)
{
	return f->priv;
}

/* Readiness changed (sleepers wake, pollers are told what). */
static void notify(struct pipe *p, unsigned int events)
{
	waitq_notify(&p->changed.wq, events);
}

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_fops || f->ops == &fifo_fops;
}

bool vfs_is_pipe(const struct file *f)
{
	return file_is_pipe(f);
}

static unsigned int size_order(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

static struct pipe *pipe_new(void)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->size = PIPE_DEF_SIZE;
	p->buf = page_alloc(size_order(p->size));
	if (!p->buf) {
		kfree(p);
		return NULL;
	}
	mutex_init(&p->rd_lock);
	mutex_init(&p->lock);
	cond_init(&p->changed);
	return p;
}

static void pipe_free(struct pipe *p)
{
	page_free(p->buf);
	kfree(p);
}

/* The vnode of a pipe(2) pipe: S_IFIFO in pipefs, so fstat works. */
static void anon_vnode_free(struct vnode *v)
{
	kfree(v);
}

static const struct vnode_ops anon_vops = {
	.free = anon_vnode_free,
};

/* Copy n bytes of the ring starting at off (mod size) to or from the uio. */
static int ring_copy(struct pipe *p, struct uio *u, size_t off, size_t n, bool out)
{
	while (n) {
		size_t at = off & (p->size - 1);
		size_t chunk = MIN(n, p->size - at);
		int err = out ? uio_copy_out(u, p->buf + at, chunk) :
				uio_copy_in(u, p->buf + at, chunk);
		if (err)
			return err;
		off += chunk;
		n -= chunk;
	}
	return 0;
}

/* Wait for data to read (p->lock held): 0, -EAGAIN, -ERESTARTSYS. */
static long wait_data(struct file *f, struct pipe *p, bool nonblock)
{
	while (!p->count && p->writers) {
		if (nonblock)
			return -EAGAIN;
		trace_pipe_wait_data(f);
		if (cond_wait_interruptible(&p->changed, &p->lock))
			return -ERESTARTSYS;
	}
	return 0;
}

static long pipe_read_locked(struct file *f, struct uio *u)
{
	struct pipe *p = pipe_of(f);
	long r;

	mutex_lock(&p->lock);
	r = u->resid ? wait_data(f, p, (f->flags & O_NONBLOCK) || u->nowait) : 0;
	if (r) {
		mutex_unlock(&p->lock);
		return r;
	}
	r = (long)MIN(p->count, u->resid);
	if (r && ring_copy(p, u, p->head, (size_t)r, true)) {
		r = -EFAULT;
	} else if (r) {
		p->head = (p->head + r) & (p->size - 1);
		p->count -= r;
		trace_pipe_move(f, 0, r);
		notify(p, POLLOUT | POLLWRNORM);
	}
	mutex_unlock(&p->lock);
	return r;
}

static long pipe_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	long r;

	mutex_lock(&p->rd_lock);
	r = pipe_read_locked(f, u);
	mutex_unlock(&p->rd_lock);
	return r;
}

/* Room for the next piece of a write: small writes need room for all of them. */
static bool has_room(struct pipe *p, size_t want, size_t done)
{
	size_t room = p->size - p->count;

	if (want <= PIPE_BUF && !done)
		return room >= want;
	return room > 0;
}

static long pipe_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	size_t total = u->resid, done = 0;
	long err = 0;

	mutex_lock(&p->lock);
	while (u->resid) {
		if (!p->readers) {
			err = -EPIPE;
			break;
		}
		if (!has_room(p, total, done)) {
			if ((f->flags & O_NONBLOCK) || u->nowait) {
				err = -EAGAIN;
				break;
			}
			trace_pipe_wait_room(f, total - done);
			if (cond_wait_interruptible(&p->changed, &p->lock)) {
				err = -ERESTARTSYS; /* or what was written so far */
				break;
			}
			continue;
		}
		size_t n = MIN(u->resid, p->size - p->count);
		if (ring_copy(p, u, p->head + p->count, n, false)) {
			err = -EFAULT;
			break;
		}
		p->count += n;
		done += n;
		trace_pipe_move(f, 1, (long)n);
		notify(p, POLLIN | POLLRDNORM);
	}
	mutex_unlock(&p->lock);
	/* Only an application's write raises SIGPIPE; a kernel caller gets EPIPE alone. */
	if (err == -EPIPE && u->user)
		signal_raise_current(SIGPIPE);
	return done ? (long)done : err;
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = pipe_of(f);
	unsigned int mask = 0;

	poll_wait(pt, &p->changed.wq);
	mutex_lock(&p->lock);
	if (file_readable(f)) {
		if (p->count)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && f->pos != p->w_opens)
			mask |= POLLHUP;
	}
	if (file_writable(f)) {
		if (p->size - p->count >= MIN((size_t)PIPE_BUF, p->size))
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	mutex_unlock(&p->lock);
	return mask;
}

static int pipe_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pipe *p = pipe_of(f);

	if (cmd != FIONREAD)
		return -ENOTTY;
	return put_user((int)READ_ONCE(p->count), (int __user *)arg);
}

/* An end goes: the last one frees the pipe (and detaches it from its FIFO). */
static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of(f);
	bool last;

	if (p->fifo)
		mutex_lock(&fifo_lock);
	mutex_lock(&p->lock);
	if (file_readable(f))
		p->readers--;
	if (file_writable(f))
		p->writers--;
	last = !p->readers && !p->writers;
	notify(p, WAITQ_ALL);
	mutex_unlock(&p->lock);
	if (p->fifo) {
		if (last)
			p->fifo->fifo = NULL;
		mutex_unlock(&fifo_lock);
	}
	if (last)
		pipe_free(p);
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
};

static struct file *end_open(struct vnode *v, struct pipe *p, unsigned int flags)
{
	struct file *f = file_alloc(v, &pipe_fops, flags);

	if (IS_ERR(f))
		return f;
	f->priv = p;
	if (file_readable(f))
		p->readers++;
	if (file_writable(f)) {
		p->writers++;
		p->w_opens++;
	}
	return f;
}

int pipe_create(struct file **rd, struct file **wr, unsigned int flags)
{
	struct pipe *p = pipe_new();
	struct vnode *v = kzalloc(sizeof(*v));

	if (!p || !v) {
		kfree(v);
		if (p)
			pipe_free(p);
		return -ENFILE;
	}
	vnode_init(v, &pipefs_mount, &anon_vops, S_IFIFO | 0600);
	/* Opened again through /proc/PID/fd/N (bash's <(...)), it is a FIFO of this pipe. */
	v->fifo = p;
	p->fifo = v;
	flags &= O_NONBLOCK;
	*rd = end_open(v, p, O_RDONLY | flags);
	*wr = IS_ERR(*rd) ? *rd : end_open(v, p, O_WRONLY | flags);
	vnode_put(v); /* the ends hold it now */
	if (IS_ERR(*wr)) {
		if (!IS_ERR(*rd))
			file_put(*rd); /* the only end: frees the pipe */
		else
			pipe_free(p);
		return (int)PTR_ERR(*wr);
	}
	return 0;
}

/* A pipe(2) pipe opened again (/proc/PID/fd/N): never waits, as Linux's pipefs. */
static bool fifo_is_named(const struct file *f)
{
	return f->vnode->mount != &pipefs_mount;
}

/* Opening a FIFO: join its pipe (or start one), then wait for the other side. */
static int fifo_join(struct file *f, struct pipe *p)
{
	bool rd = file_readable(f), wr = file_writable(f);

	if (wr && !rd && (f->flags & O_NONBLOCK) && !p->readers && fifo_is_named(f))
		return -ENXIO;
	p->readers += rd;
	p->r_opens += rd;
	p->writers += wr;
	p->w_opens += wr;
	f->priv = p;
	/*
	 * A reader opened without waiting while no writer is there reports a
	 * hang-up only once a writer has come and gone (pos: w_opens seen).
	 */
	if (rd && !wr && !p->writers && fifo_is_named(f))
		f->pos = p->w_opens;
	notify(p, WAITQ_ALL);
	return 0;
}

/*
 * A blocking open of one end waits until the other end has been opened;
 * -ERESTARTSYS when a signal comes first.
 */
static int fifo_wait_partner(struct file *f, struct pipe *p)
{
	bool rd = file_readable(f);
	unsigned int *opens = rd ? &p->w_opens : &p->r_opens;
	unsigned int seen = *opens;

	if ((f->flags & O_NONBLOCK) || rd == file_writable(f) || !fifo_is_named(f))
		return 0;
	while (!(rd ? p->writers : p->readers) && *opens == seen) {
		if (cond_wait_interruptible(&p->changed, &p->lock))
			return -ERESTARTSYS;
	}
	return 0;
}

static int fifo_open(struct file *f)
{
	struct vnode *v = f->vnode;
	struct pipe *p;
	int err;

	/* Access mode 3 (neither end) would hold the pipe without being counted, as Linux refuses.
	 */
	if (!file_readable(f) && !file_writable(f))
		return -EINVAL;
	mutex_lock(&fifo_lock);
	p = v->fifo;
	if (!p && (p = pipe_new())) {
		p->fifo = v;
		v->fifo = p;
	}
	if (!p) {
		mutex_unlock(&fifo_lock);
		return -ENOMEM;
	}
	mutex_lock(&p->lock);
	err = fifo_join(f, p);
	if (err && !p->readers && !p->writers) {
		v->fifo = NULL;
		mutex_unlock(&p->lock);
		mutex_unlock(&fifo_lock);
		pipe_free(p);
		return err;
	}
	mutex_unlock(&fifo_lock);
	if (err) {
		mutex_unlock(&p->lock);
		return err;
	}
	err = fifo_wait_partner(f, p);
	mutex_unlock(&p->lock);
	if (err)
		pipe_release(f); /* interrupted: leave the pipe it joined, as a close would */
	return err;
}

const struct file_ops fifo_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.open = fifo_open,
	.release = pipe_release,
};

long pipe_get_size(struct file *f)
{
	return file_is_pipe(f) ? (long)pipe_of(f)->size : -EBADF;
}

long pipe_set_size(struct file *f, unsigned long size)
{
	struct pipe *p;
	char *buf;

	if (!file_is_pipe(f))
		return -EBADF;
	if (size > PIPE_MAX_SIZE)
		return -EPERM;
	p = pipe_of(f);
	size = PAGE_SIZE << size_order(MAX(size, (unsigned long)PAGE_SIZE));
	buf = page_alloc(size_order(size));
	if (!buf)
		return -ENOMEM;
	mutex_lock(&p->lock);
	if (p->count > size) {
		mutex_unlock(&p->lock);
		page_free(buf);
		return -EBUSY;
	}
	for (size_t i = 0; i < p->count; i++)
		buf[i] = p->buf[(p->head + i) & (p->size - 1)];
	page_free(p->buf);
	p->buf = buf;
	p->size = size;
	p->head = 0;
	notify(p, POLLOUT | POLLWRNORM);
	mutex_unlock(&p->lock);
	return (long)size;
}

/*
 * Splicing (fs/splice.c). A splice from a pipe holds its readers off with
 * rd_lock from pipe_splice_begin to pipe_splice_end, so that what it peeks
 * is still there when it takes what the other side accepted.
 */
long pipe_splice_begin(struct file *f, bool nonblock)
{
	struct pipe *p = pipe_of(f);
	long r;

	mutex_lock(&p->rd_lock);
	mutex_lock(&p->lock);
	r = wait_data(f, p, nonblock || (f->flags & O_NONBLOCK));
	if (!r)
		r = (long)p->count;
	mutex_unlock(&p->lock);
	if (r < 0)
		mutex_unlock(&p->rd_lock);
	return r;
}

void pipe_splice_peek(struct file *f, void *buf, size_t n)
{
	struct pipe *p = pipe_of(f);
	struct uio u;

	uio_init_kernel(&u, buf, n);
	mutex_lock(&p->lock);
	ring_copy(p, &u, p->head, MIN(n, p->count), true);
	mutex_unlock(&p->lock);
}

void pipe_splice_end(struct file *f, size_t taken)
{
	struct pipe *p = pipe_of(f);

	mutex_lock(&p->lock);
	taken = MIN(taken, p->count);
	p->head = (p->head + taken) & (p->size - 1);
	p->count -= taken;
	if (taken)
		notify(p, POLLOUT | POLLWRNORM);
	mutex_unlock(&p->lock);
	mutex_unlock(&p->rd_lock);
}

long pipe_splice_room(struct file *f, bool nonblock)
{
	struct pipe *p = pipe_of(f);
	long r = 0;

	nonblock = nonblock || (f->flags & O_NONBLOCK);
	mutex_lock(&p->lock);
	while (!r && p->readers && p->count == p->size) {
		if (nonblock)
			r = -EAGAIN;
		else if (cond_wait_interruptible(&p->changed, &p->lock))
			r = -ERESTARTSYS;
	}
	if (!r)
		r = p->readers ? (long)(p->size - p->count) : -EPIPE;
	mutex_unlock(&p->lock);
	return r;
}

bool pipe_same(struct file *a, struct file *b)
{
	return pipe_of(a) == pipe_of(b);
}
