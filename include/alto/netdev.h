/*
 * Network devices: what a NIC driver (virtio-net) offers the TCP/IP stack
 * (net/), so that neither knows the other's insides. A driver registers a
 * struct netdev; the stack names it (eth0, eth1... in registration order),
 * and from then on:
 *
 *  - transmit: the stack hands a frame as a list of segments in kernel
 *    memory (direct map or heap: the device reads them by physical address)
 *    with a token; the driver returns the token through tx_done once the
 *    device is finished with the memory.
 *  - receive: the driver calls netdev_rx_ready() from its interrupt (with
 *    receive interrupts off); the stack's thread then calls poll(), which
 *    hands each frame to deliver() as the buffers it arrived in. A receive
 *    buffer is NETDEV_RX_BUF_SIZE bytes whose first NETDEV_RX_HEADROOM bytes
 *    belong to the stack (it keeps its own header there, so a frame is
 *    passed up without a copy); the stack gives each buffer back with
 *    netdev_rx_recycle() when it is done with it, from any thread.
 *  - link changes: the driver calls netdev_link_changed().
 */
#ifndef ALTO_NETDEV_H
#define ALTO_NETDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>

#define NETDEV_NAME_LEN	   16
#define NETDEV_MAX_SEGS	   16
#define NETDEV_RX_BUF_SIZE 2048
#define NETDEV_RX_HEADROOM 64
#define NETDEV_MAX_FRAGS   18 /* receive buffers of one frame */

/* What the device does for the stack. */
#define NETDEV_F_TX_CSUM (1u << 0) /* fills in a TCP/UDP checksum from csum_start */
#define NETDEV_F_RX_CSUM (1u << 1) /* may flag received checksums as verified */
#define NETDEV_F_TSO4	 (1u << 2) /* cuts a large TCP/IPv4 frame into gso_size segments */
#define NETDEV_F_TSO6	 (1u << 3) /* the same for TCP/IPv6 */

/* What a frame larger than the link takes from the device (segmentation offload). */
#define NETDEV_GSO_NONE	 0
#define NETDEV_GSO_TCPV4 1
#define NETDEV_GSO_TCPV6 2
/* The largest frame the stack hands a device with NETDEV_F_TSO*, headers included. */
#define NETDEV_GSO_MAX_FRAME 65535

struct netdev;

struct netdev_seg {
	const void *data;
	uint32_t len;
};

struct netdev_tx {
	struct netdev_seg segs[NETDEV_MAX_SEGS];
	unsigned int nsegs;
	/* NETDEV_F_TX_CSUM: sum from csum_start to the end, stored at csum_start + csum_offset. */
	bool csum;
	uint16_t csum_start, csum_offset;
	/*
	 * NETDEV_F_TSO*: gso_type other than NETDEV_GSO_NONE asks the device to
	 * send the TCP payload in gso_size pieces, each behind a copy of the
	 * first hdr_len bytes (Ethernet, IP and TCP headers), as TCP segments.
	 */
	uint8_t gso_type;
	uint16_t gso_size, hdr_len;
	void *token;
};

/* A received frame: its buffers in order, each with the bytes of the frame it holds. */
struct netdev_rx {
	struct {
		void *buf;  /* the buffer (its first NETDEV_RX_HEADROOM bytes: the stack's) */
		void *data; /* where this buffer's part of the frame starts */
		uint32_t len;
	} frags[NETDEV_MAX_FRAGS];
	unsigned int nfrags;
	uint32_t len;	   /* the whole frame */
	bool csum_valid;   /* the device checked the TCP/UDP checksum */
	bool csum_partial; /* from the host, its TCP/UDP sum still to do: the data is whole */
};

struct netdev_ops {
	/* Queue a frame; -ENOSPC when the device has no room (try after tx_done). */
	int (*xmit)(struct netdev *nd, const struct netdev_tx *tx);
	/* Hand up to budget received frames to deliver(); returns how many. */
	unsigned int (*poll)(struct netdev *nd, unsigned int budget);
	/* Receive interrupts back on; false when frames already wait (poll again). */
	bool (*rx_enable)(struct netdev *nd);
	/* Take back the buffers of finished transmissions (tx_done for each). */
	void (*tx_reclaim)(struct netdev *nd);
	/* A receive buffer the stack is done with. */
	void (*recycle)(struct netdev *nd, void *buf);
	/* True while the device has frames it has not finished sending. */
	bool (*tx_busy)(struct netdev *nd);
};

struct netdev {
	char name[NETDEV_NAME_LEN];
	int index; /* 1, 2...: the interface index (lo is the stack's own) */
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t features;
	bool link_up;
	const struct netdev_ops *ops;
	void *priv; /* the driver's */
	/* Set by the stack at registration. */
	void (*deliver)(struct netdev *nd, const struct netdev_rx *rx);
	void (*tx_done)(struct netdev *nd, void *token);
	void *stack; /* the stack's per-device state */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
	struct list link;
};

/* A driver's device, ready to be used: the stack names and configures it. 0 or -errno. */
int netdev_register(struct netdev *nd);
/* From a driver's interrupt: frames wait, and receive interrupts are off. */
void netdev_rx_ready(struct netdev *nd);
/* From a driver's interrupt: finished transmissions wait (only when the stack waits for room). */
void netdev_tx_ready(struct netdev *nd);
/* The link went up or down (nd->link_up says which). */
void netdev_link_changed(struct netdev *nd);
/* A receive buffer back to its device. */
static inline void netdev_rx_recycle(struct netdev *nd, void *buf)
{
	nd->ops->recycle(nd, buf);
}
/* The devices, in registration order. */
struct netdev *netdev_by_index(int index);
struct netdev *netdev_by_name(const char *name);
int netdev_count(void);

#endif
