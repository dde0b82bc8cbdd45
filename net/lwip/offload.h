/*
 * Checksum and segmentation offload (offload.c), apart from lwIP so that
 * the host unit test (tests/unit/test_offload.c) can build it.
 */
#ifndef NET_LWIP_OFFLOAD_H
#define NET_LWIP_OFFLOAD_H

#include <stdbool.h>
#include <alto/netdev.h>

/*
 * A TCP frame's sum is the device's to do: the pseudo-header's sum in place,
 * tx->csum set. With gso_mss (the connection's real MSS; 0: none), a frame
 * whose TCP payload is longer is also marked for the device to cut.
 */
void offload_tx(struct netdev_tx *tx, unsigned int gso_mss);
/* A received frame's TCP/UDP sum is right, or vouched for by the device, or not ours to check. */
bool offload_rx_ok(const struct netdev_rx *rx);

#endif
