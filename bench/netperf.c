/*
 * The network benchmark's two ends, one static program (bench/net.py runs
 * it): the guest side serves, the host side measures, so every figure is
 * taken by the same host clock whichever guest serves.
 *
 * guest:  netperf source PORT BYTES    accept one connection, send BYTES, end when
 *                                     the host closes
 *         netperf tcp-echo PORT        accept one connection, echo until it ends
 *         netperf udp-echo PORT        echo datagrams until one says "stop"
 * host:   netperf drain HOST PORT      connect, read to the end: "MB/s N"
 *         netperf tcp-rr HOST PORT N   N 1-byte round trips: "us N" (the median)
 *                                     and "mean-us N"
 *         netperf udp-rr HOST PORT N   the same over UDP
 *
 * A client retries its first connection or datagram for 60 s, while the
 * guest boots.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "netperf: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in addr(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };

	if (host && inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "netperf: bad address %s\n", host);
		exit(2);
	}
	return a;
}

static int listen_one(const char *port, int type)
{
	struct sockaddr_in a = addr(NULL, port);
	int s = socket(AF_INET, type, 0), one = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	if (type == SOCK_DGRAM)
		return s;
	if (listen(s, 1))
		die("listen");
	printf("ready\n");
	fflush(stdout);
	int c = accept(s, NULL, NULL);
	if (c < 0)
		die("accept");
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(s);
	return c;
}

/* Connect, retrying while the guest boots (a refused or dropped attempt). */
static int connect_retry(const char *host, const char *port)
{
	struct sockaddr_in a = addr(host, port);
	double end = now() + 60;
	int one = 1;

	for (;;) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return s;
		}
		close(s);
		if (now() > end)
			die("connect");
		usleep(100 * 1000);
	}
}

static int source(const char *port, long long bytes)
{
	static char buf[CHUNK];
	int c = listen_one(port, SOCK_STREAM);

	memset(buf, 'x', sizeof(buf));
	for (long long left = bytes; left > 0;) {
		ssize_t n = write(c, buf, left < CHUNK ? (size_t)left : CHUNK);
		if (n <= 0)
			die("write");
		left -= n;
	}
	/*
	 * Exit only once the host has read it all (its close is the sign): the
	 * guest powers off when the program ends, and a kernel's close() does
	 * not wait for what is still queued, which would then never arrive.
	 */
	shutdown(c, SHUT_WR);
	while (read(c, buf, sizeof(buf)) > 0)
		;
	close(c);
	return 0;
}

static int tcp_echo(const char *port)
{
	char buf[4096];
	int c = listen_one(port, SOCK_STREAM);

	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));
		if (n <= 0)
			return 0;
		if (write(c, buf, (size_t)n) != n)
			die("write");
	}
}

static int udp_echo(const char *port)
{
	char buf[2048];
	struct sockaddr_in peer;
	int s = listen_one(port, SOCK_DGRAM);

	printf("ready\n");
	fflush(stdout);
	for (;;) {
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);
		if (n < 0)
			die("recvfrom");
		sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
		if (n == 4 && !memcmp(buf, "stop", 4))
			return 0;
	}
}

/* Read to the end of the stream and close; a stall of 30 s fails. */
static int drain(const char *host, const char *port)
{
	static char buf[CHUNK];
	long long total = 0;
	double start = 0, end = now() + 60;
	int s;

	/* As tcp_rr: a connection QEMU took for a guest not yet listening ends at once. */
	for (;;) {
		s = connect_retry(host, port);
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, 30000) == 1 && recv(s, buf, 1, MSG_PEEK) == 1)
			break; /* data: the guest is there (an end of stream means it was not) */
		close(s);
		if (now() > end)
			die("no data");
		usleep(100 * 1000);
	}
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, 30000) != 1) {
			fprintf(stderr, "netperf: no data for 30 s after %lld bytes\n", total);
			return 1;
		}
		ssize_t n = read(s, buf, sizeof(buf));
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		if (!total)
			start = now(); /* from the first byte: the connection's setup is not the
					  stream */
		total += n;
	}
	double t = now() - start;
	printf("bytes %lld\nMB/s %.1f\n", total, t > 0 ? (double)total / t / 1e6 : 0.0);
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The median round trip (the figure: a shared host's hiccups of a few ms
 * would swamp a mean) and the mean, in microseconds; frees t.
 */
static void report(double *t, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(*t), by_value);
	printf("us %.1f\nmean-us %.1f\n", t[n / 2] * 1e6, sum / n * 1e6);
	free(t);
}

static double *samples(int n)
{
	double *t = malloc((size_t)(n > 0 ? n : 1) * sizeof(*t));

	if (!t)
		die("malloc");
	return t;
}

/* One round trip: 0, or -1 when the connection failed. */
static int round_trip(int s)
{
	char b = 'x';

	return write(s, &b, 1) == 1 && read(s, &b, 1) == 1 ? 0 : -1;
}

static int tcp_rr(const char *host, const char *port, int n)
{
	double end = now() + 60;
	int s;

	/*
	 * QEMU's user networking accepts the host's connection before the
	 * guest listens, then drops it: start again until a round trip works.
	 */
	for (;;) {
		s = connect_retry(host, port);
		if (!round_trip(s))
			break;
		close(s);
		if (now() > end)
			die("first round trip");
		usleep(100 * 1000);
	}
	for (int i = 0; i < 10; i++) { /* warm up */
		if (round_trip(s))
			die("warm-up");
	}
	double *t = samples(n);
	for (int i = 0; i < n; i++) {
		double start = now();
		if (round_trip(s))
			die("round trip");
		t[i] = now() - start;
	}
	report(t, n);
	close(s);
	return 0;
}

/*
 * Wait up to ms for the datagram whose one byte is want, dropping others:
 * 0, or -1 on a time-out. The first answers may come late, after the same
 * probe was sent again, and a second answer left queued would then answer
 * every later round trip at once.
 */
static int udp_answer(int s, unsigned char want, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	double end = now() + ms / 1e3;
	unsigned char b;

	for (;;) {
		int left = (int)((end - now()) * 1e3);
		if (left < 0 || poll(&p, 1, left) != 1)
			return -1;
		if (recv(s, &b, 1, 0) == 1 && b == want)
			return 0;
	}
}

/* Datagram i carries i % 255; the probes while the guest boots carry 255. */
static int udp_rr(const char *host, const char *port, int n)
{
	struct sockaddr_in a = addr(host, port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned char b = 255;

	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	/* Until the guest answers (it may still boot; lost datagrams are sent again). */
	for (double end = now() + 60;;) {
		send(s, &b, 1, 0);
		if (!udp_answer(s, b, 200))
			break;
		if (now() > end)
			die("no answer");
	}
	double *t = samples(n);
	for (int i = 0; i < n; i++) {
		double start = now();
		b = (unsigned char)(i % 255);
		send(s, &b, 1, 0);
		if (udp_answer(s, b, 2000)) {
			fprintf(stderr, "netperf: a datagram was lost\n");
			return 1;
		}
		t[i] = now() - start;
	}
	report(t, n);
	send(s, "stop", 4, 0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "source") && argc == 4)
		return source(argv[2], atoll(argv[3]));
	if (!strcmp(mode, "tcp-echo") && argc == 3)
		return tcp_echo(argv[2]);
	if (!strcmp(mode, "udp-echo") && argc == 3)
		return udp_echo(argv[2]);
	if (!strcmp(mode, "drain") && argc == 4)
		return drain(argv[2], argv[3]);
	if (!strcmp(mode, "tcp-rr") && argc == 5)
		return tcp_rr(argv[2], argv[3], atoi(argv[4]));
	if (!strcmp(mode, "udp-rr") && argc == 5)
		return udp_rr(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: netperf source PORT BYTES | tcp-echo PORT | udp-echo PORT |\n"
			"       drain HOST PORT | tcp-rr HOST PORT N | udp-rr HOST PORT N\n");
	return 2;
}
