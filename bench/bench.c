/*
 * The benchmark program: one static binary run natively, in Alto and in a
 * Linux guest, timing each operation with CLOCK_MONOTONIC inside the system
 * it runs on, so that VM entry and host noise between runs do not count.
 * Prints one "name ns-per-op" line per benchmark. Only Linux system calls:
 * built with gcc -static, the same file runs everywhere.
 *
 *   bench [-q] [-n N] [-f FILE] [-x HELLO] [NAME...]
 *
 * -q: quick, a tenth of the iterations; -n N: N getpid calls (the other
 * benchmarks scale from it, default 10^7); -f FILE: a file of at least 1 MiB
 * for open-close and read-1MiB (default /bench/data-1m); -x HELLO: the
 * static hello that the process benchmarks run (default /bench/hello, its
 * output going to /dev/null); NAMEs: run only these benchmarks (default
 * all, in the order of the table at the end, but bare-syscall, which only
 * the bench kernel build/alto-bare.elf answers at once and runs only when
 * named).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1 << 20)

static long iterations = 10000000;
static const char *data_file = "/bench/data-1m";
static const char *hello_file = "/bench/hello";

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* At least one round, however small -n is. */
static long scaled(long divisor)
{
	return iterations / divisor > 0 ? iterations / divisor : 1;
}

static void report(const char *name, double total_ns, long n)
{
	printf("%-20s %12.1f\n", name, total_ns / n);
	fflush(stdout);
}

/* The raw system call, so that no C library caching hides the round trip. */
static void round_trips(const char *name, long nr)
{
	long n = iterations;
	double t = now_ns();
	for (long i = 0; i < n; i++)
		syscall(nr);
	report(name, now_ns() - t, n);
}

static void bench_getpid(const char *name)
{
	round_trips(name, SYS_getpid);
}

/*
 * A number no system has: build/alto-bare.elf (make kernel-bare) returns
 * from it at once (arch/x86_64/syscall.S), the floor the getpid round trip
 * is compared with; elsewhere it is ENOSYS.
 */
#define SYS_BARE 0x1a170

static void bench_bare(const char *name)
{
	round_trips(name, SYS_BARE);
}

static void bench_getppid(const char *name)
{
	round_trips(name, SYS_getppid);
}

/* Through the C library: a vDSO where the system has one, else a system call. */
static void bench_clock_gettime(const char *name)
{
	struct timespec ts;
	long n = scaled(2);
	double t = now_ns();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	report(name, now_ns() - t, n);
}

static void bench_write_null(const char *name)
{
	int fd = open("/dev/null", O_WRONLY);
	long n = scaled(10);

	if (fd < 0)
		die("/dev/null");
	double t = now_ns();
	for (long i = 0; i < n; i++)
		if (write(fd, "x", 1) != 1)
			die("write /dev/null");
	report(name, now_ns() - t, n);
	close(fd);
}

static void bench_open_close(const char *name)
{
	long n = scaled(100);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(data_file, O_RDONLY);
		if (fd < 0)
			die(data_file);
		close(fd);
	}
	report(name, now_ns() - t, n);
}

/* The file comes from the root file system, as the image or initramfs holds it. */
static void bench_read_1m(const char *name)
{
	static char buf[MIB];
	long n = scaled(10000);
	int fd = open(data_file, O_RDONLY);

	if (fd < 0)
		die(data_file);
	double t = now_ns();
	for (long i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
			die("read of 1 MiB");
	report(name, now_ns() - t, n);
	close(fd);
}

/* Map, write one byte per page (each a page fault), unmap. */
static void mmap_touch(const char *name, size_t size, long n)
{
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		if (p == MAP_FAILED)
			die("mmap");
		for (size_t off = 0; off < size; off += 4096)
			p[off] = 1;
		munmap(p, size);
	}
	report(name, now_ns() - t, n);
}

static void bench_mmap_4k(const char *name)
{
	mmap_touch(name, 4096, scaled(1000));
}

static void bench_mmap_1m(const char *name)
{
	mmap_touch(name, MIB, scaled(10000));
}

/*
 * mmap+munmap of one page while 10,000 other areas exist (one-page areas
 * of alternating protection, so none merge): what a program with many
 * mappings pays per change, where a list of areas would be walked.
 */
#define MANY_AREAS 10000

static void bench_mmap_many_areas(const char *name)
{
	char *region =
		mmap(NULL, MANY_AREAS * 4096ul, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (region == MAP_FAILED)
		die("mmap region");
	for (long i = 1; i < MANY_AREAS; i += 2) /* every other page: an area each */
		if (mprotect(region + i * 4096, 4096, PROT_READ))
			die("mprotect");
	long n = scaled(1000);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		if (p == MAP_FAILED)
			die("mmap");
		munmap(p, 4096);
	}
	report(name, now_ns() - t, n);
	munmap(region, MANY_AREAS * 4096ul);
}

static void start_thread(pthread_t *th, void *(*fn)(void *))
{
	int err = pthread_create(th, NULL, fn, NULL);
	if (err) {
		fprintf(stderr, "pthread_create: %s\n", strerror(err));
		exit(1);
	}
}

static void *nothing(void *arg)
{
	return arg;
}

static void bench_thread_create(const char *name)
{
	long n = scaled(1000);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t th;
		start_thread(&th, nothing);
		pthread_join(th, NULL);
	}
	report(name, now_ns() - t, n);
}

static atomic_int ping;
static long rounds;

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

static void *futex_pong(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		wait_for(1);
		atomic_store(&ping, 0);
		futex(&ping, FUTEX_WAKE, 1);
	}
	return NULL;
}

/* Two threads hand a token back and forth through a futex: a round trip each. */
static void bench_futex_pingpong(const char *name)
{
	pthread_t th;

	rounds = scaled(100);
	atomic_store(&ping, 0);
	start_thread(&th, futex_pong);
	double t = now_ns();
	for (long i = 0; i < rounds; i++) {
		atomic_store(&ping, 1);
		futex(&ping, FUTEX_WAKE, 1);
		wait_for(0);
	}
	report(name, now_ns() - t, rounds);
	pthread_join(th, NULL);
}

static int to_pong[2], to_ping[2];

static void *pipe_pong(void *arg)
{
	char c;
	for (long i = 0; i < rounds; i++) {
		if (read(to_pong[0], &c, 1) != 1 || write(to_ping[1], &c, 1) != 1)
			die("pipe pong");
	}
	return NULL;
}

/* The same round trip through two pipes: one byte there, one byte back. */
static void bench_pipe_pingpong(const char *name)
{
	pthread_t th;
	char c = 'x';

	if (pipe(to_pong) || pipe(to_ping))
		die("pipe");
	rounds = scaled(100);
	start_thread(&th, pipe_pong);
	double t = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (write(to_pong[1], &c, 1) != 1 || read(to_ping[0], &c, 1) != 1)
			die("pipe ping");
	}
	report(name, now_ns() - t, rounds);
	pthread_join(th, NULL);
	close(to_pong[0]);
	close(to_pong[1]);
	close(to_ping[0]);
	close(to_ping[1]);
}

/* ---- processes */

static void reap(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child");
}

/* fork, the child exits at once, the parent waits for it. */
static void bench_fork(const char *name)
{
	long n = scaled(2000);
	double t = now_ns();

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
	report(name, now_ns() - t, n);
}

/* vfork, the child runs the static hello (its output to /dev/null), the parent waits. */
static __attribute__((noinline)) pid_t vfork_hello(int devnull)
{
	pid_t pid = vfork();

	if (pid == 0) {
		dup2(devnull, 1);
		execl(hello_file, hello_file, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void bench_vfork_exec(const char *name)
{
	long n = scaled(20000);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	double t = now_ns();

	for (long i = 0; i < n; i++)
		reap(vfork_hello(devnull));
	report(name, now_ns() - t, n);
	close(devnull);
}

/* The same through posix_spawn, as a C library runs a program. */
static void bench_posix_spawn(const char *name)
{
	long n = scaled(20000);
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)hello_file, NULL };
	extern char **environ;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid;
		if (posix_spawn(&pid, hello_file, &fa, NULL, argv, environ))
			die("posix_spawn");
		reap(pid);
	}
	report(name, now_ns() - t, n);
	posix_spawn_file_actions_destroy(&fa);
}

/* The pipe ping-pong between two processes: one byte there, one byte back. */
static void bench_pipe_processes(const char *name)
{
	char c = 'x';

	if (pipe(to_pong) || pipe(to_ping))
		die("pipe");
	rounds = scaled(100);
	pid_t pid = fork();
	if (pid == 0) {
		pipe_pong(NULL);
		_exit(0);
	}
	double t = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (write(to_pong[1], &c, 1) != 1 || read(to_ping[0], &c, 1) != 1)
			die("pipe ping");
	}
	report(name, now_ns() - t, rounds);
	reap(pid);
	close(to_pong[0]);
	close(to_pong[1]);
	close(to_ping[0]);
	close(to_ping[1]);
}

static volatile int yield_stop;

static void *yielder(void *arg)
{
	while (!yield_stop)
		sched_yield();
	return NULL;
}

/* Two threads on one CPU yielding to each other: each yield is a switch. */
static void bench_context_switch(const char *name)
{
	cpu_set_t one;
	pthread_t th;
	long n = scaled(20);

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	yield_stop = 0;
	start_thread(&th, yielder);
	pthread_setaffinity_np(th, sizeof(one), &one);
	double t = now_ns();
	for (long i = 0; i < n; i++)
		sched_yield();
	/* Each of our yields lets the other thread run once: two switches per round. */
	report(name, (now_ns() - t) / 2, n);
	yield_stop = 1;
	pthread_join(th, NULL);
}

/* 100 pipes in an epoll set, one of them readable: the cost of one epoll_wait. */
static void bench_epoll_ready(const char *name)
{
	int ep = epoll_create1(0), p[100][2];
	struct epoll_event ev[64];
	long n = scaled(20);

	if (ep < 0)
		die("epoll_create1");
	for (int i = 0; i < 100; i++) {
		if (pipe(p[i]))
			die("pipe");
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, p[i][0], &e))
			die("epoll_ctl");
	}
	if (write(p[57][1], "x", 1) != 1)
		die("write");
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		if (epoll_wait(ep, ev, 64, 0) != 1)
			die("epoll_wait");
	}
	report(name, now_ns() - t, n);
	for (int i = 0; i < 100; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	close(ep);
}

static int efd_ping, efd_pong;

static void *eventfd_pong(void *arg)
{
	uint64_t v;
	for (long i = 0; i < rounds; i++) {
		if (read(efd_ping, &v, 8) != 8 || write(efd_pong, &v, 8) != 8)
			die("eventfd pong");
	}
	return NULL;
}

/* Two threads hand a count back and forth through two eventfds. */
static void bench_eventfd_pingpong(const char *name)
{
	pthread_t th;
	uint64_t v = 1;

	efd_ping = eventfd(0, 0);
	efd_pong = eventfd(0, 0);
	if (efd_ping < 0 || efd_pong < 0)
		die("eventfd");
	rounds = scaled(100);
	start_thread(&th, eventfd_pong);
	double t = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (write(efd_ping, &v, 8) != 8 || read(efd_pong, &v, 8) != 8)
			die("eventfd ping");
	}
	report(name, now_ns() - t, rounds);
	pthread_join(th, NULL);
	close(efd_ping);
	close(efd_pong);
}

static int unix_sv[2];

static void *unix_pong(void *arg)
{
	char c;
	for (long i = 0; i < rounds; i++) {
		if (read(unix_sv[1], &c, 1) != 1 || write(unix_sv[1], &c, 1) != 1)
			die("unix pong");
	}
	return NULL;
}

/* One byte there and back over an AF_UNIX stream socket pair. */
static void bench_unix_pingpong(const char *name)
{
	pthread_t th;
	char c = 'x';

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, unix_sv))
		die("socketpair");
	rounds = scaled(100);
	start_thread(&th, unix_pong);
	double t = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (write(unix_sv[0], &c, 1) != 1 || read(unix_sv[0], &c, 1) != 1)
			die("unix ping");
	}
	report(name, now_ns() - t, rounds);
	pthread_join(th, NULL);
	close(unix_sv[0]);
	close(unix_sv[1]);
}

static void *unix_sink(void *arg)
{
	static char buf[64 * 1024];
	long left = (long)rounds * MIB;
	while (left > 0) {
		long n = read(unix_sv[1], buf, sizeof(buf));
		if (n <= 0)
			die("unix sink");
		left -= n;
	}
	return NULL;
}

/* 1 MiB through an AF_UNIX stream socket pair to a reading thread (ns per MiB). */
static void bench_unix_1m(const char *name)
{
	static char buf[MIB];
	pthread_t th;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, unix_sv))
		die("socketpair");
	rounds = scaled(100000);
	memset(buf, 'u', sizeof(buf));
	start_thread(&th, unix_sink);
	double t = now_ns();
	for (long i = 0; i < rounds; i++) {
		for (size_t done = 0; done < sizeof(buf);) {
			long n = write(unix_sv[0], buf + done, sizeof(buf) - done);
			if (n <= 0)
				die("unix write");
			done += (size_t)n;
		}
	}
	pthread_join(th, NULL);
	report(name, now_ns() - t, rounds);
	close(unix_sv[0]);
	close(unix_sv[1]);
}

static const struct benchmark {
	const char *name;
	void (*run)(const char *name);
} benchmarks[] = {
	{ "getpid", bench_getpid },
	{ "bare-syscall", bench_bare }, /* only when named */
	{ "getppid", bench_getppid },
	{ "clock_gettime", bench_clock_gettime },
	{ "write-devnull-1B", bench_write_null },
	{ "open-close", bench_open_close },
	{ "read-1MiB", bench_read_1m },
	{ "mmap-touch-4KiB", bench_mmap_4k },
	{ "mmap-touch-1MiB", bench_mmap_1m },
	{ "mmap-10k-areas", bench_mmap_many_areas },
	{ "thread-create-join", bench_thread_create },
	{ "futex-pingpong", bench_futex_pingpong },
	{ "pipe-pingpong", bench_pipe_pingpong },
	{ "context-switch", bench_context_switch },
	{ "epoll-1-of-100", bench_epoll_ready },
	{ "eventfd-pingpong", bench_eventfd_pingpong },
	{ "unix-pingpong", bench_unix_pingpong },
	{ "unix-1MiB", bench_unix_1m },
	{ "fork-exit-wait", bench_fork },
	{ "vfork-exec-wait", bench_vfork_exec },
	{ "posix-spawn-wait", bench_posix_spawn },
	{ "pipe-pingpong-procs", bench_pipe_processes },
};

#define NR_BENCHMARKS (sizeof(benchmarks) / sizeof(benchmarks[0]))

static void usage(void)
{
	fprintf(stderr, "usage: bench [-q] [-n N] [-f FILE] [-x HELLO] [NAME...]\nbenchmarks:");
	for (size_t i = 0; i < NR_BENCHMARKS; i++)
		fprintf(stderr, " %s", benchmarks[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static const struct benchmark *find(const char *name)
{
	for (size_t i = 0; i < NR_BENCHMARKS; i++)
		if (!strcmp(benchmarks[i].name, name))
			return &benchmarks[i];
	fprintf(stderr, "bench: no benchmark named '%s'\n", name);
	usage();
	return NULL;
}

int main(int argc, char **argv)
{
	int opt;
	char *end;

	while ((opt = getopt(argc, argv, "qn:f:x:")) != -1) {
		switch (opt) {
		case 'q':
			iterations /= 10;
			break;
		case 'n':
			iterations = strtol(optarg, &end, 10);
			if (*end || iterations <= 0)
				usage();
			break;
		case 'f':
			data_file = optarg;
			break;
		case 'x':
			hello_file = optarg;
			break;
		default:
			usage();
		}
	}
	/* Check every name before the first measurement. */
	for (int i = optind; i < argc; i++)
		find(argv[i]);
	if (optind == argc) {
		for (size_t i = 0; i < NR_BENCHMARKS; i++)
			if (benchmarks[i].run != bench_bare)
				benchmarks[i].run(benchmarks[i].name);
	}
	for (int i = optind; i < argc; i++)
		find(argv[i])->run(argv[i]);
	return 0;
}
