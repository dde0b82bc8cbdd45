/*
 * The AF_INET and AF_INET6 families on the socket layer (docs/sockets.md):
 * creation (TCP for SOCK_STREAM, UDP for SOCK_DGRAM), socket addresses to
 * and from lwIP's, and what TCP and UDP sockets share: the IP-level options,
 * the SOL_SOCKET options lwIP applies itself (SO_REUSEADDR, SO_KEEPALIVE,
 * SO_BROADCAST), and the ioctls (FIONREAD, SIOCOUTQ, the SIOCGIF* interface
 * requests). An AF_INET6 socket is dual-stack unless IPV6_V6ONLY: it binds
 * lwIP's any-type address and shows IPv4 peers as ::ffff:a.b.c.d.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/string.h>
#include <alto/uaccess.h>
#include <uapi/errno.h>
#include <uapi/if.h>
#include <uapi/in.h>
#include "internal.h"

#include "lwip/igmp.h"
#include "lwip/netif.h"
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

int inet_errno(int err)
{
	switch (err) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return ENOMEM;
	case ERR_TIMEOUT:
		return ETIMEDOUT;
	case ERR_RTE:
		return EHOSTUNREACH;
	case ERR_INPROGRESS:
		return EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return EINVAL;
	case ERR_WOULDBLOCK:
		return EAGAIN;
	case ERR_USE:
		return EADDRINUSE;
	case ERR_ALREADY:
		return EALREADY;
	case ERR_ISCONN:
		return EISCONN;
	case ERR_CONN:
		return ENOTCONN;
	case ERR_IF:
		return ENETDOWN;
	case ERR_ABRT:
		return ECONNABORTED;
	case ERR_RST:
		return ECONNRESET;
	case ERR_CLSD:
		return ENOTCONN;
	}
	return EIO;
}

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int inet_addr_in(struct inet_sock *sk, const struct sockaddr_storage *sa, int len, ip_addr_t *ip,
		 u16_t *port)
{
	if (sk->family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		if (len < (int)sizeof(*in))
			return -EINVAL;
		if (in->sin_family != AF_INET)
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, in->sin_addr.s_addr);
		*port = lwip_ntohs(in->sin_port);
		return 0;
	}
	const struct sockaddr_in6 *in6 = (const void *)sa;
	if (len < (int)offsetof(struct sockaddr_in6, sin6_scope_id))
		return -EINVAL;
	if (in6->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = lwip_ntohs(in6->sin6_port);
	if (!memcmp(in6->sin6_addr.s6_addr, v4_mapped_prefix, 12)) {
		if (sk->v6only)
			return -EAFNOSUPPORT;
		uint32_t v4;
		memcpy(&v4, in6->sin6_addr.s6_addr + 12, 4);
		ip_addr_set_ip4_u32_val(*ip, v4);
		return 0;
	}
	ip_addr_t a = IPADDR6_INIT(0, 0, 0, 0);
	memcpy(ip_2_ip6(&a)->addr, in6->sin6_addr.s6_addr, 16);
	if (ip6_addr_has_scope(ip_2_ip6(&a), IP6_UNKNOWN))
		ip6_addr_set_zone(ip_2_ip6(&a),
				  len >= (int)sizeof(*in6) ? (u8_t)in6->sin6_scope_id : 0);
	*ip = a;
	return 0;
}

int inet_addr_out(struct inet_sock *sk, const ip_addr_t *ip, u16_t port,
		  struct sockaddr_storage *sa)
{
	if (sk->family == AF_INET) {
		struct sockaddr_in *in = (void *)sa;
		*in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = lwip_htons(port) };
		if (ip && IP_IS_V4(ip))
			in->sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (void *)sa;
	*in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = lwip_htons(port) };
	if (ip && IP_IS_V4(ip) && !ip4_addr_isany(ip_2_ip4(ip))) {
		uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
		memcpy(in6->sin6_addr.s6_addr, v4_mapped_prefix, 12);
		memcpy(in6->sin6_addr.s6_addr + 12, &v4, 4);
	} else if (ip && IP_IS_V6(ip)) {
		memcpy(in6->sin6_addr.s6_addr, ip_2_ip6(ip)->addr, 16);
		if (ip6_addr_islinklocal(ip_2_ip6(ip)))
			in6->sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	return sizeof(*in6);
}

bool inet_addr_bindable(const ip_addr_t *ip)
{
	struct netif *n;

	if (ip_addr_isany(ip) || ip_addr_ismulticast(ip))
		return true;
	if (IP_IS_V4(ip)) {
		if (ip4_addr_isloopback(ip_2_ip4(ip)) ||
		    ip4_addr_get_u32(ip_2_ip4(ip)) == IPADDR_BROADCAST)
			return true; /* lo holds all of 127.0.0.0/8, as on Linux */
		NETIF_FOREACH(n)
		{
			if (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
				return true;
		}
		return false;
	}
	NETIF_FOREACH(n)
	{
		if (netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			return true;
	}
	return false;
}

int inet_bind(struct socket *s, const struct sockaddr_storage *addr, int len,
	      err_t (*bind)(struct inet_sock *sk, const ip_addr_t *ip, u16_t port))
{
	struct inet_sock *sk = s->priv;
	ip_addr_t ip;
	u16_t port;
	int r = inet_addr_in(sk, addr, len, &ip, &port);

	if (r)
		return r;
	net_lock();
	if (!inet_addr_bindable(&ip)) {
		r = -EADDRNOTAVAIL;
	} else if (sk->bound || sk->state != INET_NEW || !sk->pcb.ip) {
		r = -EINVAL;
	} else {
		/* An AF_INET6 socket's "::" takes IPv4 too, unless IPV6_V6ONLY. */
		bool dual = sk->family == AF_INET6 && !sk->v6only && ip_addr_isany(&ip);
		if (sk->family == AF_INET6 && sk->v6only)
			IP_SET_TYPE_VAL(sk->pcb.ip->local_ip, IPADDR_TYPE_V6);
		err_t e = bind(sk, dual ? IP_ANY_TYPE : &ip, port);
		r = e == ERR_OK ? 0 : e == ERR_VAL ? -EADDRNOTAVAIL : -inet_errno(e);
		sk->bound = !r;
	}
	net_unlock();
	return r;
}

struct inet_sock *inet_sock_alloc(struct socket *s, int family, int type)
{
	struct inet_sock *sk = kzalloc(sizeof(*sk));

	if (!sk)
		return NULL;
	sk->s = s;
	sk->family = family;
	sk->type = type;
	list_init(&sk->rxq);
	list_init(&sk->accept_q);
	list_init(&sk->accept_link);
	return sk;
}

int inet_queue(struct inet_sock *sk, struct pbuf *p, const ip_addr_t *from, u16_t port)
{
	struct inet_dgram *d = kmalloc(sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->p = p;
	d->port = port;
	if (from)
		ip_addr_copy(d->from, *from);
	list_append(&sk->rxq, &d->link);
	sk->rx_bytes += p->tot_len;
	return 0;
}

void inet_dequeue(struct inet_sock *sk)
{
	struct inet_dgram *d = list_first_entry(&sk->rxq, struct inet_dgram, link);

	list_remove(&d->link);
	sk->rx_bytes -= d->p->tot_len - sk->rx_off;
	sk->rx_off = 0;
	pbuf_free(d->p);
	kfree(d);
}

int inet_copy_out(struct pbuf *p, size_t off, size_t n, struct uio *u)
{
	for (struct pbuf *q = p; q && n; q = q->next) {
		if (off >= q->len) {
			off -= q->len;
			continue;
		}
		size_t chunk = MIN(n, q->len - off);
		if (uio_copy_out(u, (char *)q->payload + off, chunk))
			return -EFAULT;
		n -= chunk;
		off = 0;
	}
	return 0;
}

void inet_sock_free(struct inet_sock *sk)
{
	while (!list_empty(&sk->rxq))
		inet_dequeue(sk);
	kfree(sk);
}

void inet_notify(struct inet_sock *sk, unsigned int events)
{
	if (sk->s)
		sock_notify(sk->s, events);
}

int inet_opt_int(const void *val, unsigned int len, int *out)
{
	if (len >= sizeof(int)) {
		memcpy(out, val, sizeof(int));
		return 0;
	}
	if (len >= 1) { /* Linux takes a single byte for the IP options too */
		*out = *(const uint8_t *)val;
		return 0;
	}
	return -EINVAL;
}

int inet_put_int(void *val, unsigned int *len, int v)
{
	unsigned int n = MIN(*len, (unsigned int)sizeof(int));

	memcpy(val, &v, n);
	*len = n;
	return 0;
}

static int sol_socket_set(struct inet_sock *sk, int name, int on)
{
	struct ip_pcb *pcb = sk->pcb.ip;
	u8_t bit = name == SO_KEEPALIVE				? SOF_KEEPALIVE :
		   name == SO_BROADCAST				? SOF_BROADCAST :
		   name == SO_REUSEADDR || name == SO_REUSEPORT ? SOF_REUSEADDR :
								  0;

	if (!bit)
		return -ENOPROTOOPT; /* the layer's alone */
	if (!pcb)
		return 0;
	/* One lwIP flag serves both reuse options: keep it while either is set. */
	if (bit == SOF_REUSEADDR)
		on = sock_flag(sk->s, SO_REUSEADDR) || sock_flag(sk->s, SO_REUSEPORT);
	if (on)
		ip_set_option(pcb, bit);
	else
		ip_reset_option(pcb, bit);
	return 0;
}

static int join_group(struct inet_sock *sk, const void *val, unsigned int len, bool join)
{
	struct ip_mreq mr;

	if (len < sizeof(mr))
		return -EINVAL;
	memcpy(&mr, val, sizeof(mr));
	ip4_addr_t group, ifaddr;
	ip4_addr_set_u32(&group, mr.imr_multiaddr.s_addr);
	ip4_addr_set_u32(&ifaddr, mr.imr_interface.s_addr);
	err_t e = join ? igmp_joingroup(&ifaddr, &group) : igmp_leavegroup(&ifaddr, &group);
	return e == ERR_OK ? 0 : join ? -EADDRNOTAVAIL : -EADDRNOTAVAIL;
}

int inet_setsockopt(struct socket *s, int level, int name, const void *val, unsigned int len)
{
	struct inet_sock *sk = s->priv;
	struct ip_pcb *pcb = sk->pcb.ip;
	int v = 0, r = 0;

	if (level == SOL_SOCKET) {
		if (inet_opt_int(val, len, &v))
			return -ENOPROTOOPT;
		net_lock();
		r = sol_socket_set(sk, name, v != 0);
		net_unlock();
		return r;
	}
	if (level == IPPROTO_IPV6 && sk->family != AF_INET6)
		return -EOPNOTSUPP; /* as Linux answers on an IPv4 socket */
	bool mreq =
		level == IPPROTO_IP && (name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP);
	if (!mreq && inet_opt_int(val, len, &v))
		return -EINVAL;
	net_lock();
	if (level == IPPROTO_IP && name == IP_TOS) {
		if (pcb)
			pcb->tos = (u8_t)v;
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		if (v < -1 || v == 0 || v > 255)
			r = -EINVAL;
		else if (pcb)
			pcb->ttl = (u8_t)(v == -1 ? IP_DEFAULT_TTL : v);
	} else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		if (sk->family != AF_INET6)
			r = -ENOPROTOOPT;
		else if (sk->bound)
			r = -EINVAL; /* as Linux: only before bind */
		else
			sk->v6only = v != 0;
	} else if (level == IPPROTO_IPV6 && (name == IPV6_UNICAST_HOPS || name == IPV6_TCLASS)) {
		if (sk->family != AF_INET6)
			r = -ENOPROTOOPT;
		else if (pcb && name == IPV6_UNICAST_HOPS)
			pcb->ttl = (u8_t)(v < 0 ? IP_DEFAULT_TTL : v);
		else if (pcb)
			pcb->tos = (u8_t)v;
	} else if (mreq) {
		r = join_group(sk, val, len, name == IP_ADD_MEMBERSHIP);
	} else if ((level == IPPROTO_IP &&
		    (name == IP_RECVERR || name == IP_MTU_DISCOVER || name == IP_FREEBIND ||
		     name == IP_BIND_ADDRESS_NO_PORT || name == IP_MULTICAST_LOOP ||
		     name == IP_MULTICAST_TTL)) ||
		   (level == IPPROTO_IPV6 && (name == IPV6_RECVERR || name == IPV6_MULTICAST_LOOP ||
					      name == IPV6_MULTICAST_HOPS))) {
		/* Accepted: lwIP behaves as these ask by default, or they do not apply. */
	} else {
		r = -ENOPROTOOPT;
	}
	net_unlock();
	return r;
}

int inet_getsockopt(struct socket *s, int level, int name, void *val, unsigned int *len)
{
	struct inet_sock *sk = s->priv;
	struct ip_pcb *pcb = sk->pcb.ip;
	int v;

	if (level == SOL_SOCKET)
		return -ENOPROTOOPT; /* the layer answers */
	if (level == IPPROTO_IPV6 && sk->family != AF_INET6)
		return -EOPNOTSUPP;
	if (level == IPPROTO_IP && name == IP_TOS)
		v = pcb ? pcb->tos : 0;
	else if (level == IPPROTO_IP && name == IP_TTL)
		v = pcb ? pcb->ttl : IP_DEFAULT_TTL;
	else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && sk->family == AF_INET6)
		v = sk->v6only;
	else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS && sk->family == AF_INET6)
		v = pcb ? pcb->ttl : IP_DEFAULT_TTL;
	else
		return -ENOPROTOOPT;
	return inet_put_int(val, len, v);
}

/* ---- interface requests */

static void put_sockaddr_in(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = addr };

	memcpy(sa, &in, sizeof(in));
}

static int ifconf(unsigned long arg)
{
	struct net_ifinfo ifs[8];
	struct ifconf ic;
	int n = MIN(net_if_list(ifs, ARRAY_SIZE(ifs)), (int)ARRAY_SIZE(ifs)), used = 0;

	if (copy_from_user(&ic, (void __user *)arg, sizeof(ic)))
		return -EFAULT;
	for (int i = 0; i < n; i++) {
		if (!ifs[i].addr4)
			continue; /* SIOCGIFCONF lists IPv4 addresses only */
		if (ic.ifc_buf) {
			struct ifreq r = { 0 };
			if (used + (int)sizeof(r) > ic.ifc_len)
				break;
			strlcpy(r.ifr_name, ifs[i].name, IFNAMSIZ);
			put_sockaddr_in(&r.ifr_addr, ifs[i].addr4);
			if (copy_to_user((void __user *)(uintptr_t)(ic.ifc_buf + (uint64_t)used),
					 &r, sizeof(r)))
				return -EFAULT;
		}
		used += (int)sizeof(struct ifreq);
	}
	ic.ifc_len = used;
	return copy_to_user((void __user *)arg, &ic, sizeof(ic)) ? -EFAULT : 0;
}

static int ifreq(unsigned int cmd, unsigned long arg)
{
	struct ifreq r;
	struct net_ifinfo inf;
	int err;

	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	r.ifr_name[IFNAMSIZ - 1] = 0;
	err = cmd == SIOCGIFNAME ? net_if_get(r.ifr_ifindex, &inf) : net_if_find(r.ifr_name, &inf);
	if (err)
		return err;
	switch (cmd) {
	case SIOCGIFNAME:
		strlcpy(r.ifr_name, inf.name, IFNAMSIZ);
		break;
	case SIOCGIFINDEX:
		r.ifr_ifindex = inf.index;
		break;
	case SIOCGIFFLAGS:
		r.ifr_flags = (int16_t)inf.flags;
		break;
	case SIOCGIFMTU:
		r.ifr_mtu = (int32_t)inf.mtu;
		break;
	case SIOCGIFMETRIC:
		r.ifr_metric = 0;
		break;
	case SIOCGIFTXQLEN:
		r.ifr_qlen = 1000;
		break;
	case SIOCGIFHWADDR:
		memset(&r.ifr_hwaddr, 0, sizeof(r.ifr_hwaddr));
		r.ifr_hwaddr.sa_family = inf.loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memcpy(r.ifr_hwaddr.sa_data, inf.mac, 6);
		break;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		if (!inf.addr4)
			return -EADDRNOTAVAIL;
		put_sockaddr_in(&r.ifr_addr, cmd == SIOCGIFADDR	   ? inf.addr4 :
					     cmd == SIOCGIFNETMASK ? inf.mask4 :
					     cmd == SIOCGIFBRDADDR ? (inf.addr4 | ~inf.mask4) :
								     inf.addr4);
		break;
	}
	return copy_to_user((void __user *)arg, &r, sizeof(r)) ? -EFAULT : 0;
}

static long queued_in(struct inet_sock *sk)
{
	if (sk->type == SOCK_STREAM)
		return (long)sk->rx_bytes;
	if (list_empty(&sk->rxq))
		return 0;
	return list_first_entry(&sk->rxq, struct inet_dgram, link)->p->tot_len;
}

int inet_ioctl(struct socket *s, unsigned int cmd, unsigned long arg)
{
	struct inet_sock *sk = s->priv;
	int v;

	switch (cmd) {
	case FIONREAD:
		net_lock();
		v = (int)queued_in(sk);
		net_unlock();
		return put_user(v, (int __user *)arg) ? -EFAULT : 0;
	case SIOCOUTQ:
		net_lock();
		v = sk->type == SOCK_STREAM && sk->pcb.tcp && sk->state == INET_CONNECTED ?
			    (int)(TCP_SND_BUF - sk->pcb.tcp->snd_buf) :
			    0;
		net_unlock();
		return put_user(v, (int __user *)arg) ? -EFAULT : 0;
	}
	return -ENOTTY;
}

int net_if_ioctl(unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case SIOCGIFCONF:
		return ifconf(arg);
	case SIOCGIFNAME:
	case SIOCGIFINDEX:
	case SIOCGIFFLAGS:
	case SIOCGIFMTU:
	case SIOCGIFMETRIC:
	case SIOCGIFTXQLEN:
	case SIOCGIFHWADDR:
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		return ifreq(cmd, arg);
	}
	return -ENOTTY;
}

static int inet_create(struct socket *s, int protocol, int family)
{
	struct inet_sock *sk;
	int r;

	if (s->type == SOCK_STREAM && protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	if (s->type == SOCK_DGRAM && protocol && protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (s->type != SOCK_STREAM && s->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (!(sk = inet_sock_alloc(s, family, s->type)))
		return -ENOMEM;
	s->protocol = s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	net_activate();
	net_lock();
	r = s->type == SOCK_STREAM ? inet_tcp_create(sk) : inet_udp_create(sk);
	net_unlock();
	if (r) {
		kfree(sk);
		return r;
	}
	s->priv = sk;
	s->ops = s->type == SOCK_STREAM ? &inet_tcp_ops : &inet_udp_ops;
	return 0;
}

static int inet4_create(struct socket *s, int protocol)
{
	return inet_create(s, protocol, AF_INET);
}

static int inet6_create(struct socket *s, int protocol)
{
	return inet_create(s, protocol, AF_INET6);
}

SOCKET_FAMILY(inet_family) = { AF_INET, inet4_create };
SOCKET_FAMILY(inet6_family) = { AF_INET6, inet6_create };
