/*
 * What the files of the AF_INET and AF_INET6 family share. An inet socket
 * is a struct inet_sock holding its lwIP PCB; everything in it is guarded
 * by the stack lock (net_lock), which lwIP's callbacks also run under, so
 * a callback updates the socket's state directly and tells the socket layer
 * with sock_notify(). A connection accepted by lwIP before the program
 * calls accept() is an inet_sock without a socket (an embryo) queued on its
 * listener.
 */
#ifndef NET_INET_INTERNAL_H
#define NET_INET_INTERNAL_H

#include <stdbool.h>
#include <alto/list.h>
#include <alto/net.h>
#include <alto/socket.h>
#include "lwip/err.h"
#include "lwip/ip_addr.h"

struct pbuf;
struct tcp_pcb;
struct udp_pcb;
struct raw_pcb;

enum inet_state {
	INET_NEW,	 /* created (or bound): no connection */
	INET_LISTEN,	 /* listening */
	INET_CONNECTING, /* SYN sent */
	INET_CONNECTED,	 /* established (and after, until closed) */
	INET_CLOSED,	 /* the connection is gone: reset, aborted, or fully closed */
};

/* Received data, queued: a TCP segment's pbufs, or a datagram with its source. */
struct inet_dgram {
	struct list link;
	struct pbuf *p;
	ip_addr_t from;
	u16_t port;
};

struct inet_sock {
	struct socket *s; /* NULL for an embryo, and after release */
	int family;	  /* AF_INET or AF_INET6: how addresses are shown */
	int type;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw;
		struct ip_pcb *ip;
		void *any;
	} pcb;
	enum inet_state state;
	int err; /* a pending error for the next read or write (positive errno) */
	bool v6only, shut_rd, shut_wr, bound;
	bool connect_pending; /* a nonblocking connect whose result connect() has not given */

	/*
	 * Receive queue: TCP segments as lwIP delivered them (rx_off bytes of
	 * the first already read), or whole datagrams. rx_bytes counts what is
	 * unread. (A pbuf chain cannot hold it all: its length is 16 bits.)
	 */
	struct list rxq;
	size_t rx_off, rx_bytes;
	bool rx_eof;

	/* Listeners: accepted connections the program has not taken yet. */
	struct list accept_q;
	int naccept, backlog;
	struct list accept_link;
	struct inet_sock *listener;

	/* Options lwIP has no place for. */
	bool cork, defer_accept;
	int keepidle, keepintvl, keepcnt; /* seconds, counts: what was set */
};

/* Queue p (and its source, for datagrams) at the end of the receive queue: 0 or -ENOMEM. */
int inet_queue(struct inet_sock *sk, struct pbuf *p, const ip_addr_t *from, u16_t port);
/* Drop the first queued entry (its unread part leaves rx_bytes). */
void inet_dequeue(struct inet_sock *sk);
/* Copy up to n bytes of chain p from offset off into the reader: 0 or -EFAULT. */
int inet_copy_out(struct pbuf *p, size_t off, size_t n, struct uio *u);

/* Linux errno for an lwIP err_t. */
int inet_errno(int err);
/* A socket address (kernel copy) to lwIP's address and port; -EINVAL, -EAFNOSUPPORT. */
int inet_addr_in(struct inet_sock *sk, const struct sockaddr_storage *sa, int len, ip_addr_t *ip,
		 u16_t *port);
/* lwIP's address and port as the socket's family shows it (v4 on a v6 socket: mapped). */
int inet_addr_out(struct inet_sock *sk, const ip_addr_t *ip, u16_t port,
		  struct sockaddr_storage *sa);
/* An address bind() may take: any, multicast, or one of an interface's (EADDRNOTAVAIL else). */
bool inet_addr_bindable(const ip_addr_t *ip);
/* bind(): the checks and lwIP errors TCP and UDP share, around the protocol's bind. */
int inet_bind(struct socket *s, const struct sockaddr_storage *addr, int len,
	      err_t (*bind)(struct inet_sock *sk, const ip_addr_t *ip, u16_t port));
struct inet_sock *inet_sock_alloc(struct socket *s, int family, int type);
void inet_sock_free(struct inet_sock *sk);
/* Tell the socket layer (nothing for an embryo). */
void inet_notify(struct inet_sock *sk, unsigned int events);
/* Options every inet socket takes (IP_TOS, IP_TTL, IPV6_V6ONLY, SOL_SOCKET ones lwIP applies). */
int inet_setsockopt(struct socket *s, int level, int name, const void *val, unsigned int len);
int inet_getsockopt(struct socket *s, int level, int name, void *val, unsigned int *len);
int inet_ioctl(struct socket *s, unsigned int cmd, unsigned long arg);
/* An int option's value from a kernel copy of len bytes: 0 or -EINVAL. */
int inet_opt_int(const void *val, unsigned int len, int *out);
/* Store an int option for getsockopt. */
int inet_put_int(void *val, unsigned int *len, int v);

extern const struct socket_ops inet_tcp_ops, inet_udp_ops;
int inet_tcp_create(struct inet_sock *sk);
int inet_udp_create(struct inet_sock *sk);
/* Linux's TCP state number (include/uapi/in.h) for a pcb (NULL: closed). */
uint8_t inet_tcp_linux_state(const struct tcp_pcb *pcb);
/* Every TCP pcb with its socket (NULL for none), for /proc/net (stack lock held). */
void inet_tcp_for_each(void (*fn)(struct tcp_pcb *pcb, struct inet_sock *sk, void *arg), void *arg);

#endif
