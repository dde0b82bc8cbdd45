/*
 * What the files of the lwIP port share: the per-device state of the stack and the
 * hooks between the stack thread (stack.c), the interfaces (netif.c) and
 * their configuration (config.c).
 */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <stdbool.h>
#include <alto/netdev.h>
#include "lwip/netif.h"
#include "offload.h"

/*
 * Frames waiting for room in the device's transmit ring, in order: a burst
 * of lwIP's (a window's worth of segments) may outrun the ring. Beyond this
 * many, lwIP is told the interface is out of memory and retries later.
 */
#define IFACE_TXQ 1024

/* The stack's side of a network device. */
struct net_iface {
	struct netif netif;
	struct netdev *nd;
	unsigned int pending; /* IFACE_*: work noted for the stack thread */
	struct pbuf *txq[IFACE_TXQ];
	unsigned int txq_head, txq_len;
};

#define IFACE_RX   1u /* frames wait (receive interrupts are off) */
#define IFACE_TX   2u /* finished transmissions wait */
#define IFACE_LINK 4u /* the link changed */

/* The i-th device's interface (eth0 first), or NULL past the last. */
struct net_iface *net_iface_nth(int i);
/* The interface of lwIP netif n, or NULL for lo. */
struct net_iface *net_iface_of(struct netif *n);
/* Poll each device that has work; true when some still has frames (budget used up). */
bool netif_poll_devices(unsigned int budget);
/* Wait until every device has sent what it was given, or the monotonic deadline. */
void netif_drain(uint64_t deadline);
/* Trace the TCP state changes since the last look (tcp_trace.c); stack lock held. */
void tcp_trace_states(void);
/* lwIP's lo. */
struct netif *net_loopback(void);

#endif
