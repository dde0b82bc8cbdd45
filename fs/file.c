/*
 * Open files: opening by path, reading and writing through a uio (so the
 * same file system code serves the application's buffers and the kernel's),
 * seeking, directory listing and the generic ioctls. The file position is
 * locked only for seekable files: a blocking read of a pipe or the console
 * must not hold up a write through the same open file.
 */
#include <alto/cred.h>
#include <alto/epoll.h>
#include <alto/mm.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/inotify.h>
#include <uapi/termios.h>
#include "internal.h"
#include "vfs_trace.h"

long uio_import(struct uio *u, const struct iovec __user *iov, int cnt, struct iovec *fast,
		int nfast)
{
	size_t total = 0;

	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	u->alloc = cnt <= nfast ? NULL : kmalloc(cnt * sizeof(*iov));
	u->iov = u->alloc ? u->alloc : fast;
	if (cnt > nfast && !u->alloc)
		return -ENOMEM;
	u->iovcnt = cnt;
	u->user = true;
	u->nowait = false;
	if (copy_from_user(u->iov, iov, cnt * sizeof(*iov))) {
		uio_free(u);
		return -EFAULT;
	}
	for (int i = 0; i < cnt; i++) {
		/* The total must fit a signed size; Linux clamps it later. */
		if (u->iov[i].iov_len > (size_t)INT64_MAX - total) {
			uio_free(u);
			return -EINVAL;
		}
		total += u->iov[i].iov_len;
	}
	u->resid = total;
	return (long)total;
}

void uio_prefault(struct uio *u, size_t n)
{
	int i = 0;

	if (!u->user)
		return;
	for (size_t seg = 0; n && i < u->iovcnt; i++, seg = 0) {
		const char __user *base = (const char __user *)(uintptr_t)u->iov[i].iov_base;
		size_t len = MIN((size_t)u->iov[i].iov_len, n);
		char c;
		for (; seg < len; seg = ALIGN_DOWN(seg, PAGE_SIZE) + PAGE_SIZE) {
			if (copy_from_user(&c, base + seg, 1))
				return; /* the copy will report it */
		}
		if (len && copy_from_user(&c, base + len - 1, 1))
			return;
		n -= len;
	}
}

void uio_free(struct uio *u)
{
	kfree(u->alloc);
	u->alloc = NULL;
}

void uio_clamp(struct uio *u, size_t max)
{
	size_t left = max;

	for (int i = 0; i < u->iovcnt; i++) {
		if (u->iov[i].iov_len > left)
			u->iov[i].iov_len = left;
		left -= u->iov[i].iov_len;
	}
	if (u->resid > max)
		u->resid = max;
}

enum uio_dir {
	UIO_OUT,
	UIO_IN,
	UIO_ZERO
};

static long move_one(bool user, void *p, void *kbuf, size_t n, enum uio_dir dir)
{
	if (dir == UIO_OUT)
		return user ? copy_to_user(p, kbuf, n) : (memcpy(p, kbuf, n), 0);
	if (dir == UIO_IN)
		return user ? copy_from_user(kbuf, p, n) : (memcpy(kbuf, p, n), 0);
	return user ? clear_user(p, n) : (memset(p, 0, n), 0);
}

/*
 * After a fault: how much of the n bytes at the application's p can be
 * moved, page by page (a fault is a page's), as Linux's copies move what
 * comes before the faulting page.
 */
static size_t move_by_page(void *p, void *kbuf, size_t n, enum uio_dir dir)
{
	size_t done = 0;

	while (done < n) {
		size_t piece = MIN(n - done, PAGE_SIZE - ((uintptr_t)p + done) % PAGE_SIZE);
		if (move_one(true, (char *)p + done, kbuf ? (char *)kbuf + done : NULL, piece, dir))
			break;
		done += piece;
	}
	return done;
}

/*
 * Move n bytes between kbuf and the uio. On a fault the uio still moves past
 * the bytes that were copied, so a caller can count them (uio->resid).
 */
static long uio_move(struct uio *u, void *kbuf, size_t n, enum uio_dir dir)
{
	while (n) {
		while (!u->iov->iov_len) {
			u->iov++;
			u->iovcnt--;
		}
		size_t chunk = MIN(n, u->iov->iov_len);
		void *p = (void *)(uintptr_t)u->iov->iov_base;
		long err = move_one(u->user, p, kbuf, chunk, dir);
		if (err) {
			chunk = move_by_page(p, kbuf, chunk, dir);
			n = chunk; /* move past those, then fail */
		}
		u->iov->iov_base += chunk;
		u->iov->iov_len -= chunk;
		u->resid -= chunk;
		n -= chunk;
		if (kbuf)
			kbuf = (char *)kbuf + chunk;
		if (err)
			return -EFAULT;
	}
	return 0;
}

int uio_copy_out(struct uio *u, const void *src, size_t n)
{
	return (int)uio_move(u, (void *)src, n, UIO_OUT);
}

int uio_copy_in(struct uio *u, void *dst, size_t n)
{
	return (int)uio_move(u, dst, n, UIO_IN);
}

int uio_zero(struct uio *u, size_t n)
{
	return (int)uio_move(u, NULL, n, UIO_ZERO);
}

bool file_readable(const struct file *f)
{
	unsigned int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

bool file_writable(const struct file *f)
{
	unsigned int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

/*
 * The descriptor lookup without a lock (fd_get_light in a process with
 * threads or a shared table) may still read refs of a file that another
 * thread just closed, or the table that execve or an exit just replaced.
 * So such memory goes back to the heap only after a grace period: when no
 * lookup is under way (file_lookups_begin/_end count them). Until then it
 * waits on a list, a released file with refs at 0 (a late lookup's get
 * fails). A lookup that starts after the count was seen at 0 cannot reach
 * it any more: it was out of every slot and process before it was
 * deferred, and the count's atomic operations order the two. The list
 * goes when a deferral or the last lookup out finds the count at 0, so it
 * does not grow while lookups keep coming.
 */
static long lookups;
static struct lookup_deferred *deferred;
static struct spinlock deferred_lock = SPINLOCK_INIT;

/* Free everything waiting, if no lookup is under way now. */
static void deferred_drain(void)
{
	struct lookup_deferred *list = NULL, *d;
	unsigned long flags = spin_lock(&deferred_lock);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&lookups, __ATOMIC_SEQ_CST)) {
		list = deferred;
		deferred = NULL;
	}
	spin_unlock(&deferred_lock, flags);
	while ((d = list)) {
		list = d->next;
		d->free(d);
	}
}

void file_lookups_begin(void)
{
	__atomic_add_fetch(&lookups, 1, __ATOMIC_SEQ_CST);
}

void file_lookups_end(void)
{
	if (!__atomic_sub_fetch(&lookups, 1, __ATOMIC_SEQ_CST) &&
	    __atomic_load_n(&deferred, __ATOMIC_RELAXED))
		deferred_drain();
}

void file_lookups_defer(struct lookup_deferred *d, void (*free)(struct lookup_deferred *d))
{
	unsigned long flags = spin_lock(&deferred_lock);

	d->free = free;
	d->next = deferred;
	deferred = d;
	spin_unlock(&deferred_lock, flags);
	deferred_drain();
}

static void file_mem_release(struct lookup_deferred *d)
{
	kfree(container_of(d, struct file, dead));
}

static void file_mem_free(struct file *f)
{
	file_lookups_defer(&f->dead, file_mem_release);
}

/* f->io: neither the access mode nor the ops change after open (F_SETFL keeps them). */
static unsigned int io_caps(const struct file *f)
{
	bool seek = f->ops->llseek != NULL;
	bool atomic_pos = S_ISREG(f->vnode->mode) || S_ISDIR(f->vnode->mode);

	unsigned int direct = (file_readable(f) && f->ops->read_user ? FILE_IO_DIRECT_READ : 0) |
			      (file_writable(f) && f->ops->write_user ? FILE_IO_DIRECT_WRITE : 0);
	unsigned int short_ops = direct & f->ops->direct_short;

	return (file_readable(f) && f->ops->read ? FILE_IO_READ : 0) |
	       (file_writable(f) && f->ops->write ? FILE_IO_WRITE : 0) | (seek ? FILE_IO_SEEK : 0) |
	       (seek && atomic_pos ? FILE_IO_LOCK_POS : 0) | direct |
	       (short_ops & FILE_IO_DIRECT_READ ? FILE_IO_SHORT_READ : 0) |
	       (short_ops & FILE_IO_DIRECT_WRITE ? FILE_IO_SHORT_WRITE : 0);
}

struct file *file_alloc(struct vnode *v, const struct file_ops *ops, unsigned int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return ERR_PTR(-ENOMEM);
	f->ops = ops;
	f->vnode = v;
	f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	mutex_init(&f->pos_lock);
	list_init(&f->ep_links);
	vnode_get(v);
	if (ops->open) {
		int err = ops->open(f);
		if (err) {
			vnode_put(v);
			file_mem_free(f);
			return ERR_PTR(err);
		}
	}
	f->io = io_caps(f);
	f->refs = 1;
	__atomic_add_fetch(&v->mount->nfiles, 1, __ATOMIC_RELAXED);
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

bool file_get_unless_zero(struct file *f)
{
	long refs = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);

	do {
		if (!refs)
			return false;
	} while (!__atomic_compare_exchange_n(&f->refs, &refs, refs + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

void file_put(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	trace_vfs_release(f);
	/* Only removals can race with the last reference: an unlocked look will do. */
	if (!list_empty(&f->ep_links))
		epoll_release_file(f);
	if (f->parent)
		fsnotify_file(f, file_writable(f) ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
	if (f->ops->release)
		f->ops->release(f);
	__atomic_sub_fetch(&f->vnode->mount->nfiles, 1, __ATOMIC_RELAXED);
	vnode_put(f->parent);
	vnode_put(f->vnode);
	file_mem_free(f);
}

static const struct file_ops *fops_for(struct vnode *v, unsigned int flags)
{
	if (flags & O_PATH)
		return &vfs_path_fops;
	if (S_ISCHR(v->mode))
		return chrdev_fops(v->rdev);
	if (S_ISBLK(v->mode))
		return &blkdev_fops;
	if (S_ISFIFO(v->mode))
		return &fifo_fops;
	return v->fops;
}

/* The checks open(2) makes on the file it found or created. */
static int open_checks(struct vnode *v, int flags, bool created)
{
	int acc = flags & O_ACCMODE;

	if (S_ISLNK(v->mode) && !(flags & O_PATH))
		return -ELOOP; /* O_NOFOLLOW on a symlink */
	if ((flags & O_DIRECTORY) && !S_ISDIR(v->mode))
		return -ENOTDIR;
	if (flags & O_PATH)
		return 0;
	if (S_ISDIR(v->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	if ((acc != O_RDONLY || (flags & O_TRUNC)) && (S_ISREG(v->mode) || S_ISLNK(v->mode)) &&
	    vfs_check_writable(v))
		return -EROFS;
	if (created)
		return 0; /* the creator may use what it made, whatever its mode */
	/* O_ACCMODE 3 asks for both, as on Linux. */
	int mask = (acc != O_WRONLY ? MAY_READ : 0) | (acc != O_RDONLY ? MAY_WRITE : 0) |
		   (flags & O_TRUNC ? MAY_WRITE : 0);
	int err = vfs_permission(v, mask);
	if (err)
		return err;
	if (S_ISREG(v->mode) && (acc != O_RDONLY || (flags & O_TRUNC)) &&
	    READ_ONCE(v->write_denied))
		return -ETXTBSY; /* a running program */
	if ((flags & O_TRUNC) && S_ISREG(v->mode))
		return vfs_truncate(v, 0);
	return 0;
}

/* Find or create the file for an O_CREAT open. */
static int open_create(struct nameidata *nd, int flags, unsigned int mode, struct vnode **out,
		       bool *created)
{
	bool excl = flags & O_EXCL;
	struct vnode *v;
	int err = nd_walk_final(nd, !excl && !(flags & O_NOFOLLOW), &v);

	if (!err) {
		if (excl || S_ISDIR(v->mode)) {
			err = excl ? -EEXIST : -EISDIR;
			vnode_put(v);
			return err;
		}
		*out = v;
		return 0;
	}
	if (err != -ENOENT || !nd->at_final)
		return err;
	if (nd->trailing_slash)
		return -EISDIR;
	if (vfs_check_writable(nd->dir))
		return -EROFS;
	err = vfs_may_create(nd->dir);
	if (err)
		return err;
	mutex_lock(&nd->dir->mount->ns_lock);
	err = nd->dir->ops->create(nd->dir, nd->last, nd->lastlen, S_IFREG | (mode & S_IALLUGO), 0,
				   out);
	*created = !err;
	if (!err) {
		vfs_own_new(nd->dir, *out);
		fsnotify_name(nd->dir, nd->last, nd->lastlen, IN_CREATE, 0);
	}
	/* Another thread created it since the lookup: open that one. */
	if (err == -EEXIST && !excl)
		err = nd->dir->ops->lookup(nd->dir, nd->last, nd->lastlen, out);
	mutex_unlock(&nd->dir->mount->ns_lock);
	return err;
}

struct file *vfs_open(struct vnode *base, const char *path, int flags, unsigned int mode)
{
	struct nameidata nd;
	struct vnode *v = NULL;
	bool created = false;
	int err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return ERR_PTR(-EINVAL);
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	err = nd_start(&nd, base, path);
	if (!err && (flags & O_CREAT))
		err = open_create(&nd, flags, mode, &v, &created);
	else if (!err)
		err = nd_walk_final(&nd, !(flags & O_NOFOLLOW), &v);
	if (!err)
		err = open_checks(v, flags, created);
	if (err) {
		nd_end(&nd);
		vnode_put(v);
		return ERR_PTR(err);
	}
	const struct file_ops *ops = fops_for(v, flags);
	struct file *f = ops ? file_alloc(v, ops, flags) : ERR_PTR(-ENXIO);
	if (!IS_ERR(f)) {
		if (nd.jumped && nd.jumped->vnode == v && nd.jumped->ops == f->ops &&
		    f->ops->reopen)
			f->ops->reopen(f, nd.jumped);
		/* Keep where it was found: its path is the directory's and its name there. */
		f->parent = nd.dir;
		nd.dir = NULL;
		fsnotify_file(f, IN_OPEN);
	}
	nd_end(&nd);
	vnode_put(v);
	trace_vfs_open(f, flags, path);
	return f;
}

struct file *vfs_open_kernel(const char *path, int flags, int mode)
{
	return vfs_open(NULL, path, flags, mode);
}

static bool seekable(const struct file *f)
{
	return f->ops->llseek != NULL;
}

/* Why do_io turns the call down: each check again, out of the common path. */
static __attribute__((noinline)) long io_refused(struct file *f, int64_t off, bool write)
{
	if (!(write ? file_writable(f) : file_readable(f)))
		return -EBADF;
	if (!(write ? f->ops->write : f->ops->read))
		return S_ISDIR(f->vnode->mode) ? -EISDIR : -EINVAL;
	return -ESPIPE; /* an offset for a file without a position */
}

/*
 * The call on a uio already clamped to VFS_MAX_RW. The checks that may
 * refuse it are one test of what open worked out (f->io); a regular file's
 * or directory's position moves under pos_lock (POSIX makes that update
 * atomic, and Linux too for directories, FMODE_ATOMIC_POS), a device's
 * without it, as on Linux.
 */
static __attribute__((always_inline)) inline long do_io(struct file *f, struct uio *u, int64_t off,
							bool write)
{
	unsigned int io = f->io;
	unsigned int need = write ? FILE_IO_WRITE : FILE_IO_READ;
	uint64_t pos = off;
	long n;

	if (unlikely((io & need) != need || (off >= 0 && !(io & FILE_IO_SEEK))))
		return io_refused(f, off, write);
	if (off >= 0 || !(io & FILE_IO_SEEK)) {
		n = (write ? f->ops->write : f->ops->read)(f, u, &pos);
	} else if (!(io & FILE_IO_LOCK_POS)) {
		pos = READ_ONCE(f->pos);
		n = (write ? f->ops->write : f->ops->read)(f, u, &pos);
		WRITE_ONCE(f->pos, pos);
	} else {
		mutex_lock(&f->pos_lock);
		n = (write ? f->ops->write : f->ops->read)(f, u, &f->pos);
		mutex_unlock(&f->pos_lock);
	}
	if (n > 0 && f->parent)
		fsnotify_file(f, write ? IN_MODIFY : IN_ACCESS);
	return n;
}

static __attribute__((always_inline)) inline long traced_io(struct file *f, struct uio *u,
							    int64_t off, bool write)
{
	trace_vfs_io_enter(f, write, u->resid, off);
	long r = do_io(f, u, off, write);
	trace_vfs_io_exit(f, r);
	return r;
}

long vfs_read(struct file *f, struct uio *u, int64_t off)
{
	uio_clamp(u, VFS_MAX_RW);
	return traced_io(f, u, off, false);
}

long vfs_write(struct file *f, struct uio *u, int64_t off)
{
	uio_clamp(u, VFS_MAX_RW);
	return traced_io(f, u, off, true);
}

/*
 * A device's read_user or write_user (f->io says it has one for this
 * direction): the buffer as it is, no uio, no position; the tracepoints
 * and inotify's events as do_io has them.
 */
static __attribute__((always_inline)) inline long direct_io(struct file *f, void __user *buf,
							    size_t len, bool write)
{
	long n;

	len = MIN(len, VFS_MAX_RW);
	trace_vfs_io_enter(f, write, len, -1);
	n = write ? f->ops->write_user(f, buf, len) : f->ops->read_user(f, buf, len);
	if (n > 0 && f->parent)
		fsnotify_file(f, write ? IN_MODIFY : IN_ACCESS);
	trace_vfs_io_exit(f, n);
	return n;
}

/*
 * One segment: no clamping loop, and read and write each get their own copy
 * of do_io; a device with a direct op skips even that (direct_io). No stack
 * protector: the only local is the uio, no array, and its check is a tenth
 * of the call.
 */
__attribute__((no_stack_protector)) long vfs_read_user(struct file *f, void __user *buf, size_t len,
						       int64_t off)
{
	struct uio u;

	if (off < 0 && (f->io & FILE_IO_DIRECT_READ))
		return direct_io(f, buf, len, false);
	uio_init_user(&u, buf, MIN(len, VFS_MAX_RW));
	return traced_io(f, &u, off, false);
}

__attribute__((no_stack_protector)) long vfs_write_user(struct file *f, const void __user *buf,
							size_t len, int64_t off)
{
	struct uio u;

	if (off < 0 && (f->io & FILE_IO_DIRECT_WRITE))
		return direct_io(f, (void __user *)buf, len, true);
	uio_init_user(&u, (void __user *)buf, MIN(len, VFS_MAX_RW));
	return traced_io(f, &u, off, true);
}

long vfs_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, buf, len);
	return vfs_read(f, &u, (int64_t)off);
}

long vfs_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, (void *)buf, len);
	return vfs_write(f, &u, (int64_t)off);
}

long vfs_kread(struct file *f, void *buf, size_t len)
{
	struct uio u;

	uio_init_kernel(&u, buf, len);
	return vfs_read(f, &u, -1);
}

long vfs_kwrite(struct file *f, const void *buf, size_t len)
{
	struct uio u;

	uio_init_kernel(&u, (void *)buf, len);
	return vfs_write(f, &u, -1);
}

long vfs_file_size(struct file *f)
{
	return (long)READ_ONCE(f->vnode->size);
}

int vfs_fsync(struct file *f, bool datasync)
{
	struct vnode *v = f->vnode;

	if (S_ISBLK(v->mode))
		return blkdev_fsync(v);
	return v->ops->fsync ? v->ops->fsync(v, datasync) : 0;
}

int64_t vfs_lseek(struct file *f, int64_t off, int whence)
{
	int64_t r;

	if (f->flags & O_PATH)
		return -EBADF;
	/* Anonymous files (eventfd, epoll...) take any seek and stay at 0, as on Linux. */
	if (!seekable(f))
		return f->ops->anon_name ? 0 : -ESPIPE;
	mutex_lock(&f->pos_lock);
	r = f->ops->llseek(f, off, whence);
	mutex_unlock(&f->pos_lock);
	return r;
}

/* Regular files: SEEK_DATA and SEEK_HOLE see one data extent up to the size. */
int64_t vfs_generic_llseek(struct file *f, int64_t off, int whence)
{
	int64_t size = (int64_t)READ_ONCE(f->vnode->size), base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		base = 0;
		off = whence == SEEK_DATA ? off : size;
		break;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return base + off;
}

static int64_t dir_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base = whence == SEEK_CUR ? (int64_t)f->pos : 0;

	if ((whence != SEEK_SET && whence != SEEK_CUR) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return base + off;
}

int vfs_readdir(struct file *f, vfs_dirent_fn fn, void *ctx)
{
	struct vnode *v = f->vnode;
	int err;

	if (f->flags & O_PATH)
		return -EBADF;
	if (!S_ISDIR(v->mode) || !v->ops->readdir)
		return -ENOTDIR;
	mutex_lock(&f->pos_lock);
	mutex_lock(&v->mount->ns_lock);
	err = v->ops->readdir(v, &f->pos, fn, ctx);
	mutex_unlock(&v->mount->ns_lock);
	mutex_unlock(&f->pos_lock);
	return err;
}

int vfs_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (cmd == FIONBIO) {
		int on;
		if (copy_from_user(&on, (void __user *)arg, sizeof(on)))
			return -EFAULT;
		__atomic_fetch_and(&f->flags, ~(unsigned int)O_NONBLOCK, __ATOMIC_RELAXED);
		if (on)
			__atomic_fetch_or(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
		return 0;
	}
	if (cmd == FIOASYNC)
		return 0;
	if (cmd == FIONREAD && S_ISREG(f->vnode->mode)) {
		int64_t left = (int64_t)READ_ONCE(f->vnode->size) - (int64_t)f->pos;
		return put_user((int)MAX(left, 0), (int __user *)arg);
	}
	if (!f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, cmd, arg);
}

const struct file_ops vfs_dir_fops = {
	.llseek = dir_llseek,
};

const struct file_ops vfs_path_fops = { 0 };

char *vfs_getname(const char __user *path)
{
	char *name = kmalloc(PATH_MAX);
	long n;

	if (!name)
		return ERR_PTR(-ENOMEM);
	n = strncpy_from_user(name, path, PATH_MAX);
	if (n < 0) {
		kfree(name);
		return ERR_PTR(n);
	}
	return name;
}

void vfs_putname(char *name)
{
	if (!IS_ERR(name))
		kfree(name);
}
