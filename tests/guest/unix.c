/*
 * AF_UNIX sockets, one program per run of the checks below: socket()'s
 * types and flags, socketpair of each type, names in the file system (the
 * socket file, unlink, a path bound twice) and in the abstract namespace,
 * autobind, listen/accept/accept4/connect (blocking and not, a full
 * backlog, refusals), send/recv with MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL,
 * MSG_TRUNC, shutdown, a peer closing mid-read (EOF, or ECONNRESET when it
 * left data unread), EPIPE with and without SIGPIPE, datagrams (connected,
 * to a name, to a closed socket, a full queue), seqpacket boundaries, what
 * poll and epoll say along the way, and the interface requests (SIOCGIF*)
 * that a unix socket answers as any socket does.
 */
#include "sockets.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/un.h>

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void show_recv(const char *what, int fd, size_t len, int flags)
{
	char buf[256];
	long n = recv(fd, buf, MIN(len, sizeof(buf)), flags);

	if (n < 0)
		printf("%s: -1 %s\n", what, sename(errno));
	else
		show(what, buf, n);
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI };

	poll(&p, 1, 0);
	printf("%s:%s%s%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLRDHUP ? " RDHUP" : "",
	       p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "");
}

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void show_name(const char *what, int fd, bool peer)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) :
		       getsockname(fd, (struct sockaddr *)&a, &len);

	if (r) {
		printf("%s: -1 %s\n", what, sename(errno));
		return;
	}
	printf("%s: len %u", what, (unsigned int)len);
	if (len > offsetof(struct sockaddr_un, sun_path)) {
		if (a.sun_path[0])
			printf(" path %s", a.sun_path);
		else
			printf(" abstract, %u bytes", (unsigned int)(len - 3));
	}
	printf("\n");
}

static void creation(void)
{
	int fd;

	phase("creation");
	sresult("socket(AF_UNIX, 42)", socket(AF_UNIX, 42, 0));
	fd = socket(AF_UNIX, SOCK_RAW, 0);
	int type = 0;
	socklen_t tlen = sizeof(type);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen);
	printf("socket(AF_UNIX, SOCK_RAW): %s, SO_TYPE %d\n", fd >= 0 ? "ok" : sename(errno), type);
	close(fd);
	sresult("socket(AF_UNIX, SOCK_STREAM, 7)", socket(AF_UNIX, SOCK_STREAM, 7));
	sresult("socket(AF_UNIX, SOCK_STREAM | 0x100000)",
		socket(AF_UNIX, SOCK_STREAM | 0x100000, 0));
	sresult("socket(-1, ...)", socket(-1, SOCK_STREAM, 0));
	sresult("socket(1000, ...)", socket(1000, SOCK_STREAM, 0));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	check("SOCK_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK);
	check("SOCK_CLOEXEC", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	struct stat st;
	fstat(fd, &st);
	check("fstat says socket", S_ISSOCK(st.st_mode));
	char link[64] = "", path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof(link) - 1);
	check("/proc names it socket:[...]", !strncmp(link, "socket:[", 8));
	show_poll("fresh stream socket", fd);
	sresult("lseek on a socket", lseek(fd, 0, SEEK_SET));
	close(fd);
	int p[2];
	pipe(p);
	sresult("bind on a pipe", bind(p[0], NULL, 0));
	sresult("getsockopt on a pipe", getsockopt(p[0], SOL_SOCKET, SO_TYPE, &type, &tlen));
	sresult("bind on a bad fd", bind(1000, NULL, 0));
	close(p[0]);
	close(p[1]);
	for (type = SOCK_STREAM; type <= SOCK_SEQPACKET; type++) {
		if (type == SOCK_RAW || type == SOCK_RDM)
			continue;
		fd = socket(AF_UNIX, type, 0);
		printf("type %d: socket %s\n", type, fd >= 0 ? "ok" : sename(errno));
		if (type == SOCK_DGRAM)
			show_poll("fresh datagram socket", fd);
		if (type == SOCK_SEQPACKET)
			show_poll("fresh seqpacket socket", fd);
		close(fd);
	}
}

static void pairs(void)
{
	int sv[2];

	phase("socketpair");
	sresult("socketpair(AF_UNIX, SOCK_STREAM)", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	sresult("send", send(sv[0], "hello", 5, 0));
	sresult("write", write(sv[0], " world", 6));
	show_poll("reader with data", sv[1]);
	show_recv("MSG_PEEK", sv[1], 3, MSG_PEEK);
	show_recv("recv glues the writes", sv[1], 100, 0);
	show_recv("MSG_DONTWAIT, nothing there", sv[1], 100, MSG_DONTWAIT);
	sresult("the other way", write(sv[1], "back", 4));
	show_recv("read back", sv[0], 100, 0);
	show_name("getsockname of a pair", sv[0], false);
	show_name("getpeername of a pair", sv[0], true);
	sresult("shutdown(SHUT_WR)", shutdown(sv[0], SHUT_WR));
	show_poll("after SHUT_WR, the writer", sv[0]);
	show_poll("after SHUT_WR, the reader", sv[1]);
	show_recv("reader gets EOF", sv[1], 100, 0);
	sresult("send after SHUT_WR (MSG_NOSIGNAL)", send(sv[0], "x", 1, MSG_NOSIGNAL));
	sresult("the reader can still write", write(sv[1], "y", 1));
	show_recv("and the writer read", sv[0], 100, 0);
	sresult("shutdown(bad)", shutdown(sv[0], 7));
	close(sv[0]);
	show_poll("peer closed", sv[1]);
	sresult("send to a closed peer (MSG_NOSIGNAL)", send(sv[1], "z", 1, MSG_NOSIGNAL));
	close(sv[1]);

	sresult("socketpair(AF_UNIX, SOCK_DGRAM)", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	send(sv[0], "", 0, 0);
	show_recv("first datagram", sv[1], 100, 0);
	show_recv("second, cut to 2 bytes", sv[1], 2, 0);
	show_recv("the empty one", sv[1], 100, 0);
	send(sv[0], "truncated", 9, 0);
	char buf[4];
	sresult("MSG_TRUNC gives the real length", recv(sv[1], buf, sizeof(buf), MSG_TRUNC));
	close(sv[0]);
	show_poll("datagram pair, peer closed", sv[1]);
	show_recv("datagram pair, peer closed: recv", sv[1], 100, MSG_DONTWAIT);
	close(sv[1]);

	sresult("socketpair(AF_UNIX, SOCK_SEQPACKET)", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	send(sv[0], "first", 5, 0);
	send(sv[0], "second", 6, 0);
	show_recv("seqpacket keeps boundaries", sv[1], 100, 0);
	struct msghdr mh = { 0 };
	struct iovec iov = { buf, 3 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	long n = recvmsg(sv[1], &mh, 0);
	printf("seqpacket cut: %ld bytes, MSG_TRUNC %s\n", n,
	       mh.msg_flags & MSG_TRUNC ? "set" : "not set");
	close(sv[0]);
	show_recv("seqpacket EOF", sv[1], 100, 0);
	close(sv[1]);
	sresult("socketpair(AF_UNIX, SOCK_RAW)", socketpair(AF_UNIX, SOCK_RAW, 0, sv));
}

static void path_names(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = path_addr(&a, "sock"), blen;
	struct stat st;

	phase("path names");
	int s = socket(AF_UNIX, SOCK_STREAM, 0), t = socket(AF_UNIX, SOCK_STREAM, 0);
	show_name("unbound getsockname", s, false);
	show_name("unbound getpeername", s, true);
	sresult("bind(\"sock\")", bind(s, (struct sockaddr *)&a, alen));
	check("a socket file appeared", stat("sock", &st) == 0 && S_ISSOCK(st.st_mode));
	printf("its mode: %o\n", st.st_mode & 07777);
	show_name("bound getsockname", s, false);
	sresult("bind again", bind(s, (struct sockaddr *)&a, alen));
	sresult("another socket, same path", bind(t, (struct sockaddr *)&a, alen));
	sresult("open() of the socket file", open("sock", O_RDWR));
	sresult("connect to a bound socket that does not listen",
		connect(t, (struct sockaddr *)&a, alen));
	sresult("unlink removes the name", unlink("sock"));
	sresult("now the path binds", bind(t, (struct sockaddr *)&a, alen));
	unlink("sock");
	close(s);
	close(t);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	blen = path_addr(&b, "missing/sock");
	sresult("bind in a missing directory", bind(s, (struct sockaddr *)&b, blen));
	sresult("connect to a missing path", connect(s, (struct sockaddr *)&b, blen));
	int fd = open("plain", O_CREAT | O_WRONLY, 0600);
	close(fd);
	blen = path_addr(&b, "plain");
	sresult("connect to a regular file", connect(s, (struct sockaddr *)&b, blen));
	sresult("bind over a regular file", bind(s, (struct sockaddr *)&b, blen));
	unlink("plain");
	b.sun_family = AF_INET;
	sresult("bind with the wrong family", bind(s, (struct sockaddr *)&b, blen));
	sresult("bind with length 1", bind(s, (struct sockaddr *)&a, 1));
	sresult("bind with length 200", bind(s, (struct sockaddr *)&a, 200));
	sresult("bind with a bad pointer", bind(s, (struct sockaddr *)8, alen));
	/* A path without its NUL: the length given bounds it. */
	memset(&b, 0, sizeof(b));
	b.sun_family = AF_UNIX;
	memcpy(b.sun_path, "nonul", 5);
	sresult("bind to a path given without its NUL",
		bind(s, (struct sockaddr *)&b, offsetof(struct sockaddr_un, sun_path) + 5));
	show_name("its name", s, false);
	unlink("nonul");
	close(s);
}

static void abstract_names(void)
{
	struct sockaddr_un a;
	socklen_t alen = abstract_addr(&a, "alto-test-abstract");

	phase("abstract names");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), t = socket(AF_UNIX, SOCK_DGRAM, 0);
	sresult("bind abstract", bind(s, (struct sockaddr *)&a, alen));
	show_name("abstract getsockname", s, false);
	sresult("the same name again", bind(t, (struct sockaddr *)&a, alen));
	sresult("autobind (only the family)", bind(t, (struct sockaddr *)&a, sizeof(sa_family_t)));
	show_name("autobound name", t, false);
	sresult("sendto the abstract name", sendto(t, "dgram", 5, 0, (struct sockaddr *)&a, alen));
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	char buf[64];
	long n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	printf("recvfrom: %ld bytes, from an address of %u bytes, abstract %s\n", n,
	       (unsigned int)flen, flen > 2 && !from.sun_path[0] ? "yes" : "no");
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(u, "anon", 4, 0, (struct sockaddr *)&a, alen);
	flen = sizeof(from);
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	printf("from an unbound sender: %ld bytes, address length %u\n", n, (unsigned int)flen);
	close(s);
	sresult("sendto a closed name", sendto(t, "x", 1, 0, (struct sockaddr *)&a, alen));
	close(t);
	close(u);
}

struct conn_arg {
	struct sockaddr_un addr;
	socklen_t len;
	int fd;
	int delay_ms;
};

static void *connector(void *arg)
{
	struct conn_arg *c = arg;

	sleep_ms(c->delay_ms);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c->fd, (struct sockaddr *)&c->addr, c->len))
		printf("connector: -1 %s\n", sename(errno));
	return NULL;
}

static void connections(void)
{
	struct sockaddr_un a, peer;
	socklen_t alen = path_addr(&a, "server"), plen;

	phase("connections");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	sresult("listen unbound", listen(l, 5));
	sresult("accept before listen", accept(l, NULL, NULL));
	bind(l, (struct sockaddr *)&a, alen);
	sresult("listen", listen(l, 1));
	show_poll("listener, nobody waiting", l);
	int fl = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, fl | O_NONBLOCK);
	sresult("non-blocking accept, no client", accept(l, NULL, NULL));
	fcntl(l, F_SETFL, fl);

	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	sresult("connect", connect(c, (struct sockaddr *)&a, alen));
	sresult("connect again", connect(c, (struct sockaddr *)&a, alen));
	show_poll("listener with a client waiting", l);
	show_poll("client before accept", c);
	sresult("send before accept", send(c, "early", 5, 0));
	plen = sizeof(peer);
	int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	printf("accept4: %s, peer address length %u\n", s >= 0 ? "ok" : sename(errno),
	       (unsigned int)plen);
	check("accepted socket is non-blocking", fcntl(s, F_GETFL) & O_NONBLOCK);
	check("accepted socket is close-on-exec", fcntl(s, F_GETFD) & FD_CLOEXEC);
	show_name("accepted socket's name", s, false);
	show_name("accepted socket's peer", s, true);
	show_name("client's peer", c, true);
	show_name("client's name", c, false);
	show_recv("data sent before accept", s, 100, 0);
	sresult("accept4 bad flags", syscall(SYS_accept4, l, NULL, NULL, 0x10));
	sresult("listen on the connected socket", listen(c, 1));
	sresult("connect the listener", connect(l, (struct sockaddr *)&a, alen));
	sresult("send on the listener", send(l, "x", 1, MSG_NOSIGNAL));
	show_recv("recv on the listener", l, 10, 0);

	/* Backlog 1 holds two: a third non-blocking connect finds it full. */
	int d1 = socket(AF_UNIX, SOCK_STREAM, 0), d2 = socket(AF_UNIX, SOCK_STREAM, 0);
	int d3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sresult("backlog: first", connect(d1, (struct sockaddr *)&a, alen));
	sresult("backlog: second", connect(d2, (struct sockaddr *)&a, alen));
	sresult("backlog: third, non-blocking", connect(d3, (struct sockaddr *)&a, alen));
	int a1 = accept(l, NULL, NULL);
	sresult("after an accept, the third", connect(d3, (struct sockaddr *)&a, alen));
	int a2 = accept(l, NULL, NULL), a3 = accept(l, NULL, NULL);
	check("three accepted", a1 >= 0 && a2 >= 0 && a3 >= 0);

	/* A blocking accept woken by a client that comes later. */
	struct conn_arg ca = { .addr = a, .len = alen, .delay_ms = 50 };
	pthread_t t = spawn(connector, &ca);
	int a4 = accept(l, NULL, NULL);
	join(t);
	check("blocking accept woken by a later client", a4 >= 0);
	write(ca.fd, "late", 4);
	show_recv("its data", a4, 10, 0);

	/* Queued clients of a closing listener are reset. */
	int d4 = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(d4, (struct sockaddr *)&a, alen);
	close(l);
	show_poll("client of a closed listener", d4);
	show_recv("its recv", d4, 10, 0);
	sresult("connect to the closed listener's path",
		connect(d3 = socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
	int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
	unlink("server");
	bind(dg, (struct sockaddr *)&a, alen);
	sresult("stream connect to a datagram socket", connect(d3, (struct sockaddr *)&a, alen));
	sresult("listen on a datagram socket", listen(dg, 1));
	sresult("accept on a datagram socket", accept(dg, NULL, NULL));
	unlink("server");
	int fds[] = { c, s, d1, d2, d3, d4, a1, a2, a3, a4, ca.fd, dg };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		close(fds[i]);
}

struct io_arg {
	int fd;
	int delay_ms;
	const char *data;
	int pieces;
	int close_after;
};

static void *writer(void *arg)
{
	struct io_arg *w = arg;

	for (int i = 0; i < w->pieces; i++) {
		sleep_ms(w->delay_ms);
		write(w->fd, w->data, strlen(w->data));
	}
	if (w->close_after)
		close(w->fd);
	return NULL;
}

static void blocking(void)
{
	int sv[2];
	char buf[64];

	phase("blocking");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct io_arg w = { sv[1], 20, "ab", 4, 0 };
	pthread_t t = spawn(writer, &w);
	long n = recv(sv[0], buf, 8, MSG_WAITALL);
	join(t);
	show("MSG_WAITALL waits for all 8 bytes", buf, n);

	struct io_arg c = { sv[1], 50, "", 0, 1 };
	t = spawn(writer, &c);
	n = recv(sv[0], buf, sizeof(buf), 0);
	join(t);
	printf("peer closed mid-read: recv %ld\n", n);
	close(sv[0]);

	/* The closing end had unread data: the survivor is reset. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	close(sv[1]);
	show_poll("peer closed with data unread", sv[0]);
	sresult("recv", recv(sv[0], buf, sizeof(buf), 0));
	sresult("recv again", recv(sv[0], buf, sizeof(buf), 0));
	close(sv[0]);

	/* A full stream: a non-blocking writer stops, a blocking one waits for the reader. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	static char big[65536];
	long total = 0;
	while ((n = send(sv[0], big, sizeof(big), 0)) > 0)
		total += n;
	printf("full stream: %s after at least 64 KiB: %s\n", sename(errno),
	       total >= 65536 ? "yes" : "no");
	show_poll("full stream, the writer", sv[0]);
	long drained = 0;
	while ((n = recv(sv[1], big, sizeof(big), 0)) > 0)
		drained += n;
	check("everything came out", drained == total);
	show_poll("drained stream, the writer", sv[0]);
	close(sv[0]);
	close(sv[1]);
}

static void datagrams(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = path_addr(&a, "dgram-a"), blen = path_addr(&b, "dgram-b");
	char buf[64];

	phase("datagrams");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), t = socket(AF_UNIX, SOCK_DGRAM, 0);
	int third = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(s, (struct sockaddr *)&a, alen);
	bind(t, (struct sockaddr *)&b, blen);
	sresult("send unconnected, no address", send(t, "x", 1, 0));
	sresult("connect t to s", connect(t, (struct sockaddr *)&a, alen));
	show_name("t's peer", t, true);
	sresult("send without an address", send(t, "hi", 2, 0));
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	long n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	printf("recvfrom: %ld bytes from %s\n", n, from.sun_path);
	sresult("connect s to t", connect(s, (struct sockaddr *)&b, blen));
	sresult("a third socket sends to s (connected elsewhere)",
		sendto(third, "no", 2, 0, (struct sockaddr *)&a, alen));
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	sresult("AF_UNSPEC disconnects s", connect(s, &un, sizeof(un)));
	show_name("s's peer now", s, true);
	sresult("the third socket now", sendto(third, "ok", 2, 0, (struct sockaddr *)&a, alen));
	show_recv("s receives it", s, 100, 0);

	/* The queue of an unconnected receiver holds max_dgram_qlen + 1. */
	int nb = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int queued = 0;
	while (sendto(nb, "q", 1, 0, (struct sockaddr *)&a, alen) == 1 && queued < 100)
		queued++;
	printf("queued %d, then %s\n", queued, sename(errno));
	show_recv("one out", s, 10, 0);
	sresult("room for one more", sendto(nb, "q", 1, 0, (struct sockaddr *)&a, alen));
	static char huge[300000];
	sresult("a datagram larger than SO_SNDBUF", send(t, huge, sizeof(huge), 0));
	close(s);
	sresult("send to a closed peer", send(t, "x", 1, 0));
	sresult("and again", send(t, "x", 1, 0));
	unlink("dgram-a");
	unlink("dgram-b");
	close(t);
	close(third);
	close(nb);
}

static void under_epoll(void)
{
	int sv[2], ep = epoll_create1(0);
	struct epoll_event ev[4];
	char buf[16];

	phase("epoll");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 1 };
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &e);
	printf("nothing: %d\n", epoll_wait(ep, ev, 4, 0));
	write(sv[1], "abc", 3);
	int n = epoll_wait(ep, ev, 4, 0);
	printf("data: %d events 0x%x\n", n, n > 0 ? ev[0].events : 0);
	printf("no new edge: %d\n", epoll_wait(ep, ev, 4, 0));
	read(sv[0], buf, 1);
	printf("after reading part: %d\n", epoll_wait(ep, ev, 4, 0));
	shutdown(sv[1], SHUT_WR);
	n = epoll_wait(ep, ev, 4, 0);
	printf("peer shut down writing: %d events 0x%x\n", n, n > 0 ? ev[0].events : 0);
	close(sv[1]);
	n = epoll_wait(ep, ev, 4, 0);
	printf("peer closed: %d events 0x%x\n", n, n > 0 ? ev[0].events : 0);
	close(sv[0]);
	close(ep);
}

/* Interface requests on a unix socket, as glibc's and musl's if_nametoindex make them. */
static void interface_requests(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct ifreq r;

	printf("interface requests on a unix socket\n");
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	int index = ioctl(fd, SIOCGIFINDEX, &r) ? -errno : r.ifr_ifindex;
	printf("  SIOCGIFINDEX lo: %s\n", index > 0 ? "an index" : sename(-index));
	printf("  if_nametoindex(\"lo\") gives it: %s\n",
	       index > 0 && if_nametoindex("lo") == (unsigned int)index ? "yes" : "no");
	if (ioctl(fd, SIOCGIFFLAGS, &r) == 0)
		printf("  SIOCGIFFLAGS lo: %s%s\n", r.ifr_flags & IFF_UP ? "UP " : "",
		       r.ifr_flags & IFF_LOOPBACK ? "LOOPBACK" : "");
	else
		printf("  SIOCGIFFLAGS lo: -1 %s\n", sename(errno));
	strcpy(r.ifr_name, "alto-none0");
	printf("  SIOCGIFINDEX of no interface: %s\n",
	       ioctl(fd, SIOCGIFINDEX, &r) ? sename(errno) : "0");
	close(fd);
}

int main(void)
{
	setup();
	watchdog(60);
	signal(SIGPIPE, SIG_IGN);
	scratch_enter();
	creation();
	pairs();
	path_names();
	abstract_names();
	connections();
	blocking();
	datagrams();
	under_epoll();
	interface_requests();
	scratch_leave();
	return 0;
}
