/*
 * The benchmark program: one static binary run natively, in Alto and in a
 * Linux guest, timing each operation with CLOCK_MONOTONIC inside the system
 * it runs on. Prints "name ns-per-op" lines; "quick" runs fewer iterations.
 * Only Linux system calls: built with gcc -static, it runs anywhere.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long iterations = 10000000;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void report(const char *name, double total_ns, long n)
{
	printf("%-24s %10.1f\n", name, total_ns / n);
	fflush(stdout);
}

static void bench_getpid(void)
{
	double t = now_ns();
	for (long i = 0; i < iterations; i++)
		syscall(SYS_getpid);
	report("getpid", now_ns() - t, iterations);
}

static void bench_getppid(void)
{
	double t = now_ns();
	for (long i = 0; i < iterations; i++)
		syscall(SYS_getppid);
	report("getppid", now_ns() - t, iterations);
}

static void bench_clock_gettime(void)
{
	struct timespec ts;
	long n = iterations / 2;
	double t = now_ns();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	report("clock_gettime", now_ns() - t, n);
}

static void bench_write_null(void)
{
	int fd = open("/dev/null", O_WRONLY);
	long n = iterations / 10;
	double t = now_ns();
	for (long i = 0; i < n; i++)
		if (write(fd, "x", 1) != 1)
			exit(1);
	report("write-devnull-1B", now_ns() - t, n);
	close(fd);
}

static void bench_open_close(void)
{
	int fd = open("/tmp/bench-file", O_CREAT | O_WRONLY, 0644);
	close(fd);
	long n = iterations / 100;
	double t = now_ns();
	for (long i = 0; i < n; i++)
		close(open("/tmp/bench-file", O_RDONLY));
	report("open-close", now_ns() - t, n);
}

static void bench_read_1m(void)
{
	static char buf[1 << 20];
	int fd = open("/tmp/bench-1m", O_CREAT | O_RDWR | O_TRUNC, 0644);
	memset(buf, 'a', sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != sizeof(buf))
		exit(1);
	long n = iterations / 10000 + 1;
	double t = now_ns();
	for (long i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
			exit(1);
	report("read-1MiB", now_ns() - t, n);
	close(fd);
}

static void bench_mmap(const char *name, size_t size)
{
	long n = size > 4096 ? iterations / 10000 + 1 : iterations / 1000;
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		for (size_t off = 0; off < size; off += 4096)
			p[off] = 1;
		munmap(p, size);
	}
	report(name, now_ns() - t, n);
}

static void *nothing(void *arg)
{
	return arg;
}

static void bench_thread_create(void)
{
	long n = iterations / 1000;
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t th;
		pthread_create(&th, NULL, nothing, NULL);
		pthread_join(th, NULL);
	}
	report("thread-create-join", now_ns() - t, n);
}

static atomic_int ping;

static long futex(atomic_int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Wait until ping == want, sleeping on the futex. */
static void wait_for(int want)
{
	int v;
	while ((v = atomic_load(&ping)) != want)
		futex(&ping, FUTEX_WAIT, v);
}

static long pingpong_rounds;

static void *pong(void *arg)
{
	for (long i = 0; i < pingpong_rounds; i++) {
		wait_for(1);
		atomic_store(&ping, 0);
		futex(&ping, FUTEX_WAKE, 1);
	}
	return NULL;
}

/* Two threads hand a token back and forth through a futex: a round trip each. */
static void bench_futex_pingpong(void)
{
	pthread_t th;
	pingpong_rounds = iterations / 100;
	atomic_store(&ping, 0);
	pthread_create(&th, NULL, pong, NULL);
	double t = now_ns();
	for (long i = 0; i < pingpong_rounds; i++) {
		atomic_store(&ping, 1);
		futex(&ping, FUTEX_WAKE, 1);
		wait_for(0);
	}
	report("futex-pingpong", now_ns() - t, pingpong_rounds);
	pthread_join(th, NULL);
}

static volatile int yield_stop;

static void *yielder(void *arg)
{
	while (!yield_stop)
		sched_yield();
	return NULL;
}

/* Two threads on one CPU yielding to each other: each yield is a switch. */
static void bench_context_switch(void)
{
	cpu_set_t one;
	pthread_t th;
	long n = iterations / 20;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	yield_stop = 0;
	pthread_create(&th, NULL, yielder, NULL);
	pthread_setaffinity_np(th, sizeof(one), &one);
	double t = now_ns();
	for (long i = 0; i < n; i++)
		sched_yield();
	/* Each of our yields lets the other thread run once: two switches per round. */
	report("context-switch", (now_ns() - t) / 2, n);
	yield_stop = 1;
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "quick"))
		iterations = 1000000;
	bench_getpid();
	bench_getppid();
	bench_clock_gettime();
	bench_write_null();
	bench_open_close();
	bench_read_1m();
	bench_mmap("mmap-touch-4KiB", 4096);
	bench_mmap("mmap-touch-1MiB", 1 << 20);
	bench_thread_create();
	bench_futex_pingpong();
	bench_context_switch();
	return 0;
}
