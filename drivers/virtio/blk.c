/*
 * virtio-blk (virtio 1.x section 5.2) as a block device of the block layer
 * (alto/block.h): /dev/vda, vdb... in the order the devices are found. One
 * request queue; each request is a header the device reads, the request's
 * segments, and a status byte it writes, as one indirect descriptor where
 * the device offers them (so as many requests are in flight as the ring
 * has slots). Reads, writes, flushes (when the device has a write cache)
 * and discards; a read-only device is one for the block layer too.
 * Completions come by interrupt and go back to the block layer, which
 * sends the requests waiting behind them.
 */
#include <alto/block.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/virtio.h>
#include <uapi/errno.h>

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9
#define VIRTIO_BLK_F_DISCARD  13

#define CONFIG_CAPACITY	    0
#define CONFIG_SIZE_MAX	    8
#define CONFIG_SEG_MAX	    12
#define CONFIG_BLK_SIZE	    20
#define CONFIG_MAX_DISCARD  36
#define CONFIG_DISCARD_SEGS 40

#define VIRTIO_BLK_T_IN	     0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_DISCARD 11

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_UNSUPP 2

#define VBLK_MAJOR   254
#define MAX_SEGMENTS 126
#define QUEUE_SIZE   256

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct vblk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* What a request needs besides its segments, in one allocation (physically contiguous). */
struct vblk_req {
	struct vblk_hdr hdr;
	struct vblk_discard discard;
	uint8_t status;
	struct request *rq;
	struct virtq_buf bufs[MAX_SEGMENTS + 2];
};

struct vblk {
	struct block_device bd;
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct spinlock lock; /* the queue */
	unsigned int index;
};

static unsigned int ndisks;

static const uint32_t types[] = {
	[BIO_READ] = VIRTIO_BLK_T_IN,
	[BIO_WRITE] = VIRTIO_BLK_T_OUT,
	[BIO_FLUSH] = VIRTIO_BLK_T_FLUSH,
	[BIO_DISCARD] = VIRTIO_BLK_T_DISCARD,
};

static int vblk_submit(struct block_device *bd, struct request *rq)
{
	struct vblk *d = container_of(bd, struct vblk, bd);
	struct vblk_req *r = kmalloc(sizeof(*r));
	unsigned int n = 1, out;
	struct bio *b;
	unsigned int i;

	if (!r)
		return -EBUSY; /* tried again after a completion */
	r->hdr = (struct vblk_hdr){ .type = types[rq->op], .sector = rq->sector };
	r->status = 0xff;
	r->rq = rq;
	r->bufs[0] = (struct virtq_buf){ virt_to_phys(&r->hdr), sizeof(r->hdr) };
	if (rq->op == BIO_DISCARD) {
		r->discard = (struct vblk_discard){ rq->sector,
						    (uint32_t)(rq->nbytes >> SECTOR_SHIFT), 0 };
		r->bufs[n++] = (struct virtq_buf){ virt_to_phys(&r->discard), sizeof(r->discard) };
	} else {
		rq_for_each_segment(rq, b, i)
			r->bufs[n++] =
				(struct virtq_buf){ virt_to_phys(b->vecs[i].buf), b->vecs[i].len };
	}
	out = rq->op == BIO_READ ? 1 : n;
	r->bufs[n++] = (struct virtq_buf){ virt_to_phys(&r->status), 1 };
	unsigned long irq = spin_lock(&d->lock);
	int err = virtq_add(d->vq, r->bufs, out, n - out, r);
	if (!err)
		virtq_kick(d->vq);
	spin_unlock(&d->lock, irq);
	if (err) {
		kfree(r);
		return err == -ENOSPC ? -EBUSY : err;
	}
	return 0;
}

static const struct block_ops vblk_ops = {
	.submit = vblk_submit,
};

/* Finished requests go back to the block layer outside the queue's lock (it submits more). */
static void vblk_done(struct virtqueue *vq)
{
	struct vblk *d = virtq_device(vq)->priv;
	struct vblk_req *r;
	uint32_t len;

	for (;;) {
		unsigned long irq = spin_lock(&d->lock);
		r = virtq_get(vq, &len);
		spin_unlock(&d->lock, irq);
		if (!r)
			return;
		int status = r->status == VIRTIO_BLK_S_OK     ? 0 :
			     r->status == VIRTIO_BLK_S_UNSUPP ? -EOPNOTSUPP :
								-EIO;
		struct request *rq = r->rq;
		kfree(r);
		block_complete(rq, status);
	}
}

static uint32_t config32(struct virtio_device *vdev, unsigned int off)
{
	uint32_t v;

	virtio_read_config(vdev, off, &v, sizeof(v));
	return v;
}

static void configure(struct vblk *d)
{
	struct virtio_device *vdev = d->vdev;
	struct block_device *bd = &d->bd;
	uint64_t capacity;

	virtio_read_config(vdev, CONFIG_CAPACITY, &capacity, sizeof(capacity));
	block_name(bd, "vd");
	bd->nsectors = capacity;
	bd->block_size = virtio_has(vdev, VIRTIO_BLK_F_BLK_SIZE) ? config32(vdev, CONFIG_BLK_SIZE) :
								   SECTOR_SIZE;
	if (bd->block_size < SECTOR_SIZE || bd->block_size > PAGE_SIZE)
		bd->block_size = SECTOR_SIZE;
	bd->max_segments = MAX_SEGMENTS;
	if (virtio_has(vdev, VIRTIO_BLK_F_SEG_MAX) && config32(vdev, CONFIG_SEG_MAX))
		bd->max_segments = MIN(bd->max_segments, config32(vdev, CONFIG_SEG_MAX));
	if (virtio_has(vdev, VIRTIO_BLK_F_SIZE_MAX) && config32(vdev, CONFIG_SIZE_MAX) >= PAGE_SIZE)
		bd->max_segment_size = config32(vdev, CONFIG_SIZE_MAX);
	bd->max_bytes = 1 << 20;
	bd->queue_depth = virtq_size(d->vq);
	if (!virtio_has(vdev, VIRTIO_F_INDIRECT_DESC))
		bd->queue_depth = MAX(bd->queue_depth / (bd->max_segments + 2), 1u);
	bd->read_only = virtio_has(vdev, VIRTIO_BLK_F_RO);
	bd->write_cache = virtio_has(vdev, VIRTIO_BLK_F_FLUSH);
	bd->discard = virtio_has(vdev, VIRTIO_BLK_F_DISCARD) && config32(vdev, CONFIG_MAX_DISCARD);
	if (bd->discard)
		bd->max_discard = (uint64_t)config32(vdev, CONFIG_MAX_DISCARD) << SECTOR_SHIFT;
	bd->major = VBLK_MAJOR;
	bd->minor = d->index * 16;
	bd->ops = &vblk_ops;
}

static int vblk_probe(struct device *dev)
{
	struct virtio_device *vdev = to_virtio(dev);
	struct vblk *d = kzalloc(sizeof(*d));
	const struct virtq_info q = { .name = "requests",
				      .callback = vblk_done,
				      .max_size = QUEUE_SIZE,
				      .indirect_max = MAX_SEGMENTS + 2 };
	uint64_t want = 1ull << VIRTIO_BLK_F_SIZE_MAX | 1ull << VIRTIO_BLK_F_SEG_MAX |
			1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_BLK_SIZE |
			1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_DISCARD;
	int err = -ENOMEM;

	if (!d)
		goto fail;
	d->vdev = vdev;
	spin_init(&d->lock);
	vdev->priv = d;
	if ((err = virtio_start(vdev, want)) || (err = virtio_setup_queues(vdev, 1, &q)))
		goto fail;
	d->vq = virtio_queue(vdev, 0);
	d->index = ndisks++;
	configure(d);
	virtio_ready(vdev);
	err = block_register(&d->bd);
	if (err)
		goto fail;
	if (device_verbose())
		printk("%s: %s, %lu MiB%s, %u requests in flight, %s\n", dev->name, d->bd.name,
		       (unsigned long)(block_bytes(&d->bd) >> 20),
		       d->bd.read_only ? ", read-only" : "", d->bd.queue_depth, vdev->irq_mode);
	return 0;
fail:
	if (vdev->started)
		virtio_fail(vdev);
	vdev->priv = NULL;
	kfree(d);
	return err;
}

static const struct device_id vblk_ids[] = {
	{ DEVICE_ANY, VIRTIO_ID_BLOCK, 0 },
	{ 0, 0, 0 },
};

static const struct driver virtio_blk_driver = {
	.name = "virtio-blk",
	.bus = BUS_VIRTIO,
	.ids = vblk_ids,
	.probe = vblk_probe,
	.shutdown = virtio_shutdown,
};
DRIVER(virtio_blk_driver);
