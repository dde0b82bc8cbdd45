/*
 * AF_NETLINK, NETLINK_ROUTE: the dumps C libraries and runtimes read to list
 * interfaces (glibc's getifaddrs and if_nameindex, Go's net.Interfaces,
 * iproute2): RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE (IPv4), and
 * RTM_GETLINK of one interface by index or name. A dump request is
 * answered at once, from a snapshot of the interfaces (include/alto/net.h),
 * as datagrams queued on the socket: messages flagged NLM_F_MULTI, packed
 * into datagrams under a page as Linux packs its dumps (Go reads with a
 * page-sized buffer), then NLMSG_DONE. Every reply carries the request's
 * sequence number and the socket's port id, which callers check. Requests
 * Alto does not serve (changing links, addresses or routes) get an
 * NLMSG_ERROR with EOPNOTSUPP. The kernel itself may queue a datagram on a
 * socket (netlink_unicast): mq_notify's SIGEV_THREAD cookie, which the C
 * library's helper thread reads.
 */
#include <alto/mm.h>
#include <alto/net.h>
#include <alto/process.h>
#include <alto/socket.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/if.h>
#include <uapi/netlink.h>
#include <uapi/poll.h>
#include <uapi/socket.h>

#define DGRAM_MAX   3600 /* bytes of messages per datagram, as Linux's NLMSG_GOODSIZE */
#define MSG_MAX	    1024 /* one message: an interface with every attribute fits */
#define MAX_IFACES  16
#define QUEUE_LIMIT (256 * 1024)

struct nl_dgram {
	struct list link;
	size_t len;
	char data[];
};

struct nl_sock {
	struct mutex lock;
	uint32_t pid; /* the port id, 0 until bound */
	struct list queue;
	size_t queued;
};

/* One reply being built: messages go into msg, then into datagrams on the socket. */
struct reply {
	struct nl_sock *nl;
	uint32_t seq, pid;
	struct nl_dgram *cur;
	char msg[MSG_MAX];
	size_t msg_len;
	int err;
};

static struct nl_sock *nl_of(struct socket *s)
{
	return s->priv;
}

static void flush(struct reply *r)
{
	if (r->cur && r->cur->len) {
		list_append(&r->nl->queue, &r->cur->link);
		r->nl->queued += r->cur->len;
	} else {
		kfree(r->cur);
	}
	r->cur = NULL;
}

static void *msg_begin(struct reply *r, uint16_t type, uint16_t flags, size_t payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)r->msg;

	memset(r->msg, 0, NLMSG_HDRLEN + payload);
	*h = (struct nlmsghdr){
		.nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = r->seq, .nlmsg_pid = r->pid
	};
	r->msg_len = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	return r->msg + NLMSG_HDRLEN;
}

static void attr(struct reply *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr a = { .rta_len = (uint16_t)(sizeof(a) + len), .rta_type = type };
	size_t room = RTA_ALIGN(sizeof(a) + len);

	if (r->msg_len + room > MSG_MAX)
		return;
	memcpy(r->msg + r->msg_len, &a, sizeof(a));
	memcpy(r->msg + r->msg_len + sizeof(a), data, len);
	memset(r->msg + r->msg_len + sizeof(a) + len, 0, room - sizeof(a) - len);
	r->msg_len += room;
}

static void attr_u32(struct reply *r, uint16_t type, uint32_t v)
{
	attr(r, type, &v, sizeof(v));
}

/* The message into the current datagram, starting another when it would not fit. */
static void msg_end(struct reply *r)
{
	((struct nlmsghdr *)r->msg)->nlmsg_len = (uint32_t)r->msg_len;
	if (r->cur && r->cur->len + r->msg_len > DGRAM_MAX)
		flush(r);
	if (!r->cur) {
		if (!(r->cur = kmalloc(sizeof(*r->cur) + DGRAM_MAX))) {
			r->err = -ENOMEM;
			return;
		}
		r->cur->len = 0;
	}
	memcpy(r->cur->data + r->cur->len, r->msg, r->msg_len);
	r->cur->len += r->msg_len;
}

static void reply_link(struct reply *r, const struct net_ifinfo *i, uint16_t flags)
{
	struct ifinfomsg *m = msg_begin(r, RTM_NEWLINK, flags, sizeof(*m));
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t oper = (i->flags & IFF_RUNNING) ? IF_OPER_UP : IF_OPER_DOWN;
	struct rtnl_link_stats st = {
		.rx_packets = (uint32_t)i->rx_packets,
		.tx_packets = (uint32_t)i->tx_packets,
		.rx_bytes = (uint32_t)i->rx_bytes,
		.tx_bytes = (uint32_t)i->tx_bytes,
		.rx_dropped = (uint32_t)i->rx_dropped,
		.tx_dropped = (uint32_t)i->tx_dropped,
	};

	*m = (struct ifinfomsg){ .ifi_type = i->loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER,
				 .ifi_index = i->index,
				 .ifi_flags = i->flags };
	attr(r, IFLA_IFNAME, i->name, strlen(i->name) + 1);
	attr_u32(r, IFLA_MTU, i->mtu);
	attr_u32(r, IFLA_TXQLEN, i->loopback ? 1000 : 1000);
	attr(r, IFLA_OPERSTATE, &oper, 1);
	attr(r, IFLA_ADDRESS, i->mac, 6);
	attr(r, IFLA_BROADCAST, i->loopback ? i->mac : bcast, 6);
	attr(r, IFLA_STATS, &st, sizeof(st));
	msg_end(r);
}

static uint8_t prefix_len(uint32_t mask_be)
{
	uint32_t m = __builtin_bswap32(mask_be);

	return m ? (uint8_t)(32 - __builtin_ctz(m)) : 0;
}

static void reply_addrs(struct reply *r, const struct net_ifinfo *i, int family)
{
	if (i->addr4 && family != AF_INET6) {
		struct ifaddrmsg *m = msg_begin(r, RTM_NEWADDR, NLM_F_MULTI, sizeof(*m));
		*m = (struct ifaddrmsg){ .ifa_family = AF_INET,
					 .ifa_prefixlen = prefix_len(i->mask4),
					 .ifa_flags = IFA_F_PERMANENT,
					 .ifa_scope =
						 i->loopback ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE,
					 .ifa_index = (uint32_t)i->index };
		attr_u32(r, IFA_ADDRESS, i->addr4);
		attr_u32(r, IFA_LOCAL, i->addr4);
		if (!i->loopback)
			attr_u32(r, IFA_BROADCAST, i->addr4 | ~i->mask4);
		attr(r, IFA_LABEL, i->name, strlen(i->name) + 1);
		msg_end(r);
	}
	for (int k = 0; k < i->naddr6 && family != AF_INET; k++) {
		const struct net_if_addr6 *a = &i->addr6[k];
		struct ifaddrmsg *m = msg_begin(r, RTM_NEWADDR, NLM_F_MULTI, sizeof(*m));
		*m = (struct ifaddrmsg){
			.ifa_family = AF_INET6,
			.ifa_prefixlen = a->prefix_len,
			.ifa_flags = IFA_F_PERMANENT | (a->tentative ? IFA_F_TENTATIVE : 0),
			.ifa_scope = i->loopback   ? RT_SCOPE_HOST :
				     a->link_local ? RT_SCOPE_LINK :
						     RT_SCOPE_UNIVERSE,
			.ifa_index = (uint32_t)i->index,
		};
		attr(r, IFA_ADDRESS, a->addr, 16);
		msg_end(r);
	}
}

/* IPv4 routes: each interface's subnet, and the default route through its gateway. */
static void reply_routes(struct reply *r, const struct net_ifinfo *i, int family)
{
	if (!i->addr4 || i->loopback || family == AF_INET6)
		return;
	for (int def = 0; def < 2; def++) {
		if (def && !i->gw4)
			continue;
		struct rtmsg *m = msg_begin(r, RTM_NEWROUTE, NLM_F_MULTI, sizeof(*m));
		*m = (struct rtmsg){ .rtm_family = AF_INET,
				     .rtm_dst_len = def ? 0 : prefix_len(i->mask4),
				     .rtm_table = RT_TABLE_MAIN,
				     .rtm_protocol = def ? RTPROT_BOOT : RTPROT_KERNEL,
				     .rtm_scope = def ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
				     .rtm_type = RTN_UNICAST };
		attr_u32(r, RTA_TABLE, RT_TABLE_MAIN);
		if (!def) {
			attr_u32(r, RTA_DST, i->addr4 & i->mask4);
			attr_u32(r, RTA_PREFSRC, i->addr4);
		} else {
			attr_u32(r, RTA_GATEWAY, i->gw4);
		}
		attr_u32(r, RTA_OIF, (uint32_t)i->index);
		msg_end(r);
	}
}

static void reply_error(struct reply *r, const struct nlmsghdr *req, int err)
{
	struct nlmsgerr *e = msg_begin(r, NLMSG_ERROR, 0, sizeof(*e));

	e->error = err;
	e->msg = *req;
	msg_end(r);
}

/*
 * RTM_GETLINK of one interface (`ip link show lo`, `ip addr show dev lo`):
 * by ifi_index, else by an IFLA_IFNAME attribute; its message alone, not
 * part of a dump, then the acknowledgement asked for, or ENODEV.
 */
static void serve_get_link(struct reply *r, const struct nlmsghdr *req, const void *payload)
{
	size_t len = req->nlmsg_len - NLMSG_HDRLEN;
	const struct ifinfomsg *m = payload;
	char name[NET_IF_NAME_LEN] = "";
	struct net_ifinfo i;
	int err = -EINVAL;

	if (len >= sizeof(*m)) {
		size_t off = NLMSG_ALIGN(sizeof(*m));
		while (off + sizeof(struct rtattr) <= len) {
			const struct rtattr *a = (const void *)((const char *)payload + off);
			size_t alen = a->rta_len;
			if (alen < sizeof(*a) || off + alen > len)
				break;
			if (a->rta_type == IFLA_IFNAME)
				strlcpy(name, (const char *)(a + 1),
					MIN(sizeof(name), alen - sizeof(*a) + 1));
			off += RTA_ALIGN(alen);
		}
		err = m->ifi_index > 0 ? net_if_get(m->ifi_index, &i) :
		      name[0]	       ? net_if_find(name, &i) :
					 -EINVAL;
	}
	if (!err)
		reply_link(r, &i, 0);
	if (err || (req->nlmsg_flags & NLM_F_ACK))
		reply_error(r, req, err);
	flush(r);
}

/* One request: a dump answered in full, or an error (0 for an acknowledgement). */
static void serve(struct reply *r, const struct nlmsghdr *req, const void *payload)
{
	struct net_ifinfo ifs[MAX_IFACES];
	int family = req->nlmsg_len >= NLMSG_HDRLEN + 1 ?
			     ((const struct rtgenmsg *)payload)->rtgen_family :
			     AF_UNSPEC;
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int type = req->nlmsg_type;

	r->seq = req->nlmsg_seq;
	if (!(req->nlmsg_flags & NLM_F_REQUEST))
		return;
	if (!dump && type == RTM_GETLINK) {
		serve_get_link(r, req, payload);
		return;
	}
	if (!dump || (type != RTM_GETLINK && type != RTM_GETADDR && type != RTM_GETROUTE)) {
		reply_error(r, req, -EOPNOTSUPP);
		flush(r);
		return;
	}
	int n = MIN(net_if_list(ifs, MAX_IFACES), MAX_IFACES);
	for (int k = 0; k < n; k++) {
		if (type == RTM_GETLINK)
			reply_link(r, &ifs[k], NLM_F_MULTI);
		else if (type == RTM_GETADDR)
			reply_addrs(r, &ifs[k], family);
		else
			reply_routes(r, &ifs[k], family);
	}
	int32_t zero = 0;
	int32_t *done = msg_begin(r, NLMSG_DONE, NLM_F_MULTI, sizeof(zero));
	*done = zero;
	msg_end(r);
	flush(r);
}

static void autobind(struct nl_sock *nl)
{
	static uint32_t next = 0xfffff000u;
	static bool pid_taken;

	if (nl->pid)
		return;
	struct process *p = current_process();
	/* Linux gives the process's first socket its pid, the next ones other numbers. */
	if (p && !__atomic_exchange_n(&pid_taken, true, __ATOMIC_RELAXED))
		nl->pid = (uint32_t)p->pid;
	else
		nl->pid = __atomic_fetch_sub(&next, 1, __ATOMIC_RELAXED);
}

static int nl_bind(struct socket *s, const struct sockaddr_storage *addr, int len)
{
	const struct sockaddr_nl *a = (const void *)addr;
	struct nl_sock *nl = nl_of(s);

	if (len < (int)sizeof(*a) || a->nl_family != AF_NETLINK)
		return -EINVAL;
	mutex_lock(&nl->lock);
	if (a->nl_pid && nl->pid && a->nl_pid != nl->pid) {
		mutex_unlock(&nl->lock);
		return -EINVAL;
	}
	if (a->nl_pid)
		nl->pid = a->nl_pid;
	autobind(nl);
	mutex_unlock(&nl->lock);
	return 0; /* groups (multicast notifications) are accepted and never sent */
}

static int nl_getname(struct socket *s, struct sockaddr_storage *addr, bool peer)
{
	struct sockaddr_nl *a = (void *)addr;

	*a = (struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_pid = peer ? 0 : nl_of(s)->pid };
	return sizeof(*a);
}

static long nl_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct nl_sock *nl = nl_of(s);
	size_t len = m->uio->resid;
	char *buf;

	if (len > 65536)
		return -EMSGSIZE;
	if (!(buf = kmalloc(len ? len : 1)))
		return -ENOMEM;
	if (uio_copy_in(m->uio, buf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	struct reply *r = kzalloc(sizeof(*r));
	if (!r) {
		kfree(buf);
		return -ENOMEM;
	}
	mutex_lock(&nl->lock);
	autobind(nl);
	r->nl = nl;
	r->pid = nl->pid;
	for (size_t off = 0; off + NLMSG_HDRLEN <= len && nl->queued < QUEUE_LIMIT;) {
		const struct nlmsghdr *h = (const void *)(buf + off);
		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off)
			break;
		serve(r, h, buf + off + NLMSG_HDRLEN);
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	flush(r);
	mutex_unlock(&nl->lock);
	long err = r->err;
	kfree(r);
	kfree(buf);
	sock_notify(s, POLLIN | POLLRDNORM);
	return err ? err : (long)len;
}

static long nl_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct nl_sock *nl = nl_of(s);

	for (;;) {
		unsigned int seq = sock_seq(s);
		mutex_lock(&nl->lock);
		if (!list_empty(&nl->queue)) {
			struct nl_dgram *d = list_first_entry(&nl->queue, struct nl_dgram, link);
			size_t n = MIN(d->len, m->uio->resid);
			long r = uio_copy_out(m->uio, d->data, n) ? -EFAULT : (long)n;
			if (n < d->len)
				m->flags |= MSG_TRUNC;
			if (r >= 0 && (flags & MSG_TRUNC))
				r = (long)d->len;
			if (!(flags & MSG_PEEK)) {
				list_remove(&d->link);
				nl->queued -= d->len;
				kfree(d);
			}
			mutex_unlock(&nl->lock);
			if (m->name)
				m->namelen = nl_getname(s, m->name, true);
			return r;
		}
		mutex_unlock(&nl->lock);
		if (nonblock)
			return -EAGAIN;
		int r = sock_wait(s, seq, POLLIN, sock_deadline(s, false));
		if (r)
			return r;
	}
}

static unsigned int nl_poll(struct socket *s, struct poll_table *pt)
{
	struct nl_sock *nl = nl_of(s);

	poll_wait(pt, &s->wq);
	mutex_lock(&nl->lock);
	unsigned int mask =
		POLLOUT | POLLWRNORM | (list_empty(&nl->queue) ? 0 : POLLIN | POLLRDNORM);
	mutex_unlock(&nl->lock);
	return mask;
}

/* SOL_NETLINK options (extended acks, strict checking, memberships): accepted. */
static int nl_setsockopt(struct socket *s, int level, int name, const void *val, unsigned int len)
{
	return level == SOL_NETLINK ? 0 : -ENOPROTOOPT;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *nl = nl_of(s);

	if (!nl)
		return;
	while (!list_empty(&nl->queue)) {
		struct nl_dgram *d = list_first_entry(&nl->queue, struct nl_dgram, link);
		list_remove(&d->link);
		kfree(d);
	}
	kfree(nl);
}

static const struct socket_ops nl_ops = {
	.bind = nl_bind,
	.getname = nl_getname,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.poll = nl_poll,
	.setsockopt = nl_setsockopt,
	.release = nl_release,
};

static int nl_create(struct socket *s, int protocol)
{
	struct nl_sock *nl;

	if (s->type != SOCK_RAW && s->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	if (!(nl = kzalloc(sizeof(*nl))))
		return -ENOMEM;
	mutex_init(&nl->lock);
	list_init(&nl->queue);
	s->priv = nl;
	s->ops = &nl_ops;
	return 0;
}

bool netlink_is(struct socket *s)
{
	return s && s->ops == &nl_ops;
}

int netlink_unicast(struct socket *s, const void *data, size_t len)
{
	struct nl_sock *nl = nl_of(s);
	struct nl_dgram *d = kmalloc(sizeof(*d) + len);

	if (!d)
		return -ENOMEM;
	d->len = len;
	memcpy(d->data, data, len);
	mutex_lock(&nl->lock);
	if (nl->queued + len > QUEUE_LIMIT) {
		mutex_unlock(&nl->lock);
		kfree(d);
		return -ENOBUFS;
	}
	list_append(&nl->queue, &d->link);
	nl->queued += len;
	mutex_unlock(&nl->lock);
	sock_notify(s, POLLIN | POLLRDNORM);
	return 0;
}

SOCKET_FAMILY(netlink_family) = { AF_NETLINK, nl_create };
