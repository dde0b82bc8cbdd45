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

/* A frame on its way to the device: its pbuf chain, and the MSS to cut it at (0: none). */
struct net_frame {
	struct pbuf *p;
	unsigned int gso_mss;
};

/* The stack's side of a network device. */
struct net_iface {
	struct netif netif;
	struct netdev *nd;
	unsigned int pending; /* IFACE_*: work noted for the stack thread */
	struct net_frame txq[IFACE_TXQ];
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

/* lwIP's extension slots in each TCP pcb (LWIP_TCP_PCB_NUM_EXT_ARGS). */
#define TCP_SLOT_STATE 0 /* tcp_trace.c: the state last traced, and the ports */
#define TCP_SLOT_SELF  1 /* tcp_trace.c: the pcb itself */
#define TCP_SLOT_MSS   2 /* tso.c: the real MSS, once the mss was raised */

/* The real MSS the frame of pbuf p is cut at (tso.c), or 0; forgets it. */
unsigned int net_gso_take(const struct pbuf *p);

#endif
