/*
 * virtio-net (virtio 1.x section 5.1) as a struct netdev. Queue 0 receives
 * into 2 KiB buffers (two per page, recycled through a free list) that the
 * stack takes without copying; with mergeable receive buffers a frame may
 * span several. Queue 1 transmits the stack's segments as they are, behind
 * a virtio-net header of its own, as one indirect descriptor where the
 * device allows; the header carries the checksum and segmentation offload
 * the stack asked for (CSUM, HOST_TSO4/6: the host cuts a TCP frame of up
 * to 64 KiB into segments). Receive interrupts only wake the stack's thread (which
 * polls with them off); transmit interrupts are asked for only when the
 * ring is full. The MAC address and MTU come from the configuration space,
 * the link state from its status field.
 */
#include <alto/mm.h>
#include <alto/netdev.h>
#include <alto/printk.h>
#include <alto/random.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/virtio.h>
#include <uapi/errno.h>

#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU	3
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16

#define VIRTIO_NET_S_LINK_UP 1

#define CONFIG_MAC    0
#define CONFIG_STATUS 6
#define CONFIG_MTU    10

#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2

#define HDR_GSO_TCPV4 1
#define HDR_GSO_TCPV6 4

#define RX_QUEUE   0
#define TX_QUEUE   1
#define QUEUE_SIZE 256
#define ETH_HLEN   14

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __packed;
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");

/* A transmission in flight: its header (read by the device) and the stack's token. */
struct tx_slot {
	struct virtio_net_hdr hdr;
	void *token;
	struct tx_slot *next_free;
};

struct vnet {
	struct netdev nd;
	struct virtio_device *vdev;
	struct virtqueue *rx, *tx;
	struct spinlock rx_lock, tx_lock, pool_lock;
	void *pool; /* free receive buffers, linked through their first word */
	unsigned int pool_count, buffers; /* free ones, all there are */
	struct tx_slot *slots, *free_slots;
	bool mergeable;
};

static struct vnet *to_vnet(struct netdev *nd)
{
	return nd->priv;
}

static void *buf_get(struct vnet *v)
{
	unsigned long flags = spin_lock(&v->pool_lock);
	void *b = v->pool;

	if (b) {
		v->pool = *(void **)b;
		v->pool_count--;
	}
	spin_unlock(&v->pool_lock, flags);
	if (b)
		return b;
	/* A page holds two buffers: one for now, one for the pool. */
	char *page = page_alloc(0);
	if (!page)
		return NULL;
	flags = spin_lock(&v->pool_lock);
	*(void **)(page + NETDEV_RX_BUF_SIZE) = v->pool;
	v->pool = page + NETDEV_RX_BUF_SIZE;
	v->pool_count++;
	v->buffers += 2;
	spin_unlock(&v->pool_lock, flags);
	return page;
}

static void vnet_recycle(struct netdev *nd, void *buf)
{
	struct vnet *v = to_vnet(nd);
	unsigned long flags = spin_lock(&v->pool_lock);

	*(void **)buf = v->pool;
	v->pool = buf;
	v->pool_count++;
	spin_unlock(&v->pool_lock, flags);
}

/* Give the device every receive buffer it has room for. Call with rx_lock held. */
static void refill_locked(struct vnet *v)
{
	bool added = false;

	while (virtq_free(v->rx)) {
		char *b = buf_get(v);
		if (!b)
			break;
		struct virtq_buf vb = { virt_to_phys(b + NETDEV_RX_HEADROOM),
					NETDEV_RX_BUF_SIZE - NETDEV_RX_HEADROOM };
		if (virtq_add(v->rx, &vb, 0, 1, b)) {
			vnet_recycle(&v->nd, b);
			break;
		}
		added = true;
	}
	if (added)
		virtq_kick(v->rx);
}

/* One frame's buffers from the used ring (rx_lock held); false when none waits. */
static bool take_frame(struct vnet *v, struct netdev_rx *rx)
{
	uint32_t len;
	char *b = virtq_get(v->rx, &len);

	if (!b)
		return false;
	const struct virtio_net_hdr *h = (const void *)(b + NETDEV_RX_HEADROOM);
	unsigned int nbufs = v->mergeable ? h->num_buffers : 1;
	uint32_t hlen = sizeof(*h);
	rx->nfrags = 0;
	rx->len = 0;
	rx->csum_valid = h->flags & HDR_F_DATA_VALID;
	rx->csum_partial = h->flags & HDR_F_NEEDS_CSUM;
	for (unsigned int i = 0;; i++) {
		uint32_t n = len > hlen ? len - hlen : 0;
		if (rx->nfrags < NETDEV_MAX_FRAGS) {
			rx->frags[rx->nfrags].buf = b;
			rx->frags[rx->nfrags].data = b + NETDEV_RX_HEADROOM + hlen;
			rx->frags[rx->nfrags++].len = n;
			rx->len += n;
		} else {
			vnet_recycle(&v->nd, b); /* more than a frame can be: dropped below */
			rx->len = 0;
		}
		hlen = 0;
		if (i + 1 >= nbufs || !(b = virtq_get(v->rx, &len)))
			break;
	}
	return true;
}

static unsigned int vnet_poll(struct netdev *nd, unsigned int budget)
{
	struct vnet *v = to_vnet(nd);
	struct netdev_rx rx;
	unsigned int done = 0;

	while (done < budget) {
		unsigned long flags = spin_lock(&v->rx_lock);
		bool got = take_frame(v, &rx);
		spin_unlock(&v->rx_lock, flags);
		if (!got)
			break;
		done++;
		if (rx.len < ETH_HLEN) {
			for (unsigned int i = 0; i < rx.nfrags; i++)
				vnet_recycle(nd, rx.frags[i].buf);
			nd->rx_dropped++;
			continue;
		}
		nd->rx_packets++;
		nd->rx_bytes += rx.len;
		nd->deliver(nd, &rx);
	}
	unsigned long flags = spin_lock(&v->rx_lock);
	refill_locked(v);
	spin_unlock(&v->rx_lock, flags);
	return done;
}

static bool vnet_rx_enable(struct netdev *nd)
{
	struct vnet *v = to_vnet(nd);
	unsigned long flags = spin_lock(&v->rx_lock);
	bool quiet = virtq_enable_cb(v->rx);

	if (!quiet)
		virtq_disable_cb(v->rx);
	spin_unlock(&v->rx_lock, flags);
	return quiet;
}

/* Finished transmissions back to the stack (tx_lock held). */
static void reclaim_locked(struct vnet *v)
{
	struct tx_slot *s;

	while ((s = virtq_get(v->tx, NULL)) != NULL) {
		v->nd.tx_done(&v->nd, s->token);
		s->next_free = v->free_slots;
		v->free_slots = s;
	}
}

static void vnet_tx_reclaim(struct netdev *nd)
{
	struct vnet *v = to_vnet(nd);
	unsigned long flags = spin_lock(&v->tx_lock);

	reclaim_locked(v);
	spin_unlock(&v->tx_lock, flags);
}

/* Put the frame on the ring (tx_lock held): 0, or -ENOSPC when there is no room. */
static int add_frame(struct vnet *v, const struct netdev_tx *tx)
{
	struct virtq_buf bufs[NETDEV_MAX_SEGS + 1];
	struct tx_slot *s = v->free_slots;
	uint32_t len = 0;

	if (!s)
		return -ENOSPC;
	s->hdr = (struct virtio_net_hdr){ 0 };
	if (tx->csum) {
		s->hdr.flags = HDR_F_NEEDS_CSUM;
		s->hdr.csum_start = tx->csum_start;
		s->hdr.csum_offset = tx->csum_offset;
	}
	if (tx->gso_type != NETDEV_GSO_NONE) {
		s->hdr.gso_type = tx->gso_type == NETDEV_GSO_TCPV6 ? HDR_GSO_TCPV6 : HDR_GSO_TCPV4;
		s->hdr.gso_size = tx->gso_size;
		s->hdr.hdr_len = tx->hdr_len;
	}
	s->token = tx->token;
	bufs[0] = (struct virtq_buf){ virt_to_phys(&s->hdr), sizeof(s->hdr) };
	for (unsigned int i = 0; i < tx->nsegs; i++) {
		bufs[i + 1] = (struct virtq_buf){ virt_to_phys(tx->segs[i].data), tx->segs[i].len };
		len += tx->segs[i].len;
	}
	int r = virtq_add(v->tx, bufs, tx->nsegs + 1, 0, s);
	if (r)
		return r;
	v->free_slots = s->next_free;
	v->nd.tx_packets++;
	v->nd.tx_bytes += len;
	return 0;
}

static int vnet_xmit(struct netdev *nd, const struct netdev_tx *tx)
{
	struct vnet *v = to_vnet(nd);

	if (tx->nsegs > NETDEV_MAX_SEGS || !tx->nsegs)
		return -EINVAL;
	unsigned long flags = spin_lock(&v->tx_lock);
	reclaim_locked(v);
	int r = add_frame(v, tx);
	if (r == -ENOSPC && !virtq_enable_cb(v->tx)) {
		/*
		 * Full, with finished frames already back: take them and try
		 * once more. Otherwise frames are in flight, and the interrupt
		 * just enabled comes when one finishes (netdev_tx_ready).
		 */
		reclaim_locked(v);
		r = add_frame(v, tx);
	}
	if (!r)
		virtq_kick(v->tx);
	spin_unlock(&v->tx_lock, flags);
	return r;
}

static bool vnet_tx_busy(struct netdev *nd)
{
	struct vnet *v = to_vnet(nd);
	unsigned long flags = spin_lock(&v->tx_lock);

	reclaim_locked(v);
	bool busy = virtq_free(v->tx) < virtq_size(v->tx);
	spin_unlock(&v->tx_lock, flags);
	return busy;
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.poll = vnet_poll,
	.rx_enable = vnet_rx_enable,
	.tx_reclaim = vnet_tx_reclaim,
	.recycle = vnet_recycle,
	.tx_busy = vnet_tx_busy,
};

/* No more interrupts from the queue until the stack thread has looked at it. */
static void quiet(struct virtqueue *vq, struct spinlock *lock)
{
	spin_lock_noirq(lock);
	virtq_disable_cb(vq);
	spin_unlock_noirq(lock);
}

static void rx_interrupt(struct virtqueue *vq)
{
	struct vnet *v = virtq_device(vq)->priv;

	quiet(vq, &v->rx_lock);
	netdev_rx_ready(&v->nd);
}

static void tx_interrupt(struct virtqueue *vq)
{
	struct vnet *v = virtq_device(vq)->priv;

	quiet(vq, &v->tx_lock);
	netdev_tx_ready(&v->nd);
}

static void read_link(struct vnet *v)
{
	uint16_t status = VIRTIO_NET_S_LINK_UP;

	if (virtio_has(v->vdev, VIRTIO_NET_F_STATUS))
		virtio_read_config(v->vdev, CONFIG_STATUS, &status, 2);
	v->nd.link_up = status & VIRTIO_NET_S_LINK_UP;
}

static void config_changed(struct virtio_device *vdev)
{
	struct vnet *v = vdev->priv;
	bool was = v->nd.link_up;

	read_link(v);
	if (was != v->nd.link_up)
		netdev_link_changed(&v->nd);
}

static int setup_slots(struct vnet *v)
{
	unsigned int n = virtq_size(v->tx);

	v->slots = kzalloc(n * sizeof(*v->slots));
	if (!v->slots)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		v->slots[i].next_free = v->free_slots;
		v->free_slots = &v->slots[i];
	}
	return 0;
}

static void read_identity(struct vnet *v)
{
	struct netdev *nd = &v->nd;

	nd->mtu = 1500;
	if (virtio_has(v->vdev, VIRTIO_NET_F_MTU))
		virtio_read_config(v->vdev, CONFIG_MTU, &nd->mtu, 2);
	if (virtio_has(v->vdev, VIRTIO_NET_F_MAC)) {
		virtio_read_config(v->vdev, CONFIG_MAC, nd->mac, 6);
	} else {
		/* No address from the host: a random locally administered one. */
		uint64_t r = random_u64();
		memcpy(nd->mac, &r, 6);
		nd->mac[0] = (uint8_t)((nd->mac[0] & 0xfe) | 0x02);
	}
	nd->features = (virtio_has(v->vdev, VIRTIO_NET_F_CSUM) ? NETDEV_F_TX_CSUM : 0) |
		       (virtio_has(v->vdev, VIRTIO_NET_F_GUEST_CSUM) ? NETDEV_F_RX_CSUM : 0);
	/* Segmentation needs the device's checksums (the specification makes it so). */
	if (nd->features & NETDEV_F_TX_CSUM)
		nd->features |= (virtio_has(v->vdev, VIRTIO_NET_F_HOST_TSO4) ? NETDEV_F_TSO4 : 0) |
				(virtio_has(v->vdev, VIRTIO_NET_F_HOST_TSO6) ? NETDEV_F_TSO6 : 0);
	read_link(v);
}

static int vnet_probe(struct device *dev)
{
	struct virtio_device *vdev = to_virtio(dev);
	struct vnet *v = kzalloc(sizeof(*v));
	const uint64_t wanted = 1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |
				1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MAC |
				1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS |
				1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_HOST_TSO6;
	const struct virtq_info queues[2] = {
		{ .name = "rx", .callback = rx_interrupt, .max_size = QUEUE_SIZE },
		{ .name = "tx",
		  .callback = tx_interrupt,
		  .max_size = QUEUE_SIZE,
		  .indirect_max = NETDEV_MAX_SEGS + 1 },
	};
	int err = -ENOMEM;

	if (!v)
		return -ENOMEM;
	v->vdev = vdev;
	vdev->priv = v;
	spin_init(&v->rx_lock);
	spin_init(&v->tx_lock);
	spin_init(&v->pool_lock);
	if ((err = virtio_start(vdev, wanted)) || (err = virtio_setup_queues(vdev, 2, queues)))
		goto fail;
	v->rx = virtio_queue(vdev, RX_QUEUE);
	v->tx = virtio_queue(vdev, TX_QUEUE);
	v->mergeable = virtio_has(vdev, VIRTIO_NET_F_MRG_RXBUF);
	if ((err = setup_slots(v)))
		goto fail;
	virtq_disable_cb(v->tx);
	read_identity(v);
	v->nd.ops = &vnet_ops;
	v->nd.priv = v;
	vdev->config_changed = config_changed;
	virtio_ready(vdev);
	unsigned long flags = spin_lock(&v->rx_lock);
	refill_locked(v);
	spin_unlock(&v->rx_lock, flags);
	if ((err = netdev_register(&v->nd)))
		goto fail;
	if (device_verbose())
		printk("%s: %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, link %s, %s%s%s%s\n",
		       dev->name, v->nd.name, v->nd.mac[0], v->nd.mac[1], v->nd.mac[2],
		       v->nd.mac[3], v->nd.mac[4], v->nd.mac[5], v->nd.mtu,
		       v->nd.link_up ? "up" : "down", vdev->irq_mode,
		       v->mergeable ? ", mergeable rx buffers" : "",
		       v->nd.features & NETDEV_F_TX_CSUM ? ", checksum offload" : "",
		       v->nd.features & NETDEV_F_TSO4 ? ", segmentation offload" : "");
	return 0;
fail:
	if (vdev->started)
		virtio_fail(vdev);
	vdev->priv = NULL;
	kfree(v->slots);
	kfree(v);
	return err;
}

static const struct device_id vnet_ids[] = {
	{ DEVICE_ANY, VIRTIO_ID_NET, 0 },
	{ 0, 0, 0 },
};

static const struct driver virtio_net_driver = {
	.name = "virtio-net",
	.bus = BUS_VIRTIO,
	.ids = vnet_ids,
	.probe = vnet_probe,
	.shutdown = virtio_shutdown,
};
DRIVER(virtio_net_driver);
