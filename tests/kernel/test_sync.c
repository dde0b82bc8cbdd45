/*
 * Self tests of every lock type: spinlocks, mutexes, condition variables,
 * semaphores, and the reader-writer lock with its recursive-writer rules.
 */
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/sync.h>
#include <alto/time.h>

#define WORKERS 8
#define ROUNDS	2000

static struct spinlock spin = SPINLOCK_INIT;
static volatile long shared;

static void spin_worker(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long flags = spin_lock(&spin);
		long v = shared;
		if (i % 64 == 0)
			time_delay_ns(1000); /* hold it across a likely preemption point */
		shared = v + 1;
		spin_unlock(&spin, flags);
	}
}

static void mutex_worker(void *arg)
{
	struct mutex *m = arg;

	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(m);
		long v = shared;
		if (i % 256 == 0)
			thread_yield(); /* sleep-safe: others must block, not corrupt */
		shared = v + 1;
		mutex_unlock(m);
	}
}

static int run_workers(void (*fn)(void *), void *arg)
{
	struct thread *t[WORKERS];

	shared = 0;
	for (int i = 0; i < WORKERS; i++) {
		t[i] = thread_create(fn, arg, "worker");
		if (IS_ERR(t[i]))
			return -1;
	}
	for (int i = 0; i < WORKERS; i++)
		thread_join(t[i]);
	return 0;
}

SELFTEST(spinlock)
{
	ST_ASSERT_EQ(run_workers(spin_worker, NULL), 0);
	ST_ASSERT_EQ(shared, WORKERS * ROUNDS);
	ST_ASSERT(!spin_is_locked(&spin));
	return 0;
}

SELFTEST(mutex)
{
	static struct mutex m = MUTEX_INIT(m);

	ST_ASSERT_EQ(run_workers(mutex_worker, &m), 0);
	ST_ASSERT_EQ(shared, WORKERS * ROUNDS);
	ST_ASSERT(mutex_trylock(&m));
	ST_ASSERT(mutex_held(&m));
	mutex_unlock(&m);
	return 0;
}

/* A bounded queue: producers and consumers on two condition variables. */
static struct {
	struct mutex lock;
	struct condvar not_empty, not_full;
	int items[4];
	int count, head;
	long sum;
} q;

static void producer(void *arg)
{
	for (int i = 1; i <= 500; i++) {
		mutex_lock(&q.lock);
		while (q.count == 4)
			cond_wait(&q.not_full, &q.lock);
		q.items[(q.head + q.count++) % 4] = i;
		cond_signal(&q.not_empty);
		mutex_unlock(&q.lock);
	}
}

static void consumer(void *arg)
{
	for (int i = 0; i < 500; i++) {
		mutex_lock(&q.lock);
		while (q.count == 0)
			cond_wait(&q.not_empty, &q.lock);
		q.sum += q.items[q.head];
		q.head = (q.head + 1) % 4;
		q.count--;
		cond_signal(&q.not_full);
		mutex_unlock(&q.lock);
	}
}

SELFTEST(condvar)
{
	struct thread *t[4];

	mutex_init(&q.lock);
	cond_init(&q.not_empty);
	cond_init(&q.not_full);
	q.count = q.head = 0;
	q.sum = 0;
	t[0] = thread_create(producer, NULL, "producer");
	t[1] = thread_create(producer, NULL, "producer");
	t[2] = thread_create(consumer, NULL, "consumer");
	t[3] = thread_create(consumer, NULL, "consumer");
	for (int i = 0; i < 4; i++) {
		ST_ASSERT(!IS_ERR(t[i]));
		thread_join(t[i]);
	}
	ST_ASSERT_EQ(q.sum, 2 * 500 * 501 / 2);

	/* A timed wait with nobody signalling times out, holding the mutex again. */
	mutex_lock(&q.lock);
	uint64_t start = time_now_ns();
	ST_ASSERT_EQ(cond_timedwait(&q.not_empty, &q.lock, start + 5 * NSEC_PER_MSEC), -ETIMEDOUT);
	ST_ASSERT(time_now_ns() - start >= 5 * NSEC_PER_MSEC);
	ST_ASSERT(mutex_held(&q.lock));
	mutex_unlock(&q.lock);
	return 0;
}

static struct semaphore sem;
static volatile int inside, max_inside;

static void sem_worker(void *arg)
{
	for (int i = 0; i < 20; i++) {
		sem_down(&sem);
		int n = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		if (n > max_inside)
			max_inside = n;
		thread_yield();
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		sem_up(&sem);
	}
}

SELFTEST(semaphore)
{
	sem_init(&sem, 3);
	inside = max_inside = 0;
	ST_ASSERT_EQ(run_workers(sem_worker, NULL), 0);
	/* Never more than the count inside (with several CPUs they may not overlap at all). */
	ST_ASSERT(max_inside >= 1 && max_inside <= 3);
	ST_ASSERT_EQ(sem.count, 3);
	/* A count of 3 lets one thread in three times without blocking. */
	ST_ASSERT(sem_trydown(&sem) && sem_trydown(&sem) && sem_trydown(&sem));
	ST_ASSERT(!sem_trydown(&sem));
	sem_init(&sem, 0);
	ST_ASSERT(!sem_trydown(&sem));
	ST_ASSERT_EQ(sem_down_timeout(&sem, time_now_ns() + NSEC_PER_MSEC), -ETIMEDOUT);
	sem_up(&sem);
	ST_ASSERT(sem_trydown(&sem));
	return 0;
}

static struct rwlock rw;
static volatile int reader_state; /* 0 not yet, 1 waiting, 2 got it */

static void reader(void *arg)
{
	reader_state = 1;
	rw_read_lock(&rw);
	reader_state = 2;
	rw_read_unlock(&rw);
}

/* The rules from the seed issue: recursive write, read by the writer, quiet inner unlock. */
SELFTEST(rwlock)
{
	rwlock_init(&rw);

	/* A write holder may write-lock again and read-lock without hanging. */
	rw_write_lock(&rw);
	rw_write_lock(&rw);
	rw_read_lock(&rw);
	rw_read_unlock(&rw);
	ST_ASSERT(rw_write_held(&rw));

	/* A reader blocks while the write lock is held. */
	reader_state = 0;
	struct thread *t = thread_create(reader, NULL, "reader");
	ST_ASSERT(!IS_ERR(t));
	while (reader_state == 0)
		thread_yield();
	thread_sleep_ns(2 * NSEC_PER_MSEC);
	ST_ASSERT_EQ(reader_state, 1);

	/* The inner unlock keeps the lock and wakes nobody. */
	uint64_t wakeups = t->wakeups;
	rw_write_unlock(&rw);
	thread_sleep_ns(2 * NSEC_PER_MSEC);
	ST_ASSERT(rw_write_held(&rw));
	ST_ASSERT_EQ(reader_state, 1);
	ST_ASSERT_EQ(t->wakeups, wakeups);

	/* The outer unlock releases it and the reader gets in. */
	rw_write_unlock(&rw);
	thread_join(t);
	ST_ASSERT_EQ(reader_state, 2);

	/* Several readers share it. */
	rw_read_lock(&rw);
	reader_state = 0;
	t = thread_create(reader, NULL, "reader");
	thread_join(t);
	ST_ASSERT_EQ(reader_state, 2);
	rw_read_unlock(&rw);
	return 0;
}
