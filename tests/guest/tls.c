/*
 * Thread-local storage: __thread variables (initialized, zeroed, aligned)
 * start with their initial values in every thread and stay private to it;
 * the FS base of each thread points at its own thread block (clone's
 * CLONE_SETTLS); errno is per thread; pthread_key_create destructors run at
 * thread exit (and again when a destructor sets a value); pthread_once runs
 * its routine once however many threads race for it.
 */
#include "threads.h"

#define NTHREADS 16

static __thread int counter = 42;
static __thread char name[32] = "initial";
static __thread long zeroed[512];
static __thread int aligned_var __attribute__((aligned(64))) = 5;

static pthread_barrier_t barrier;

struct report {
	int initial_ok, aligned_ok, kept_ok, errno_ok, fs_ok;
	void *counter_addr;
	void *specific_at_start;
};

static struct report reports[NTHREADS];
static pthread_key_t key, key_again;
static int destructor_calls, destructor_wrong_value, again_calls;

static void destructor(void *value)
{
	struct report *r = value;

	__atomic_fetch_add(&destructor_calls, 1, __ATOMIC_RELAXED);
	/* The thread's own report, and its TLS is still there while destructors run. */
	if (r < reports || r >= reports + NTHREADS || r->counter_addr != &counter)
		__atomic_fetch_add(&destructor_wrong_value, 1, __ATOMIC_RELAXED);
}

/* Sets its value once more on the first call, so it must be called twice. */
static void destructor_again(void *value)
{
	__atomic_fetch_add(&again_calls, 1, __ATOMIC_RELAXED);
	if (value == (void *)1)
		pthread_setspecific(key_again, (void *)2);
}

static void *fs_self(void)
{
	void *p;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(p));
	return p;
}

static void *worker(void *arg)
{
	long i = (long)arg;
	struct report *r = &reports[i];
	int ok = counter == 42 && !strcmp(name, "initial");

	for (int j = 0; j < 512; j++)
		ok &= zeroed[j] == 0;
	r->initial_ok = ok && aligned_var == 5;
	r->aligned_ok = ((unsigned long)&aligned_var & 63) == 0;
	r->fs_ok = fs_self() == (void *)pthread_self();
	r->counter_addr = &counter;
	r->specific_at_start = pthread_getspecific(key);

	counter = 1000 + i;
	snprintf(name, sizeof(name), "thread %ld", i);
	zeroed[i] = i + 1;
	aligned_var = -(int)i;
	errno = 0;
	if (i % 2)
		close(-1);
	else
		open("/nonexistent/file", O_RDONLY);
	pthread_barrier_wait(&barrier); /* everyone has written their own */
	pthread_barrier_wait(&barrier); /* and main has checked its own */

	char expect[32];
	snprintf(expect, sizeof(expect), "thread %ld", i);
	ok = counter == 1000 + i && !strcmp(name, expect) && aligned_var == -(int)i;
	for (int j = 0; j < 512; j++)
		ok &= zeroed[j] == (j == i ? i + 1 : 0);
	r->kept_ok = ok;
	r->errno_ok = errno == (i % 2 ? EBADF : ENOENT);

	if (i < NTHREADS - 2) /* the last two leave their value NULL: no destructor call */
		pthread_setspecific(key, r);
	if (i == 0)
		pthread_setspecific(key_again, (void *)1);
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_calls, once_done;

static void once_routine(void)
{
	__atomic_fetch_add(&once_calls, 1, __ATOMIC_RELAXED);
	sleep_ms(20); /* the others must wait for it to finish */
	__atomic_store_n(&once_done, 1, __ATOMIC_RELEASE);
}

static void *once_racer(void *arg)
{
	pthread_once(&once, once_routine);
	return (void *)(long)__atomic_load_n(&once_done, __ATOMIC_ACQUIRE);
}

int main(void)
{
	pthread_t t[NTHREADS];
	int all;

	setup();
	watchdog(60);
	phase("thread-local variables");
	must("pthread_key_create", pthread_key_create(&key, destructor));
	must("pthread_key_create", pthread_key_create(&key_again, destructor_again));
	pthread_setspecific(key, &reports[0]); /* main's own: invisible to the threads */
	must("pthread_barrier_init", pthread_barrier_init(&barrier, NULL, NTHREADS + 1));
	counter = 7;
	strcpy(name, "main");
	for (long i = 0; i < NTHREADS; i++)
		t[i] = spawn(worker, (void *)i);
	pthread_barrier_wait(&barrier);
	check("main's own values untouched by the threads' writes",
	      counter == 7 && !strcmp(name, "main") && aligned_var == 5 && zeroed[0] == 0);
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < NTHREADS; i++)
		join(t[i]);

	all = 1;
	for (int i = 0; i < NTHREADS; i++)
		all &= reports[i].initial_ok;
	check("every thread started with the initial values", all);
	all = 1;
	for (int i = 0; i < NTHREADS; i++)
		all &= reports[i].aligned_ok;
	check("the 64-byte aligned variable is aligned in every thread", all);
	all = 1;
	for (int i = 0; i < NTHREADS; i++)
		all &= reports[i].kept_ok;
	check("every thread kept its own values", all);
	all = 1;
	for (int i = 0; i < NTHREADS; i++) {
		for (int j = 0; j < i; j++)
			all &= reports[i].counter_addr != reports[j].counter_addr;
		all &= reports[i].counter_addr != (void *)&counter;
	}
	check("each thread's variable at its own address", all);
	all = 1;
	for (int i = 0; i < NTHREADS; i++)
		all &= reports[i].fs_ok;
	check("%fs:0 is the thread's own pthread_self() in every thread",
	      all && fs_self() == (void *)pthread_self());
	all = 1;
	for (int i = 0; i < NTHREADS; i++)
		all &= reports[i].errno_ok;
	check("errno is per thread", all);
	all = 1;
	for (int i = 0; i < NTHREADS; i++)
		all &= reports[i].specific_at_start == NULL;
	check("pthread_getspecific starts NULL in new threads", all);
	printf("destructor calls: %d (for %d non-NULL values)\n", destructor_calls, NTHREADS - 2);
	check("each destructor call got its thread's value", destructor_wrong_value == 0);
	printf("calls of the destructor that sets a value again: %d\n", again_calls);
	check("main's value still there", pthread_getspecific(key) == &reports[0]);

	phase("pthread_once");
	int done = 1;
	for (int i = 0; i < 8; i++)
		t[i] = spawn(once_racer, NULL);
	for (int i = 0; i < 8; i++)
		done &= (long)join(t[i]) == 1;
	printf("pthread_once routine calls: %d\n", once_calls);
	check("every caller returned after the routine finished", done);
	return 0;
}
