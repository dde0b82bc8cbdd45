/*
 * RAM block devices (--ramdisk=SIZE, or --ramdisk=PATH to start from a file
 * of the image): /dev/ram0, a block device held in pages allocated as they
 * are first written (discard frees them). It exists to exercise the block
 * layer and the file systems on it without a device model: requests are
 * served by a thread of its own, so several are in flight at once and the
 * queue merges what waits, as with a real disk.
 */
#include <alto/block.h>
#include <alto/boot.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define RAMDISK_MAJOR 1
#define RAMDISK_DEPTH 4

struct ramdisk {
	struct block_device bd;
	void **pages; /* NULL: zeros */
	uint64_t npages;
	struct list queue; /* under wq's lock */
	struct waitq wq;
};

/* Copy between a segment and the disk at byte off. */
static int copy(struct ramdisk *rd, bool write, uint64_t off, char *buf, uint32_t len)
{
	while (len) {
		uint64_t i = off / PAGE_SIZE;
		size_t poff = off % PAGE_SIZE, chunk = MIN((size_t)len, PAGE_SIZE - poff);
		if (write && !rd->pages[i] && !(rd->pages[i] = page_alloc_zeroed(0)))
			return -ENOSPC;
		if (write)
			memcpy((char *)rd->pages[i] + poff, buf, chunk);
		else if (rd->pages[i])
			memcpy(buf, (char *)rd->pages[i] + poff, chunk);
		else
			memset(buf, 0, chunk);
		off += chunk;
		buf += chunk;
		len -= (uint32_t)chunk;
	}
	return 0;
}

static void discard(struct ramdisk *rd, uint64_t off, uint64_t len)
{
	/* Whole pages only; what is left around them stays. */
	for (uint64_t i = ALIGN_UP(off, PAGE_SIZE) / PAGE_SIZE; (i + 1) * PAGE_SIZE <= off + len;
	     i++) {
		page_free(rd->pages[i]);
		rd->pages[i] = NULL;
	}
}

static int serve(struct ramdisk *rd, struct request *rq)
{
	uint64_t off = rq->sector << SECTOR_SHIFT;
	struct bio *b;
	unsigned int i;
	int err = 0;

	if (rq->op == BIO_FLUSH)
		return 0;
	if (rq->op == BIO_DISCARD) {
		discard(rd, off, rq->nbytes);
		return 0;
	}
	rq_for_each_segment(rq, b, i) {
		if (!err)
			err = copy(rd, rq->op == BIO_WRITE, off, b->vecs[i].buf, b->vecs[i].len);
		off += b->vecs[i].len;
	}
	return err;
}

static void worker(void *arg)
{
	struct ramdisk *rd = arg;

	for (;;) {
		unsigned long irq = spin_lock(&rd->wq.lock);
		while (list_empty(&rd->queue))
			waitq_wait_locked(&rd->wq, &irq, 0);
		struct request *rq = list_first_entry(&rd->queue, struct request, link);
		list_remove(&rq->link);
		spin_unlock(&rd->wq.lock, irq);
		block_complete(rq, serve(rd, rq));
	}
}

static int ramdisk_submit(struct block_device *bd, struct request *rq)
{
	struct ramdisk *rd = container_of(bd, struct ramdisk, bd);
	unsigned long irq = spin_lock(&rd->wq.lock);

	list_append(&rd->queue, &rq->link);
	waitq_notify_locked(&rd->wq, WAITQ_ALL);
	spin_unlock(&rd->wq.lock, irq);
	return 0;
}

static const struct block_ops ramdisk_ops = {
	.submit = ramdisk_submit,
};

static struct ramdisk *ramdisk_create(uint64_t bytes)
{
	struct ramdisk *rd = kzalloc(sizeof(*rd));

	if (!rd)
		return NULL;
	rd->npages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	rd->pages = kzalloc(rd->npages * sizeof(void *));
	if (!rd->pages) {
		kfree(rd);
		return NULL;
	}
	list_init(&rd->queue);
	waitq_init(&rd->wq);
	strlcpy(rd->bd.name, "ram0", sizeof(rd->bd.name));
	rd->bd.nsectors = bytes >> SECTOR_SHIFT;
	rd->bd.block_size = SECTOR_SIZE;
	rd->bd.queue_depth = RAMDISK_DEPTH;
	rd->bd.max_segments = 128;
	rd->bd.max_bytes = 512 * 1024;
	rd->bd.write_cache = true;
	rd->bd.discard = true;
	rd->bd.major = RAMDISK_MAJOR;
	rd->bd.minor = 0;
	rd->bd.ops = &ramdisk_ops;
	return rd;
}

/* The contents of a file of the image, page by page. */
static int fill_from(struct ramdisk *rd, struct file *f, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		void *page = page_alloc_zeroed(0);
		if (!page)
			return -ENOMEM;
		rd->pages[off / PAGE_SIZE] = page;
		long n = vfs_pread(f, page, PAGE_SIZE, off);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

void ramdisk_init(void)
{
	const char *arg = cmdline_get("ramdisk");
	unsigned long long size = 0;
	struct file *f = NULL;

	if (!arg)
		return;
	if (arg[0] == '/') {
		f = vfs_open_kernel(arg, O_RDONLY, 0);
		if (IS_ERR(f)) {
			printk("ramdisk: cannot open %s: %ld\n", arg, PTR_ERR(f));
			return;
		}
		size = (unsigned long long)vfs_file_size(f);
	} else if (parse_size(arg, &size)) {
		printk("ramdisk: bad size '%s'\n", arg);
		return;
	}
	size = ALIGN_DOWN(size, SECTOR_SIZE);
	struct ramdisk *rd = size ? ramdisk_create(size) : NULL;
	int err = rd ? 0 : -ENOMEM;
	if (!err && f)
		err = fill_from(rd, f, size);
	if (f)
		file_put(f);
	struct thread *t = err ? NULL : thread_create(worker, rd, "ramdisk");
	if (!err && IS_ERR(t))
		err = (int)PTR_ERR(t);
	if (!err)
		err = block_register(&rd->bd);
	if (err)
		printk("ramdisk: cannot make ram0: %d\n", err); /* what it holds is left behind */
	else
		thread_detach(t);
}
