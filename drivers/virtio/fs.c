/*
 * virtio-fs (virtio 1.x section 5.11): a FUSE transport (alto/fuse.h) over
 * virtqueues, named by the device's tag, for the FUSE client of fs/fuse/.
 * Queue 0 carries FORGET (no reply: the device uses it once done); queue 1
 * carries every other request,
 * its header and arguments as buffers the device reads and its reply as
 * buffers it writes, one indirect descriptor each where the device offers
 * them. A request's thread sleeps until the interrupt says it is done; a
 * full ring makes senders wait for a slot.
 */
#include <alto/fuse.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/sync.h>
#include <alto/virtio.h>
#include <uapi/errno.h>

#define CONFIG_TAG	  0
#define CONFIG_NUM_QUEUES 36
#define TAG_LEN		  36
#define HIPRIO_QUEUE	  0
#define REQUEST_QUEUE	  1
#define QUEUE_SIZE	  256

/* A request in flight: done once the device has used it. */
struct inflight {
	struct fuse_req *req;
	bool done;
	struct virtq_buf bufs[FUSE_MAX_SEGS];
};

struct vfs_dev {
	struct fuse_transport t;
	struct virtio_device *vdev;
	struct virtqueue *vq[2];
	struct spinlock lock; /* both queues */
	struct waitq done;    /* a request finished, or a slot came free */
};

static void vfs_done(struct virtqueue *vq)
{
	struct vfs_dev *d = virtq_device(vq)->priv;
	struct inflight *f;
	uint32_t len;
	unsigned long irq = spin_lock(&d->lock);

	while ((f = virtq_get(vq, &len))) {
		f->req->written = len;
		WRITE_ONCE(f->done, true);
	}
	spin_unlock(&d->lock, irq);
	waitq_notify(&d->done, WAITQ_ALL);
}

/* Put the request on queue q, waiting for room: the inflight record, or NULL. */
static struct inflight *queue(struct vfs_dev *d, unsigned int q, struct fuse_req *req, int *err)
{
	struct inflight *f = kmalloc(sizeof(*f));
	unsigned int n = req->nin + req->nout;

	if (!f || n > FUSE_MAX_SEGS) {
		kfree(f);
		*err = f ? -EINVAL : -ENOMEM;
		return NULL;
	}
	f->req = req;
	f->done = false;
	for (unsigned int i = 0; i < n; i++)
		f->bufs[i] = (struct virtq_buf){ virt_to_phys(req->segs[i].buf), req->segs[i].len };
	unsigned long irq = spin_lock(&d->done.lock);
	for (;;) {
		spin_lock_noirq(&d->lock);
		*err = virtq_add(d->vq[q], f->bufs, req->nin, req->nout, f);
		if (!*err)
			virtq_kick(d->vq[q]);
		spin_unlock_noirq(&d->lock);
		if (*err != -ENOSPC)
			break;
		waitq_wait_locked(&d->done, &irq, 0); /* a completion frees slots */
	}
	spin_unlock(&d->done.lock, irq);
	if (*err) {
		kfree(f);
		return NULL;
	}
	return f;
}

static int send_on(struct vfs_dev *d, unsigned int q, struct fuse_req *req)
{
	int err;
	struct inflight *f = queue(d, q, req, &err);

	if (!f)
		return err;
	unsigned long irq = spin_lock(&d->done.lock);
	while (!READ_ONCE(f->done))
		waitq_wait_locked(&d->done, &irq, 0);
	spin_unlock(&d->done.lock, irq);
	kfree(f);
	return 0;
}

static int vfs_send(struct fuse_transport *t, struct fuse_req *req)
{
	return send_on(container_of(t, struct vfs_dev, t), REQUEST_QUEUE, req);
}

/*
 * FORGET: nothing comes back, but the device uses the request once it has
 * dropped the node, and the sender waits for that (a removed file's space
 * is back on the host by then).
 */
static int vfs_send_forget(struct fuse_transport *t, struct fuse_req *req)
{
	req->no_reply = true;
	return send_on(container_of(t, struct vfs_dev, t), HIPRIO_QUEUE, req);
}

static int vfs_probe(struct device *dev)
{
	struct virtio_device *vdev = to_virtio(dev);
	struct vfs_dev *d = kzalloc(sizeof(*d));
	const struct virtq_info q[2] = {
		{ .name = "hiprio", .callback = vfs_done, .max_size = 64 },
		{ .name = "requests",
		  .callback = vfs_done,
		  .max_size = QUEUE_SIZE,
		  .indirect_max = FUSE_MAX_SEGS },
	};
	int err = -ENOMEM;

	if (!d)
		goto fail;
	d->vdev = vdev;
	spin_init(&d->lock);
	waitq_init(&d->done);
	vdev->priv = d;
	if ((err = virtio_start(vdev, 0)) || (err = virtio_setup_queues(vdev, 2, q)))
		goto fail;
	d->vq[0] = virtio_queue(vdev, 0);
	d->vq[1] = virtio_queue(vdev, 1);
	virtio_read_config(vdev, CONFIG_TAG, d->t.tag, TAG_LEN);
	d->t.tag[TAG_LEN] = 0;
	d->t.send = vfs_send;
	d->t.send_forget = vfs_send_forget;
	/* Without indirect descriptors a request takes a slot per segment. */
	d->t.max_segs =
		virtio_has(vdev, VIRTIO_F_INDIRECT_DESC) ?
			FUSE_MAX_SEGS :
			MIN((unsigned int)FUSE_MAX_SEGS, (unsigned int)virtq_size(d->vq[1]));
	virtio_ready(vdev);
	err = fuse_transport_register(&d->t);
	if (err)
		goto fail;
	if (device_verbose())
		printk("%s: virtio-fs, tag %s (%s)\n", dev->name, d->t.tag, vdev->irq_mode);
	return 0;
fail:
	if (vdev->started)
		virtio_fail(vdev);
	vdev->priv = NULL;
	kfree(d);
	return err;
}

static const struct device_id vfs_ids[] = {
	{ DEVICE_ANY, VIRTIO_ID_FS, 0 },
	{ 0, 0, 0 },
};

static const struct driver virtio_fs_driver = {
	.name = "virtio-fs",
	.bus = BUS_VIRTIO,
	.ids = vfs_ids,
	.probe = vfs_probe,
	.shutdown = virtio_shutdown,
};
DRIVER(virtio_fs_driver);
