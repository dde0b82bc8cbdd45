/*
 * TCP segmentation offload, without changing lwIP. lwIP cuts what a program
 * writes into segments of at most pcb->mss bytes, so on an interface whose
 * device cuts large TCP frames itself (NETDEV_F_TSO4/6: virtio-net's
 * HOST_TSO4/6 on a tap), the port raises an established connection's mss
 * towards what one 64 KiB frame holds, and keeps the real MSS (the one lwIP
 * negotiated with the peer) in an extension slot of the pcb; netif.c then
 * asks the device to cut each larger frame into pieces of that size. One
 * frame and one notification carry up to 44 segments.
 *
 * lwIP counts its congestion window in bytes and sends a segment only when
 * all of it fits, so a segment larger than the window would never leave.
 * The mss is therefore raised only up to the window of the moment, in whole
 * real segments, and never lowered: lwIP never makes the window smaller
 * than one mss (one after a timeout, ssthresh plus three after a fast
 * retransmit, ssthresh being at least two), so every segment already queued
 * still fits; nor is it raised in fast recovery. It also stays within half
 * the largest window the peer offered, as lwIP's own sizing does, so
 * Nagle's test (a full segment goes at once) sees full segments. A lost
 * piece costs the whole large segment's retransmission (lwIP resends
 * segments whole; the device cuts them again and the receiver drops what it
 * already has), and the congestion window does not fall below one large
 * segment: the price of cutting in the host.
 *
 * The real MSS reaches netif.c through lwIP's TCP options hook, which runs
 * for every segment just before it is handed to IP: it notes the frame's
 * pbuf and the MSS, and the interface's output takes the note for that
 * pbuf. On its way, IP would fragment a datagram longer than the link's
 * MTU: the kernel is linked with --wrap for ip4_frag and ip6_frag (lwIP's
 * one way there, net/rules.mk), and a noted segment for a device that cuts
 * it goes to the interface whole instead. A frame that reaches the
 * interface later (held for an ARP or neighbour answer) has lost its note:
 * netif.c drops it as too long, and lwIP's retransmission, which passes the
 * hook again, sends it.
 *
 * --no-tso on the kernel command line leaves every mss as negotiated.
 */
#include <alto/boot.h>
#include <alto/compiler.h>
#include "internal.h"

#include "lwip/ip.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#define ETH_HLEN 14
#define TCP_HLEN 20

/* The note from the hook to netif.c: this pbuf's segments are cut at this size. */
static struct {
	const struct pbuf *p;
	unsigned int mss;
} hint;

static int enabled = -1; /* -1: --no-tso not looked at yet */

static bool offload_on(void)
{
	if (enabled < 0)
		enabled = !cmdline_has("no-tso");
	return enabled;
}

unsigned int net_tcp_mss(const struct tcp_pcb *pcb)
{
	uintptr_t real = (uintptr_t)pcb->ext_args[TCP_SLOT_MSS].data;

	return real ? (unsigned int)real : pcb->mss;
}

/* The largest mss pcb's interface can take in one frame, in whole real segments; 0: none. */
static unsigned int largest(const struct tcp_pcb *pcb, unsigned int real)
{
	bool v6 = IP_IS_V6_VAL(pcb->remote_ip);
	struct netif *n = pcb->netif_idx != NETIF_NO_INDEX ?
				  netif_get_by_index(pcb->netif_idx) :
				  ip_route(&pcb->local_ip, &pcb->remote_ip);
	struct net_iface *ifc = net_iface_of(n);

	if (!ifc || !(ifc->nd->features & (v6 ? NETDEV_F_TSO6 : NETDEV_F_TSO4)))
		return 0;
	unsigned int room = NETDEV_GSO_MAX_FRAME - ETH_HLEN - (v6 ? IP6_HLEN : IP_HLEN) - TCP_HLEN;
	return room / real * real;
}

void net_tcp_offload(struct tcp_pcb *pcb)
{
	/*
	 * Not in fast recovery either: its end sets the window to the
	 * ssthresh reckoned from the mss at its start, which may be below a
	 * larger one.
	 */
	if ((pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT) || (pcb->flags & TF_INFR))
		return;
	unsigned int real = net_tcp_mss(pcb), target = pcb->cwnd;
	/* Nothing to gain yet, or already as large as it may be. */
	if (target < 2 * real || !offload_on())
		return;
	target = MIN(target, (unsigned int)pcb->snd_wnd_max / 2);
	unsigned int most = largest(pcb, real);
	target = MIN(target, most) / real * real;
	if (target <= pcb->mss)
		return;
	pcb->ext_args[TCP_SLOT_MSS].data = (void *)(uintptr_t)real;
	pcb->mss = (u16_t)target;
}

void net_tcp_gso_hint(const struct pbuf *p, const struct tcp_pcb *pcb)
{
	hint.p = p;
	hint.mss = pcb ? (unsigned int)(uintptr_t)pcb->ext_args[TCP_SLOT_MSS].data : 0;
}

unsigned int net_gso_take(const struct pbuf *p)
{
	unsigned int mss = hint.p == p ? hint.mss : 0;

	hint.p = NULL;
	return mss;
}

/* A TCP segment the hook noted, going to a device that cuts it. */
static bool device_cuts(const struct pbuf *p, struct netif *n, uint32_t feature)
{
	struct net_iface *ifc = net_iface_of(n);

	return hint.p == p && hint.mss && ifc && (ifc->nd->features & feature);
}

/* lwIP's own, and what the link (--wrap) calls instead. */
err_t __real_ip4_frag(struct pbuf *p, struct netif *netif, const ip4_addr_t *dest);
err_t __wrap_ip4_frag(struct pbuf *p, struct netif *netif, const ip4_addr_t *dest);
err_t __real_ip6_frag(struct pbuf *p, struct netif *netif, const ip6_addr_t *dest);
err_t __wrap_ip6_frag(struct pbuf *p, struct netif *netif, const ip6_addr_t *dest);

err_t __wrap_ip4_frag(struct pbuf *p, struct netif *netif, const ip4_addr_t *dest)
{
	if (device_cuts(p, netif, NETDEV_F_TSO4))
		return netif->output(netif, p, dest);
	return __real_ip4_frag(p, netif, dest);
}

err_t __wrap_ip6_frag(struct pbuf *p, struct netif *netif, const ip6_addr_t *dest)
{
	if (device_cuts(p, netif, NETDEV_F_TSO6))
		return netif->output_ip6(netif, p, dest);
	return __real_ip6_frag(p, netif, dest);
}
