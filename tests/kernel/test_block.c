/*
 * Self tests of the block layer and the page cache on a device driven by
 * hand: its submit op only keeps requests, and the test completes them
 * when it chooses, so what the queue does is seen exactly. Covered: bios
 * merging at the back and the front of a waiting request (and not across
 * a gap, a different operation or a flush), the queue depth (no more
 * requests at the driver than it allows, the next one sent at each
 * completion, -EBUSY answered by waiting), errors reaching every bio of a
 * merged request, and the page cache on the device: write-back writes
 * what changed, reclaim gives back clean pages and reads them again.
 */
#include <alto/block.h>
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/vfs.h>

#define DISK_BYTES (1 << 20)

struct fake {
	struct block_device bd;
	struct spinlock lock; /* held[] */
	struct request *held[16];
	int nheld;
	int busy_after; /* answer -EBUSY once this many are held (0: never) */
	uint8_t *data;
};

static int fake_submit(struct block_device *bd, struct request *rq)
{
	struct fake *f = container_of(bd, struct fake, bd);
	unsigned long irq = spin_lock(&f->lock);
	int r = 0;

	if (f->busy_after && f->nheld >= f->busy_after)
		r = -EBUSY;
	else
		f->held[f->nheld++] = rq;
	spin_unlock(&f->lock, irq);
	return r;
}

static const struct block_ops fake_ops = { .submit = fake_submit };

/* Serve and complete the oldest request held (with status). */
static void complete_one(struct fake *f, int status)
{
	unsigned long irq = spin_lock(&f->lock);
	struct request *rq = f->held[0];
	memmove(f->held, f->held + 1, --f->nheld * sizeof(f->held[0]));
	spin_unlock(&f->lock, irq);
	uint64_t off = rq->sector * SECTOR_SIZE;
	struct bio *b;
	unsigned int i;

	rq_for_each_segment(rq, b, i) {
		if (!status && rq->op == BIO_WRITE)
			memcpy(f->data + off, b->vecs[i].buf, b->vecs[i].len);
		else if (!status && rq->op == BIO_READ)
			memcpy(b->vecs[i].buf, f->data + off, b->vecs[i].len);
		off += b->vecs[i].len;
	}
	block_complete(rq, status);
}

static void complete_all(struct fake *f)
{
	while (f->nheld)
		complete_one(f, 0);
}

static struct fake *fake_new(const char *name, unsigned int depth)
{
	struct fake *f = kzalloc(sizeof(*f));

	if (!f || !(f->data = kzalloc(DISK_BYTES)))
		return NULL;
	spin_init(&f->lock);
	strlcpy(f->bd.name, name, sizeof(f->bd.name));
	f->bd.nsectors = DISK_BYTES / SECTOR_SIZE;
	f->bd.queue_depth = depth;
	f->bd.max_segments = 64;
	f->bd.max_bytes = 128 * 1024;
	f->bd.write_cache = true;
	f->bd.major = 240;
	f->bd.minor = name[6] - '0';
	f->bd.ops = &fake_ops;
	return block_register(&f->bd) ? NULL : f;
}

static int done_count, last_status;

static void count_done(struct bio *b)
{
	done_count++;
	last_status = b->status;
	bio_free(b);
}

static void submit(struct fake *f, enum bio_op op, uint64_t sector, void *buf, uint32_t len)
{
	struct bio *b = bio_alloc(&f->bd, op, sector, 1);

	if (buf)
		bio_add(b, buf, len);
	b->done = count_done;
	block_submit(b);
}

SELFTEST(block_merge)
{
	struct fake *f = fake_new("faked-1", 4);
	char *buf = page_alloc_zeroed(4);

	ST_ASSERT(f && buf);
	done_count = 0;
	block_plug(&f->bd);
	/* Sixteen 4 KiB writes one after the other: one request. */
	for (int i = 0; i < 16; i++)
		submit(f, BIO_WRITE, i * 8, buf + i * 4096 % (16 * 4096), 4096);
	/* One before them (a front merge), one after a gap, a read, a flush. */
	submit(f, BIO_WRITE, 200, buf, 4096);
	submit(f, BIO_WRITE, 192, buf, 4096);
	submit(f, BIO_WRITE, 1000, buf, 512);
	submit(f, BIO_READ, 1001, buf, 512);
	submit(f, BIO_FLUSH, 0, NULL, 0);
	submit(f, BIO_FLUSH, 0, NULL, 0);
	ST_ASSERT_EQ(f->nheld, 0); /* plugged: nothing sent yet */
	block_unplug(&f->bd);
	ST_ASSERT_EQ(f->nheld, 4); /* the depth */
	ST_ASSERT_EQ(f->held[0]->nbytes, 16 * 4096);
	ST_ASSERT_EQ(f->held[1]->sector, 192);
	ST_ASSERT_EQ(f->held[1]->nbytes, 8192);
	complete_all(f);
	ST_ASSERT_EQ(f->nheld, 0);
	ST_ASSERT_EQ(done_count, 22);
	ST_ASSERT_EQ(f->bd.stats.merges[BIO_WRITE], 16);
	ST_ASSERT_EQ(f->bd.stats.ios[BIO_WRITE], 3);
	ST_ASSERT_EQ(f->bd.stats.ios[BIO_READ], 1);
	ST_ASSERT_EQ(f->bd.stats.ios[BIO_FLUSH], 2); /* flushes never merge */
	page_free(buf);
	return 0;
}

SELFTEST(block_depth)
{
	struct fake *f = fake_new("faked-2", 3);
	char *buf = page_alloc_zeroed(0);

	ST_ASSERT(f && buf);
	done_count = 0;
	/* Eight writes far apart: three at the driver, five waiting. */
	for (int i = 0; i < 8; i++)
		submit(f, BIO_WRITE, i * 64, buf, 512);
	ST_ASSERT_EQ(f->nheld, 3);
	ST_ASSERT_EQ(f->bd.inflight, 3);
	complete_one(f, 0);
	ST_ASSERT_EQ(f->nheld, 3); /* the next one went at once */
	ST_ASSERT_EQ(done_count, 1);
	/* A driver out of room says -EBUSY: the layer waits for a completion. */
	f->busy_after = 2;
	complete_one(f, 0);
	complete_one(f, 0);
	ST_ASSERT(f->nheld <= 2);
	f->busy_after = 0;
	while (f->nheld)
		complete_one(f, 0);
	ST_ASSERT_EQ(done_count, 8);
	ST_ASSERT_EQ(f->bd.stats.max_inflight, 3);
	/* An error reaches every bio of a merged request. */
	done_count = 0;
	block_plug(&f->bd);
	submit(f, BIO_WRITE, 0, buf, 512);
	submit(f, BIO_WRITE, 1, buf, 512);
	block_unplug(&f->bd);
	ST_ASSERT_EQ(f->nheld, 1);
	complete_one(f, -EIO);
	ST_ASSERT_EQ(done_count, 2);
	ST_ASSERT_EQ(last_status, -EIO);
	/* Past the end of the device: refused before the queue. */
	submit(f, BIO_WRITE, DISK_BYTES / SECTOR_SIZE, buf, 512);
	ST_ASSERT_EQ(last_status, -EIO);
	ST_ASSERT_EQ(f->nheld, 0);
	page_free(buf);
	return 0;
}

/* Page cache I/O on the fake device needs completions: a thread of the test serves them. */
static volatile bool serving;

static void server(void *arg)
{
	struct fake *f = arg;

	while (READ_ONCE(serving)) {
		bool any = READ_ONCE(f->nheld) > 0;
		if (any)
			complete_one(f, 0);
		else
			thread_yield();
	}
}

SELFTEST(pagecache_device)
{
	struct fake *f = fake_new("faked-3", 8);
	char *buf = kmalloc(64 * 1024);

	ST_ASSERT(f && buf);
	struct vnode *v = blkdev_vnode(&f->bd);
	ST_ASSERT(v);
	serving = true;
	struct thread *t = thread_create(server, f, "st-server");
	ST_ASSERT(!IS_ERR(t));
	for (int i = 0; i < 64 * 1024; i++)
		buf[i] = (char)(i * 13 + 1);
	struct uio u;
	uint64_t pos = 4096;
	uio_init_kernel(&u, buf, 64 * 1024);
	ST_ASSERT_EQ(pcache_write_at(v, &u, &pos, false), 64 * 1024);
	ST_ASSERT(pcache_has_dirty(v));
	ST_ASSERT(f->data[4096] == 0); /* not yet on the device */
	ST_ASSERT_EQ(pcache_writeback(v), 0);
	ST_ASSERT(!pcache_has_dirty(v));
	ST_ASSERT(!memcmp(f->data + 4096, buf, 64 * 1024));
	/* Sixteen pages written back together: merged into few requests. */
	ST_ASSERT(f->bd.stats.ios[BIO_WRITE] <= 2);
	/* Clean pages come back to the allocator, and are read again when wanted. */
	uint64_t reads = f->bd.stats.ios[BIO_READ];
	ST_ASSERT(pcache_reclaim(1000000) >= 16);
	memset(buf, 0, 64 * 1024);
	pos = 4096;
	uio_init_kernel(&u, buf, 64 * 1024);
	ST_ASSERT_EQ(pcache_read_at(v, &u, &pos), 64 * 1024);
	ST_ASSERT(f->bd.stats.ios[BIO_READ] > reads);
	ST_ASSERT(!memcmp(f->data + 4096, buf, 64 * 1024));
	serving = false;
	thread_join(t);
	/* Nobody serves it from now on: the sync at power-off must find nothing to send. */
	f->bd.write_cache = false;
	kfree(buf);
	return 0;
}
