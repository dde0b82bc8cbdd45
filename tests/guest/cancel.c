/*
 * pthread_cancel of threads blocked in the kernel at cancellation points
 * (pthread_cond_wait, sleep, read on a pipe, poll, sem_wait, pthread_join),
 * with cancellation disabled for a while, and asynchronous cancellation of
 * a busy loop: the cleanup handlers run and pthread_join returns
 * PTHREAD_CANCELED. Both C libraries cancel with a signal (glibc 32, musl
 * 33) sent by tgkill, whose handler must interrupt the blocking call.
 */
#include "threads.h"
#include <poll.h>
#include <semaphore.h>

static int cleanups;

static void count_cleanup(void *arg)
{
	__atomic_fetch_add(&cleanups, 1, __ATOMIC_RELAXED);
}

/* Cancels T, joins it and reports how that went. */
static void cancel_and_join(const char *what, pthread_t t, int cancel)
{
	void *ret = NULL;
	long long start = mono_ns();

	if (cancel)
		must("pthread_cancel", pthread_cancel(t));
	must("pthread_join", pthread_join(t, &ret));
	printf("%s: joined %s, %d cleanup handler(s) ran", what,
	       ret == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "another value",
	       __atomic_exchange_n(&cleanups, 0, __ATOMIC_RELAXED));
	printf(", within 10 s: %s\n", mono_ns() - start < 10000000000LL ? "yes" : "no");
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void unlock_cleanup(void *m)
{
	count_cleanup(NULL);
	pthread_mutex_unlock(m);
}

static void *cond_waiter(void *arg)
{
	pthread_mutex_lock(&lock);
	pthread_cleanup_push(unlock_cleanup, &lock);
	ready = 1;
	pthread_cond_signal(&ready_cond);
	for (;;)
		pthread_cond_wait(&cond, &lock);
	pthread_cleanup_pop(1);
	return NULL;
}

static void in_cond_wait(void)
{
	phase("cancel in pthread_cond_wait");
	pthread_mutex_lock(&lock);
	pthread_t t = spawn(cond_waiter, NULL);
	while (!ready)
		pthread_cond_wait(&ready_cond, &lock);
	/* We hold the mutex again, so the thread is inside pthread_cond_wait. */
	pthread_cancel(t);
	pthread_mutex_unlock(&lock);
	cancel_and_join("pthread_cond_wait", t, 0);
	presult("the cleanup handler released the mutex: trylock", pthread_mutex_trylock(&lock));
	pthread_mutex_unlock(&lock);
}

static int pipe_fds[2];
static sem_t started;

static void *sleeper(void *arg)
{
	pthread_cleanup_push(count_cleanup, NULL);
	sem_post(&started);
	sleep(100);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *reader(void *arg)
{
	char c;

	pthread_cleanup_push(count_cleanup, NULL);
	pthread_cleanup_push(count_cleanup, NULL); /* two: both must run */
	sem_post(&started);
	read(pipe_fds[0], &c, 1);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *poller(void *arg)
{
	struct pollfd pfd = { pipe_fds[0], POLLIN, 0 };

	pthread_cleanup_push(count_cleanup, NULL);
	sem_post(&started);
	poll(&pfd, 1, -1);
	pthread_cleanup_pop(0);
	return NULL;
}

static sem_t never;

static void *sem_waiter(void *arg)
{
	pthread_cleanup_push(count_cleanup, NULL);
	sem_post(&started);
	sem_wait(&never);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *joiner(void *other)
{
	pthread_cleanup_push(count_cleanup, NULL);
	sem_post(&started);
	pthread_join(*(pthread_t *)other, NULL);
	pthread_cleanup_pop(0);
	return NULL;
}

/* Starts FN and gives it time to block in the kernel (a cancel before that works too). */
static pthread_t start_blocking(void *(*fn)(void *), void *arg)
{
	pthread_t t = spawn(fn, arg);

	sem_wait(&started);
	sleep_ms(20);
	return t;
}

static void blocking_calls(void)
{
	sem_init(&started, 0, 0);
	sem_init(&never, 0, 0);
	pipe(pipe_fds);
	phase("cancel in sleep");
	cancel_and_join("sleep(100)", start_blocking(sleeper, NULL), 1);
	phase("cancel in read");
	cancel_and_join("read of an empty pipe", start_blocking(reader, NULL), 1);
	phase("cancel in poll");
	cancel_and_join("poll without a timeout", start_blocking(poller, NULL), 1);
	phase("cancel in sem_wait");
	cancel_and_join("sem_wait", start_blocking(sem_waiter, NULL), 1);

	phase("cancel in pthread_join");
	pthread_t blocked = start_blocking(reader, NULL);
	cancel_and_join("pthread_join of a blocked thread", start_blocking(joiner, &blocked), 1);
	cancel_and_join("  then that blocked thread", blocked, 1);
}

static int survived;

static void *disabled(void *arg)
{
	int old;

	pthread_cleanup_push(count_cleanup, NULL);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	sem_post(&started);
	sleep_ms(50); /* cancelled meanwhile, but disabled: sleeps on */
	survived = 1;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pthread_testcancel();
	survived = 2;
	pthread_cleanup_pop(0);
	return NULL;
}

static volatile long spins;

static void *busy(void *arg)
{
	int old;

	pthread_cleanup_push(count_cleanup, NULL);
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	for (;;)
		spins++;
	pthread_cleanup_pop(0);
	return NULL;
}

static void *exits(void *arg)
{
	pthread_cleanup_push(count_cleanup, NULL);
	pthread_exit((void *)42);
	pthread_cleanup_pop(0);
	return NULL;
}

int main(void)
{
	setup();
	watchdog(60);
	in_cond_wait();
	blocking_calls();

	phase("cancellation disabled");
	pthread_t t = spawn(disabled, NULL);
	sem_wait(&started);
	cancel_and_join("cancellation disabled, then enabled", t, 1);
	printf("it ran until pthread_testcancel: %s\n", survived == 1 ? "yes" : "no");

	phase("asynchronous cancellation");
	t = spawn(busy, NULL);
	while (spins == 0)
		sched_yield();
	cancel_and_join("asynchronous cancellation of a busy loop", t, 1);

	phase("pthread_exit");
	void *ret;
	pthread_join(spawn(exits, NULL), &ret);
	printf("pthread_exit(42): joined %ld, %d cleanup handler(s) ran\n", (long)ret,
	       __atomic_exchange_n(&cleanups, 0, __ATOMIC_RELAXED));
	return 0;
}
