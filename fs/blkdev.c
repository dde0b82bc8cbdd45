/*
 * Block device files (/dev/vda...) and each device's page cache. A device
 * gets one vnode of its own (on the bdev pseudo file system) whose cache
 * holds the device's bytes: /dev/vda's reads and writes go through it, and
 * so do the file systems mounted on the device for their metadata, so the
 * two see the same bytes. The /dev node is an ordinary devfs node whose
 * device number finds the device when it is opened.
 */
#include <alto/block.h>
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include "internal.h"

#define BDEVFS_MAGIC 0x62646576

#define BLKROSET     0x125d
#define BLKROGET     0x125e
#define BLKRRPART    0x125f
#define BLKGETSIZE   0x1260
#define BLKFLSBUF    0x1261
#define BLKSSZGET    0x1268
#define BLKDISCARD   0x1277
#define BLKIOMIN     0x1278
#define BLKIOOPT     0x1279
#define BLKPBSZGET   0x127b
#define BLKGETSIZE64 0x80081272

struct bdev_node {
	struct vnode v;
	struct block_device *bd;
};

static struct mount bdev_mount;
static bool bdev_mounted;
static struct mutex bdev_lock = MUTEX_INIT(bdev_lock);
static bool dev_ready; /* /dev exists: nodes are made as devices come */

static struct block_device *bd_of(struct vnode *v)
{
	return container_of(v, struct bdev_node, v)->bd;
}

/* Transfer n whole pages (the last one cut at the end of the device) with one batch. */
static int transfer(struct vnode *v, struct pcache_io *io, int n, enum bio_op op)
{
	struct block_device *bd = bd_of(v);
	uint64_t size = block_bytes(bd);
	struct block_batch bb;
	int err = 0;

	block_batch_init(&bb, bd);
	for (int i = 0; i < n && !err; i++) {
		uint64_t off = io[i].index * PAGE_SIZE;
		uint32_t len = off < size ? (uint32_t)MIN((uint64_t)PAGE_SIZE, size - off) : 0;
		if (op == BIO_READ && len < PAGE_SIZE)
			memset((char *)io[i].page + len, 0, PAGE_SIZE - len);
		/* A write sends the runs of sectors that changed. */
		for (uint32_t s = 0; s < len && !err; s += SECTOR_SIZE) {
			uint32_t run = 0;
			while (s + run < len &&
			       (op == BIO_READ || (io[i].mask >> ((s + run) / SECTOR_SIZE) & 1)))
				run += SECTOR_SIZE;
			if (run)
				err = block_batch_add(&bb, op, off + s, (char *)io[i].page + s,
						      run);
			s += run;
		}
	}
	int werr = block_batch_wait(&bb);
	return err ? err : werr;
}

static int bdev_read_pages(struct vnode *v, struct pcache_io *io, int n)
{
	return transfer(v, io, n, BIO_READ);
}

static int bdev_write_pages(struct vnode *v, struct pcache_io *io, int n)
{
	return transfer(v, io, n, BIO_WRITE);
}

static const struct pcache_ops bdev_pcache_ops = {
	.read_pages = bdev_read_pages,
	.write_pages = bdev_write_pages,
};

static void bdev_free(struct vnode *v)
{
	/* A device's vnode lives as long as the device: never the last reference. */
	BUG_ON(1);
}

static const struct vnode_ops bdev_vops = {
	.free = bdev_free,
};

struct vnode *blkdev_vnode(struct block_device *bd)
{
	mutex_lock(&bdev_lock);
	if (!bdev_mounted) {
		mount_init(&bdev_mount, "bdev", BDEVFS_MAGIC);
		bdev_mounted = true;
	}
	if (!bd->vnode) {
		struct bdev_node *n = kzalloc(sizeof(*n));
		if (n && pcache_init(&n->v, &bdev_pcache_ops) == 0) {
			vnode_init(&n->v, &bdev_mount, &bdev_vops, S_IFBLK | 0600);
			n->bd = bd;
			n->v.rdev = makedev_linux(bd->major, bd->minor);
			n->v.size = block_bytes(bd);
			WRITE_ONCE(bd->vnode, &n->v);
		} else {
			kfree(n);
		}
	}
	mutex_unlock(&bdev_lock);
	return bd->vnode;
}

int blkdev_sync(struct block_device *bd)
{
	int err = bd->vnode ? pcache_writeback(bd->vnode) : 0;
	int ferr = block_io(bd, BIO_FLUSH, 0, NULL, 0);

	return err ? err : ferr;
}

void blkdev_node_add(struct block_device *bd)
{
	char path[32];

	if (!READ_ONCE(dev_ready))
		return;
	snprintf(path, sizeof(path), "/dev/%s", bd->name);
	int err = vfs_mknod(NULL, path, S_IFBLK | 0660, makedev_linux(bd->major, bd->minor));
	if (err && err != -EEXIST)
		printk("block: cannot make %s: %d\n", path, err);
}

static void add_node(struct block_device *bd, void *arg)
{
	blkdev_node_add(bd);
}

void blkdev_nodes_init(void)
{
	WRITE_ONCE(dev_ready, true);
	block_for_each(add_node, NULL);
}

/* The open file's device, found by the node's number when it was opened. */
static struct block_device *file_bd(struct file *f)
{
	return f->priv;
}

static int blkdev_open(struct file *f)
{
	struct block_device *bd = block_find_dev(f->vnode->rdev);

	if (!bd)
		return -ENXIO;
	if (bd->read_only && file_writable(f))
		return -EROFS;
	if (!blkdev_vnode(bd))
		return -ENOMEM;
	f->priv = bd;
	return 0;
}

static long blkdev_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return pcache_read_at(file_bd(f)->vnode, u, pos);
}

static long blkdev_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct block_device *bd = file_bd(f);
	uint64_t size = block_bytes(bd);

	/* A device does not grow: writes stop at its end (ENOSPC at the end itself). */
	if (*pos >= size)
		return u->resid ? -ENOSPC : 0;
	uio_clamp(u, (size_t)MIN((uint64_t)u->resid, size - *pos));
	return pcache_write_at(bd->vnode, u, pos, false);
}

static int64_t blkdev_llseek(struct file *f, int64_t off, int whence)
{
	int64_t size = (int64_t)block_bytes(file_bd(f));
	int64_t base = whence == SEEK_SET ? 0 :
		       whence == SEEK_CUR ? (int64_t)f->pos :
		       whence == SEEK_END ? size :
					    -1;

	if (base < 0 || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return base + off;
}

/* BLKDISCARD: drop the range from the cache, then tell the device. */
static int discard(struct block_device *bd, unsigned long arg)
{
	uint64_t range[2];

	if (copy_from_user(range, (void __user *)arg, sizeof(range)))
		return -EFAULT;
	if (range[0] % SECTOR_SIZE || range[1] % SECTOR_SIZE || range[0] > block_bytes(bd) ||
	    range[1] > block_bytes(bd) - range[0])
		return -EINVAL;
	int err = pcache_writeback(bd->vnode);
	if (!err)
		err = block_io(bd, BIO_DISCARD, range[0], NULL, range[1]);
	return err;
}

static int blkdev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct block_device *bd = file_bd(f);

	switch (cmd) {
	case BLKGETSIZE64:
		return put_user(block_bytes(bd), (uint64_t __user *)arg);
	case BLKGETSIZE:
		return put_user((unsigned long)bd->nsectors, (unsigned long __user *)arg);
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKIOMIN:
		return put_user((int)bd->block_size, (int __user *)arg);
	case BLKIOOPT:
		return put_user(0, (int __user *)arg);
	case BLKROGET:
		return put_user((int)bd->read_only, (int __user *)arg);
	case BLKFLSBUF:
		return blkdev_sync(bd);
	case BLKDISCARD:
		return discard(bd, arg);
	case BLKRRPART:
		return -EINVAL; /* no partition tables are read */
	}
	return -ENOTTY;
}

const struct file_ops blkdev_fops = {
	.open = blkdev_open,
	.read = blkdev_read,
	.write = blkdev_write,
	.llseek = blkdev_llseek,
	.ioctl = blkdev_ioctl,
};

int blkdev_fsync(struct vnode *node)
{
	struct block_device *bd = block_find_dev(node->rdev);

	return bd ? blkdev_sync(bd) : 0;
}

static void sync_one(struct block_device *bd, void *arg)
{
	if (READ_ONCE(bd->vnode))
		blkdev_sync(bd);
}

void blkdev_sync_all(void)
{
	block_for_each(sync_one, NULL);
}
