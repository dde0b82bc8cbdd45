/*
 * /dev: a ramfs (so programs may add to it, as with Linux's devtmpfs) whose
 * character device nodes open through a table of file ops by device
 * number: null, zero, full, random, urandom, and the console as tty and
 * console. The memory devices are a few lines each.
 */
#include <alto/block.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/random.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include "internal.h"

#define MEM_MAJOR 1
#define TTY_MAJOR 5

static long null_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return 0;
}

static long sink_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return (long)u->resid;
}

static long zero_read(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t n = u->resid;
	int err = uio_zero(u, n);

	return err ? err : (long)n;
}

/* The direct ops (file_ops.read_user, write_user): read(2) and write(2) without a uio. */
static long null_read_user(struct file *f, void __user *buf, size_t len)
{
	return 0;
}

static long sink_write_user(struct file *f, const void __user *buf, size_t len)
{
	return (long)len;
}

static long zero_read_user(struct file *f, void __user *buf, size_t len)
{
	return clear_user(buf, len) ? -EFAULT : (long)len;
}

static long full_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return -ENOSPC;
}

/* Random bytes in chunks: a kernel buffer between the generator and the reader. */
static long random_read(struct file *f, struct uio *u, uint64_t *pos)
{
	uint8_t buf[256];
	long done = 0;

	while (u->resid) {
		size_t chunk = MIN(u->resid, sizeof(buf));
		random_bytes(buf, chunk);
		if (uio_copy_out(u, buf, chunk)) {
			done = done ? done : -EFAULT;
			break;
		}
		done += chunk;
	}
	memset(buf, 0, sizeof(buf));
	return done;
}

static long random_write(struct file *f, struct uio *u, uint64_t *pos)
{
	uint8_t buf[256];
	long done = 0;

	while (u->resid) {
		size_t chunk = MIN(u->resid, sizeof(buf));
		if (uio_copy_in(u, buf, chunk))
			return done ? done : -EFAULT;
		random_mix(buf, chunk);
		done += chunk;
	}
	return done;
}

/* Seeking a memory device succeeds and changes nothing, as on Linux. */
static int64_t null_llseek(struct file *f, int64_t off, int whence)
{
	f->pos = 0;
	return 0;
}

/* Random bytes never run out. null, zero and full have no poll op at all, as on Linux. */
static unsigned int always_ready(struct file *f, struct poll_table *pt)
{
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

static const struct file_ops null_fops = {
	.read = null_read,
	.write = sink_write,
	.read_user = null_read_user,
	.write_user = sink_write_user,
	.direct_short = FILE_IO_DIRECT_READ | FILE_IO_DIRECT_WRITE,
	.llseek = null_llseek,
};

static const struct file_ops zero_fops = {
	.read = zero_read,
	.write = sink_write,
	.read_user = zero_read_user,
	.write_user = sink_write_user,
	.direct_short = FILE_IO_DIRECT_WRITE, /* its read clears the buffer */
	.llseek = null_llseek,
	.map_zero = true,
};

static const struct file_ops full_fops = {
	.read = zero_read,
	.write = full_write,
	.llseek = null_llseek,
};

static const struct file_ops random_fops = {
	.read = random_read,
	.write = random_write,
	.llseek = null_llseek,
	.poll = always_ready,
};

struct chrdev {
	const char *name;
	uint32_t major, minor;
	unsigned int mode;
	const struct file_ops *fops;
};

static const struct chrdev devices[] = {
	{ "null", MEM_MAJOR, 3, 0666, &null_fops },
	{ "zero", MEM_MAJOR, 5, 0666, &zero_fops },
	{ "full", MEM_MAJOR, 7, 0666, &full_fops },
	{ "random", MEM_MAJOR, 8, 0666, &random_fops },
	{ "urandom", MEM_MAJOR, 9, 0666, &random_fops },
	{ "tty", TTY_MAJOR, 0, 0666, &tty_fops },
	{ "console", TTY_MAJOR, 1, 0600, &console_fops },
	{ "ptmx", TTY_MAJOR, 2, 0666, &ptmx_fops },
};

const struct file_ops *chrdev_fops(uint64_t rdev)
{
	if (pts_major(major_linux(rdev)))
		return &pts_fops;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		if (makedev_linux(devices[i].major, devices[i].minor) == rdev)
			return devices[i].fops;
	}
	return NULL;
}

static void must(int err, const char *what)
{
	if (err)
		panic("devfs: cannot create %s: %d", what, err);
}

void devfs_init(void)
{
	char path[32];

	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		const struct chrdev *d = &devices[i];
		snprintf(path, sizeof(path), "/dev/%s", d->name);
		must(vfs_mknod(NULL, path, S_IFCHR | d->mode, makedev_linux(d->major, d->minor)),
		     path);
	}
	/* As on Linux: following them opens the file the descriptor has (a pipe too). */
	must(vfs_symlink("/proc/self/fd", NULL, "/dev/fd"), "/dev/fd");
	must(vfs_symlink("/proc/self/fd/0", NULL, "/dev/stdin"), "/dev/stdin");
	must(vfs_symlink("/proc/self/fd/1", NULL, "/dev/stdout"), "/dev/stdout");
	must(vfs_symlink("/proc/self/fd/2", NULL, "/dev/stderr"), "/dev/stderr");
	must(vfs_mkdir(NULL, "/dev/shm", 01777), "/dev/shm");
	must(vfs_mkdir(NULL, "/dev/pts", 0755), "/dev/pts");
	blkdev_nodes_init();
}
