/*
 * Helpers for the multi-threaded guest programs: thread ids, clocks in
 * nanoseconds, error names that common.h lacks, and a watchdog thread that
 * ends a program stuck in some phase (status 98, naming the phase) long
 * before the runner's own time limit, so a half-working kernel fails fast.
 */
#ifndef GUEST_THREADS_H
#define GUEST_THREADS_H

#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

static inline pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline long long mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR) {
	}
}

static inline struct timespec ns_to_ts(long long ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	return ts;
}

/* errname() with the names threads and timers add. */
static inline const char *ename(int e)
{
	switch (e) {
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EDEADLK:
		return "EDEADLK";
	case EOWNERDEAD:
		return "EOWNERDEAD";
	case ENOTRECOVERABLE:
		return "ENOTRECOVERABLE";
	case ESRCH:
		return "ESRCH";
	case ECANCELED:
		return "ECANCELED";
	default:
		return errname(e);
	}
}

/* The name of a signal, as the same text with both C libraries. */
static inline const char *signame(int sig)
{
	/* clang-format off */
	static const char *const names[] = {
		"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
		"SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
		"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
		"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
	};
	/* clang-format on */
	static char other[24];

	if (sig >= 0 && sig < 32)
		return names[sig];
	snprintf(other, sizeof(other), "signal %d", sig);
	return other;
}

/* "what: VALUE" or "what: -1 ENAME", as result() but with ename(). */
static inline void xresult(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		printf("%s: %ld\n", what, r);
}

/* For the pthread functions, which return an error number: "what: 0" or "what: ENAME". */
static inline void presult(const char *what, int r)
{
	if (r)
		printf("%s: %s\n", what, ename(r));
	else
		printf("%s: 0\n", what);
}

/* A pthread call the test cannot go on without. */
static inline void must(const char *what, int r)
{
	if (r) {
		printf("test setup failed: %s: %s\n", what, ename(r));
		exit(99);
	}
}

/* The thread's state letter from /proc/self/task/TID/stat, or '?'. */
static inline char task_state(pid_t t)
{
	char path[64], buf[256];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", t);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static inline pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	must("pthread_create", pthread_create(&t, NULL, fn, arg));
	return t;
}

static inline void *join(pthread_t t)
{
	void *ret;

	must("pthread_join", pthread_join(t, &ret));
	return ret;
}

/*
 * A floating-point computation whose result any corruption of its registers
 * changes (the FPU state across signals and switches).
 */
static double __attribute__((noinline, unused)) compute(long n)
{
	double a = 1, b = 2, c = 3, d = 4;

	for (long i = 0; i < n; i++) {
		a = a * 1.0000001 + b * 1e-7;
		b = b * 0.9999999 + c * 1e-7;
		c = c + d * 1e-9 - a * 1e-10;
		d = d * 1.00000001 - b * 1e-9;
	}
	return a + b + c + d;
}

static const char *volatile watchdog_phase = "start";
static int watchdog_seconds;

static inline void phase(const char *name)
{
	watchdog_phase = name;
}

static inline void *watchdog_main(void *arg)
{
	sleep_ms(watchdog_seconds * 1000L);
	printf("watchdog: still in phase '%s' after %d s\n", watchdog_phase, watchdog_seconds);
	_exit(98);
	return arg;
}

/*
 * A detached thread that ends the program after SECONDS. It blocks every
 * signal, so it never takes a signal sent to the process.
 */
static inline void watchdog(int seconds)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;

	watchdog_seconds = seconds;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	must("pthread_create (watchdog)", pthread_create(&t, &attr, watchdog_main, NULL));
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

#endif
