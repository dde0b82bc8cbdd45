/*
 * Waiting for each other: producers and consumers on a bounded buffer
 * (pthread_cond_signal), a crowd released by pthread_cond_broadcast, a
 * barrier of six threads for 1000 rounds, semaphores, and every timed wait
 * running out (condition variables on both clocks, mutexes, semaphores,
 * joins): each must say ETIMEDOUT, not early, and leave the mutex held.
 */
#include "threads.h"
#include <semaphore.h>

#define PRODUCERS 3
#define CONSUMERS 3
#define ITEMS	  5000 /* per producer */
#define SLOTS	  8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long buffer[SLOTS];
static int head, count;

static void put(long item)
{
	pthread_mutex_lock(&lock);
	while (count == SLOTS)
		pthread_cond_wait(&not_full, &lock);
	buffer[(head + count++) % SLOTS] = item;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

static long take(void)
{
	long item;

	pthread_mutex_lock(&lock);
	while (count == 0)
		pthread_cond_wait(&not_empty, &lock);
	item = buffer[head];
	head = (head + 1) % SLOTS;
	count--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&lock);
	return item;
}

static void *producer(void *arg)
{
	long id = (long)arg;

	for (long i = 0; i < ITEMS; i++)
		put(id * ITEMS + i);
	return NULL;
}

struct consumed {
	long items, sum;
	int in_order;
};

static void *consumer(void *arg)
{
	struct consumed *c = arg;
	long last[PRODUCERS];
	long item;

	for (int i = 0; i < PRODUCERS; i++)
		last[i] = -1;
	c->in_order = 1;
	while ((item = take()) >= 0) {
		c->items++;
		c->sum += item;
		if (item % ITEMS <= last[item / ITEMS])
			c->in_order = 0;
		last[item / ITEMS] = item % ITEMS;
	}
	return NULL;
}

static void producers_consumers(void)
{
	pthread_t p[PRODUCERS], c[CONSUMERS];
	struct consumed got[CONSUMERS] = { 0 };
	long items = 0, sum = 0, n = (long)PRODUCERS * ITEMS;
	int in_order = 1;

	phase("producers and consumers");
	for (long i = 0; i < CONSUMERS; i++)
		c[i] = spawn(consumer, &got[i]);
	for (long i = 0; i < PRODUCERS; i++)
		p[i] = spawn(producer, (void *)i);
	for (int i = 0; i < PRODUCERS; i++)
		join(p[i]);
	for (int i = 0; i < CONSUMERS; i++)
		put(-1);
	for (int i = 0; i < CONSUMERS; i++) {
		join(c[i]);
		items += got[i].items;
		sum += got[i].sum;
		in_order &= got[i].in_order;
	}
	printf("items consumed: %ld of %ld\n", items, n);
	check("sum of the items right", sum == n * (n - 1) / 2);
	check("each consumer got each producer's items in order", in_order);
}

#define CROWD 5

static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int waiting, tickets, woken;

static void *crowd_member(void *arg)
{
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_signal(&changed);
	while (tickets == 0)
		pthread_cond_wait(&go, &lock);
	tickets--;
	woken++;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void broadcast(void)
{
	pthread_t t[CROWD];

	phase("signal and broadcast");
	for (int i = 0; i < CROWD; i++)
		t[i] = spawn(crowd_member, NULL);
	pthread_mutex_lock(&lock);
	while (waiting < CROWD)
		pthread_cond_wait(&changed, &lock);
	tickets = 1;
	pthread_cond_signal(&go);
	while (woken < 1)
		pthread_cond_wait(&changed, &lock);
	printf("after pthread_cond_signal and one ticket: %d woken\n", woken);
	tickets = CROWD - 1;
	pthread_cond_broadcast(&go);
	while (woken < CROWD)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < CROWD; i++)
		join(t[i]);
	printf("after pthread_cond_broadcast: %d woken, %d tickets left\n", woken, tickets);
}

#define PARTIES 6
#define ROUNDS	1000

static pthread_barrier_t barrier;
static int slot[PARTIES];
static int serial_returns, mismatches;

static void *party(void *arg)
{
	long me = (long)arg;

	for (int round = 1; round <= ROUNDS; round++) {
		slot[me] = round;
		if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial_returns, 1, __ATOMIC_RELAXED);
		for (int i = 0; i < PARTIES; i++) {
			if (__atomic_load_n(&slot[i], __ATOMIC_RELAXED) != round)
				__atomic_fetch_add(&mismatches, 1, __ATOMIC_RELAXED);
		}
		if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial_returns, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void barriers(void)
{
	pthread_t t[PARTIES];

	phase("barrier");
	must("pthread_barrier_init", pthread_barrier_init(&barrier, NULL, PARTIES));
	for (long i = 0; i < PARTIES; i++)
		t[i] = spawn(party, (void *)i);
	for (int i = 0; i < PARTIES; i++)
		join(t[i]);
	printf("barrier: %d rounds of %d threads, %d serial returns (one per wait)\n", ROUNDS,
	       PARTIES, serial_returns);
	check("every thread saw every slot filled after each barrier", mismatches == 0);
	pthread_barrier_destroy(&barrier);
}

static sem_t ping, pong;

static void *sem_partner(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	return NULL;
}

static void semaphores(void)
{
	int value;

	phase("semaphores");
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	pthread_t t = spawn(sem_partner, NULL);
	int rounds = 0;
	for (int i = 0; i < 2000; i++) {
		sem_post(&ping);
		rounds += sem_wait(&pong) == 0;
	}
	join(t);
	printf("semaphore round trips: %d\n", rounds);
	sem_getvalue(&pong, &value);
	printf("sem_getvalue afterwards: %d\n", value);
	xresult("sem_trywait on zero", sem_trywait(&pong));
	sem_post(&pong);
	xresult("sem_trywait after a post", sem_trywait(&pong));
}

/* The absolute time MS milliseconds from now on CLOCK. */
static struct timespec deadline(clockid_t clock, long ms)
{
	return ns_to_ts(now_ns(clock) + ms * 1000000);
}

static void *hold_lock(void *arg)
{
	pthread_mutex_lock(&lock);
	return NULL; /* exits holding it: a normal mutex stays locked */
}

static void *sleep_a_while(void *arg)
{
	sleep_ms(100);
	return (void *)7L;
}

static void *try_lock(void *arg)
{
	return (void *)(long)pthread_mutex_trylock(&lock);
}

static void timeouts(void)
{
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER, mono;
	pthread_condattr_t ca;
	struct timespec ts;
	long long start;
	int r;

	phase("pthread_cond_timedwait on CLOCK_REALTIME");
	pthread_mutex_lock(&lock);
	ts = deadline(CLOCK_REALTIME, 30);
	r = pthread_cond_timedwait(&cond, &lock, &ts);
	printf("timed out: %s\n", r == ETIMEDOUT ? "yes" : ename(r));
	check("not before the deadline",
	      now_ns(CLOCK_REALTIME) >= ts.tv_sec * 1000000000LL + ts.tv_nsec);
	presult("the mutex is held again: trylock by another thread",
		(int)(long)join(spawn(try_lock, NULL)));
	ts = deadline(CLOCK_REALTIME, -1000);
	presult("a deadline in the past", pthread_cond_timedwait(&cond, &lock, &ts));
	ts.tv_nsec = 1000000000;
	presult("tv_nsec of 1000000000", pthread_cond_timedwait(&cond, &lock, &ts));

	phase("pthread_cond_timedwait on CLOCK_MONOTONIC");
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mono, &ca);
	start = mono_ns();
	ts = deadline(CLOCK_MONOTONIC, 30);
	presult("on CLOCK_MONOTONIC", pthread_cond_timedwait(&mono, &lock, &ts));
	check("not before the deadline", mono_ns() - start >= 30000000);
	pthread_mutex_unlock(&lock);

	phase("pthread_mutex_timedlock");
	join(spawn(hold_lock, NULL));
	ts = deadline(CLOCK_REALTIME, 30);
	presult("pthread_mutex_timedlock of a held mutex", pthread_mutex_timedlock(&lock, &ts));
	check("not before the deadline",
	      now_ns(CLOCK_REALTIME) >= ts.tv_sec * 1000000000LL + ts.tv_nsec);

	phase("sem_timedwait");
	sem_t sem;
	sem_init(&sem, 0, 0);
	ts = deadline(CLOCK_REALTIME, 30);
	xresult("sem_timedwait on zero", sem_timedwait(&sem, &ts));
	check("not before the deadline",
	      now_ns(CLOCK_REALTIME) >= ts.tv_sec * 1000000000LL + ts.tv_nsec);

	phase("pthread_timedjoin_np");
	pthread_t t = spawn(sleep_a_while, NULL);
	void *ret = NULL;
	ts = deadline(CLOCK_REALTIME, 30);
	presult("pthread_timedjoin_np of a running thread", pthread_timedjoin_np(t, &ret, &ts));
	presult("pthread_join then", pthread_join(t, &ret));
	printf("its return value: %ld\n", (long)ret);
}

int main(void)
{
	setup();
	watchdog(60);
	producers_consumers();
	broadcast();
	barriers();
	semaphores();
	timeouts();
	return 0;
}
