/*
 * Eight threads hammering shared counters: a mutex-protected counter next
 * to an __atomic one, then a spinlock, a priority-inheritance mutex (the PI
 * futex operations), and an rwlock whose readers must never see a
 * half-done write. The totals must be exact. Then the mutex kinds: error
 * checking, recursive, trylock, and robust (a thread dying with the lock
 * held: the kernel's robust-list walk at thread exit, for glibc), also with
 * priority inheritance and a waiter the kernel hands the lock to.
 * "threads-stress [N]" sets the increments per thread (default 1000000).
 */
#include "threads.h"

#define NTHREADS 8

static long iters = 1000000;

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static long mutex_count;
static long atomic_count;

static void *mutex_worker(void *arg)
{
	for (long i = 0; i < iters; i++) {
		pthread_mutex_lock(&mutex);
		mutex_count++;
		pthread_mutex_unlock(&mutex);
		__atomic_fetch_add(&atomic_count, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static pthread_spinlock_t spin;
static long spin_count;

static void *spin_worker(void *arg)
{
	for (long i = 0; i < iters; i++) {
		pthread_spin_lock(&spin);
		spin_count++;
		pthread_spin_unlock(&spin);
	}
	return NULL;
}

static pthread_mutex_t pi_mutex;
static long pi_count;

static void *pi_worker(void *arg)
{
	for (long i = 0; i < iters / 100; i++) {
		pthread_mutex_lock(&pi_mutex);
		pi_count++;
		pthread_mutex_unlock(&pi_mutex);
	}
	return NULL;
}

static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static long rw_a, rw_b;
static int torn_reads;

static void *rw_writer(void *arg)
{
	for (long i = 0; i < iters / 4; i++) {
		pthread_rwlock_wrlock(&rwlock);
		rw_a++;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		rw_b++;
		pthread_rwlock_unlock(&rwlock);
	}
	return NULL;
}

static void *rw_reader(void *arg)
{
	for (long i = 0; i < iters / 4; i++) {
		pthread_rwlock_rdlock(&rwlock);
		if (rw_a != rw_b)
			__atomic_fetch_add(&torn_reads, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&rwlock);
	}
	return NULL;
}

static void run_all(void *(*fn)(void *))
{
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		t[i] = spawn(fn, NULL);
	for (int i = 0; i < NTHREADS; i++)
		join(t[i]);
}

static void counters(void)
{
	phase("mutex and atomic counters");
	run_all(mutex_worker);
	printf("mutex counter: %ld (expected %ld)\n", mutex_count, NTHREADS * iters);
	printf("atomic counter: %ld (expected %ld)\n", atomic_count, NTHREADS * iters);

	phase("spinlock counter");
	must("pthread_spin_init", pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE));
	run_all(spin_worker);
	printf("spinlock counter: %ld (expected %ld)\n", spin_count, NTHREADS * iters);

	phase("priority-inheritance mutex counter");
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	int err = pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	if (!err)
		err = pthread_mutex_init(&pi_mutex, &ma);
	presult("PTHREAD_PRIO_INHERIT mutex", err);
	if (!err) {
		run_all(pi_worker);
		printf("PI mutex counter: %ld (expected %ld)\n", pi_count,
		       NTHREADS * (iters / 100));
	}

	phase("rwlock");
	pthread_t w[NTHREADS / 2], r[NTHREADS / 2];
	for (int i = 0; i < NTHREADS / 2; i++) {
		r[i] = spawn(rw_reader, NULL);
		w[i] = spawn(rw_writer, NULL);
	}
	for (int i = 0; i < NTHREADS / 2; i++) {
		join(w[i]);
		join(r[i]);
	}
	printf("rwlock writes: %ld and %ld (expected %ld)\n", rw_a, rw_b,
	       NTHREADS / 2 * (iters / 4));
	check("readers never saw a half-done write", torn_reads == 0);
}

/* Runs FN(ARG) on another thread and returns what it returned, as an int. */
static int on_thread(void *(*fn)(void *), void *arg)
{
	return (int)(long)join(spawn(fn, arg));
}

static void *trylock_fn(void *m)
{
	int r = pthread_mutex_trylock(m);

	if (!r)
		pthread_mutex_unlock(m);
	return (void *)(long)r;
}

static void *unlock_fn(void *m)
{
	return (void *)(long)pthread_mutex_unlock(m);
}

static void *tryrdlock_fn(void *l)
{
	int r = pthread_rwlock_tryrdlock(l);

	if (!r)
		pthread_rwlock_unlock(l);
	return (void *)(long)r;
}

static void *trywrlock_fn(void *l)
{
	int r = pthread_rwlock_trywrlock(l);

	if (!r)
		pthread_rwlock_unlock(l);
	return (void *)(long)r;
}

static void *die_holding(void *m)
{
	pthread_mutex_lock(m);
	return NULL; /* exits with the robust mutex held */
}

static int holder_locked;

/* Holds the mutex a while, so that the main thread waits for it in the kernel, then dies. */
static void *die_holding_late(void *m)
{
	pthread_mutex_lock(m);
	__atomic_store_n(&holder_locked, 1, __ATOMIC_RELEASE);
	sleep_ms(100);
	return NULL;
}

/* A robust PI mutex whose owner dies while we wait: the kernel hands it to us. */
static void robust_pi(pthread_mutexattr_t *ma)
{
	pthread_mutex_t m;

	pthread_mutexattr_setprotocol(ma, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&m, ma);
	pthread_t t = spawn(die_holding_late, &m);
	while (!__atomic_load_n(&holder_locked, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	presult("robust PI mutex whose owner died while we waited: lock", pthread_mutex_lock(&m));
	join(t);
	presult("pthread_mutex_consistent", pthread_mutex_consistent(&m));
	presult("unlock", pthread_mutex_unlock(&m));
	presult("trylock by another thread", on_thread(trylock_fn, &m));
	pthread_mutex_destroy(&m);
}

static void mutex_kinds(void)
{
	pthread_mutexattr_t ma;
	pthread_mutex_t m;

	phase("mutex kinds");
	pthread_mutex_init(&m, NULL);
	pthread_mutex_lock(&m);
	presult("normal mutex: trylock from another thread while held", on_thread(trylock_fn, &m));
	pthread_mutex_unlock(&m);
	presult("normal mutex: trylock from another thread once free", on_thread(trylock_fn, &m));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &ma);
	presult("error-checking mutex: lock", pthread_mutex_lock(&m));
	presult("error-checking mutex: lock again", pthread_mutex_lock(&m));
	presult("error-checking mutex: unlock by another thread", on_thread(unlock_fn, &m));
	presult("error-checking mutex: unlock", pthread_mutex_unlock(&m));
	presult("error-checking mutex: unlock again", pthread_mutex_unlock(&m));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m, &ma);
	int r = 0;
	for (int i = 0; i < 3; i++)
		r |= pthread_mutex_lock(&m);
	presult("recursive mutex: locked three times", r);
	pthread_mutex_unlock(&m);
	pthread_mutex_unlock(&m);
	presult("recursive mutex: trylock by another thread after two unlocks",
		on_thread(trylock_fn, &m));
	pthread_mutex_unlock(&m);
	presult("recursive mutex: trylock by another thread after three",
		on_thread(trylock_fn, &m));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_NORMAL);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&m, &ma);
	on_thread(die_holding, &m);
	presult("robust mutex whose owner died: lock", pthread_mutex_lock(&m));
	presult("pthread_mutex_consistent", pthread_mutex_consistent(&m));
	presult("unlock", pthread_mutex_unlock(&m));
	presult("lock again", pthread_mutex_lock(&m));
	pthread_mutex_unlock(&m);
	on_thread(die_holding, &m);
	presult("owner died again: lock", pthread_mutex_lock(&m));
	presult("unlock without pthread_mutex_consistent", pthread_mutex_unlock(&m));
	presult("lock now", pthread_mutex_lock(&m));
	pthread_mutex_destroy(&m);
	robust_pi(&ma);

	pthread_rwlock_rdlock(&rwlock);
	presult("rwlock read-held: tryrdlock by another thread", on_thread(tryrdlock_fn, &rwlock));
	presult("rwlock read-held: trywrlock by another thread", on_thread(trywrlock_fn, &rwlock));
	pthread_rwlock_unlock(&rwlock);
	pthread_rwlock_wrlock(&rwlock);
	presult("rwlock write-held: tryrdlock by another thread", on_thread(tryrdlock_fn, &rwlock));
	pthread_rwlock_unlock(&rwlock);
	presult("rwlock free: trywrlock by another thread", on_thread(trywrlock_fn, &rwlock));
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1)
		iters = atol(argv[1]);
	watchdog(60);
	counters();
	mutex_kinds();
	return 0;
}
