/*
 * The block layer's queue (alto/block.h). Each device has a list of
 * requests waiting for the driver; a new bio first looks for a waiting
 * request it continues (or precedes) on the device, of the same operation
 * and within the driver's limits, and joins it; otherwise it becomes a
 * request of its own. Requests go to the driver in order while fewer than
 * queue_depth are there and the queue is not plugged; a completion sends
 * the next ones. Flushes never merge. The queue's lock is a spinlock, so
 * bios may be submitted and completed from any context. Each step passes a
 * tracepoint of block_trace.h.
 */
#include <alto/block.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/stat.h>
#define TRACE_DEFINE 1
#include "block_trace.h"

static struct list devices = LIST_INIT(devices);
static struct spinlock devices_lock = SPINLOCK_INIT;

void block_name(struct block_device *bd, const char *prefix)
{
	for (char c = 'a'; c <= 'z'; c++) {
		char name[sizeof(bd->name)];
		snprintf(name, sizeof(name), "%s%c", prefix, c);
		if (!block_find(name)) {
			strlcpy(bd->name, name, sizeof(bd->name));
			return;
		}
	}
	snprintf(bd->name, sizeof(bd->name), "%s?", prefix);
}

int block_register(struct block_device *bd)
{
	if (!bd->ops || !bd->nsectors || !bd->queue_depth || !bd->max_segments)
		return -EINVAL;
	if (!bd->block_size)
		bd->block_size = SECTOR_SIZE;
	if (!bd->max_bytes)
		bd->max_bytes = 1 << 20;
	spin_init(&bd->lock);
	list_init(&bd->pending);
	unsigned long irq = spin_lock(&devices_lock);
	list_append(&devices, &bd->link);
	spin_unlock(&devices_lock, irq);
	blkdev_node_add(bd);
	return 0;
}

struct block_device *block_find(const char *name)
{
	struct block_device *found = NULL;
	struct list *l;

	if (!strncmp(name, "/dev/", 5))
		name += 5;
	unsigned long irq = spin_lock(&devices_lock);
	list_for_each(l, &devices) {
		struct block_device *bd = list_entry(l, struct block_device, link);
		if (!strcmp(bd->name, name)) {
			found = bd;
			break;
		}
	}
	spin_unlock(&devices_lock, irq);
	return found;
}

struct block_device *block_find_dev(uint64_t dev)
{
	struct block_device *found = NULL;
	struct list *l;
	unsigned long irq = spin_lock(&devices_lock);

	list_for_each(l, &devices) {
		struct block_device *bd = list_entry(l, struct block_device, link);
		if (makedev_linux(bd->major, bd->minor) == dev) {
			found = bd;
			break;
		}
	}
	spin_unlock(&devices_lock, irq);
	return found;
}

void block_for_each(void (*fn)(struct block_device *bd, void *arg), void *arg)
{
	struct list *l;

	/* Devices are never removed: the list may be walked without its lock held. */
	list_for_each(l, &devices)
		fn(list_entry(l, struct block_device, link), arg);
}

struct bio *bio_alloc(struct block_device *bd, enum bio_op op, uint64_t sector, unsigned int nvecs)
{
	struct bio *b = kzalloc(sizeof(*b));

	if (!b)
		return NULL;
	b->bd = bd;
	b->op = op;
	b->sector = sector;
	b->maxvecs = MAX(nvecs, (unsigned int)BIO_INLINE_VECS);
	b->vecs = b->inline_vecs;
	if (nvecs > BIO_INLINE_VECS) {
		b->vecs = kmalloc(nvecs * sizeof(*b->vecs));
		if (!b->vecs) {
			kfree(b);
			return NULL;
		}
	}
	return b;
}

void bio_free(struct bio *b)
{
	if (b && b->vecs != b->inline_vecs)
		kfree(b->vecs);
	kfree(b);
}

bool bio_add(struct bio *b, void *buf, uint32_t len)
{
	struct bio_vec *last = b->nvecs ? &b->vecs[b->nvecs - 1] : NULL;

	uint32_t max = b->bd->max_segment_size;

	/* Memory that continues the last segment (physically) extends it. */
	if (last && (char *)last->buf + last->len == buf &&
	    virt_to_phys(last->buf) + last->len == virt_to_phys(buf) &&
	    (!max || last->len + len <= max)) {
		last->len += len;
	} else {
		if (b->nvecs == b->maxvecs)
			return false;
		b->vecs[b->nvecs++] = (struct bio_vec){ buf, len };
	}
	b->nbytes += len;
	return true;
}

static uint64_t end_sector(uint64_t sector, uint64_t nbytes)
{
	return sector + (nbytes >> SECTOR_SHIFT);
}

/* Can b join rq (at its back, or at its front)? */
static bool mergeable(const struct block_device *bd, const struct request *rq, const struct bio *b,
		      bool *front)
{
	if (rq->op != b->op || b->op == BIO_FLUSH)
		return false;
	if (rq->nbytes + b->nbytes >
	    (b->op == BIO_DISCARD && bd->max_discard ? bd->max_discard : bd->max_bytes))
		return false;
	if (b->op != BIO_DISCARD && rq->nsegs + b->nvecs > bd->max_segments)
		return false;
	if (end_sector(rq->sector, rq->nbytes) == b->sector) {
		*front = false;
		return true;
	}
	if (end_sector(b->sector, b->nbytes) == rq->sector) {
		*front = true;
		return true;
	}
	return false;
}

/* Join b to a waiting request (bd->lock held): true when it did. */
static bool merge(struct block_device *bd, struct bio *b)
{
	struct list *l;
	bool front;

	for (l = bd->pending.prev; l != &bd->pending; l = l->prev) {
		struct request *rq = list_entry(l, struct request, link);
		if (!mergeable(bd, rq, b, &front))
			continue;
		if (front) {
			b->next = rq->first;
			rq->first = b;
			rq->sector = b->sector;
		} else {
			rq->last->next = b;
			rq->last = b;
		}
		rq->nbytes += b->nbytes;
		rq->nsegs += b->nvecs;
		bd->stats.merges[b->op]++;
		trace_block_bio_merge(bd->major, bd->minor, b->op, b->sector, b->nbytes, front);
		return true;
	}
	return false;
}

static void end_bios(struct request *rq, int status)
{
	struct bio *b = rq->first;

	while (b) {
		struct bio *next = b->next;
		b->next = NULL;
		b->status = status;
		b->done(b);
		b = next;
	}
}

/* Hand waiting requests to the driver while it has room. */
static void dispatch(struct block_device *bd)
{
	for (;;) {
		unsigned long irq = spin_lock(&bd->lock);
		if (bd->plugged || bd->stalled || bd->inflight >= bd->queue_depth ||
		    list_empty(&bd->pending)) {
			spin_unlock(&bd->lock, irq);
			return;
		}
		struct request *rq = list_first_entry(&bd->pending, struct request, link);
		list_remove(&rq->link);
		if (bd->inflight++ == 0)
			bd->busy_since = time_now_ns();
		bd->stats.max_inflight = MAX(bd->stats.max_inflight, bd->inflight);
		spin_unlock(&bd->lock, irq);
		trace_block_rq_issue(bd->major, bd->minor, rq->op, rq->sector, rq->nbytes,
				     rq->nsegs);
		int r = bd->ops->submit(bd, rq);
		if (r == -EBUSY) {
			irq = spin_lock(&bd->lock);
			trace_block_rq_requeue(bd->major, bd->minor, rq->op, rq->sector,
					       bd->inflight);
			if (bd->inflight > 1) {
				/* A completion will come and send it again. */
				list_push(&bd->pending, &rq->link);
				bd->inflight--;
				bd->stalled = true;
				spin_unlock(&bd->lock, irq);
				return;
			}
			spin_unlock(&bd->lock, irq);
			printk("block: %s refuses a request with none in flight\n", bd->name);
			block_complete(rq, -EIO);
		} else if (r) {
			block_complete(rq, r);
		}
	}
}

/* Why b cannot be sent at all (-errno), or 0. */
static int refusal(const struct bio *b)
{
	const struct block_device *bd = b->bd;
	uint64_t end = end_sector(b->sector, b->nbytes);

	if ((b->op == BIO_READ || b->op == BIO_WRITE || b->op == BIO_DISCARD) &&
	    (end > bd->nsectors || end < b->sector || b->nbytes % SECTOR_SIZE))
		return -EIO;
	if ((b->op == BIO_WRITE || b->op == BIO_DISCARD) && bd->read_only)
		return -EROFS;
	if (b->op == BIO_DISCARD && !bd->discard)
		return -EOPNOTSUPP;
	return 0;
}

void block_submit(struct bio *b)
{
	struct block_device *bd = b->bd;
	int refused = refusal(b);

	trace_block_bio_queue(bd->major, bd->minor, b->op, b->sector, b->nbytes, b);
	if (refused)
		trace_block_bio_error(bd->major, bd->minor, b->op, b->sector, b->nbytes, refused);
	if (refused || (b->op == BIO_FLUSH && !bd->write_cache)) {
		b->status = refused; /* a flush with no cache to flush is done */
		b->done(b);
		return;
	}
	b->next = NULL;
	unsigned long irq = spin_lock(&bd->lock);
	bool merged = merge(bd, b);
	spin_unlock(&bd->lock, irq);
	if (!merged) {
		struct request *rq = kzalloc(sizeof(*rq));
		if (!rq) {
			trace_block_bio_error(bd->major, bd->minor, b->op, b->sector, b->nbytes,
					      -ENOMEM);
			b->status = -ENOMEM;
			b->done(b);
			return;
		}
		*rq = (struct request){ .bd = bd,
					.op = b->op,
					.sector = b->sector,
					.nbytes = b->nbytes,
					.nsegs = b->nvecs,
					.first = b,
					.last = b };
		irq = spin_lock(&bd->lock);
		/* It may merge with one that came meanwhile; order is kept either way. */
		list_append(&bd->pending, &rq->link);
		spin_unlock(&bd->lock, irq);
	}
	dispatch(bd);
}

void block_complete(struct request *rq, int status)
{
	struct block_device *bd = rq->bd;

	trace_block_rq_complete(bd->major, bd->minor, rq->op, rq->sector, rq->nbytes, status);
	unsigned long irq = spin_lock(&bd->lock);

	bd->stats.ios[rq->op]++;
	bd->stats.sectors[rq->op] += rq->nbytes >> SECTOR_SHIFT;
	if (--bd->inflight == 0)
		bd->stats.busy_ns += time_now_ns() - bd->busy_since;
	bd->stalled = false;
	spin_unlock(&bd->lock, irq);
	end_bios(rq, status);
	kfree(rq);
	dispatch(bd);
}

void block_plug(struct block_device *bd)
{
	unsigned long irq = spin_lock(&bd->lock);

	bd->plugged++;
	spin_unlock(&bd->lock, irq);
}

void block_unplug(struct block_device *bd)
{
	unsigned long irq = spin_lock(&bd->lock);

	BUG_ON(!bd->plugged);
	bd->plugged--;
	spin_unlock(&bd->lock, irq);
	dispatch(bd);
}

/* Waiting transfers. */

static void batch_done(struct bio *b)
{
	struct block_batch *bb = b->priv;

	if (b->status && !bb->status)
		bb->status = b->status;
	bio_free(b);
	unsigned long irq = spin_lock(&bb->wq.lock);
	if (--bb->pending == 0)
		waitq_notify_locked(&bb->wq, WAITQ_ALL);
	spin_unlock(&bb->wq.lock, irq);
}

void block_batch_init(struct block_batch *bb, struct block_device *bd)
{
	*bb = (struct block_batch){ .bd = bd };
	waitq_init(&bb->wq);
	block_plug(bd);
}

static void batch_send(struct block_batch *bb)
{
	struct bio *b = bb->cur;

	if (!b)
		return;
	bb->cur = NULL;
	unsigned long irq = spin_lock(&bb->wq.lock);
	bb->pending++;
	spin_unlock(&bb->wq.lock, irq);
	block_submit(b);
}

int block_batch_add(struct block_batch *bb, enum bio_op op, uint64_t off, void *buf, uint32_t len)
{
	uint64_t sector = off >> SECTOR_SHIFT;
	struct bio *b = bb->cur;

	if (b && (b->op != op || end_sector(b->sector, b->nbytes) != sector ||
		  b->nbytes + len > bb->bd->max_bytes || !bio_add(b, buf, len))) {
		batch_send(bb);
		b = NULL;
	}
	if (!b) {
		b = bio_alloc(bb->bd, op, sector, MIN(bb->bd->max_segments, 64u));
		if (!b)
			return -ENOMEM;
		b->done = batch_done;
		b->priv = bb;
		bio_add(b, buf, len);
		bb->cur = b;
	}
	return 0;
}

int block_batch_wait(struct block_batch *bb)
{
	batch_send(bb);
	block_unplug(bb->bd);
	unsigned long irq = spin_lock(&bb->wq.lock);
	while (bb->pending)
		waitq_wait_locked(&bb->wq, &irq, 0);
	spin_unlock(&bb->wq.lock, irq);
	return bb->status;
}

int block_io(struct block_device *bd, enum bio_op op, uint64_t off, void *buf, uint64_t len)
{
	struct block_batch bb;

	block_batch_init(&bb, bd);
	if (op == BIO_READ || op == BIO_WRITE) {
		for (uint64_t done = 0; done < len;) {
			/* A segment per page: kmalloc'd buffers are contiguous, bio_add joins them.
			 */
			uint32_t chunk = (uint32_t)MIN(
				len - done, PAGE_SIZE - ((uintptr_t)buf + done) % PAGE_SIZE);
			int err = block_batch_add(&bb, op, off + done, (char *)buf + done, chunk);
			if (err) {
				bb.status = err;
				break;
			}
			done += chunk;
		}
	} else {
		struct bio *b = bio_alloc(bd, op, off >> SECTOR_SHIFT, 0);
		if (!b) {
			bb.status = -ENOMEM;
		} else {
			b->nbytes = op == BIO_DISCARD ? len : 0;
			b->done = batch_done;
			b->priv = &bb;
			bb.cur = b;
		}
	}
	return block_batch_wait(&bb) ?: bb.status;
}
