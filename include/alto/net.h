/*
 * The TCP/IP stack (net/): lwIP with Alto's port. One lock serializes every
 * call into lwIP (the socket layer's, the stack thread's); the stack thread
 * takes received frames from the devices, runs lwIP's timers and delivers
 * loopback traffic. Interfaces: lo and one per network device (eth0...),
 * configured by DHCP unless the kernel command line says otherwise
 * (--ip=IFACE,ADDR,NETMASK, --defaultgw=ADDR, --nameserver=ADDR).
 */
#ifndef ALTO_NET_H
#define ALTO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Configure every interface (the command line, else DHCP), wait a bounded
 * time for DHCP, and write /etc/resolv.conf, /etc/hosts and /etc/hostname.
 */
void net_configure(void);

/*
 * The program is gone: reset every open TCP connection, so that peers see
 * a reset at once rather than a silent VM, and let the frames leave (at
 * most 100 ms) before the devices are stopped.
 */
void net_shutdown(void);

/*
 * The stack lock: hold it around every lwIP call. The first net_lock()
 * brings up lwIP, the loopback interface and the stack thread.
 */
void net_lock(void);
void net_unlock(void);
bool net_locked(void);

/* Wake the stack thread (safe from interrupt handlers). */
void net_kick(void);
/* Start lwIP's timers: a device or a socket needs them (idle, the kernel stays tickless). */
void net_activate(void);

/*
 * Interfaces as the rest of the kernel sees them (interface ioctls,
 * netlink, /proc/net): a snapshot of each, lo first. Addresses are in
 * network byte order.
 */
#define NET_IF_NAME_LEN	 16
#define NET_IF_MAX_ADDR6 3

struct net_if_addr6 {
	uint8_t addr[16];
	uint8_t prefix_len;
	bool link_local, tentative;
};

struct net_ifinfo {
	int index;
	char name[NET_IF_NAME_LEN];
	unsigned int flags; /* IFF_* (include/uapi/if.h) */
	unsigned int mtu;
	bool loopback;
	uint8_t mac[6];
	uint32_t addr4, mask4, gw4; /* addr4 0: none */
	struct net_if_addr6 addr6[NET_IF_MAX_ADDR6];
	int naddr6;
	uint64_t rx_packets, rx_bytes, rx_dropped, tx_packets, tx_bytes, tx_dropped;
};

/* Up to max interfaces into out, by index: how many there are (may exceed max). */
int net_if_list(struct net_ifinfo *out, int max);
/* One interface by index or by name: 0, or -ENODEV. */
int net_if_get(int index, struct net_ifinfo *out);
int net_if_find(const char *name, struct net_ifinfo *out);
/*
 * The interface requests (SIOCGIFCONF, SIOCGIFINDEX, SIOCGIFFLAGS...) that
 * Linux answers on a socket of any family: 0 or -errno, -ENOTTY for another.
 */
int net_if_ioctl(unsigned int cmd, unsigned long arg);

/*
 * /proc/net files (net/inet/proc.c): the text of "tcp", "tcp6", "udp",
 * "udp6", "dev", "if_inet6" or "route", in Linux's format, handed to emit
 * in pieces. -ENOENT for another name.
 */
typedef void (*net_emit_fn)(void *ctx, const char *text, size_t len);
int net_proc_show(const char *name, net_emit_fn emit, void *ctx);

#endif
