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
#include <stdint.h>

/* Bring up lwIP, the loopback interface and the stack thread (before devices). */
void net_init(void);
/*
 * Configure every interface (the command line, else DHCP), wait a bounded
 * time for DHCP, and write /etc/resolv.conf, /etc/hosts and /etc/hostname.
 */
void net_configure(void);

/* The stack lock: hold it around every lwIP call. */
void net_lock(void);
void net_unlock(void);
bool net_locked(void);

/* Wake the stack thread (safe from interrupt handlers). */
void net_kick(void);
/* Start lwIP's timers: a device or a socket needs them (idle, the kernel stays tickless). */
void net_activate(void);

#endif
