/*
 * Checksum offload (offload.c), apart from lwIP so that the host unit test
 * (tests/unit/test_offload.c) can build it.
 */
#ifndef NET_LWIP_OFFLOAD_H
#define NET_LWIP_OFFLOAD_H

#include <stdbool.h>
#include <alto/netdev.h>

/* A TCP frame's sum is the device's to do: the pseudo-header's sum in place, tx->csum set. */
void offload_tx(struct netdev_tx *tx);
/* A received frame's TCP/UDP sum is right, or vouched for by the device, or not ours to check. */
bool offload_rx_ok(const struct netdev_rx *rx);

#endif
