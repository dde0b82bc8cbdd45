/*
 * splice, tee and vmsplice: descriptors, offsets and flags checked here,
 * the data moved by fs/splice.c (or, for vmsplice, by the pipe's own read
 * and write, which is what moving user pages into a pipe comes to when the
 * kernel copies them anyway).
 */
#include <alto/fdtable.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define SPLICE_F_MOVE	  0x01
#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_F_MORE	  0x04
#define SPLICE_F_GIFT	  0x08
#define SPLICE_F_ALL	  0x0f
#define FAST_IOV	  8

/* An offset argument: NULL for none, else a value >= 0 in *k. */
static long get_off(int64_t __user *u, int64_t *k)
{
	if (!u)
		return 0;
	if (get_user(*k, u))
		return -EFAULT;
	return *k < 0 ? -EINVAL : 0;
}

SYSCALL_DEFINE(splice, int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out,
	       size_t len, unsigned int flags)
{
	struct file *in = fd_get_file(fd_in), *out = fd_get_file(fd_out);
	int64_t oi = 0, oo = 0;
	long r = 0;

	if (!in || !out)
		r = -EBADF;
	else if (flags & ~SPLICE_F_ALL)
		r = -EINVAL;
	if (!r)
		r = get_off(off_in, &oi);
	if (!r)
		r = get_off(off_out, &oo);
	if (!r)
		r = vfs_splice(in, off_in ? &oi : NULL, out, off_out ? &oo : NULL, len, flags);
	if (r >= 0 && off_in && put_user(oi, off_in))
		r = -EFAULT;
	if (r >= 0 && off_out && put_user(oo, off_out))
		r = -EFAULT;
	file_put(in);
	file_put(out);
	return r;
}

SYSCALL_DEFINE(tee, int fd_in, int fd_out, size_t len, unsigned int flags)
{
	struct file *in = fd_get_file(fd_in), *out = fd_get_file(fd_out);
	long r;

	if (!in || !out)
		r = -EBADF;
	else if (flags & ~SPLICE_F_ALL)
		r = -EINVAL;
	else
		r = vfs_tee(in, out, len, flags);
	file_put(in);
	file_put(out);
	return r;
}

SYSCALL_DEFINE(vmsplice, int fd, const struct iovec __user *iov, unsigned long cnt,
	       unsigned int flags)
{
	struct iovec fast[FAST_IOV];
	struct file *f;
	struct uio u;
	long r;

	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	/* Only a pipe: into it through an end that writes, else out of it. */
	if (!vfs_is_pipe(f)) {
		file_put(f);
		return -EBADF;
	}
	r = uio_import(&u, iov, (int)cnt, fast, FAST_IOV);
	if (r >= 0) {
		u.nowait = flags & SPLICE_F_NONBLOCK;
		r = file_writable(f) ? vfs_write(f, &u, -1) : vfs_read(f, &u, -1);
		uio_free(&u);
	}
	file_put(f);
	return r;
}
