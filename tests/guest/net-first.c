/*
 * The network's first use, from several threads at once: Alto starts its
 * TCP/IP stack (lwIP, the loopback interface, the stack thread) only when
 * something first needs it, so the first sockets, the first interface
 * lookup and the first loopback traffic race with that start. Eight
 * threads wait at a barrier, then each makes its first network call at
 * the same moment: a UDP datagram to itself, a TCP connection to itself,
 * or the index of lo. Run on 4 CPUs so that the starts really overlap;
 * each thread's result is printed after all are joined, in thread order.
 */
#include "common.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define THREADS 8

static pthread_barrier_t start;
static char outcome[THREADS][96];

static void loopback(struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static const char *udp_self(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char buf[8] = "";
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return errname(errno);
	loopback(&a);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &len))
		return errname(errno);
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)) != 4)
		return errname(errno);
	if (recv(s, buf, sizeof(buf) - 1, 0) != 4)
		return errname(errno);
	close(s);
	return strcmp(buf, "ping") ? "wrong datagram" : "datagram came back";
}

static const char *tcp_self(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char buf[8] = "";
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s;

	if (l < 0)
		return errname(errno);
	loopback(&a);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return errname(errno);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		return errname(errno);
	s = accept(l, NULL, NULL);
	if (s < 0 || write(c, "pong", 4) != 4 || read(s, buf, sizeof(buf) - 1) != 4)
		return errname(errno);
	close(s);
	close(c);
	close(l);
	return strcmp(buf, "pong") ? "wrong bytes" : "connection carried bytes";
}

/* SIOCGIFINDEX on an inet socket (glibc's if_nametoindex asks a unix socket). */
static const char *lo_index(void)
{
	struct ifreq r = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0 || ioctl(s, SIOCGIFINDEX, &r))
		return errname(errno);
	close(s);
	return r.ifr_ifindex == 1 ? "lo is interface 1" : "lo has another index";
}

static void *first_use(void *arg)
{
	long i = (long)arg;
	const char *what = i % 3 == 0 ? "udp" : i % 3 == 1 ? "tcp" : "SIOCGIFINDEX";

	pthread_barrier_wait(&start);
	const char *r = i % 3 == 0 ? udp_self() : i % 3 == 1 ? tcp_self() : lo_index();
	snprintf(outcome[i], sizeof(outcome[i]), "thread %ld (%s): %s", i, what, r);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	setup();
	pthread_barrier_init(&start, NULL, THREADS);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, first_use, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++)
		printf("%s\n", outcome[i]);
	return 0;
}
