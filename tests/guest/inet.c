/*
 * AF_INET and AF_INET6 sockets over loopback, checked against the host's
 * kernel: socket() types and protocols; bind (port 0 picks one, a port in
 * use, twice), listen/accept/accept4/connect blocking and not, refused
 * connections (blocking, and through SO_ERROR); send/recv with MSG_PEEK,
 * MSG_DONTWAIT, MSG_WAITALL; FIONREAD; shutdown (EOF, half-close); a peer
 * closing with unread data or SO_LINGER 0 (ECONNRESET), EPIPE after it;
 * getsockname/getpeername; the options servers set (SO_REUSEADDR,
 * SO_KEEPALIVE, SO_LINGER, SO_ERROR, SO_TYPE..., TCP_NODELAY,
 * TCP_KEEPIDLE/INTVL/CNT, TCP_DEFER_ACCEPT, TCP_INFO's state, IP_TOS,
 * IP_TTL, IPV6_V6ONLY); IPv6 on ::1, a dual-stack socket taking an IPv4
 * client (::ffff:127.0.0.1) and a v6-only one refusing it; UDP (sendto,
 * recvfrom with the source, connect, MSG_TRUNC, EDESTADDRREQ); poll and
 * epoll on listeners and connections; sendfile from a file; 100
 * connections queued on one listener; 8 MiB through one connection.
 * Ports are whatever the kernel picks: only relations are printed.
 */
#include "sockets.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>

static int v4_addr(struct sockaddr_in *a, uint32_t addr, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(addr);
	a->sin_port = htons(port);
	return sizeof(*a);
}

static uint16_t port_of(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.ss_family == AF_INET ? ((struct sockaddr_in *)&a)->sin_port :
					      ((struct sockaddr_in6 *)&a)->sin6_port);
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	poll(&p, 1, 0);
	printf("%s:%s%s%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLRDHUP ? " RDHUP" : "",
	       p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "");
}

/* Wait (at most 5 s) until fd has events. */
static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 5000) == 1 ? p.revents : 0;
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		return -errno;
	return v;
}

static void setint(const char *what, int fd, int level, int name, int v)
{
	sresult(what, setsockopt(fd, level, name, &v, sizeof(v)));
}

static int tcp_listener(int family, uint16_t *port)
{
	int s = socket(family, SOCK_STREAM, 0);
	struct sockaddr_storage a = { 0 };
	socklen_t len;

	if (family == AF_INET) {
		len = v4_addr((struct sockaddr_in *)&a, INADDR_LOOPBACK, 0);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		len = sizeof(*a6);
	}
	if (s < 0 || bind(s, (struct sockaddr *)&a, len) || listen(s, 128)) {
		printf("test setup failed: listener: %s\n", sename(errno));
		exit(99);
	}
	*port = port_of(s);
	return s;
}

static int tcp_connect(int family, uint16_t port)
{
	int c = socket(family, SOCK_STREAM, 0);
	struct sockaddr_storage a = { 0 };
	socklen_t len;

	if (family == AF_INET) {
		len = v4_addr((struct sockaddr_in *)&a, INADDR_LOOPBACK, port);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		a6->sin6_port = htons(port);
		len = sizeof(*a6);
	}
	if (connect(c, (struct sockaddr *)&a, len)) {
		printf("connect: -1 %s\n", sename(errno));
		close(c);
		return -1;
	}
	return c;
}

/* A connected pair over loopback: *cl the client, the server's end returned. */
static int tcp_pair(int family, int *cl)
{
	uint16_t port;
	int l = tcp_listener(family, &port);

	*cl = tcp_connect(family, port);
	int s = accept(l, NULL, NULL);
	close(l);
	if (*cl < 0 || s < 0) {
		printf("test setup failed: pair: %s\n", sename(errno));
		exit(99);
	}
	return s;
}

static void creation(void)
{
	phase("creation");
	int fds[] = {
		socket(AF_INET, SOCK_STREAM, 0),
		socket(AF_INET, SOCK_STREAM, IPPROTO_TCP),
		socket(AF_INET, SOCK_DGRAM, 0),
		socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP),
		socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
	};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		printf("socket %zu: %s\n", i, fds[i] >= 0 ? "ok" : sename(errno));
		close(fds[i]);
	}
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);
	printf("stream with UDP: %s\n", fd >= 0 ? "ok" : sename(errno));
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP);
	printf("datagram with TCP: %s\n", fd >= 0 ? "ok" : sename(errno));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	printf("nonblocking: %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	printf("SO_TYPE %d SO_DOMAIN %d SO_PROTOCOL %d SO_ACCEPTCONN %d\n",
	       getint(fd, SOL_SOCKET, SO_TYPE), getint(fd, SOL_SOCKET, SO_DOMAIN),
	       getint(fd, SOL_SOCKET, SO_PROTOCOL), getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
	show_poll("poll of a new TCP socket", fd);
	close(fd);
}

static void binding(void)
{
	struct sockaddr_in a;
	phase("bind");
	int s = socket(AF_INET, SOCK_STREAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);

	sresult("bind port 0", bind(s, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, 0)));
	uint16_t port = port_of(s);
	check("a port was picked", port != 0);
	sresult("bind again", bind(s, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, 0)));
	sresult("bind a port in use",
		bind(t, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, port)));
	sresult("bind a short address", bind(t, (struct sockaddr *)&a, 8));
	a.sin_family = AF_INET6;
	sresult("bind the wrong family", bind(t, (struct sockaddr *)&a, sizeof(a)));
	sresult("bind an address not here",
		bind(t, (struct sockaddr *)&a, v4_addr(&a, 0x0a636363, 0)));
	close(s);
	close(t);
	/*
	 * SO_REUSEADDR: a server restarting takes its port again while the old
	 * listener's connections are in TIME_WAIT.
	 */
	uint16_t lport;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	bind(l, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, 0));
	listen(l, 5);
	lport = port_of(l);
	int c = tcp_connect(AF_INET, lport);
	int sv = accept(l, NULL, NULL);
	close(sv);
	close(l);
	wait_for(c, POLLIN);
	close(c);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setint("SO_REUSEADDR", s, SOL_SOCKET, SO_REUSEADDR, 1);
	printf("SO_REUSEADDR reads %d\n", getint(s, SOL_SOCKET, SO_REUSEADDR));
	sresult("bind the closed listener's port",
		bind(s, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, lport)));
	sresult("listen", listen(s, 5));
	printf("SO_ACCEPTCONN %d\n", getint(s, SOL_SOCKET, SO_ACCEPTCONN));
	close(s);
}

static void names(int family)
{
	int c, s = tcp_pair(family, &c);
	struct sockaddr_storage cl, cp, sl, sp;
	socklen_t cll = sizeof(cl), cpl = sizeof(cp), sll = sizeof(sl), spl = sizeof(sp);

	getsockname(c, (struct sockaddr *)&cl, &cll);
	getpeername(c, (struct sockaddr *)&cp, &cpl);
	getsockname(s, (struct sockaddr *)&sl, &sll);
	getpeername(s, (struct sockaddr *)&sp, &spl);
	printf("%s names: lengths %u %u %u %u, client's local is server's peer: %s, "
	       "client's peer is server's local: %s\n",
	       family == AF_INET ? "IPv4" : "IPv6", cll, cpl, sll, spl,
	       cll == spl && !memcmp(&cl, &sp, cll) ? "yes" : "no",
	       cpl == sll && !memcmp(&cp, &sl, cpl) ? "yes" : "no");
	close(c);
	close(s);
}

static void connections(void)
{
	struct sockaddr_in a;
	phase("connections");
	uint16_t port;
	int l = tcp_listener(AF_INET, &port);

	show_poll("listener, nothing pending", l);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, port));
	printf("nonblocking connect: %s\n", r == 0 ? "0" : sename(errno));
	printf("connected: %s\n", wait_for(c, POLLOUT) & POLLOUT ? "yes" : "no");
	printf("SO_ERROR %d\n", getint(c, SOL_SOCKET, SO_ERROR));
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	printf("connect again (the result): %s\n", r == 0 ? "0" : sename(errno));
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	printf("and again: %s\n", r == 0 ? "0" : sename(errno));
	wait_for(l, POLLIN);
	show_poll("listener, one pending", l);
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	printf("accept4: %s, nonblocking %d, cloexec %d\n", s >= 0 ? "ok" : sename(errno),
	       (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
	sresult("accept on an empty queue (nonblocking listener)",
		(fcntl(l, F_SETFL, O_NONBLOCK), accept(l, NULL, NULL)));
	close(s);
	close(c);
	close(l);

	/* A port nobody listens on. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	sresult("connect to a closed port", connect(c, (struct sockaddr *)&a, sizeof(a)));
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	printf("nonblocking connect to a closed port: %s\n", r == 0 ? "0" : sename(errno));
	int ev = wait_for(c, POLLOUT);
	int err1 = getint(c, SOL_SOCKET, SO_ERROR), err2 = getint(c, SOL_SOCKET, SO_ERROR);
	printf("then poll: OUT %d ERR %d, SO_ERROR %s, then SO_ERROR %d\n", !!(ev & POLLOUT),
	       !!(ev & POLLERR), sename(err1), err2);
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	char b;
	sresult("recv before connect", recv(c, &b, 1, 0));
	sresult("send before connect", send(c, "x", 1, MSG_NOSIGNAL));
	sresult("getpeername before connect",
		getpeername(c, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }));
	close(c);
}

static void data(void)
{
	char buf[64];
	phase("data");
	int c, s = tcp_pair(AF_INET, &c);

	sresult("recv on nothing, MSG_DONTWAIT", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	show_poll("a fresh connection", s);
	sresult("send", send(c, "hello, world", 12, 0));
	wait_for(s, POLLIN);
	int n = -1;
	ioctl(s, FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	show_poll("with data", s);
	sresult("recv MSG_PEEK 5", recv(s, buf, 5, MSG_PEEK));
	sresult("recv 5", recv(s, buf, 5, 0));
	printf("got \"%.5s\"\n", buf);
	sresult("recv the rest", recv(s, buf, sizeof(buf), 0));
	printf("got \"%.7s\"\n", buf);
	close(c);
	close(s);
}

struct writer {
	int fd;
	const char *text;
	int delay_ms;
};

static void *write_later(void *arg)
{
	struct writer *w = arg;

	for (const char *p = w->text; *p; p++) {
		sleep_ms(w->delay_ms);
		send(w->fd, p, 1, 0);
	}
	return NULL;
}

static void waitall(void)
{
	char buf[16] = { 0 };
	phase("waitall");
	int c, s = tcp_pair(AF_INET, &c);
	struct writer w = { c, "abcdef", 20 };
	pthread_t t = spawn(write_later, &w);

	sresult("recv MSG_WAITALL 6 of bytes sent one by one", recv(s, buf, 6, MSG_WAITALL));
	printf("got \"%s\"\n", buf);
	join(t);
	close(c);
	close(s);
}

static void shutdowns(void)
{
	char buf[16];
	phase("shutdown");
	int c, s = tcp_pair(AF_INET, &c);

	sresult("shutdown SHUT_WR", shutdown(c, SHUT_WR));
	wait_for(s, POLLRDHUP);
	show_poll("server after the client's SHUT_WR", s);
	sresult("server reads EOF", recv(s, buf, sizeof(buf), 0));
	sresult("server still sends", send(s, "back", 4, 0));
	wait_for(c, POLLIN);
	sresult("client still reads", recv(c, buf, sizeof(buf), 0));
	sresult("client sends after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
	sresult("shutdown bad how", shutdown(c, 7));
	close(s);
	wait_for(c, POLLRDHUP);
	show_poll("client after the server closed", c);
	close(c);
}

static void resets(void)
{
	char buf[16];
	phase("resets");
	/* Closing with unread data resets the connection. */
	int c, s = tcp_pair(AF_INET, &c);
	send(c, "unread", 6, 0);
	wait_for(s, POLLIN);
	close(s);
	wait_for(c, POLLERR | POLLHUP);
	show_poll("client after a close with unread data", c);
	sresult("client's recv", recv(c, buf, sizeof(buf), 0));
	sresult("then", recv(c, buf, sizeof(buf), 0));
	sresult("then send", send(c, "x", 1, MSG_NOSIGNAL));
	close(c);

	/* SO_LINGER with zero time: a reset at close. */
	s = tcp_pair(AF_INET, &c);
	struct linger lg = { 1, 0 };
	sresult("SO_LINGER {1, 0}", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(s);
	wait_for(c, POLLERR | POLLHUP);
	sresult("client's recv after a lingering close", recv(c, buf, sizeof(buf), 0));
	printf("SO_ERROR then %d\n", getint(c, SOL_SOCKET, SO_ERROR));
	close(c);

	/* A graceful close: EOF, then EPIPE on sends once the peer has reset. */
	s = tcp_pair(AF_INET, &c);
	close(s);
	wait_for(c, POLLRDHUP);
	sresult("recv after a graceful close", recv(c, buf, sizeof(buf), 0));
	close(c);
}

static void options(void)
{
	phase("options");
	int c, s = tcp_pair(AF_INET, &c);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	printf("TCP_NODELAY %d\n", getint(c, IPPROTO_TCP, TCP_NODELAY));
	setint("set TCP_NODELAY", c, IPPROTO_TCP, TCP_NODELAY, 1);
	printf("TCP_NODELAY %d\n", getint(c, IPPROTO_TCP, TCP_NODELAY) != 0);
	setint("set SO_KEEPALIVE", c, SOL_SOCKET, SO_KEEPALIVE, 1);
	printf("SO_KEEPALIVE %d\n", getint(c, SOL_SOCKET, SO_KEEPALIVE));
	setint("set TCP_KEEPIDLE 30", c, IPPROTO_TCP, TCP_KEEPIDLE, 30);
	setint("set TCP_KEEPINTVL 5", c, IPPROTO_TCP, TCP_KEEPINTVL, 5);
	setint("set TCP_KEEPCNT 4", c, IPPROTO_TCP, TCP_KEEPCNT, 4);
	setint("set TCP_KEEPCNT 0", c, IPPROTO_TCP, TCP_KEEPCNT, 0);
	printf("TCP_KEEPIDLE %d TCP_KEEPINTVL %d TCP_KEEPCNT %d\n",
	       getint(c, IPPROTO_TCP, TCP_KEEPIDLE), getint(c, IPPROTO_TCP, TCP_KEEPINTVL),
	       getint(c, IPPROTO_TCP, TCP_KEEPCNT));
	setint("set TCP_DEFER_ACCEPT", s, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
	setint("set IP_TOS 0x10", c, IPPROTO_IP, IP_TOS, 0x10);
	printf("IP_TOS %#x IP_TTL %d\n", getint(c, IPPROTO_IP, IP_TOS),
	       getint(c, IPPROTO_IP, IP_TTL));
	printf("SO_ERROR %d\n", getint(c, SOL_SOCKET, SO_ERROR));
	sresult("TCP_INFO", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
	printf("TCP_INFO state %s\n", ti.tcpi_state == TCP_ESTABLISHED ? "established" : "other");
	setint("unknown TCP option", c, IPPROTO_TCP, 9999, 1);
	printf("IPV6_V6ONLY on IPv4: %s\n", sename(-getint(c, IPPROTO_IPV6, IPV6_V6ONLY)));
	close(c);
	close(s);
}

static void ipv6(void)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a;
	char text[64];
	phase("ipv6");

	names(AF_INET);
	names(AF_INET6);
	/* A dual-stack listener on :: takes an IPv4 client, shown as ::ffff:127.0.0.1. */
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	printf("IPV6_V6ONLY %d\n", getint(l, IPPROTO_IPV6, IPV6_V6ONLY));
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_addr = in6addr_any;
	sresult("bind ::", bind(l, (struct sockaddr *)&a6, sizeof(a6)));
	listen(l, 5);
	int c = tcp_connect(AF_INET, port_of(l));
	socklen_t len = sizeof(a6);
	int s = accept(l, (struct sockaddr *)&a6, &len);
	printf("accepted an IPv4 client: %s, family %s, address %s\n", s >= 0 ? "yes" : "no",
	       a6.sin6_family == AF_INET6 ? "AF_INET6" : "other",
	       inet_ntop(AF_INET6, &a6.sin6_addr, text, sizeof(text)));
	close(s);
	close(c);
	close(l);
	/* v6-only: the IPv4 client is refused. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	setint("set IPV6_V6ONLY", l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	printf("IPV6_V6ONLY %d\n", getint(l, IPPROTO_IPV6, IPV6_V6ONLY));
	sresult("bind :: v6-only",
		bind(l, (struct sockaddr *)&a6,
		     (a6.sin6_addr = in6addr_any, a6.sin6_port = 0, sizeof(a6))));
	listen(l, 5);
	c = socket(AF_INET, SOCK_STREAM, 0);
	sresult("IPv4 connect to a v6-only listener",
		connect(c, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, port_of(l))));
	setint("IPV6_V6ONLY after bind", l, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	close(c);
	close(l);
}

static void udp(void)
{
	struct sockaddr_in a, from;
	char buf[64];
	phase("udp");
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);

	bind(u, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, 0));
	bind(v, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, 0));
	uint16_t up = port_of(u), vp = port_of(v);
	show_poll("UDP, nothing queued", u);
	sresult("recv nothing, MSG_DONTWAIT", recv(u, buf, sizeof(buf), MSG_DONTWAIT));
	sresult("send unconnected", send(v, "x", 1, 0));
	sresult("sendto", sendto(v, "datagram one", 12, 0, (struct sockaddr *)&a,
				 v4_addr(&a, INADDR_LOOPBACK, up)));
	sresult("sendto", sendto(v, "two", 3, 0, (struct sockaddr *)&a, sizeof(a)));
	wait_for(u, POLLIN);
	show_poll("UDP, two queued", u);
	int n = -1;
	ioctl(u, FIONREAD, &n);
	printf("FIONREAD (the first datagram) %d\n", n);
	socklen_t len = sizeof(from);
	sresult("recvfrom 5 of 12, MSG_TRUNC",
		recvfrom(u, buf, 5, MSG_TRUNC, (struct sockaddr *)&from, &len));
	printf("from the sender: %s\n", ntohs(from.sin_port) == vp ? "yes" : "no");
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	sresult("recvmsg", recvmsg(u, &mh, 0));
	printf("\"%.3s\", MSG_TRUNC %d\n", buf, !!(mh.msg_flags & MSG_TRUNC));
	sresult("connect", connect(v, (struct sockaddr *)&a, v4_addr(&a, INADDR_LOOPBACK, up)));
	sresult("send connected", send(v, "three", 5, 0));
	wait_for(u, POLLIN);
	sresult("recv", recv(u, buf, sizeof(buf), 0));
	struct sockaddr_in p;
	sresult("getpeername", getpeername(v, (struct sockaddr *)&p, &(socklen_t){ sizeof(p) }));
	printf("peer port right: %s\n", ntohs(p.sin_port) == up ? "yes" : "no");
	a.sin_family = AF_UNSPEC;
	sresult("connect AF_UNSPEC", connect(v, (struct sockaddr *)&a, sizeof(a)));
	sresult("getpeername after",
		getpeername(v, (struct sockaddr *)&p, &(socklen_t){ sizeof(p) }));
	close(u);
	close(v);
	/* IPv6 datagrams on ::1. */
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback };
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	v = socket(AF_INET6, SOCK_DGRAM, 0);
	bind(u, (struct sockaddr *)&a6, sizeof(a6));
	a6.sin6_port = htons(port_of(u));
	sresult("sendto ::1", sendto(v, "six", 3, 0, (struct sockaddr *)&a6, sizeof(a6)));
	wait_for(u, POLLIN);
	len = sizeof(a6);
	sresult("recvfrom ::1", recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&a6, &len));
	printf("source is ::1: %s\n", !memcmp(&a6.sin6_addr, &in6addr_loopback, 16) ? "yes" : "no");
	close(u);
	close(v);
}

static void epolls(void)
{
	struct epoll_event ev, out[4];
	phase("epoll");
	uint16_t port;
	int l = tcp_listener(AF_INET, &port), ep = epoll_create1(0);

	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = 1 };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	int c = tcp_connect(AF_INET, port);
	int n = epoll_wait(ep, out, 4, 5000);
	printf("listener ready: %d event, IN %d\n", n, n == 1 && (out[0].events & EPOLLIN));
	int s = accept(l, NULL, NULL);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 2 };
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	printf("nothing yet: %d\n", epoll_wait(ep, out, 4, 0));
	send(c, "ping", 4, 0);
	n = epoll_wait(ep, out, 4, 5000);
	printf("data: %d event, IN %d\n", n, n == 1 && (out[0].events & EPOLLIN));
	printf("edge-triggered, again: %d\n", epoll_wait(ep, out, 4, 0));
	shutdown(c, SHUT_WR);
	n = epoll_wait(ep, out, 4, 5000);
	printf("peer's SHUT_WR: %d event, RDHUP %d\n", n, n == 1 && (out[0].events & EPOLLRDHUP));
	close(ep);
	close(s);
	close(c);
	close(l);
}

static void files(void)
{
	char path[] = "/tmp/inet-sendfile-XXXXXX", buf[8192];
	phase("sendfile");
	int f = mkstemp(path), c, s = tcp_pair(AF_INET, &c);
	static char content[100000];

	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (char)(i * 7 + i / 256);
	write(f, content, sizeof(content));
	off_t off = 1000;
	long n = sendfile(s, f, &off, sizeof(content) - 1000);
	printf("sendfile: %ld, offset now %ld\n", n, (long)off);
	size_t got = 0;
	int same = 1;
	while (got < sizeof(content) - 1000) {
		long r = recv(c, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		same &= !memcmp(buf, content + 1000 + got, (size_t)r);
		got += (size_t)r;
	}
	printf("received %zu bytes, the file's: %s\n", got, same ? "yes" : "no");
	unlink(path);
	close(f);
	close(c);
	close(s);
}

static void many(void)
{
	enum {
		N = 100
	};
	int cl[N], ok = 0;
	phase("many connections");
	uint16_t port;
	int l = tcp_listener(AF_INET, &port);

	for (int i = 0; i < N; i++)
		ok += (cl[i] = tcp_connect(AF_INET, port)) >= 0;
	printf("connected %d of %d\n", ok, N);
	int accepted = 0;
	for (int i = 0; i < N; i++) {
		int s = accept(l, NULL, NULL);
		if (s < 0)
			break;
		char b = (char)i;
		accepted += send(s, &b, 1, 0) == 1;
		close(s);
	}
	int right = 0;
	for (int i = 0; i < N; i++) {
		char b;
		right += recv(cl[i], &b, 1, MSG_WAITALL) == 1 && b == (char)i;
		close(cl[i]);
	}
	printf("accepted %d, each client got its own byte: %d\n", accepted, right);
	close(l);
}

struct bulk {
	int fd;
	size_t len;
};

static void *send_bulk(void *arg)
{
	struct bulk *b = arg;
	char *buf = malloc(b->len);

	for (size_t i = 0; i < b->len; i++)
		buf[i] = (char)(i ^ (i >> 13));
	size_t off = 0;
	while (off < b->len) {
		long n = send(b->fd, buf + off, b->len - off, 0);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(buf);
	shutdown(b->fd, SHUT_WR);
	return (void *)off;
}

static void bulk(void)
{
	phase("bulk");
	int c, s = tcp_pair(AF_INET, &c);
	struct bulk b = { s, 8 << 20 };
	pthread_t t = spawn(send_bulk, &b);
	static char buf[65536];
	size_t got = 0;
	int same = 1;

	for (;;) {
		long n = recv(c, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++, got++)
			same &= buf[i] == (char)(got ^ (got >> 13));
	}
	printf("bulk: sent %zu, received %zu, intact: %s\n", (size_t)join(t), got,
	       same ? "yes" : "no");
	close(c);
	close(s);
}

int main(void)
{
	setup();
	watchdog(120);
	signal(SIGPIPE, SIG_IGN);
	creation();
	binding();
	connections();
	data();
	waitall();
	shutdowns();
	resets();
	options();
	ipv6();
	udp();
	epolls();
	files();
	many();
	bulk();
	return 0;
}
