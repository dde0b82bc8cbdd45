/*
 * virtio-rng (virtio 1.x section 5.4): one queue of buffers the device fills
 * with entropy from the host. The bytes are stirred into the kernel's
 * CSPRNG (kernel/random.c): once at probe, then again at each reseed
 * interval of the CSPRNG. On a CPU without RDSEED/RDRAND the probe runs at
 * boot and waits briefly for the first bytes, so that the application's
 * first random bytes (AT_RANDOM, getrandom) already have them. With the
 * CPU's entropy in the seed nothing needs the device before the program
 * starts: the probe is left to the late work (alto/late.h; under TCG its
 * code and the interrupt's cost a boot about 100 translated blocks), where
 * --verbose's wait for the bytes its line reports holds nobody up.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/random.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/sync.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/virtio.h>
#include <uapi/errno.h>

#define RNG_REQUEST   64
#define RNG_REFILL_NS (60 * NSEC_PER_SEC)
#define RNG_BOOT_WAIT (200 * NSEC_PER_MSEC)

struct rng {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct spinlock lock; /* the queue: the interrupt and the refill timer */
	uint8_t *buf;
	bool busy;	/* a request is with the device */
	uint64_t mixed; /* bytes stirred in so far */
	struct waitq first;
	struct timer refill;
};

static void request_locked(struct rng *r)
{
	struct virtq_buf b = { virt_to_phys(r->buf), RNG_REQUEST };

	if (r->busy || virtq_add(r->vq, &b, 0, 1, r))
		return;
	r->busy = true;
	virtq_kick(r->vq);
}

static void rng_done(struct virtqueue *vq)
{
	struct rng *r = virtq_device(vq)->priv;
	uint32_t len;
	unsigned long flags = spin_lock(&r->lock);

	while (virtq_get(vq, &len)) {
		len = MIN(len, (uint32_t)RNG_REQUEST);
		random_mix(r->buf, len);
		memset(r->buf, 0, RNG_REQUEST);
		r->mixed += len;
		r->busy = false;
	}
	spin_unlock(&r->lock, flags);
	waitq_wake_all(&r->first);
}

static void rng_refill(struct timer *t)
{
	struct rng *r = t->data;
	unsigned long flags = spin_lock(&r->lock);

	request_locked(r);
	spin_unlock(&r->lock, flags);
	timer_arm(t, time_now_ns() + RNG_REFILL_NS);
}

/* Wait a little for the first bytes, so the application starts with them. */
static void wait_first(struct rng *r)
{
	uint64_t deadline = time_now_ns() + RNG_BOOT_WAIT;
	unsigned long flags = spin_lock(&r->first.lock);

	while (!READ_ONCE(r->mixed) && waitq_wait_locked(&r->first, &flags, deadline) == 0)
		;
	spin_unlock(&r->first.lock, flags);
}

static int rng_probe(struct device *dev)
{
	struct virtio_device *vdev = to_virtio(dev);
	struct rng *r = kzalloc(sizeof(*r));
	const struct virtq_info q = { .name = "requests", .callback = rng_done, .max_size = 8 };
	int err = -ENOMEM;

	if (!r || !(r->buf = kzalloc(RNG_REQUEST)))
		goto fail;
	r->vdev = vdev;
	spin_init(&r->lock);
	waitq_init(&r->first);
	vdev->priv = r;
	if ((err = virtio_start(vdev, 0)) || (err = virtio_setup_queues(vdev, 1, &q)))
		goto fail;
	r->vq = virtio_queue(vdev, 0);
	virtio_ready(vdev);
	timer_init(&r->refill, rng_refill, r);
	unsigned long flags = spin_lock(&r->lock);
	request_locked(r);
	spin_unlock(&r->lock, flags);
	if (!random_cpu_seeded() || device_verbose())
		wait_first(r); /* --verbose reports the bytes, which checks the interrupt */
	timer_arm(&r->refill, time_now_ns() + RNG_REFILL_NS);
	if (device_verbose())
		printk("%s: rng, %lu bytes mixed into the CSPRNG (%s)\n", dev->name,
		       (unsigned long)READ_ONCE(r->mixed), vdev->irq_mode);
	return 0;
fail:
	if (vdev->started)
		virtio_fail(vdev);
	vdev->priv = NULL;
	if (r)
		kfree(r->buf);
	kfree(r);
	return err;
}

static bool rng_may_defer(struct device *dev)
{
	return random_cpu_seeded();
}

static void rng_shutdown(struct device *dev)
{
	struct rng *r = to_virtio(dev)->priv;

	timer_cancel(&r->refill);
	virtio_shutdown(dev);
}

static const struct device_id rng_ids[] = {
	{ DEVICE_ANY, VIRTIO_ID_RNG, 0 },
	{ 0, 0, 0 },
};

static const struct driver virtio_rng_driver = {
	.name = "virtio-rng",
	.bus = BUS_VIRTIO,
	.ids = rng_ids,
	.probe = rng_probe,
	.shutdown = rng_shutdown,
	.may_defer = rng_may_defer,
};
DRIVER(virtio_rng_driver);
