/*
 * lwIP interfaces over network devices (include/alto/netdev.h). Received
 * frames go up without a copy: each receive buffer's headroom holds a
 * custom pbuf pointing at the frame's bytes in it, and freeing that pbuf
 * hands the buffer back to the driver. Frames go down as their pbuf
 * chains, one segment per pbuf, referenced until the device is done with
 * them; a TCP frame larger than the link goes to a device that cuts it
 * (tso.c says at what size). Device names follow Linux: eth0, eth1, ...
 * in the order the devices were found; lo is lwIP's own, interface 1. The
 * tracepoints of net_trace.h are defined here; frames are traced as they
 * cross the device boundary, with their bytes.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/net.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/time.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "../net_trace.h"

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/igmp.h"
#include "lwip/mld6.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define MAX_IFACES 16

/* What sits in a receive buffer's headroom. */
struct rx_pbuf {
	struct pbuf_custom pc;
	struct netdev *nd;
};
_Static_assert(sizeof(struct rx_pbuf) <= NETDEV_RX_HEADROOM, "receive headroom");

static struct net_iface *ifaces[MAX_IFACES];
static int nifaces;
static struct spinlock ifaces_lock = SPINLOCK_INIT;

static err_t linkoutput(struct netif *n, struct pbuf *p);

struct net_iface *net_iface_of(struct netif *n)
{
	return n && n->linkoutput == linkoutput ? n->state : NULL;
}

struct netif *net_loopback(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		if (n->name[0] == 'l' && n->name[1] == 'o')
			return n;
	}
	return NULL;
}

struct netdev *netdev_by_index(int index)
{
	for (int i = 0; i < nifaces; i++) {
		if (ifaces[i]->nd->index == index)
			return ifaces[i]->nd;
	}
	return NULL;
}

struct netdev *netdev_by_name(const char *name)
{
	for (int i = 0; i < nifaces; i++) {
		if (!strcmp(ifaces[i]->nd->name, name))
			return ifaces[i]->nd;
	}
	return NULL;
}

int netdev_count(void)
{
	return nifaces;
}

struct net_iface *net_iface_nth(int i)
{
	return i >= 0 && i < nifaces ? ifaces[i] : NULL;
}

static void rx_pbuf_free(struct pbuf *p)
{
	struct rx_pbuf *r = (struct rx_pbuf *)p;

	netdev_rx_recycle(r->nd, r);
}

static void trace_in(const struct netdev *nd, const struct netdev_rx *rx)
{
	struct trace_seg segs[NETDEV_MAX_FRAGS];

	for (unsigned int i = 0; i < rx->nfrags; i++)
		segs[i] = (struct trace_seg){ rx->frags[i].data, rx->frags[i].len };
	trace_net_packet_in(nd->index, rx->len, segs, rx->nfrags);
}

static void trace_out(const struct netdev *nd, const struct netdev_tx *tx)
{
	struct trace_seg segs[NETDEV_MAX_SEGS];
	uint32_t len = 0;

	for (unsigned int i = 0; i < tx->nsegs; i++) {
		segs[i] = (struct trace_seg){ tx->segs[i].data, tx->segs[i].len };
		len += tx->segs[i].len;
	}
	trace_net_packet_out(nd->index, len, segs, tx->nsegs);
}

/* A received frame into lwIP (stack lock held, from the device's poll). */
static void deliver(struct netdev *nd, const struct netdev_rx *rx)
{
	struct net_iface *ifc = nd->stack;
	struct pbuf *head = NULL;

	if (trace_on(net_packet_in))
		trace_in(nd, rx);
	if ((nd->features & NETDEV_F_RX_CSUM) && !offload_rx_ok(rx)) {
		trace_net_drop(nd->index, rx->len, "bad checksum");
		for (unsigned int i = 0; i < rx->nfrags; i++)
			netdev_rx_recycle(nd, rx->frags[i].buf);
		nd->rx_dropped++;
		return;
	}
	for (unsigned int i = 0; i < rx->nfrags; i++) {
		struct rx_pbuf *r = rx->frags[i].buf;
		uint32_t cap =
			NETDEV_RX_BUF_SIZE - (uint32_t)((char *)rx->frags[i].data - (char *)r);
		r->nd = nd;
		r->pc.custom_free_function = rx_pbuf_free;
		struct pbuf *p = pbuf_alloced_custom(PBUF_RAW, (u16_t)rx->frags[i].len, PBUF_REF,
						     &r->pc, rx->frags[i].data, (u16_t)cap);
		if (!head)
			head = p;
		else
			pbuf_cat(head, p);
	}
	if (!head)
		return;
	if (ifc->netif.input(head, &ifc->netif) != ERR_OK) {
		trace_net_drop(nd->index, rx->len, "refused by the stack");
		nd->rx_dropped++;
		pbuf_free(head);
	}
	tcp_trace_states();
}

static void tx_done(struct netdev *nd, void *token)
{
	pbuf_free(token);
}

/* One frame (a referenced pbuf chain) to the device: 0, or -ENOSPC when its ring is full. */
static int xmit(struct netdev *nd, const struct net_frame *f)
{
	struct pbuf *p = f->p;
	struct netdev_tx tx = { .nsegs = 0, .token = p };

	for (struct pbuf *q = p; q; q = q->next) {
		if (q->len)
			tx.segs[tx.nsegs++] = (struct netdev_seg){ q->payload, q->len };
	}
	if (nd->features & NETDEV_F_TX_CSUM)
		offload_tx(&tx, f->gso_mss);
	int r = nd->ops->xmit(nd, &tx);
	/* The device has it; its completion comes through this thread, under the lock. */
	if (!r && trace_on(net_packet_out))
		trace_out(nd, &tx);
	if (r && r != -ENOSPC) {
		trace_net_drop(nd->index, p->tot_len, "refused by the device");
		nd->tx_dropped++;
		pbuf_free(p);
		return 0;
	}
	return r;
}

/* Send what waited for room, in order, until the ring fills again. */
static void flush_txq(struct net_iface *ifc)
{
	while (ifc->txq_len) {
		if (xmit(ifc->nd, &ifc->txq[ifc->txq_head]))
			return;
		ifc->txq_head = (ifc->txq_head + 1) % IFACE_TXQ;
		ifc->txq_len--;
	}
}

/* lwIP's output to the wire: the pbuf chain as the frame's segments. */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	struct net_iface *ifc = n->state;
	struct netdev *nd = ifc->nd;
	struct net_frame f = { p, net_gso_take(p) };

	if (!nd->link_up) {
		trace_net_drop(nd->index, p->tot_len, "link down");
		return ERR_IF;
	}
	if (ifc->txq_len == IFACE_TXQ) {
		trace_net_drop(nd->index, p->tot_len, "transmit queue full");
		return ERR_MEM;
	}
	if (p->tot_len > n->mtu + SIZEOF_ETH_HDR &&
	    (!f.gso_mss || !(nd->features & (NETDEV_F_TSO4 | NETDEV_F_TSO6)))) {
		/* A segment that waited for an address lost its MSS (tso.c): lwIP resends it. */
		trace_net_drop(nd->index, p->tot_len, "too long for the link");
		nd->tx_dropped++;
		return ERR_OK;
	}
	if (pbuf_clen(p) > NETDEV_MAX_SEGS) {
		/* Too many pieces for one request: send one contiguous copy. */
		f.p = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
		if (!f.p)
			return ERR_MEM;
	} else {
		pbuf_ref(p);
	}
	flush_txq(ifc);
	if (!ifc->txq_len && !xmit(nd, &f))
		return ERR_OK;
	/* The ring is full: the device interrupts when it frees room (netdev_tx_ready). */
	ifc->txq[(ifc->txq_head + ifc->txq_len++) % IFACE_TXQ] = f;
	trace_net_tx_full(nd->index, ifc->txq_len);
	return ERR_OK;
}

static err_t iface_init(struct netif *n)
{
	struct net_iface *ifc = n->state;
	struct netdev *nd = ifc->nd;

	n->name[0] = 'e';
	n->name[1] = 't';
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, nd->mac, ETH_HWADDR_LEN);
	n->mtu = nd->mtu;
	n->mtu6 = nd->mtu;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = linkoutput;
	n->hostname = "alto";
	/* What the device sums, lwIP does not (UDP's sums stay lwIP's: see offload.c). */
	u16_t sums = NETIF_CHECKSUM_ENABLE_ALL;
	if (nd->features & NETDEV_F_TX_CSUM)
		sums &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
	if (nd->features & NETDEV_F_RX_CSUM)
		sums &= (u16_t) ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
	NETIF_SET_CHECKSUM_CTRL(n, sums);
	return ERR_OK;
}

int netdev_register(struct netdev *nd)
{
	struct net_iface *ifc = kzalloc(sizeof(*ifc));

	if (!ifc)
		return -ENOMEM;
	unsigned long flags = spin_lock(&ifaces_lock);
	if (nifaces == MAX_IFACES) {
		spin_unlock(&ifaces_lock, flags);
		kfree(ifc);
		return -ENOSPC;
	}
	int slot = nifaces;
	spin_unlock(&ifaces_lock, flags);
	snprintf(nd->name, sizeof(nd->name), "eth%d", slot);
	ifc->nd = nd;
	nd->stack = ifc;
	nd->deliver = deliver;
	nd->tx_done = tx_done;
	net_lock();
	if (!netif_add(&ifc->netif, NULL, NULL, NULL, ifc, iface_init, ethernet_input)) {
		net_unlock();
		kfree(ifc);
		return -EIO;
	}
	nd->index = netif_get_index(&ifc->netif);
	netif_create_ip6_linklocal_address(&ifc->netif, 1);
	/* Without duplicate address detection (lwipopts.h), usable at once. */
	netif_ip6_addr_set_state(&ifc->netif, 0, IP6_ADDR_PREFERRED);
	netif_set_ip6_autoconfig_enabled(&ifc->netif, 1);
	if (nd->link_up)
		netif_set_link_up(&ifc->netif);
	netif_set_up(&ifc->netif);
	flags = spin_lock(&ifaces_lock);
	ifaces[nifaces++] = ifc;
	spin_unlock(&ifaces_lock, flags);
	net_unlock();
	/* Frames may already wait. */
	__atomic_fetch_or(&ifc->pending, IFACE_RX, __ATOMIC_RELEASE);
	net_activate();
	return 0;
}

/* Note work for the stack thread and wake it. */
static void note(struct netdev *nd, unsigned int what)
{
	struct net_iface *ifc = READ_ONCE(nd->stack);

	if (!ifc)
		return; /* not registered yet: registration polls */
	__atomic_fetch_or(&ifc->pending, what, __ATOMIC_RELEASE);
	net_kick();
}

void netdev_rx_ready(struct netdev *nd)
{
	note(nd, IFACE_RX);
}

void netdev_tx_ready(struct netdev *nd)
{
	note(nd, IFACE_TX);
}

void netdev_link_changed(struct netdev *nd)
{
	note(nd, IFACE_LINK);
}

/*
 * One device's work, every time the stack thread runs: the notes of its
 * interrupts only wake the thread. Finished transmissions are taken back and
 * the receive ring is looked at whether or not an interrupt said so, so
 * that a lost or late notification costs at most the wait until lwIP's next
 * timer, not the connection: lwIP will not retransmit a segment whose pbuf
 * a driver still holds (tcp_rexmit_rto_prepare's "segment busy"), and the
 * acknowledgements it waits for are in the receive ring. A stream over
 * QEMU's user networking was seen stalled for good with both: 45 frames
 * received and never looked at (no interrupt came for them, though the
 * ring asked for one), 44 transmissions finished and not taken back, and
 * lwIP's retransmission timer 61 ticks past due (docs/performance.md).
 * The cause, QEMU dropping the guest's fences under TCG with one vCPU, is
 * handled in drivers/virtio/virtqueue.c; this stays as a safety net.
 */
static bool poll_one(struct net_iface *ifc, unsigned int budget)
{
	struct netdev *nd = ifc->nd;
	unsigned int what = __atomic_exchange_n(&ifc->pending, 0, __ATOMIC_ACQUIRE);

	if (what & IFACE_LINK) {
		trace_net_link(nd->index, nd->link_up);
		if (nd->link_up)
			netif_set_link_up(&ifc->netif);
		else
			netif_set_link_down(&ifc->netif);
	}
	nd->ops->tx_reclaim(nd);
	flush_txq(ifc);
	unsigned int frames = nd->ops->poll(nd, budget);
	if (frames || (what & IFACE_RX))
		trace_net_poll(nd->index, frames, budget);
	if (frames == budget || !nd->ops->rx_enable(nd)) {
		__atomic_fetch_or(&ifc->pending, IFACE_RX, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

void netif_drain(uint64_t deadline)
{
	for (int i = 0; i < nifaces; i++) {
		struct net_iface *ifc = ifaces[i];
		for (;;) {
			net_lock();
			flush_txq(ifc);
			bool busy = ifc->txq_len || ifc->nd->ops->tx_busy(ifc->nd);
			net_unlock();
			if (!busy || time_now_ns() >= deadline)
				break;
			thread_sleep_ns(NSEC_PER_MSEC);
		}
	}
}

bool netif_poll_devices(unsigned int budget)
{
	bool again = false;

	for (int i = 0; i < nifaces; i++)
		again |= poll_one(ifaces[i], budget);
	return again;
}
