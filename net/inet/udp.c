/*
 * UDP sockets over lwIP's raw API. Each datagram received is queued whole
 * with its source (bounded by SO_RCVBUF: beyond it new datagrams are
 * dropped, as Linux drops them) and read whole or cut with MSG_TRUNC. A
 * send copies the program's bytes into a fresh pbuf outside the stack lock
 * and hands it to lwIP. connect() fixes the peer (AF_UNSPEC forgets it);
 * broadcasts need SO_BROADCAST.
 */
#include <alto/mm.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/in.h>
#include <uapi/poll.h>
#include "internal.h"
#include "../net_trace.h"

#include "lwip/pbuf.h"
#include "lwip/udp.h"

#define UDP_MAX_PAYLOAD 65507 /* an IPv4 datagram's 65535 bytes minus the headers */

static struct inet_sock *udp_of(struct socket *s)
{
	return s->priv;
}

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		    u16_t port)
{
	struct inet_sock *sk = arg;
	int limit = sk->s ? sk->s->rcvbuf : 212992;

	trace_udp_recv(pcb, port, p->tot_len);
	if (!sk->s || sk->shut_rd || sk->rx_bytes + p->tot_len > (size_t)limit ||
	    inet_queue(sk, p, addr, port)) {
		pbuf_free(p);
		return;
	}
	inet_notify(sk, POLLIN | POLLRDNORM);
}

int inet_udp_create(struct inet_sock *sk)
{
	struct udp_pcb *pcb =
		udp_new_ip_type(sk->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);

	if (!pcb)
		return -ENOMEM;
	sk->pcb.udp = pcb;
	udp_recv(pcb, on_recv, sk);
	return 0;
}

static err_t bind_pcb(struct inet_sock *sk, const ip_addr_t *ip, u16_t port)
{
	return udp_bind(sk->pcb.udp, ip, port);
}

static int udp_bind_op(struct socket *s, const struct sockaddr_storage *addr, int len)
{
	return inet_bind(s, addr, len, bind_pcb);
}

static int udp_connect_op(struct socket *s, const struct sockaddr_storage *addr, int len,
			  bool nonblock)
{
	struct inet_sock *sk = udp_of(s);
	ip_addr_t ip;
	u16_t port;
	int r;

	if (len >= (int)sizeof(sa_family_t) && addr->ss_family == AF_UNSPEC) {
		net_lock();
		udp_disconnect(sk->pcb.udp);
		sk->state = INET_NEW;
		net_unlock();
		return 0;
	}
	if ((r = inet_addr_in(sk, addr, len, &ip, &port)))
		return r;
	net_lock();
	err_t e = udp_connect(sk->pcb.udp, &ip, port);
	r = -inet_errno(e);
	if (!r) {
		sk->state = INET_CONNECTED;
		sk->bound = true;
	}
	net_unlock();
	return r;
}

static int udp_getname(struct socket *s, struct sockaddr_storage *addr, bool peer)
{
	struct inet_sock *sk = udp_of(s);
	struct udp_pcb *pcb = sk->pcb.udp;
	int r;

	net_lock();
	if (peer && sk->state != INET_CONNECTED)
		r = -ENOTCONN;
	else if (peer)
		r = inet_addr_out(sk, &pcb->remote_ip, pcb->remote_port, addr);
	else
		r = inet_addr_out(sk, &pcb->local_ip, pcb->local_port, addr);
	net_unlock();
	return r;
}

static long udp_sendmsg_op(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *sk = udp_of(s);
	size_t len = m->uio->resid;
	ip_addr_t ip;
	u16_t port = 0;
	bool to = m->namelen > 0;
	int r;

	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (to && (r = inet_addr_in(sk, m->name, m->namelen, &ip, &port)))
		return r;
	if (to && !port)
		return -EINVAL;
	net_lock();
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	bool connected = sk->state == INET_CONNECTED;
	net_unlock();
	if (!p)
		return -ENOMEM;
	if (!to && !connected) {
		r = -EDESTADDRREQ;
		goto out;
	}
	if (uio_copy_in(m->uio, p->payload, len)) {
		r = -EFAULT;
		goto out;
	}
	net_lock();
	if (sk->shut_wr) {
		r = -EPIPE;
	} else {
		err_t e = to ? udp_sendto(sk->pcb.udp, p, &ip, port) : udp_send(sk->pcb.udp, p);
		r = e == ERR_OK ? 0 : e == ERR_RTE ? -ENETUNREACH : -inet_errno(e);
		trace_udp_send(sk->pcb.udp, to ? port : sk->pcb.udp->remote_port, len, r);
		if (!r)
			sk->bound = true;
	}
	pbuf_free(p);
	net_unlock();
	return r ? r : (long)len;
out:
	net_lock();
	pbuf_free(p);
	net_unlock();
	return r;
}

static long udp_recvmsg_op(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *sk = udp_of(s);

	for (;;) {
		unsigned int seq = sock_seq(s);
		net_lock();
		if (!list_empty(&sk->rxq)) {
			struct inet_dgram *d = list_first_entry(&sk->rxq, struct inet_dgram, link);
			size_t len = d->p->tot_len, n = MIN(len, m->uio->resid);
			long r = inet_copy_out(d->p, 0, n, m->uio) ? -EFAULT : (long)n;
			if (m->name && r >= 0)
				m->namelen = inet_addr_out(sk, &d->from, d->port, m->name);
			if (n < len)
				m->flags |= MSG_TRUNC;
			if (r >= 0 && (flags & MSG_TRUNC))
				r = (long)len; /* Linux: the datagram's real length */
			if (!(flags & MSG_PEEK))
				inet_dequeue(sk);
			net_unlock();
			return r;
		}
		bool shut = sk->shut_rd;
		net_unlock();
		if (shut)
			return 0;
		if (nonblock)
			return -EAGAIN;
		int r = sock_wait(s, seq, POLLIN | POLLERR, sock_deadline(s, false));
		if (r)
			return r;
	}
}

static int udp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *sk = udp_of(s);

	net_lock();
	int r = sk->state == INET_CONNECTED ? 0 : -ENOTCONN;
	if (!r && how != SHUT_WR)
		sk->shut_rd = true;
	if (!r && how != SHUT_RD)
		sk->shut_wr = true;
	net_unlock();
	if (!r)
		sock_notify(s, POLLIN | POLLRDNORM | POLLOUT | POLLHUP);
	return r;
}

static unsigned int udp_poll_op(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *sk = udp_of(s);
	unsigned int mask = POLLOUT | POLLWRNORM;

	poll_wait(pt, &s->wq);
	net_lock();
	if (!list_empty(&sk->rxq) || sk->shut_rd)
		mask |= POLLIN | POLLRDNORM;
	if (sk->shut_rd && sk->shut_wr)
		mask |= POLLHUP;
	net_unlock();
	return mask;
}

static void udp_release(struct socket *s)
{
	struct inet_sock *sk = udp_of(s);

	if (!sk)
		return;
	net_lock();
	sk->s = NULL;
	udp_remove(sk->pcb.udp);
	inet_sock_free(sk);
	net_unlock();
}

const struct socket_ops inet_udp_ops = {
	.bind = udp_bind_op,
	.connect = udp_connect_op,
	.getname = udp_getname,
	.sendmsg = udp_sendmsg_op,
	.recvmsg = udp_recvmsg_op,
	.shutdown = udp_shutdown_op,
	.poll = udp_poll_op,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.ioctl = inet_ioctl,
	.release = udp_release,
};
