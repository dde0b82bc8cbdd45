/*
 * AF_UNIX messages and options: SCM_RIGHTS (a pipe end passed over a
 * socket then carrying data, several files at once, MSG_CTRUNC when the
 * buffer is short, MSG_CMSG_CLOEXEC, a peek, a bad descriptor),
 * SCM_CREDENTIALS with SO_PASSCRED, SO_PEERCRED, the SOL_SOCKET options
 * and their errors, SO_RCVTIMEO/SO_SNDTIMEO, sendmmsg/recvmmsg, FIONREAD,
 * headers the kernel cannot take (a bad pointer, too many iovecs, a
 * negative name length, too much control data) in each of the four calls,
 * and SIGPIPE: raised by a send to a closed peer unless MSG_NOSIGNAL.
 */
#include "sockets.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* Send bytes with up to n descriptors. */
static long send_fds(int s, const char *data, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)] = { 0 };
	struct iovec iov = { (void *)data, strlen(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n) {
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	return sendmsg(s, &m, 0);
}

/* Receive, printing the data and the control messages; received fds into fds. */
static int recv_show(const char *what, int s, size_t cspace, int flags, int *fds)
{
	char buf[64], cbuf[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = cspace
	};
	int got = 0;
	long n = recvmsg(s, &m, flags);

	if (n < 0) {
		printf("%s: -1 %s\n", what, sename(errno));
		return 0;
	}
	printf("%s: %ld bytes \"%.*s\"%s%s", what, n, (int)n, buf,
	       m.msg_flags & MSG_CTRUNC ? " CTRUNC" : "", m.msg_flags & MSG_TRUNC ? " TRUNC" : "");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			printf(", SCM_RIGHTS %d fds", k);
			for (int i = 0; i < k && fds; i++) {
				memcpy(&fds[got], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				got++;
			}
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred u;
			memcpy(&u, CMSG_DATA(c), sizeof(u));
			printf(", SCM_CREDENTIALS pid %s uid %s gid %s",
			       u.pid == getpid() ? "ours" : "other",
			       u.uid == getuid() ? "ours" : "other",
			       u.gid == getgid() ? "ours" : "other");
		} else {
			printf(", cmsg %d/%d", c->cmsg_level, c->cmsg_type);
		}
	}
	printf("\n");
	return got;
}

static void rights(void)
{
	int sv[2], p[2], fds[8];
	char buf[32];

	phase("SCM_RIGHTS");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	sresult("send the pipe's write end", send_fds(sv[0], "fd", &p[1], 1));
	close(p[1]);
	int n = recv_show("received", sv[1], sizeof(fds) * 8, 0, fds);
	check("one descriptor", n == 1);
	check("not close-on-exec", !(fcntl(fds[0], F_GETFD) & FD_CLOEXEC));
	sresult("write through the received end", write(fds[0], "through", 7));
	close(fds[0]);
	show("the pipe carried it", buf, read(p[0], buf, sizeof(buf)));
	sresult("then EOF: no writer left", read(p[0], buf, sizeof(buf)));
	close(p[0]);

	/* Several, with MSG_CMSG_CLOEXEC. */
	int three[3];
	three[0] = open("/dev/null", O_RDONLY);
	three[1] = dup(three[0]);
	three[2] = dup(three[0]);
	send_fds(sv[0], "three", three, 3);
	n = recv_show("three at once, MSG_CMSG_CLOEXEC", sv[1], 256, MSG_CMSG_CLOEXEC, fds);
	check("all close-on-exec", n == 3 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) &&
					   (fcntl(fds[2], F_GETFD) & FD_CLOEXEC));
	for (int i = 0; i < n; i++)
		close(fds[i]);

	/* A control buffer with room for one of three: the rest are closed, MSG_CTRUNC. */
	send_fds(sv[0], "cut", three, 3);
	n = recv_show("room for one", sv[1], CMSG_SPACE(sizeof(int)), 0, fds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	send_fds(sv[0], "none", three, 2);
	recv_show("no control buffer", sv[1], 0, 0, NULL);

	/* A peek gives descriptors too, and the real read gives them again. */
	send_fds(sv[0], "peek", three, 1);
	n = recv_show("peek", sv[1], 256, MSG_PEEK, fds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	n = recv_show("read", sv[1], 256, 0, fds);
	for (int i = 0; i < n; i++)
		close(fds[i]);

	/* Data after a message with files is not glued to it. */
	send_fds(sv[0], "with", three, 1);
	send(sv[0], "after", 5, 0);
	n = recv_show("bytes with a file", sv[1], 256, 0, fds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	recv_show("the bytes after it", sv[1], 256, 0, NULL);

	int bad = 1000;
	sresult("send a bad descriptor", send_fds(sv[0], "bad", &bad, 1));
	for (int i = 0; i < 3; i++)
		close(three[i]);

	/* A socket end passed over itself: the pair still works through the copy. */
	send_fds(sv[0], "self", &sv[0], 1);
	n = recv_show("a socket's own end", sv[1], 256, 0, fds);
	if (n == 1) {
		write(fds[0], "via copy", 8);
		show("read at the other end", buf, read(sv[1], buf, sizeof(buf)));
		close(fds[0]);
	}
	close(sv[0]);
	close(sv[1]);

	/* Datagrams carry descriptors too. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	int dn = open("/dev/null", O_WRONLY);
	send_fds(sv[0], "dgram", &dn, 1);
	close(dn);
	n = recv_show("a datagram with a descriptor", sv[1], 256, 0, fds);
	if (n == 1) {
		sresult("write to the received /dev/null", write(fds[0], "x", 1));
		close(fds[0]);
	}
	close(sv[0]);
	close(sv[1]);
}

static void credentials(void)
{
	int sv[2], one = 1;
	struct ucred c;
	socklen_t len = sizeof(c);

	phase("credentials");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	sresult("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &len));
	printf("peer pid ours %s, uid ours %s, gid ours %s, len %u\n",
	       c.pid == getpid() ? "yes" : "no", c.uid == getuid() ? "yes" : "no",
	       c.gid == getgid() ? "yes" : "no", (unsigned int)len);
	send(sv[0], "nocred", 6, 0);
	recv_show("without SO_PASSCRED", sv[1], 256, 0, NULL);
	sresult("SO_PASSCRED on", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
	send(sv[0], "cred", 4, 0);
	recv_show("with SO_PASSCRED", sv[1], 256, 0, NULL);

	/* Credentials given explicitly. */
	char cbuf[CMSG_SPACE(sizeof(struct ucred))] = { 0 };
	struct iovec iov = { "explicit", 8 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_CREDENTIALS;
	h->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred mine = { getpid(), getuid(), getgid() };
	memcpy(CMSG_DATA(h), &mine, sizeof(mine));
	sresult("sendmsg with SCM_CREDENTIALS", sendmsg(sv[0], &m, 0));
	recv_show("received", sv[1], 256, 0, NULL);
	h->cmsg_len = CMSG_LEN(4);
	sresult("SCM_CREDENTIALS of the wrong size", sendmsg(sv[0], &m, 0));
	h->cmsg_len = 4;
	sresult("a control header shorter than itself", sendmsg(sv[0], &m, 0));
	close(sv[0]);
	close(sv[1]);

	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	len = sizeof(c);
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &len);
	printf("SO_PEERCRED unconnected: pid %d uid %u gid %u\n", c.pid, c.uid, c.gid);
	close(s);
}

static void show_int_opt(const char *what, int s, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(s, SOL_SOCKET, name, &v, &len))
		printf("%s: -1 %s\n", what, sename(errno));
	else
		printf("%s: %d (len %u)\n", what, v, (unsigned int)len);
}

static void options(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), v;
	socklen_t len;

	phase("options");
	show_int_opt("SO_TYPE", s, SO_TYPE);
	show_int_opt("SO_DOMAIN", s, SO_DOMAIN);
	show_int_opt("SO_PROTOCOL", s, SO_PROTOCOL);
	show_int_opt("SO_ERROR", s, SO_ERROR);
	show_int_opt("SO_ACCEPTCONN", s, SO_ACCEPTCONN);
	show_int_opt("SO_REUSEADDR", s, SO_REUSEADDR);
	show_int_opt("SO_KEEPALIVE", s, SO_KEEPALIVE);
	show_int_opt("SO_PASSCRED", s, SO_PASSCRED);
	show_int_opt("SO_RCVLOWAT", s, SO_RCVLOWAT);
	show_int_opt("SO_SNDLOWAT", s, SO_SNDLOWAT);
	v = 1;
	sresult("set SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	show_int_opt("SO_REUSEADDR", s, SO_REUSEADDR);
	v = 100000;
	sresult("set SO_SNDBUF 100000", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	show_int_opt("SO_SNDBUF", s, SO_SNDBUF);
	v = 10;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	show_int_opt("SO_SNDBUF after 10", s, SO_SNDBUF);
	v = 50000;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	show_int_opt("SO_RCVBUF after 50000", s, SO_RCVBUF);
	v = 10;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	show_int_opt("SO_RCVBUF after 10", s, SO_RCVBUF);
	struct linger lg = { 1, 5 };
	sresult("set SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	lg = (struct linger){ 0, 0 };
	len = sizeof(lg);
	getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("SO_LINGER: on %d, %d s, len %u\n", lg.l_onoff, lg.l_linger, (unsigned int)len);
	sresult("SO_LINGER too short", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 4));
	short small = 1;
	sresult("an int option with 2 bytes", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &small, 2));
	sresult("set SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)));
	sresult("set SO_PEERCRED", setsockopt(s, SOL_SOCKET, SO_PEERCRED, &v, sizeof(v)));
	sresult("unknown SOL_SOCKET option", setsockopt(s, SOL_SOCKET, 999, &v, sizeof(v)));
	len = sizeof(v);
	sresult("get unknown SOL_SOCKET option", getsockopt(s, SOL_SOCKET, 999, &v, &len));
	sresult("set at level IPPROTO_TCP", setsockopt(s, 6, 1, &v, sizeof(v)));
	len = sizeof(v);
	sresult("get at level IPPROTO_TCP", getsockopt(s, 6, 1, &v, &len));
	len = 2;
	v = 0;
	sresult("get SO_TYPE into 2 bytes", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
	printf("  len %u, value %d\n", (unsigned int)len, v);
	sresult("get with a bad length pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (void *)8));
	struct timeval tv = { 0, 2000000 };
	sresult("SO_RCVTIMEO with 2e6 us", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){ 1, 500000 };
	sresult("SO_RCVTIMEO 1.5 s", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){ 0, 0 };
	len = sizeof(tv);
	getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("SO_RCVTIMEO: %ld.%06ld, len %u\n", (long)tv.tv_sec, (long)tv.tv_usec,
	       (unsigned int)len);
	close(s);

	struct sockaddr_un a = { .sun_family = AF_UNIX };
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(s, (struct sockaddr *)&a, sizeof(sa_family_t));
	listen(s, 1);
	show_int_opt("SO_ACCEPTCONN listening", s, SO_ACCEPTCONN);
	struct ucred c;
	len = sizeof(c);
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &len);
	printf("SO_PEERCRED of a listener: ours %s\n", c.pid == getpid() ? "yes" : "no");
	close(s);
}

static void timeouts(void)
{
	int sv[2];
	char buf[8];

	phase("timeouts");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct timeval tv = { 0, 100000 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	long long t0 = mono_ns();
	long n = recv(sv[0], buf, sizeof(buf), 0);
	long long ms = (mono_ns() - t0) / 1000000;
	printf("recv with SO_RCVTIMEO 100 ms: %ld %s, waited at least 90 ms: %s\n", n,
	       n < 0 ? sename(errno) : "", ms >= 90 ? "yes" : "no");
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	static char big[65536];
	long total = 0;
	while ((n = send(sv[0], big, sizeof(big), 0)) > 0)
		total += n;
	printf("send into a full stream with SO_SNDTIMEO: %s after %s\n", sename(errno),
	       total > 0 ? "some data" : "nothing");
	close(sv[0]);
	close(sv[1]);
}

static void batches(void)
{
	int sv[2];
	struct mmsghdr msgs[4];
	struct iovec iov[4];
	char bufs[4][16];
	const char *words[] = { "alpha", "beta", "gamma", "delta" };

	phase("mmsg");
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 4; i++) {
		iov[i] = (struct iovec){ (void *)words[i], strlen(words[i]) };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sresult("sendmmsg 4", sendmmsg(sv[0], msgs, 4, 0));
	for (int i = 0; i < 4; i++)
		printf("  msg_len[%d] %u\n", i, msgs[i].msg_len);
	int avail = -1;
	ioctl(sv[1], FIONREAD, &avail);
	printf("FIONREAD on a datagram socket: %d\n", avail);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 4; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sresult("recvmmsg 3", recvmmsg(sv[1], msgs, 3, 0, NULL));
	for (int i = 0; i < 3; i++)
		printf("  %u \"%.*s\"\n", msgs[i].msg_len, (int)msgs[i].msg_len, bufs[i]);
	sresult("recvmmsg 4 with MSG_WAITFORONE", recvmmsg(sv[1], msgs, 4, MSG_WAITFORONE, NULL));
	sresult("recvmmsg when empty, MSG_DONTWAIT", recvmmsg(sv[1], msgs, 4, MSG_DONTWAIT, NULL));
	send(sv[0], "t", 1, 0);
	send(sv[0], "u", 1, 0);
	struct timespec ts = { 0, 0 };
	sresult("recvmmsg with a zero time-out", recvmmsg(sv[1], msgs, 4, 0, &ts));
	recv(sv[1], bufs[0], 16, 0);
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "0123456789", 10);
	ioctl(sv[1], FIONREAD, &avail);
	printf("FIONREAD on a stream: %d\n", avail);
	close(sv[0]);
	close(sv[1]);
}

static void sigpipe(void)
{
	int sv[2];

	phase("sigpipe");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[1]);
	sresult("send with MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
	printf("now a write, which raises SIGPIPE\n");
	write(sv[0], "x", 1);
	printf("still alive: no\n");
}

/*
 * Headers refused before anything is sent: the kernel once freed what the
 * heap had left in its message buffer after such an error (a panic in
 * sendmmsg found by the system-call fuzzer, seed 1).
 */
static void bad_headers(void)
{
	static struct iovec many[1025];
	struct msghdr h[4] = { 0 };
	struct mmsghdr mh = { 0 };
	int sv[2], errors = 0, kinds[4] = { EFAULT, EMSGSIZE, EINVAL, ENOBUFS };

	phase("bad headers");
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	h[1] = (struct msghdr){ .msg_iov = many, .msg_iovlen = 1025 };
	h[2] = (struct msghdr){ .msg_name = &h[3], .msg_namelen = -1 };
	h[3] = (struct msghdr){ .msg_control = many, .msg_controllen = 1ul << 30 };
	for (int round = 0; round < 200; round++) {
		/* A datagram of some size first: its freed buffer is what the heap gives next. */
		static char junk[2048];
		size_t n = 64 + (size_t)round * 10;
		memset(junk, 'A' + round % 26, n);
		send(sv[0], junk, n, 0);
		recv(sv[1], junk, sizeof(junk), 0);
		for (int k = 0; k < 4; k++) {
			struct msghdr *m = k ? &h[k] : (struct msghdr *)0xdead0000;
			mh.msg_hdr = k ? h[k] : (struct msghdr){ 0 };
			struct mmsghdr *mm = k ? &mh : (struct mmsghdr *)0xdead0000;
			/* Straight to the kernel: musl's wrappers read the header first. */
			errors += syscall(SYS_sendmsg, sv[0], m, MSG_DONTWAIT) == -1 &&
				  errno == kinds[k];
			errors += syscall(SYS_sendmmsg, sv[0], mm, 1, MSG_DONTWAIT) == -1 &&
				  errno == kinds[k];
			if (k != 2 && k != 3) {
				errors += syscall(SYS_recvmsg, sv[1], m, MSG_DONTWAIT) == -1 &&
					  errno == kinds[k];
				errors += syscall(SYS_recvmmsg, sv[1], mm, 1, MSG_DONTWAIT, NULL) ==
						  -1 &&
					  errno == kinds[k];
			}
		}
	}
	printf("bad headers refused with the expected error: %d of %d\n", errors, 200 * 12);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	setup();
	watchdog(60);
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		sigpipe();
		return 1;
	}
	rights();
	credentials();
	options();
	timeouts();
	batches();
	bad_headers();
	return 0;
}
