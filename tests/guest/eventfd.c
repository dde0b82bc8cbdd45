/*
 * eventfd and eventfd2: the counter (a read takes it all, or one with
 * EFD_SEMAPHORE), the flags, short buffers, the largest value, a write
 * that would overflow (EAGAIN, or blocking until a read makes room), poll's
 * view of it, /proc's name for it, and a ping-pong between two threads
 * that block in read.
 */
#include "threads.h"
#include <poll.h>
#include <sys/eventfd.h>

static void show_read(const char *what, int fd)
{
	uint64_t v = 0;
	long n = read(fd, &v, sizeof(v));

	if (n < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		printf("%s: %ld bytes, value %llu\n", what, n, (unsigned long long)v);
}

static long write_value(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v));
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	poll(&p, 1, 0);
	printf("%s:%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLERR ? " ERR" : "");
}

static void basics(void)
{
	phase("basics");
	xresult("eventfd2 with a bad flag", eventfd(0, 0x10));
	int fd = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
	check("EFD_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	check("EFD_NONBLOCK sets O_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK);
	char link[64] = "";
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof(link) - 1);
	printf("/proc names it %s\n", link);
	show_poll("poll with 5", fd);
	show_read("read the initial 5", fd);
	show_read("read at 0", fd);
	show_poll("poll with 0", fd);
	xresult("write 7", write_value(fd, 7));
	xresult("write 3", write_value(fd, 3));
	show_read("read the sum", fd);
	char small[4];
	xresult("read into 4 bytes", read(fd, small, sizeof(small)));
	xresult("write 4 bytes", write(fd, small, sizeof(small)));
	xresult("write 2^64-1", write_value(fd, UINT64_MAX));
	xresult("write 2^64-2", write_value(fd, UINT64_MAX - 1));
	show_poll("poll at 2^64-2", fd);
	xresult("write 1 more (would reach 2^64-1)", write_value(fd, 1));
	xresult("write 0", write_value(fd, 0));
	show_read("read it all", fd);
	write_value(fd, 9);
	xresult("read into a bad buffer", syscall(SYS_read, fd, (void *)8, 8));
	show_read("what is left after it", fd);
	xresult("write from a bad buffer", syscall(SYS_write, fd, (void *)8, 8));
	close(fd);

	fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	show_read("semaphore read 1", fd);
	show_read("semaphore read 2", fd);
	show_read("semaphore read 3", fd);
	show_read("semaphore read 4", fd);
	close(fd);

	fd = syscall(SYS_eventfd, 2);
	xresult("old eventfd", fd >= 0 ? 0 : -1);
	check("old eventfd blocks", !(fcntl(fd, F_GETFL) & O_NONBLOCK));
	show_read("old eventfd read", fd);
	close(fd);
}

struct pp {
	int to_b, to_a;
	int rounds;
};

static void *player_b(void *arg)
{
	struct pp *p = arg;
	uint64_t v;

	for (int i = 0; i < p->rounds; i++) {
		if (read(p->to_b, &v, sizeof(v)) != sizeof(v) || v != (uint64_t)i + 1)
			return (void *)1;
		write_value(p->to_a, v);
	}
	return NULL;
}

static void ping_pong(void)
{
	struct pp p = { eventfd(0, 0), eventfd(0, 0), 2000 };
	uint64_t v;
	int bad = 0;

	phase("ping-pong");
	pthread_t t = spawn(player_b, &p);
	for (int i = 0; i < p.rounds; i++) {
		write_value(p.to_b, (uint64_t)i + 1);
		if (read(p.to_a, &v, sizeof(v)) != sizeof(v) || v != (uint64_t)i + 1)
			bad++;
	}
	check("2000 rounds of ping-pong, every value back", !bad && !join(t));
	close(p.to_a);
	close(p.to_b);
}

static void *drain_later(void *arg)
{
	int fd = *(int *)arg;
	uint64_t v;

	sleep_ms(50);
	read(fd, &v, sizeof(v));
	return NULL;
}

static void blocking_write(void)
{
	int fd = eventfd(0, 0);

	phase("blocking write");
	write_value(fd, UINT64_MAX - 1);
	pthread_t t = spawn(drain_later, &fd);
	xresult("a write that must wait for a read", write_value(fd, 5));
	join(t);
	show_read("then the count", fd);
	close(fd);
}

int main(void)
{
	setup();
	watchdog(60);
	basics();
	ping_pong();
	blocking_write();
	return 0;
}
