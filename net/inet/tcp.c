/*
 * TCP sockets over lwIP's raw API. lwIP's callbacks (connected, received,
 * sent, error, accepted) run under the stack lock and update the socket's
 * state, then notify the socket layer; the socket's operations take the
 * lock, look at that state, and wait with sock_wait() when they must.
 *
 * Data received stays in lwIP's pbufs (the driver's buffers) on the socket's
 * queue until read; the receive window reopens as the program reads
 * (tcp_recved), so a slow reader slows its sender down. Sends copy the
 * program's bytes into a kernel buffer outside the lock, then into lwIP's
 * send queue. Closing a socket with unread data, or with SO_LINGER and a
 * zero time, resets the connection, as Linux does; otherwise lwIP sends
 * what is queued and a FIN. Connections lwIP accepted before the program
 * calls accept() wait on the listener, up to its backlog (lwIP's own count,
 * a byte, only bounds the half-open ones). The socket's steps pass the
 * tcp_* tracepoints of net_trace.h (the state changes: net/lwip/tcp_trace.c).
 */
#include <alto/mm.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/in.h>
#include <uapi/poll.h>
#include "internal.h"
#include "../net_trace.h"

#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#define SEND_CHUNK   0xffff /* tcp_write takes a 16-bit length */
#define ALL_EVENTS   (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP)
#define MAX_BACKLOG  4096 /* Linux's somaxconn */
#define LWIP_BACKLOG 255  /* lwIP counts half-open connections in a byte */

static struct inet_sock *tcp_of(struct socket *s)
{
	return s->priv;
}

/*
 * Room to queue a write: Linux's rule, writable while a third of the buffer
 * is free. (lwIP's tcp_sndbuf() caps its answer at 64 KiB: read the field.)
 */
static size_t send_room(struct tcp_pcb *pcb)
{
	if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN * 2 / 3)
		return 0;
	return pcb->snd_buf;
}

static bool writable(struct tcp_pcb *pcb)
{
	return send_room(pcb) >= TCP_SND_BUF / 3;
}

/* Forget pcb's callbacks: lwIP may keep it (closing) after the socket is gone. */
static void detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

static void abort_pcb(struct inet_sock *sk)
{
	if (!sk->pcb.tcp)
		return;
	detach(sk->pcb.tcp);
	tcp_abort(sk->pcb.tcp);
	sk->pcb.tcp = NULL;
}

/* ---- lwIP's callbacks (stack lock held) */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *sk = arg;

	trace_tcp_recv(pcb, p ? p->tot_len : 0);
	if (!p) {
		sk->rx_eof = true;
		inet_notify(sk, POLLIN | POLLRDNORM | POLLRDHUP);
		return ERR_OK;
	}
	if (inet_queue(sk, p, NULL, 0))
		return ERR_MEM; /* lwIP keeps the data and offers it again */
	inet_notify(sk, POLLIN | POLLRDNORM);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *sk = arg;

	trace_tcp_acked(pcb, len);
	if (writable(pcb))
		inet_notify(sk, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

/* The connection is gone (lwIP has freed the pcb): reset, refused, timed out. */
static void on_err(void *arg, err_t err)
{
	struct inet_sock *sk = arg;
	int e = inet_errno(err);

	trace_tcp_error(sk, err);
	if (!sk)
		return;
	if (err == ERR_ABRT)
		e = ETIMEDOUT; /* lwIP gives up after its retransmissions */
	if (sk->state == INET_CONNECTING && err == ERR_RST)
		e = ECONNREFUSED;
	sk->pcb.tcp = NULL;
	sk->state = INET_CLOSED;
	sk->err = e;
	if (sk->s)
		sk->s->err = e;
	inet_notify(sk, ALL_EVENTS);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *sk = arg;

	sk->state = INET_CONNECTED;
	inet_notify(sk, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

static void attach(struct inet_sock *sk, struct tcp_pcb *pcb)
{
	sk->pcb.tcp = pcb;
	tcp_arg(pcb, sk);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct inet_sock *l = arg, *e;

	if (err != ERR_OK || !newpcb || !l)
		return ERR_VAL;
	if (!(e = inet_sock_alloc(NULL, l->family, SOCK_STREAM))) {
		tcp_abort(newpcb);
		return ERR_ABRT;
	}
	/*
	 * The accept queue is the listener's own, as long as listen() asked
	 * (lwIP's count is a byte and covers half-open connections alone):
	 * beyond it the connection is reset, as Linux does with tcp_abort_on_overflow.
	 */
	trace_tcp_accept(l, newpcb, newpcb->remote_port, l->naccept < l->backlog);
	if (l->naccept >= l->backlog) {
		inet_sock_free(e);
		tcp_abort(newpcb);
		return ERR_ABRT;
	}
	attach(e, newpcb);
	e->state = INET_CONNECTED;
	e->bound = true;
	e->listener = l;
	list_append(&l->accept_q, &e->accept_link);
	l->naccept++;
	inet_notify(l, POLLIN | POLLRDNORM);
	return ERR_OK;
}

/* ---- operations */

int inet_tcp_create(struct inet_sock *sk)
{
	struct tcp_pcb *pcb =
		tcp_new_ip_type(sk->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);

	if (!pcb)
		return -ENOMEM;
	attach(sk, pcb);
	return 0;
}

static err_t bind_pcb(struct inet_sock *sk, const ip_addr_t *ip, u16_t port)
{
	return tcp_bind(sk->pcb.tcp, ip, port);
}

static int tcp_bind_op(struct socket *s, const struct sockaddr_storage *addr, int len)
{
	return inet_bind(s, addr, len, bind_pcb);
}

static int tcp_listen_op(struct socket *s, int backlog)
{
	struct inet_sock *sk = tcp_of(s);
	int r = 0;

	/* Linux queues backlog + 1 connections; a negative backlog means the most. */
	backlog = backlog < 0 || backlog >= MAX_BACKLOG ? MAX_BACKLOG : backlog + 1;
	net_lock();
	if (sk->state == INET_LISTEN) {
		sk->backlog = backlog;
		goto out;
	}
	if (sk->state != INET_NEW || !sk->pcb.tcp) {
		r = -EINVAL;
		goto out;
	}
	if (!sk->bound && tcp_bind(sk->pcb.tcp, IP_ANY_TYPE, 0) != ERR_OK) {
		r = -EADDRINUSE;
		goto out;
	}
	err_t e;
	struct tcp_pcb *lp = tcp_listen_with_backlog_and_err(sk->pcb.tcp, LWIP_BACKLOG, &e);
	if (!lp) {
		r = -inet_errno(e);
		goto out;
	}
	sk->pcb.tcp = lp; /* lwIP freed the old pcb */
	sk->bound = true;
	sk->backlog = backlog;
	sk->state = INET_LISTEN;
	tcp_arg(lp, sk);
	tcp_accept(lp, on_accept);
	s->listening = true;
out:
	trace_tcp_listen(sk, sk->pcb.tcp ? sk->pcb.tcp->local_port : 0, backlog, r);
	net_unlock();
	return r;
}

static int tcp_accept_op(struct socket *s, struct socket *ns, bool nonblock)
{
	struct inet_sock *sk = tcp_of(s);

	for (;;) {
		unsigned int seq = sock_seq(s);
		net_lock();
		if (sk->state != INET_LISTEN) {
			net_unlock();
			return -EINVAL;
		}
		if (sk->naccept) {
			struct inet_sock *e =
				list_first_entry(&sk->accept_q, struct inet_sock, accept_link);
			list_remove(&e->accept_link);
			sk->naccept--;
			e->listener = NULL;
			e->s = ns;
			ns->priv = e;
			/* What Linux lets an accepted socket inherit. */
			ns->flags = s->flags;
			if (e->pcb.tcp && tcp_nagle_disabled(sk->pcb.tcp))
				tcp_nagle_disable(e->pcb.tcp);
			net_unlock();
			return 0;
		}
		net_unlock();
		if (nonblock)
			return -EAGAIN;
		int r = sock_wait(s, seq, POLLIN | POLLERR, 0);
		if (r)
			return r;
	}
}

/* Wait for a connection in progress to be made or to fail. */
static int wait_connected(struct socket *s, struct inet_sock *sk)
{
	for (;;) {
		unsigned int seq = sock_seq(s);
		net_lock();
		enum inet_state st = sk->state;
		int err = sk->err;
		if (st != INET_CONNECTING) {
			sk->err = 0;
			s->err = 0;
		}
		net_unlock();
		if (st == INET_CONNECTED)
			return 0;
		if (st != INET_CONNECTING)
			return -(err ? err : ECONNREFUSED);
		int r = sock_wait(s, seq, POLLOUT | POLLERR | POLLHUP, sock_deadline(s, true));
		if (r)
			return r == -EAGAIN ? -ETIMEDOUT : r;
	}
}

static int tcp_connect_op(struct socket *s, const struct sockaddr_storage *addr, int len,
			  bool nonblock)
{
	struct inet_sock *sk = tcp_of(s);
	ip_addr_t ip;
	u16_t port;
	int r = inet_addr_in(sk, addr, len, &ip, &port);

	if (r)
		return r;
	bool started = false;
	net_lock();
	switch (sk->state) {
	case INET_CONNECTING:
		r = -EALREADY;
		break;
	case INET_CONNECTED:
		/* Linux: the first connect() after a nonblocking one completed gives its result. */
		r = sk->connect_pending ? 0 : -EISCONN;
		sk->connect_pending = false;
		break;
	case INET_LISTEN:
		r = -EISCONN;
		break;
	case INET_CLOSED:
		r = sk->err ? -sk->err : sk->connect_pending ? -ECONNABORTED : -EISCONN;
		sk->err = 0;
		s->err = 0;
		sk->connect_pending = false;
		break;
	case INET_NEW:
		if (!sk->pcb.tcp) {
			r = -EINVAL;
			break;
		}
		err_t e = tcp_connect(sk->pcb.tcp, &ip, port, on_connected);
		r = e == ERR_OK ? 0 : e == ERR_RTE ? -ENETUNREACH : -inet_errno(e);
		trace_tcp_connect(sk, sk->pcb.tcp, port, r);
		if (!r) {
			sk->state = INET_CONNECTING;
			sk->bound = true;
			sk->connect_pending = nonblock;
			started = true;
		}
	}
	net_unlock();
	if (r || !started)
		return r;
	if (nonblock)
		return -EINPROGRESS;
	return wait_connected(s, sk);
}

static int tcp_getname(struct socket *s, struct sockaddr_storage *addr, bool peer)
{
	struct inet_sock *sk = tcp_of(s);
	struct tcp_pcb *pcb;
	int r;

	net_lock();
	pcb = sk->pcb.tcp;
	if (peer && (sk->state != INET_CONNECTED || !pcb))
		r = -ENOTCONN;
	else if (peer)
		r = inet_addr_out(sk, &pcb->remote_ip, pcb->remote_port, addr);
	else if (pcb)
		r = inet_addr_out(sk, &pcb->local_ip, pcb->local_port, addr);
	else
		r = inet_addr_out(sk, NULL, 0, addr);
	net_unlock();
	return r;
}

/* Queue up to n bytes of buf; returns bytes queued, 0 when full, or -errno. */
static long queue_send(struct inet_sock *sk, const char *buf, size_t n, bool more)
{
	struct tcp_pcb *pcb = sk->pcb.tcp;

	if (sk->err) {
		int e = sk->err;
		sk->err = 0;
		return -e;
	}
	if (sk->state == INET_CONNECTING)
		return 0; /* wait for the connection, as Linux does */
	if (sk->shut_wr || !pcb || sk->state != INET_CONNECTED)
		return -EPIPE;
	n = MIN(n, send_room(pcb));
	if (!n)
		return 0;
	net_tcp_offload(pcb); /* larger segments, where the device cuts them */
	err_t e = tcp_write(pcb, buf, (u16_t)n,
			    TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
	trace_tcp_send(pcb, n, e);
	if (e == ERR_MEM)
		return 0;
	if (e != ERR_OK)
		return -inet_errno(e);
	if (!more && !sk->cork)
		tcp_output(pcb);
	return (long)n;
}

static long tcp_sendmsg_op(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *sk = tcp_of(s);
	size_t total = m->uio->resid, done = 0;
	char *buf = NULL;
	long r = 0;

	if (!total) {
		net_lock();
		r = sk->state == INET_CONNECTED ? 0 : -EPIPE;
		net_unlock();
		return r;
	}
	if (!(buf = kmalloc(MIN(total, (size_t)SEND_CHUNK))))
		return -ENOMEM;
	while (done < total) {
		size_t n = MIN(total - done, (size_t)SEND_CHUNK), off = 0;
		if (uio_copy_in(m->uio, buf, n)) {
			r = -EFAULT;
			break;
		}
		while (off < n) {
			unsigned int seq = sock_seq(s);
			bool more = (flags & MSG_MORE) || done + (n - off) < total;
			net_lock();
			r = queue_send(sk, buf + off, n - off, more);
			if (r == 0 && sk->pcb.tcp)
				tcp_output(
					sk->pcb.tcp); /* full: push what is queued before waiting */
			net_unlock();
			if (r < 0)
				goto out;
			off += (size_t)r;
			done += (size_t)r;
			if (r > 0)
				continue;
			if (nonblock) {
				r = -EAGAIN;
				goto out;
			}
			r = sock_wait(s, seq, POLLOUT | POLLERR | POLLHUP, sock_deadline(s, true));
			if (r)
				goto out;
		}
	}
out:
	kfree(buf);
	return done ? (long)done : r;
}

/* Read what is queued into the reader (stack lock held); bytes copied or -EFAULT. */
static long take(struct inet_sock *sk, struct uio *u, size_t want, bool peek)
{
	size_t done = 0, off = sk->rx_off;
	struct list *pos = sk->rxq.next;

	while (done < want && pos != &sk->rxq) {
		struct inet_dgram *d = list_entry(pos, struct inet_dgram, link);
		size_t n = MIN(want - done, (size_t)d->p->tot_len - off);
		if (inet_copy_out(d->p, off, n, u))
			return done ? (long)done : -EFAULT;
		done += n;
		pos = pos->next;
		if (peek) {
			off = 0;
			continue;
		}
		sk->rx_bytes -= n;
		sk->rx_off = off + n;
		off = 0;
		if (sk->rx_off == d->p->tot_len)
			inet_dequeue(sk); /* wholly read: nothing of it is left in rx_bytes */
		else
			break;
	}
	if (!peek && sk->pcb.tcp) {
		for (size_t left = done; left;) { /* the window reopens as the program reads */
			u16_t chunk = (u16_t)MIN(left, (size_t)0xffff);
			tcp_recved(sk->pcb.tcp, chunk);
			left -= chunk;
		}
	}
	return (long)done;
}

static long tcp_recvmsg_op(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *sk = tcp_of(s);
	size_t want = m->uio->resid, done = 0;
	bool peek = flags & MSG_PEEK;

	m->namelen = 0; /* TCP gives no source address */
	if (flags & MSG_OOB)
		return -EINVAL;
	for (;;) {
		unsigned int seq = sock_seq(s);
		long r = 0;
		net_lock();
		if (sk->state == INET_LISTEN || sk->state == INET_NEW ||
		    sk->state == INET_CONNECTING) {
			r = -ENOTCONN;
		} else if (sk->rx_bytes) {
			r = take(sk, m->uio, want - done, peek);
		} else if (sk->err && !done) {
			r = -sk->err;
			sk->err = 0;
			s->err = 0;
		} else if (sk->rx_eof || sk->shut_rd || sk->state == INET_CLOSED) {
			net_unlock();
			return (long)done;
		}
		net_unlock();
		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if (done == want || (done && (!(flags & MSG_WAITALL) || peek)))
			return (long)done;
		if (nonblock)
			return done ? (long)done : -EAGAIN;
		r = sock_wait(s, seq, POLLIN | POLLERR | POLLHUP | POLLRDHUP,
			      sock_deadline(s, false));
		if (r)
			return done ? (long)done : r;
	}
}

static int tcp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *sk = tcp_of(s);
	int r = 0;

	net_lock();
	if (sk->state == INET_LISTEN && (how == SHUT_RD || how == SHUT_RDWR)) {
		/* Linux stops a listener: accept() answers EINVAL from now on. */
		detach(sk->pcb.tcp);
		tcp_close(sk->pcb.tcp);
		sk->pcb.tcp = NULL;
		sk->state = INET_CLOSED;
	} else if (sk->state != INET_CONNECTED && sk->state != INET_CLOSED) {
		r = -ENOTCONN;
	} else {
		if (how != SHUT_WR)
			sk->shut_rd = true;
		if (how != SHUT_RD && !sk->shut_wr) {
			sk->shut_wr = true;
			if (sk->pcb.tcp)
				tcp_shutdown(sk->pcb.tcp, 0, 1);
		}
	}
	net_unlock();
	if (!r)
		sock_notify(s, ALL_EVENTS);
	return r;
}

static unsigned int tcp_poll_op(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *sk = tcp_of(s);
	unsigned int mask = 0;

	poll_wait(pt, &s->wq);
	net_lock();
	switch (sk->state) {
	case INET_LISTEN:
		if (sk->naccept)
			mask |= POLLIN | POLLRDNORM;
		break;
	case INET_NEW:
		mask |= POLLOUT | POLLWRNORM | POLLHUP;
		break;
	case INET_CONNECTING:
		break;
	case INET_CONNECTED:
	case INET_CLOSED:
		if (sk->rx_bytes || sk->rx_eof || sk->shut_rd || sk->state == INET_CLOSED)
			mask |= POLLIN | POLLRDNORM;
		if (sk->rx_eof || sk->shut_rd || sk->state == INET_CLOSED)
			mask |= POLLRDHUP;
		if (sk->state == INET_CLOSED || sk->shut_wr || writable(sk->pcb.tcp))
			mask |= POLLOUT | POLLWRNORM;
		if (sk->state == INET_CLOSED || (sk->shut_wr && (sk->rx_eof || sk->shut_rd)))
			mask |= POLLHUP;
		break;
	}
	if (sk->err || READ_ONCE(s->err))
		mask |= POLLERR;
	net_unlock();
	return mask;
}

/* Let go of queued connections: the program never took them (listener closed). */
static void drop_embryos(struct inet_sock *l)
{
	while (!list_empty(&l->accept_q)) {
		struct inet_sock *e = list_first_entry(&l->accept_q, struct inet_sock, accept_link);
		list_remove(&e->accept_link);
		abort_pcb(e);
		inet_sock_free(e);
	}
	l->naccept = 0;
}

static void tcp_release(struct socket *s)
{
	struct inet_sock *sk = tcp_of(s);

	if (!sk)
		return;
	net_lock();
	sk->s = NULL;
	if (sk->state == INET_LISTEN) {
		drop_embryos(sk);
		detach(sk->pcb.tcp);
		tcp_close(sk->pcb.tcp);
	} else if (sk->pcb.tcp) {
		struct tcp_pcb *pcb = sk->pcb.tcp;
		bool reset = sk->rx_bytes || (s->linger.l_onoff && !s->linger.l_linger);
		detach(pcb);
		if (reset || tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
	sk->pcb.tcp = NULL;
	inet_sock_free(sk);
	net_unlock();
}

static int tcp_setsockopt_op(struct socket *s, int level, int name, const void *val,
			     unsigned int len)
{
	struct inet_sock *sk = tcp_of(s);
	int v, r = 0;

	if (level != IPPROTO_TCP)
		return inet_setsockopt(s, level, name, val, len);
	if (inet_opt_int(val, len, &v) || len < sizeof(int))
		return -EINVAL;
	net_lock();
	struct tcp_pcb *pcb = sk->pcb.tcp;
	bool live = pcb && sk->state != INET_LISTEN;
	switch (name) {
	case TCP_NODELAY:
		if (pcb && v)
			tcp_nagle_disable(pcb);
		else if (pcb)
			tcp_nagle_enable(pcb);
		break;
	case TCP_CORK:
		sk->cork = v != 0;
		if (!sk->cork && live)
			tcp_output(pcb);
		break;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
		if (v < 1 || v > (name == TCP_KEEPCNT ? 127 : 32767)) {
			r = -EINVAL;
			break;
		}
		if (name == TCP_KEEPIDLE)
			sk->keepidle = v;
		else if (name == TCP_KEEPINTVL)
			sk->keepintvl = v;
		else
			sk->keepcnt = v;
		if (live && name == TCP_KEEPIDLE)
			pcb->keep_idle = (u32_t)v * 1000;
		else if (live && name == TCP_KEEPINTVL)
			pcb->keep_intvl = (u32_t)v * 1000;
		else if (live)
			pcb->keep_cnt = (u32_t)v;
		break;
	case TCP_DEFER_ACCEPT:
		sk->defer_accept = v != 0; /* accepted; connections are handed over at once */
		break;
	case TCP_MAXSEG:
	case TCP_QUICKACK:
	case TCP_USER_TIMEOUT:
	case TCP_SYNCNT:
	case TCP_LINGER2:
	case TCP_WINDOW_CLAMP:
	case TCP_NOTSENT_LOWAT:
	case TCP_FASTOPEN:
	case TCP_FASTOPEN_CONNECT:
		break; /* accepted: lwIP's behaviour stands */
	default:
		r = -ENOPROTOOPT;
	}
	net_unlock();
	return r;
}

/* Linux's state numbers for lwIP's. */
static uint8_t linux_state(const struct tcp_pcb *pcb)
{
	static const uint8_t map[] = {
		[CLOSED] = TCP_CLOSE,
		[LISTEN] = TCP_LISTEN,
		[SYN_SENT] = TCP_SYN_SENT,
		[SYN_RCVD] = TCP_SYN_RECV,
		[ESTABLISHED] = TCP_ESTABLISHED,
		[FIN_WAIT_1] = TCP_FIN_WAIT1,
		[FIN_WAIT_2] = TCP_FIN_WAIT2,
		[CLOSE_WAIT] = TCP_CLOSE_WAIT,
		[CLOSING] = TCP_CLOSING,
		[LAST_ACK] = TCP_LAST_ACK,
		[TIME_WAIT] = TCP_TIME_WAIT,
	};
	return pcb && pcb->state < ARRAY_SIZE(map) ? map[pcb->state] : TCP_CLOSE;
}

uint8_t inet_tcp_linux_state(const struct tcp_pcb *pcb)
{
	return linux_state(pcb);
}

/* TCP_INFO with the fields lwIP keeps. */
static void fill_info(const struct tcp_pcb *pcb, struct tcp_info *ti)
{
	*ti = (struct tcp_info){ .tcpi_state = linux_state(pcb) };
	if (!pcb || pcb->state == LISTEN)
		return;
	unsigned int unacked = 0;
	for (const struct tcp_seg *seg = pcb->unacked; seg; seg = seg->next)
		unacked++;
	ti->tcpi_retransmits = pcb->nrtx;
	ti->tcpi_options = TCPI_OPT_SACK | ((pcb->flags & TF_WND_SCALE) ? TCPI_OPT_WSCALE : 0);
	ti->tcpi_snd_wscale = pcb->snd_scale & 0xf;
	ti->tcpi_rcv_wscale = pcb->rcv_scale & 0xf;
	ti->tcpi_rto = (uint32_t)pcb->rto * TCP_SLOW_INTERVAL * 1000;
	unsigned int mss = net_tcp_mss(pcb); /* the wire's, whatever lwIP builds (tso.c) */
	ti->tcpi_snd_mss = mss;
	ti->tcpi_rcv_mss = mss;
	ti->tcpi_advmss = TCP_MSS;
	ti->tcpi_unacked = unacked;
	ti->tcpi_pmtu = TCP_MSS + 40;
	/* lwIP keeps the smoothed RTT in slow-timer ticks, scaled by 8 (sa) and 4 (sv). */
	ti->tcpi_rtt = (uint32_t)(pcb->sa >> 3) * TCP_SLOW_INTERVAL * 1000;
	ti->tcpi_rttvar = (uint32_t)(pcb->sv >> 2) * TCP_SLOW_INTERVAL * 1000;
	ti->tcpi_snd_ssthresh = pcb->ssthresh / (mss ? mss : 1);
	ti->tcpi_snd_cwnd = pcb->cwnd / (mss ? mss : 1);
	ti->tcpi_rcv_space = pcb->rcv_wnd;
	ti->tcpi_rcv_ssthresh = pcb->rcv_wnd;
	ti->tcpi_reordering = 3;
}

static int tcp_getsockopt_op(struct socket *s, int level, int name, void *val, unsigned int *len)
{
	struct inet_sock *sk = tcp_of(s);
	int v, r = 0;

	if (level != IPPROTO_TCP)
		return inet_getsockopt(s, level, name, val, len);
	net_lock();
	struct tcp_pcb *pcb = sk->pcb.tcp;
	switch (name) {
	case TCP_INFO: {
		struct tcp_info ti;
		fill_info(pcb, &ti);
		*len = MIN(*len, (unsigned int)sizeof(ti));
		memcpy(val, &ti, *len);
		net_unlock();
		return 0;
	}
	case TCP_NODELAY:
		v = pcb ? tcp_nagle_disabled(pcb) != 0 : 0;
		break;
	case TCP_CORK:
		v = sk->cork;
		break;
	case TCP_MAXSEG:
		v = pcb && pcb->state != LISTEN ? (int)net_tcp_mss(pcb) : TCP_MSS;
		break;
	case TCP_KEEPIDLE:
		v = sk->keepidle ? sk->keepidle : (int)(TCP_KEEPIDLE_DEFAULT / 1000);
		break;
	case TCP_KEEPINTVL:
		v = sk->keepintvl ? sk->keepintvl : (int)(TCP_KEEPINTVL_DEFAULT / 1000);
		break;
	case TCP_KEEPCNT:
		v = sk->keepcnt ? sk->keepcnt : (int)TCP_KEEPCNT_DEFAULT;
		break;
	case TCP_DEFER_ACCEPT:
		v = sk->defer_accept;
		break;
	default:
		r = -ENOPROTOOPT;
	}
	net_unlock();
	return r ? r : inet_put_int(val, len, v);
}

void inet_tcp_for_each(void (*fn)(struct tcp_pcb *pcb, struct inet_sock *sk, void *arg), void *arg)
{
	struct tcp_pcb *const *lists[] = { &tcp_listen_pcbs.pcbs, &tcp_active_pcbs, &tcp_tw_pcbs };

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		for (struct tcp_pcb *pcb = *lists[i]; pcb; pcb = pcb->next)
			fn(pcb, pcb->callback_arg, arg);
	}
}

const struct socket_ops inet_tcp_ops = {
	.bind = tcp_bind_op,
	.connect = tcp_connect_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.getname = tcp_getname,
	.sendmsg = tcp_sendmsg_op,
	.recvmsg = tcp_recvmsg_op,
	.shutdown = tcp_shutdown_op,
	.poll = tcp_poll_op,
	.setsockopt = tcp_setsockopt_op,
	.getsockopt = tcp_getsockopt_op,
	.ioctl = inet_ioctl,
	.release = tcp_release,
};
