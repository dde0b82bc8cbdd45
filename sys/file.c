/*
 * System calls on open files and descriptors: reading and writing, seeking,
 * duplicating and closing, fcntl and ioctl, pipes, directory listings,
 * sendfile and the sync family. Handlers check arguments, turn descriptors
 * into files and let fs/ do the work; application memory is reached only
 * through the uio and the user-copy helpers.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include <uapi/termios.h>

#define FAST_IOV 8

static __attribute__((always_inline)) inline long rw(int fd, void __user *buf, size_t count,
						     int64_t off, bool write)
{
	struct fd_ref ref = fd_get_light(fd);
	long r;

	if (!ref.file)
		return -EBADF;
	r = write ? vfs_write_user(ref.file, buf, count, off) :
		    vfs_read_user(ref.file, buf, count, off);
	fd_put_light(ref);
	return r;
}

/*
 * read and write at the file position, the way their direct entry did not
 * take: with interrupts on (syscall.S calls the two with them off:
 * syscall_irqs_off), and off again after if they were.
 */
static __attribute__((noinline)) long rw_at_pos(int fd, void __user *buf, size_t count, bool write)
{
	bool off = !irq_enabled();
	long r;

	if (off)
		irq_enable();
	r = rw(fd, buf, count, -1, write);
	if (off)
		irq_disable();
	return r;
}

/*
 * read(2) and write(2) go from the descriptor straight to a device's
 * read_user or write_user op when it neither blocks nor touches the buffer
 * (vfs_direct: /dev/null's both, /dev/zero's write), the table pins the
 * file (fd_peek_pinned: no reference to take or drop) and nothing watches:
 * interrupts stay off from the entry to the exit. Everything else, errors
 * included, goes through rw_at_pos, which looks the descriptor up again.
 */
SYSCALL_DEFINE(read, int fd, void __user *buf, size_t count)
{
	struct file *f = fd_peek_pinned(fd);

	if (likely(f && vfs_direct(f, FILE_IO_SHORT_READ)))
		return f->ops->read_user(f, buf, MIN(count, VFS_MAX_RW));
	return rw_at_pos(fd, buf, count, false);
}

SYSCALL_DEFINE(write, int fd, const void __user *buf, size_t count)
{
	struct file *f = fd_peek_pinned(fd);

	if (likely(f && vfs_direct(f, FILE_IO_SHORT_WRITE)))
		return f->ops->write_user(f, buf, MIN(count, VFS_MAX_RW));
	return rw_at_pos(fd, (void __user *)buf, count, true);
}

SYSCALL_DEFINE(pread64, int fd, void __user *buf, size_t count, int64_t off)
{
	return off < 0 ? -EINVAL : rw(fd, buf, count, off, false);
}

SYSCALL_DEFINE(pwrite64, int fd, const void __user *buf, size_t count, int64_t off)
{
	return off < 0 ? -EINVAL : rw(fd, (void __user *)buf, count, off, true);
}

/* preadv2's and pwritev2's flags (RWF_*). */
#define RWF_HIPRI  0x01
#define RWF_DSYNC  0x02
#define RWF_SYNC   0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#define RWF_KNOWN  0x1f

static long rwv_flags(int fd, const struct iovec __user *iov, int cnt, int64_t off, bool write,
		      int flags)
{
	struct iovec fast[FAST_IOV];
	struct file *f;
	struct uio u;
	long r;

	if (flags & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	r = uio_import(&u, iov, cnt, fast, FAST_IOV);
	if (r >= 0) {
		/* Memory and sockets need no syncing; a write at the end goes where it ends now. */
		u.nowait = flags & RWF_NOWAIT;
		if (write && (flags & RWF_APPEND) && S_ISREG(f->vnode->mode))
			off = vfs_file_size(f);
		r = write ? vfs_write(f, &u, off) : vfs_read(f, &u, off);
		uio_free(&u);
	}
	file_put(f);
	return r;
}

static long rwv(int fd, const struct iovec __user *iov, int cnt, int64_t off, bool write)
{
	return rwv_flags(fd, iov, cnt, off, write, 0);
}

SYSCALL_DEFINE(readv, int fd, const struct iovec __user *iov, int cnt)
{
	return rwv(fd, iov, cnt, -1, false);
}

SYSCALL_DEFINE(writev, int fd, const struct iovec __user *iov, int cnt)
{
	return rwv(fd, iov, cnt, -1, true);
}

/* On x86_64 the whole offset is in pos_l (pos_h is for 32-bit ABIs). */
SYSCALL_DEFINE(preadv, int fd, const struct iovec __user *iov, int cnt, int64_t pos_l, long pos_h)
{
	return pos_l < 0 ? -EINVAL : rwv(fd, iov, cnt, pos_l, false);
}

SYSCALL_DEFINE(pwritev, int fd, const struct iovec __user *iov, int cnt, int64_t pos_l, long pos_h)
{
	return pos_l < 0 ? -EINVAL : rwv(fd, iov, cnt, pos_l, true);
}

/* preadv2 and pwritev2: offset -1 is the file position, as readv and writev use it. */
SYSCALL_DEFINE(preadv2, int fd, const struct iovec __user *iov, int cnt, int64_t pos_l, long pos_h,
	       int flags)
{
	return pos_l < -1 ? -EINVAL : rwv_flags(fd, iov, cnt, pos_l, false, flags);
}

SYSCALL_DEFINE(pwritev2, int fd, const struct iovec __user *iov, int cnt, int64_t pos_l, long pos_h,
	       int flags)
{
	return pos_l < -1 ? -EINVAL : rwv_flags(fd, iov, cnt, pos_l, true, flags);
}

SYSCALL_DEFINE(lseek, int fd, int64_t off, unsigned int whence)
{
	struct file *f = fd_get_file(fd);
	int64_t r;

	if (!f)
		return -EBADF;
	r = vfs_lseek(f, off, (int)whence);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(close, int fd)
{
	struct fdtable *t = current_fdtable();

	return t ? fd_close(t, fd) : -EBADF;
}

SYSCALL_DEFINE(close_range, unsigned int first, unsigned int last, unsigned int flags)
{
	struct fdtable *t = current_fdtable();

	return t ? fd_close_range(t, first, last, flags) : -EBADF;
}

/* Install a new reference to the file at fd at the lowest free slot >= min. */
static long dup_from(int fd, int min, bool cloexec)
{
	struct fdtable *t = current_fdtable();
	struct file *f = t ? fd_get(t, fd) : NULL;
	long r;

	if (!f)
		return -EBADF;
	r = fd_alloc(t, f, min, cloexec);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL_DEFINE(dup, int fd)
{
	return dup_from(fd, 0, false);
}

SYSCALL_DEFINE(dup2, int oldfd, int newfd)
{
	struct fdtable *t = current_fdtable();

	if (!t)
		return -EBADF;
	if (oldfd == newfd)
		return fd_get_cloexec(t, oldfd) < 0 ? -EBADF : newfd;
	return fd_dup2(t, oldfd, newfd, false);
}

SYSCALL_DEFINE(dup3, int oldfd, int newfd, int flags)
{
	struct fdtable *t = current_fdtable();

	if ((flags & ~O_CLOEXEC) || oldfd == newfd)
		return -EINVAL;
	return t ? fd_dup2(t, oldfd, newfd, flags & O_CLOEXEC) : -EBADF;
}

/* Record locks: one process, so nothing ever conflicts. */
static long lock_cmd(struct file *f, unsigned int cmd, struct flock __user *arg)
{
	struct flock fl;

	if (copy_from_user(&fl, arg, sizeof(fl)))
		return -EFAULT;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		fl.l_type = F_UNLCK;
		return copy_to_user(arg, &fl, sizeof(fl));
	}
	return 0;
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

static long setfl(struct file *f, unsigned long arg)
{
	unsigned int old, new;

	do {
		old = READ_ONCE(f->flags);
		new = (old & ~SETFL_MASK) | ((unsigned int)arg & SETFL_MASK);
	} while (!__atomic_compare_exchange_n(&f->flags, &old, new, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 0;
}

static long file_fcntl(struct file *f, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		return setfl(f, arg);
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return lock_cmd(f, cmd, (struct flock __user *)arg);
	case F_GETOWN:
	case F_SETOWN:
	case F_GETSIG:
	case F_SETSIG:
		return 0;
	case F_GETLEASE:
		return F_UNLCK;
	case F_GETPIPE_SZ:
		return pipe_get_size(f);
	case F_SETPIPE_SZ:
		return pipe_set_size(f, arg);
	case F_ADD_SEALS:
		return memfd_add_seals(f, (unsigned int)arg);
	case F_GET_SEALS:
		return memfd_get_seals(f);
	}
	return -EINVAL;
}

SYSCALL_DEFINE(fcntl, int fd, unsigned int cmd, unsigned long arg)
{
	struct fdtable *t = current_fdtable();
	struct file *f;
	long r;

	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= fd_limit())
			return -EINVAL;
		return dup_from(fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return t ? fd_get_cloexec(t, fd) : -EBADF;
	case F_SETFD:
		return t ? fd_set_cloexec(t, fd, arg & FD_CLOEXEC) : -EBADF;
	}
	f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	if ((f->flags & O_PATH) && cmd != F_GETFL)
		r = -EBADF;
	else
		r = file_fcntl(f, cmd, arg);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(ioctl, int fd, unsigned int cmd, unsigned long arg)
{
	struct fdtable *t = current_fdtable();
	struct file *f;
	long r;

	if (t && (cmd == FIOCLEX || cmd == FIONCLEX))
		return fd_set_cloexec(t, fd, cmd == FIOCLEX);
	f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	r = vfs_ioctl(f, cmd, arg);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(pipe2, int __user *fds, int flags)
{
	struct fdtable *t = current_fdtable();
	struct file *rd, *wr;
	int fd[2];
	long r;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!t)
		return -EMFILE;
	r = pipe_create(&rd, &wr, flags);
	if (r)
		return r;
	fd[0] = fd_alloc(t, rd, 0, flags & O_CLOEXEC);
	fd[1] = fd[0] < 0 ? fd[0] : fd_alloc(t, wr, 0, flags & O_CLOEXEC);
	r = fd[1] < 0 ? fd[1] : copy_to_user(fds, fd, sizeof(fd));
	if (r) {
		if (fd[0] >= 0)
			fd_close(t, fd[0]);
		else
			file_put(rd);
		if (fd[1] >= 0)
			fd_close(t, fd[1]);
		else
			file_put(wr);
	}
	return r;
}

SYSCALL_DEFINE(pipe, int __user *fds)
{
	return sys_pipe2(fds, 0);
}

/* Operations that only need a valid descriptor of some kind. */
static long with_file(int fd, long (*op)(struct file *f, long arg), long arg)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = (f->flags & O_PATH) ? -EBADF : op(f, arg);
	file_put(f);
	return r;
}

/* Pipes, sockets and the like cannot be synced (EINVAL, as Linux); devices can. */
static long sync_file(struct file *f, long datasync)
{
	uint32_t mode = f->vnode->mode;

	if (S_ISFIFO(mode) || S_ISSOCK(mode) || (!S_ISREG(mode) && f->ops->anon_name))
		return -EINVAL;
	return vfs_fsync(f, datasync);
}

static long syncfs_file(struct file *f, long arg)
{
	return vfs_syncfs(f);
}

SYSCALL_DEFINE(fsync, int fd)
{
	return with_file(fd, sync_file, false);
}

SYSCALL_DEFINE(fdatasync, int fd)
{
	return with_file(fd, sync_file, true);
}

SYSCALL_DEFINE(syncfs, int fd)
{
	return with_file(fd, syncfs_file, 0);
}

SYSCALL_DEFINE(sync, void)
{
	vfs_sync_all(true);
	return 0;
}

#define SYNC_FILE_RANGE_WAIT_BEFORE 1
#define SYNC_FILE_RANGE_WRITE	    2
#define SYNC_FILE_RANGE_WAIT_AFTER  4

/* Writing the range and waiting for it is what fdatasync does for the whole file. */
static long sync_range_file(struct file *f, long flags)
{
	uint32_t mode = f->vnode->mode;

	if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISBLK(mode) && !S_ISLNK(mode))
		return -ESPIPE;
	return flags & SYNC_FILE_RANGE_WRITE ? vfs_fsync(f, true) : 0;
}

SYSCALL_DEFINE(sync_file_range, int fd, int64_t off, int64_t nbytes, unsigned int flags)
{
	if (flags &
	    ~(SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER))
		return -EINVAL;
	if (off < 0 || nbytes < 0 || off > INT64_MAX - nbytes)
		return -EINVAL;
	return with_file(fd, sync_range_file, flags);
}

static long flock_op(struct file *f, long op)
{
	if (op & LOCK_MAND)
		return 0; /* obsolete; Linux ignores it */
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
	case LOCK_EX:
	case LOCK_UN:
		return 0;
	}
	return -EINVAL;
}

SYSCALL_DEFINE(flock, int fd, unsigned int op)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = flock_op(f, op);
	file_put(f);
	return r;
}

static long fadvise(struct file *f, long advice)
{
	if (S_ISFIFO(f->vnode->mode))
		return -ESPIPE;
	return advice >= 0 && advice <= 5 ? 0 : -EINVAL;
}

SYSCALL_DEFINE(fadvise64, int fd, int64_t off, int64_t len, int advice)
{
	return with_file(fd, fadvise, advice);
}

static long ftruncate_file(struct file *f, long length)
{
	if (!S_ISREG(f->vnode->mode) || !file_writable(f))
		return -EINVAL;
	return vfs_truncate(f->vnode, length);
}

SYSCALL_DEFINE(ftruncate, int fd, int64_t length)
{
	return length < 0 ? -EINVAL : with_file(fd, ftruncate_file, length);
}

SYSCALL_DEFINE(fallocate, int fd, int mode, int64_t off, int64_t len)
{
	struct file *f;
	long r = 0;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (off > INT64_MAX - len)
		return -EFBIG;
	f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	if (!file_writable(f))
		r = -EBADF;
	else if (S_ISDIR(f->vnode->mode))
		r = -EISDIR;
	else if (S_ISFIFO(f->vnode->mode))
		r = -ESPIPE;
	else if (!S_ISREG(f->vnode->mode))
		r = -ENODEV;
	else if (!(mode & FALLOC_FL_KEEP_SIZE) && vfs_file_size(f) < off + len)
		r = vfs_truncate(f->vnode, off + len);
	file_put(f);
	return r;
}

/* Directory listings: records are built in a kernel buffer, then copied out. */
struct dents {
	char *buf;
	size_t size, used;
	bool old; /* getdents, with d_type in the last byte */
	bool full;
};

static size_t reclen(size_t namelen, bool old)
{
	size_t head = old ? offsetof(struct linux_dirent, d_name) :
			    offsetof(struct linux_dirent64, d_name);
	return ALIGN_UP(head + namelen + 1 + old, 8);
}

static int put_dent(void *ctx, const char *name, size_t len, uint64_t ino, unsigned int type,
		    uint64_t next)
{
	struct dents *d = ctx;
	size_t rl = reclen(len, d->old);
	char *p = d->buf + d->used;

	if (d->used + rl > d->size) {
		d->full = true;
		return 1;
	}
	memset(p, 0, rl);
	if (d->old) {
		struct linux_dirent *e = (struct linux_dirent *)p;
		*e = (struct linux_dirent){ .d_ino = ino, .d_off = next, .d_reclen = (uint16_t)rl };
		memcpy(e->d_name, name, len);
		p[rl - 1] = (char)type;
	} else {
		struct linux_dirent64 *e = (struct linux_dirent64 *)p;
		*e = (struct linux_dirent64){ .d_ino = ino,
					      .d_off = (int64_t)next,
					      .d_reclen = (uint16_t)rl,
					      .d_type = (uint8_t)type };
		memcpy(e->d_name, name, len);
	}
	d->used += rl;
	return 0;
}

/*
 * Copy the records out one at a time, as Linux's filldir does: when the
 * buffer faults part-way, what was copied is returned and the position
 * goes back to just after it (each record's d_off); when the first record
 * faults, EFAULT, with the position where it was. Nothing is lost.
 */
static long copy_dents(struct file *f, const struct dents *d, char __user *dirp, uint64_t start)
{
	uint64_t next = start;
	size_t off = 0;

	while (off < d->used) {
		struct linux_dirent64
			head; /* d_ino, d_off and d_reclen sit alike in both layouts */
		memcpy(&head, d->buf + off, offsetof(struct linux_dirent64, d_type));
		if (copy_to_user(dirp + off, d->buf + off, head.d_reclen))
			break;
		next = (uint64_t)head.d_off;
		off += head.d_reclen;
	}
	if (off < d->used) {
		mutex_lock(&f->pos_lock);
		f->pos = next;
		mutex_unlock(&f->pos_lock);
	}
	return off ? (long)off : -EFAULT;
}

static long getdents(int fd, void __user *dirp, size_t count, bool old)
{
	struct dents d = { .size = MIN(count, (size_t)65536), .old = old };
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	uint64_t start = READ_ONCE(f->pos);
	d.buf = kmalloc(d.size);
	r = d.buf ? vfs_readdir(f, put_dent, &d) : -ENOMEM;
	if (!r && !d.used && d.full)
		r = -EINVAL; /* not even one entry fits */
	if (!r)
		r = d.used ? copy_dents(f, &d, dirp, start) : 0;
	kfree(d.buf);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(getdents64, int fd, void __user *dirp, unsigned int count)
{
	return getdents(fd, dirp, count, false);
}

SYSCALL_DEFINE(getdents, int fd, void __user *dirp, unsigned int count)
{
	return getdents(fd, dirp, count, true);
}

#define SENDFILE_CHUNK (64 * 1024)

/*
 * Copy up to count bytes from in (at *in_off, or its position) to out (at
 * *out_off, or its position) through buf; a pending signal ends it between
 * chunks (what was copied, or a restart code), as Linux's sendfile does.
 */
static long copy_file(struct file *out, int64_t *out_off, struct file *in, int64_t *in_off,
		      size_t count, char *buf)
{
	long done = 0;

	while ((size_t)done < count) {
		if (signal_pending())
			return done ? done : -ERESTARTSYS;
		size_t chunk = MIN(count - done, (size_t)SENDFILE_CHUNK);
		long n = in_off ? vfs_pread(in, buf, chunk, *in_off) : vfs_kread(in, buf, chunk);
		if (n <= 0)
			return done ? done : n;
		long w = out_off ? vfs_pwrite(out, buf, (size_t)n, *out_off) :
				   vfs_kwrite(out, buf, (size_t)n);
		if (w > 0 && in_off)
			*in_off += w;
		if (w > 0 && out_off)
			*out_off += w;
		if (w > 0 && w < n && !in_off)
			vfs_lseek(in, w - n, SEEK_CUR); /* give back what was not written */
		if (w <= 0)
			return done ? done : w;
		done += w;
		if (w < n)
			break;
	}
	return done;
}

SYSCALL_DEFINE(sendfile, int out_fd, int in_fd, int64_t __user *offset, size_t count)
{
	struct file *in = fd_get_file(in_fd), *out = fd_get_file(out_fd);
	int64_t off = 0;
	char *buf = NULL;
	long r = 0;

	if (!in || !out || !file_readable(in) || !file_writable(out))
		r = -EBADF;
	else if (out->flags & O_APPEND)
		r = -EINVAL;
	else if (offset && get_user(off, offset))
		r = -EFAULT;
	else if (offset && off < 0)
		r = -EINVAL;
	if (!r && !(buf = kmalloc(SENDFILE_CHUNK)))
		r = -ENOMEM;
	if (!r)
		r = copy_file(out, NULL, in, offset ? &off : NULL, MIN(count, (size_t)VFS_MAX_RW),
			      buf);
	if (r >= 0 && offset && put_user(off, offset))
		r = -EFAULT;
	kfree(buf);
	file_put(in);
	file_put(out);
	return r;
}

/* An offset argument of copy_file_range: NULL (the file position) or a value >= 0. */
static long get_off(int64_t __user *u, int64_t *k)
{
	if (!u)
		return 0;
	if (get_user(*k, u))
		return -EFAULT;
	return *k < 0 ? -EOVERFLOW : 0; /* Linux finds pos + len "overflowing" first */
}

/* The checks of copy_file_range, as Linux makes them. */
static long copy_range_checks(struct file *in, struct file *out)
{
	if (!in || !out)
		return -EBADF;
	if (S_ISDIR(in->vnode->mode) || S_ISDIR(out->vnode->mode))
		return -EISDIR;
	if (!S_ISREG(in->vnode->mode) || !S_ISREG(out->vnode->mode))
		return -EINVAL;
	if (!file_readable(in) || !file_writable(out) || (out->flags & O_APPEND))
		return -EBADF;
	return 0;
}

SYSCALL_DEFINE(copy_file_range, int fd_in, int64_t __user *off_in, int fd_out,
	       int64_t __user *off_out, size_t len, unsigned int flags)
{
	struct file *in = fd_get_file(fd_in), *out = fd_get_file(fd_out);
	int64_t oi = 0, oo = 0;
	char *buf = NULL;
	long r = flags ? -EINVAL : copy_range_checks(in, out);

	if (!r)
		r = get_off(off_in, &oi);
	if (!r)
		r = get_off(off_out, &oo);
	if (!r && in->vnode == out->vnode) {
		/* The same file: the two ranges may not overlap. */
		int64_t a = off_in ? oi : (int64_t)in->pos, b = off_out ? oo : (int64_t)out->pos;
		size_t n = MIN(len, (size_t)VFS_MAX_RW);
		if (a < b + (int64_t)n && b < a + (int64_t)n)
			r = -EINVAL;
	}
	if (!r && len && !(buf = kmalloc(SENDFILE_CHUNK)))
		r = -ENOMEM;
	if (!r && len)
		r = copy_file(out, off_out ? &oo : NULL, in, off_in ? &oi : NULL,
			      MIN(len, (size_t)VFS_MAX_RW), buf);
	if (r >= 0 && off_in && put_user(oi, off_in))
		r = -EFAULT;
	if (r >= 0 && off_out && put_user(oo, off_out))
		r = -EFAULT;
	kfree(buf);
	file_put(in);
	file_put(out);
	return r;
}

SYSCALL_DEFINE(memfd_create, const char __user *uname, unsigned int flags)
{
	char name[NAME_MAX + 1];
	long n;

	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC))
		return -EINVAL;
	n = strncpy_from_user(name, uname, sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	return fd_install(memfd_create(name, flags), flags & MFD_CLOEXEC);
}
