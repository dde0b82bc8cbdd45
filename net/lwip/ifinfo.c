/*
 * Snapshots of the interfaces (include/alto/net.h) for the interface
 * ioctls, netlink and /proc/net, taken from lwIP's netifs under the stack
 * lock: names as Linux spells them (lo, eth0...), Linux's IFF flags, the
 * IPv4 address, mask and gateway, the valid IPv6 addresses, and the
 * device's counters.
 */
#include <alto/net.h>
#include <alto/netdev.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/if.h>
#include "internal.h"

static void fill(struct netif *n, struct net_ifinfo *out)
{
	struct net_iface *ifc = net_iface_of(n);

	*out = (struct net_ifinfo){
		.index = netif_get_index(n),
		.mtu = n->mtu,
		.loopback = !ifc,
		.addr4 = ip4_addr_get_u32(netif_ip4_addr(n)),
		.mask4 = ip4_addr_get_u32(netif_ip4_netmask(n)),
		.gw4 = ip4_addr_get_u32(netif_ip4_gw(n)),
	};
	strlcpy(out->name, ifc ? ifc->nd->name : "lo", sizeof(out->name));
	if (netif_is_up(n))
		out->flags |= IFF_UP;
	if (netif_is_link_up(n))
		out->flags |= IFF_RUNNING | IFF_LOWER_UP;
	if (ifc) {
		struct netdev *nd = ifc->nd;
		out->flags |= IFF_BROADCAST | IFF_MULTICAST;
		memcpy(out->mac, nd->mac, 6);
		out->rx_packets = nd->rx_packets;
		out->rx_bytes = nd->rx_bytes;
		out->rx_dropped = nd->rx_dropped;
		out->tx_packets = nd->tx_packets;
		out->tx_bytes = nd->tx_bytes;
		out->tx_dropped = nd->tx_dropped;
	} else {
		out->flags |= IFF_LOOPBACK;
		out->mtu = 65536; /* Linux's lo; lwIP's loopback takes any size */
	}
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		u8_t state = netif_ip6_addr_state(n, i);
		if (!ip6_addr_isvalid(state) && !ip6_addr_istentative(state))
			continue;
		const ip6_addr_t *a = netif_ip6_addr(n, i);
		struct net_if_addr6 *o = &out->addr6[out->naddr6++];
		memcpy(o->addr, a->addr, 16);
		o->link_local = ip6_addr_islinklocal(a);
		o->prefix_len = !ifc ? 128 : 64; /* SLAAC and link-local prefixes are /64 */
		o->tentative = ip6_addr_istentative(state);
	}
}

int net_if_list(struct net_ifinfo *out, int max)
{
	struct netif *n;
	int count = 0;

	net_lock();
	/* lwIP keeps the newest first: fill by index, lo (1) first. */
	for (int index = 1; index <= 255; index++) {
		if (!(n = netif_get_by_index((u8_t)index)))
			continue;
		if (count < max)
			fill(n, &out[count]);
		count++;
	}
	net_unlock();
	return count;
}

int net_if_get(int index, struct net_ifinfo *out)
{
	struct netif *n;

	if (index < 1 || index > 255)
		return -ENODEV;
	net_lock();
	n = netif_get_by_index((u8_t)index);
	if (n)
		fill(n, out);
	net_unlock();
	return n ? 0 : -ENODEV;
}

int net_if_find(const char *name, struct net_ifinfo *out)
{
	struct net_ifinfo all[8];
	int n = net_if_list(all, ARRAY_SIZE(all));

	for (int i = 0; i < n && i < (int)ARRAY_SIZE(all); i++) {
		if (!strcmp(all[i].name, name)) {
			*out = all[i];
			return 0;
		}
	}
	return -ENODEV;
}
