/*
 * virtio-console (virtio 1.x section 5.3) as the program's stdout and
 * stderr: the host tool gives one virtio-serial device with ports 1 and 2
 * (QEMU's virtserialport nr=1 and nr=2), and this driver hands them to the
 * console layer (fs/console.c) as the streams of fds 1 and 2. The kernel's
 * own lines keep the 8250.
 *
 * Ports 1 and 2 need VIRTIO_CONSOLE_F_MULTIPORT; its queues are port 0's
 * receiveq and transmitq (0, 1), the control queues (2, 3), then a pair per
 * port (port n: 2n+2, 2n+3). Only the transmit queues of ports 1 and 2 and
 * the control transmit queue are used: the device is told the driver is
 * ready, and nothing is read. QEMU's virtconsole (port 0) drops what its
 * backend does not take at once (a full pipe), a virtserialport waits, so
 * the streams are serial ports. When the host's stdout and stderr are one
 * file or pipe (2>&1), the tool leaves port 2 out and says --stderr=stdout:
 * port 1 carries both streams, in the order they were written.
 *
 * Each port has TX_BUFS buffers of TX_BUF_SIZE: a write copies into a free
 * one and queues it, waiting for the device to give one back when all are
 * out. At shutdown every buffer is waited for, so nothing written is lost
 * when the VM powers off (unless the host takes nothing for 5 s: its reader
 * is gone). Before each kernel line (printk, on the 8250, which reaches the
 * host at once) the ports are synced: the line waits until the device has
 * given back what the program wrote before it, so the host's stderr has
 * them in the order they were written. When the host tool sees its reader
 * go (a closed pipe), it says so (drivers/stop.c, console_stream_gone):
 * writers waiting for a buffer are woken with EPIPE, and the port is not
 * drained.
 */
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/sync.h>
#include <alto/time.h>
#include <alto/virtio.h>
#include <alto/x86.h>
#include <uapi/errno.h>

#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define CONTROL_DEVICE_READY	   0
#define CONTROL_PORT_READY	   3

#define NPORTS		3 /* port 0 (unused), stdout, stderr */
#define NQUEUES		(2 * NPORTS + 2)
#define CONTROL_TX	3
#define TX_BUFS		8
#define TX_BUF_ORDER	4 /* 64 KiB */
#define TX_BUF_SIZE	(4096u << TX_BUF_ORDER)
#define STALL_WAIT_NS	(5 * NSEC_PER_SEC)
#define CONTROL_WAIT_NS (1 * NSEC_PER_SEC)
#define SYNC_WAIT_NS	(250 * NSEC_PER_MSEC)

struct control_msg {
	uint32_t id;
	uint16_t event, value;
};

struct port {
	struct virtqueue *tx;
	struct waitq wq; /* its lock guards the queue and free */
	char *buf[TX_BUFS];
	unsigned int free;	 /* bit i: buf[i] is ours */
	bool gone;		 /* the host's reader went: take nothing more */
	unsigned int sync_stuck; /* buffers held when a sync last gave up, or 0 */
};

struct vcon {
	struct virtio_device *vdev;
	struct port ports[NPORTS]; /* [1] and [2] used */
	struct control_msg *control;
};

static unsigned int tx_queue(unsigned int port)
{
	return port ? 2 * port + 3 : 1;
}

/* Take back what the device has sent (wq.lock held). */
static void reclaim_locked(struct port *p)
{
	uint32_t len;
	void *token;

	while ((token = virtq_get(p->tx, &len)) != NULL)
		p->free |= 1u << ((uintptr_t)token - 1);
}

static void tx_done(struct virtqueue *vq)
{
	struct vcon *c = virtq_device(vq)->priv;
	struct port *p = &c->ports[(virtq_index(vq) - 3) / 2];
	unsigned long flags = spin_lock(&p->wq.lock);

	reclaim_locked(p);
	spin_unlock(&p->wq.lock, flags);
	waitq_wake_all(&p->wq);
}

/*
 * A free buffer's index, waiting for one (wq.lock held); -ERESTARTSYS when
 * a signal came first (a reader that stopped reading must not hold the
 * program forever), -EPIPE once the host's reader is gone.
 */
static int get_buf_locked(struct port *p, unsigned long *flags)
{
	for (;;) {
		reclaim_locked(p);
		if (p->gone)
			return -EPIPE;
		if (p->free)
			return __builtin_ctz(p->free);
		if (waitq_wait_interruptible_locked(&p->wq, flags, 0))
			return -ERESTARTSYS;
	}
}

/* Queue s: the bytes taken (fewer when a signal came), or -ERESTARTSYS when none. */
static long port_write(void *priv, const char *s, size_t n)
{
	struct port *p = priv;
	long done = 0;

	while (n) {
		unsigned long flags = spin_lock(&p->wq.lock);
		int i = get_buf_locked(p, &flags);
		if (i < 0) {
			spin_unlock(&p->wq.lock, flags);
			return done ? done : i;
		}
		p->free &= ~(1u << i);
		spin_unlock(&p->wq.lock, flags);

		size_t chunk = MIN(n, (size_t)TX_BUF_SIZE);
		memcpy(p->buf[i], s, chunk);
		struct virtq_buf b = { virt_to_phys(p->buf[i]), (uint32_t)chunk };
		flags = spin_lock(&p->wq.lock);
		virtq_add(p->tx, &b, 1, 0, (void *)(uintptr_t)(i + 1));
		virtq_kick(p->tx);
		spin_unlock(&p->wq.lock, flags);
		s += chunk;
		n -= chunk;
		done += (long)chunk;
	}
	return done;
}

/* The host's reader went (console_stream_gone): wake the writers, take nothing more. */
static void port_gone(void *priv)
{
	struct port *p = priv;
	unsigned long flags = spin_lock(&p->wq.lock);

	p->gone = true;
	spin_unlock(&p->wq.lock, flags);
	waitq_wake_all(&p->wq);
}

/*
 * Until the device has sent everything queued (console_stream_ops.sync):
 * QEMU marks a buffer used once its bytes are in the host's file. Lock-free
 * (printk may run under the port's lock, interrupts off); gives up once
 * SYNC_WAIT_NS pass without the device giving one back, and does not wait
 * again until it does: a host reader that stalls holds one kernel line,
 * not each.
 */
static void port_sync(void *priv)
{
	struct port *p = priv;
	unsigned int held = virtq_held(p->tx), last = held, stuck = READ_ONCE(p->sync_stuck);
	uint64_t deadline = time_now_ns() + SYNC_WAIT_NS;

	if (stuck && held >= stuck)
		return; /* no buffer back since the last give-up */
	WRITE_ONCE(p->sync_stuck, 0);
	while (held && !READ_ONCE(p->gone) && time_now_ns() < deadline) {
		cpu_relax();
		held = virtq_held(p->tx);
		if (held < last) {
			last = held;
			deadline = time_now_ns() + SYNC_WAIT_NS;
		}
	}
	if (held)
		WRITE_ONCE(p->sync_stuck, held);
}

static const struct console_stream_ops port_ops = {
	.write = port_write,
	.gone = port_gone,
	.sync = port_sync,
};

/*
 * Wait (polling: interrupts may be off) until the device has sent
 * everything, as long as it keeps taking buffers: a host reader that is
 * gone (a closed pipe) never takes the rest, and must not hold the power-off.
 */
static bool port_drain(struct port *p)
{
	uint64_t deadline = time_now_ns() + STALL_WAIT_NS;
	unsigned int last = ~0u;

	for (;;) {
		unsigned long flags = spin_lock(&p->wq.lock);
		reclaim_locked(p);
		unsigned int free = p->free;
		spin_unlock(&p->wq.lock, flags);
		if (free == (1u << TX_BUFS) - 1)
			return true;
		if (free != last) {
			last = free;
			deadline = time_now_ns() + STALL_WAIT_NS;
		}
		if (time_now_ns() > deadline)
			return false;
		cpu_relax();
	}
}

/*
 * One control message on the control transmit queue, polled until sent (a
 * second at most: the message is a courtesy, the ports work without it;
 * the buffer is then left to the device: no more messages).
 */
static bool control_send(struct vcon *c, uint32_t id, uint16_t event, uint16_t value)
{
	struct virtqueue *vq = virtio_queue(c->vdev, CONTROL_TX);
	struct virtq_buf b = { virt_to_phys(c->control), sizeof(*c->control) };
	uint32_t len;

	uint64_t deadline = time_now_ns() + CONTROL_WAIT_NS;

	*c->control = (struct control_msg){ id, event, value };
	if (virtq_add(vq, &b, 1, 0, c))
		return false;
	virtq_kick(vq);
	while (!virtq_get(vq, &len)) {
		if (time_now_ns() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

static int port_init(struct vcon *c, unsigned int n)
{
	struct port *p = &c->ports[n];

	waitq_init(&p->wq);
	p->tx = virtio_queue(c->vdev, tx_queue(n));
	for (int i = 0; i < TX_BUFS; i++) {
		if (!(p->buf[i] = page_alloc(TX_BUF_ORDER)))
			return -ENOMEM;
		p->free |= 1u << i;
	}
	return 0;
}

static void vcon_free(struct vcon *c)
{
	for (int n = 0; n < NPORTS; n++) {
		for (int i = 0; i < TX_BUFS; i++)
			if (c->ports[n].buf[i])
				page_free(c->ports[n].buf[i]);
	}
	kfree(c->control);
	kfree(c);
}

static int vcon_setup(struct vcon *c)
{
	struct virtq_info q[NQUEUES] = { { 0 } };
	int err;

	for (unsigned int n = 1; n < NPORTS; n++)
		q[tx_queue(n)] = (struct virtq_info){ .name = "transmitq", .callback = tx_done };
	for (unsigned int i = 0; i < NQUEUES; i++) {
		if (!q[i].name)
			q[i] = (struct virtq_info){ .name = "unused", .max_size = 8 };
	}
	q[CONTROL_TX].max_size = 8;
	if ((err = virtio_start(c->vdev, 1ull << VIRTIO_CONSOLE_F_MULTIPORT)))
		return err;
	if (!virtio_has(c->vdev, VIRTIO_CONSOLE_F_MULTIPORT))
		return -ENODEV; /* one port: not the tool's device */
	if ((err = virtio_setup_queues(c->vdev, NQUEUES, q)))
		return err;
	for (unsigned int n = 1; n < NPORTS; n++) {
		if ((err = port_init(c, n)))
			return err;
	}
	return 0;
}

static int vcon_probe(struct device *dev)
{
	struct virtio_device *vdev = to_virtio(dev);
	struct vcon *c = kzalloc(sizeof(*c));
	int err = -ENOMEM;

	if (!c || !(c->control = kzalloc(sizeof(*c->control))))
		goto fail;
	c->vdev = vdev;
	vdev->priv = c;
	if ((err = vcon_setup(c)))
		goto fail;
	virtio_ready(vdev);
	/* --stderr=stdout: the host's stdout and stderr are one file, port 2 is not there. */
	const char *err_to = cmdline_get("stderr");
	unsigned int nports = err_to && !strcmp(err_to, "stdout") ? 2 : NPORTS;
	bool told = control_send(c, 0, CONTROL_DEVICE_READY, 1);
	for (unsigned int n = 1; n < nports; n++)
		told = told && control_send(c, n, CONTROL_PORT_READY, 1);
	for (unsigned int n = 1; n < NPORTS; n++)
		console_stream_register((int)n, &port_ops, &c->ports[n < nports ? n : 1]);
	if (device_verbose())
		printk("%s: console, port 1 as stdout, port %u as stderr (%s)\n", dev->name,
		       nports - 1, vdev->irq_mode);
	return 0;
fail:
	if (vdev->started)
		virtio_fail(vdev);
	vdev->priv = NULL;
	if (c)
		vcon_free(c);
	return err;
}

static void vcon_shutdown(struct device *dev)
{
	struct vcon *c = to_virtio(dev)->priv;

	for (int n = 1; n < NPORTS; n++) {
		console_stream_register(n, NULL, NULL);
		if (!READ_ONCE(c->ports[n].gone) && !port_drain(&c->ports[n]))
			printk("alto: virtio-console: port %d: the host took nothing for 5 s; the "
			       "rest is lost\n",
			       n);
	}
	virtio_shutdown(dev);
}

static const struct device_id vcon_ids[] = {
	{ DEVICE_ANY, VIRTIO_ID_CONSOLE, 0 },
	{ 0, 0, 0 },
};

static const struct driver virtio_console_driver = {
	.name = "virtio-console",
	.bus = BUS_VIRTIO,
	.ids = vcon_ids,
	.probe = vcon_probe,
	.shutdown = vcon_shutdown,
};
DRIVER(virtio_console_driver);
