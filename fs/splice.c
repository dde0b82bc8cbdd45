/*
 * splice and tee: data moved between a pipe and another file (or a second
 * pipe) by the kernel, through a bounce buffer of at most 64 KiB per call.
 * From a pipe, the bytes are peeked, written to the other side, and only
 * what it accepted is taken (readers are held off meanwhile), so a
 * non-blocking destination loses nothing. Into a pipe, no more is read from
 * the source than the pipe has room for. SPLICE_F_NONBLOCK makes the pipe
 * side non-blocking; the other side keeps its own O_NONBLOCK.
 */
#include <alto/mm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_MAX	  (64 * 1024)

/* Read into buf from f at *off (advanced) or its position. */
static long read_from(struct file *f, int64_t *off, void *buf, size_t n)
{
	long r = off ? vfs_pread(f, buf, n, (uint64_t)*off) : vfs_kread(f, buf, n);

	if (r > 0 && off)
		*off += r;
	return r;
}

static long write_to(struct file *f, int64_t *off, const void *buf, size_t n)
{
	long r = off ? vfs_pwrite(f, buf, n, (uint64_t)*off) : vfs_kwrite(f, buf, n);

	if (r > 0 && off)
		*off += r;
	return r;
}

/* Up to len bytes from pipe in to out; copy (tee) leaves them in the pipe. */
static long from_pipe(struct file *in, struct file *out, int64_t *off_out, size_t len,
		      unsigned int flags, bool copy, char *buf)
{
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	long avail = pipe_splice_begin(in, nonblock), n;

	if (avail <= 0) {
		if (!avail)
			pipe_splice_end(in, 0);
		return avail;
	}
	n = (long)MIN(MIN((size_t)avail, len), (size_t)SPLICE_MAX);
	if (file_is_pipe(out)) {
		long room = pipe_splice_room(out, nonblock);
		n = room < 0 ? room : MIN(n, room);
	}
	if (n > 0) {
		pipe_splice_peek(in, buf, (size_t)n);
		n = write_to(out, off_out, buf, (size_t)n);
	}
	pipe_splice_end(in, n > 0 && !copy ? (size_t)n : 0);
	return n;
}

/* Up to len bytes from in (not a pipe) into pipe out, no more than it has room for. */
static long to_pipe(struct file *in, int64_t *off_in, struct file *out, size_t len,
		    unsigned int flags, char *buf)
{
	long room = pipe_splice_room(out, flags & SPLICE_F_NONBLOCK), n;

	if (room < 0)
		return room;
	n = read_from(in, off_in, buf, MIN(MIN((size_t)room, len), (size_t)SPLICE_MAX));
	if (n <= 0)
		return n;
	return vfs_kwrite(out, buf, (size_t)n);
}

long vfs_splice(struct file *in, int64_t *off_in, struct file *out, int64_t *off_out, size_t len,
		unsigned int flags)
{
	char *buf;
	long r;

	if (!file_is_pipe(in) && !file_is_pipe(out))
		return -EINVAL;
	if ((file_is_pipe(in) && off_in) || (file_is_pipe(out) && off_out))
		return -ESPIPE;
	if (file_is_pipe(in) && file_is_pipe(out) && pipe_same(in, out))
		return -EINVAL;
	if (!file_readable(in) || !file_writable(out))
		return -EBADF;
	if (out->flags & O_APPEND)
		return -EINVAL;
	if ((off_in && !in->ops->llseek) || (off_out && !out->ops->llseek))
		return -ESPIPE;
	if (!len)
		return 0;
	buf = kmalloc(SPLICE_MAX);
	if (!buf)
		return -ENOMEM;
	if (file_is_pipe(in))
		r = from_pipe(in, out, off_out, len, flags, false, buf);
	else
		r = to_pipe(in, off_in, out, len, flags, buf);
	kfree(buf);
	return r;
}

long vfs_tee(struct file *in, struct file *out, size_t len, unsigned int flags)
{
	char *buf;
	long r;

	if (!file_is_pipe(in) || !file_is_pipe(out) || pipe_same(in, out))
		return -EINVAL;
	if (!file_readable(in) || !file_writable(out))
		return -EBADF;
	if (!len)
		return 0;
	buf = kmalloc(SPLICE_MAX);
	if (!buf)
		return -ENOMEM;
	r = from_pipe(in, out, NULL, len, flags, true, buf);
	kfree(buf);
	return r;
}
