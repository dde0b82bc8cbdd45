/*
 * Self tests of threads and the scheduler: many threads at once, preemption
 * of a thread that never yields, sleeping, yielding, joining and exit codes.
 */
#include <alto/cpu.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/sync.h>
#include <alto/time.h>

#define NTHREADS 100

static volatile int counter;
static struct mutex counter_lock = MUTEX_INIT(counter_lock);

static void count_up(void *arg)
{
	for (int i = 0; i < 100; i++) {
		mutex_lock(&counter_lock);
		counter++;
		mutex_unlock(&counter_lock);
		if (i % 10 == 0)
			thread_yield();
	}
	thread_exit((int)(uintptr_t)arg);
}

SELFTEST(threads_100)
{
	static struct thread *threads[NTHREADS];
	unsigned int before = sched_thread_count();

	counter = 0;
	for (int i = 0; i < NTHREADS; i++) {
		threads[i] = thread_create(count_up, (void *)(uintptr_t)i, "counter");
		ST_ASSERT(!IS_ERR(threads[i]));
	}
	ST_ASSERT_EQ(sched_thread_count(), before + NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		ST_ASSERT_EQ(thread_join(threads[i]), i);
	ST_ASSERT_EQ(counter, NTHREADS * 100);
	ST_ASSERT_EQ(sched_thread_count(), before);
	return 0;
}

static volatile bool stop_spinning;
static volatile uint64_t spins;

static void spin_forever(void *arg)
{
	while (!stop_spinning)
		spins++;
}

/*
 * Only preemption lets this thread run again while the spinner never yields:
 * both on one CPU, each must get run time, again and again. No time limit
 * is asserted (the host may stop the virtual CPU at any moment): the two
 * must each reach 40 ms of run time, whatever the wall clock says, and the
 * self-test runner's own time limit catches a spinner that never lets go.
 */
SELFTEST(preemption)
{
	stop_spinning = false;
	spins = 0;
	struct thread *self = current_thread();
	/* Both on this CPU: only preemption can share it. */
	uint64_t here = 1ull << this_cpu()->id;
	ST_ASSERT_EQ(sched_set_affinity(self, here), 0);
	struct thread *t = thread_create_on(spin_forever, NULL, "spinner", here);
	ST_ASSERT(!IS_ERR(t));
	uint64_t self_before = self->runtime_ns;
	/* runtime_ns is brought up to date at each switch, so both reach the mark only by turns. */
	while (READ_ONCE(t->runtime_ns) < 40 * NSEC_PER_MSEC ||
	       READ_ONCE(self->runtime_ns) - self_before < 40 * NSEC_PER_MSEC)
		cpu_relax();
	uint64_t seen = spins;
	stop_spinning = true;
	ST_ASSERT(seen > 0);
	thread_join(t);
	return 0;
}

SELFTEST(sleep)
{
	static const uint64_t delays[] = { 0, 1, 5, 20 };

	for (unsigned int i = 0; i < ARRAY_SIZE(delays); i++) {
		uint64_t ns = delays[i] * NSEC_PER_MSEC;
		uint64_t start = time_now_ns();
		thread_sleep_ns(ns);
		uint64_t took = time_now_ns() - start;
		ST_ASSERT(took >= ns);
		/* Never early; late only within reason (the host may stop the virtual CPU). */
		ST_ASSERT(took < ns + 5 * NSEC_PER_SEC);
	}
	return 0;
}

static int order_log[6];
static int order_n;

static void yield_twice(void *arg)
{
	for (int i = 0; i < 2; i++) {
		order_log[order_n++] = (int)(uintptr_t)arg;
		thread_yield();
	}
}

/* Yield hands the CPU round-robin among runnable threads. */
SELFTEST(yield)
{
	struct thread *a, *b;

	order_n = 0;
	/* One CPU for both, so that yielding alternates them. */
	uint64_t here = 1ull << this_cpu()->id;
	ST_ASSERT_EQ(sched_set_affinity(current_thread(), here), 0);
	preempt_disable();
	a = thread_create_on(yield_twice, (void *)1, "yield-a", here);
	b = thread_create_on(yield_twice, (void *)2, "yield-b", here);
	preempt_enable();
	ST_ASSERT(!IS_ERR(a) && !IS_ERR(b));
	thread_join(a);
	thread_join(b);
	ST_ASSERT_EQ(order_n, 4);
	ST_ASSERT(order_log[0] != order_log[1] && order_log[1] != order_log[2]);
	return 0;
}

/* Runs until the test lets it go, so that a join with a deadline must time out. */
static void held(void *arg)
{
	sem_down(arg);
}

SELFTEST(join_detach)
{
	struct semaphore go;
	int code = 0;

	sem_init(&go, 0);
	struct thread *t = thread_create(held, &go, "held");
	ST_ASSERT(!IS_ERR(t));
	ST_ASSERT_EQ(thread_join_deadline(t, time_now_ns() + NSEC_PER_MSEC, &code), -ETIMEDOUT);
	sem_up(&go);
	ST_ASSERT_EQ(thread_join_deadline(t, 0, &code), 0);
	ST_ASSERT_EQ(code, 0);

	/* A detached thread is reaped when it ends: wait for it (no timing asserted). */
	unsigned int before = sched_thread_count();
	t = thread_create(held, &go, "detached");
	ST_ASSERT(!IS_ERR(t));
	thread_detach(t);
	sem_up(&go);
	for (int i = 0; i < 10000 && sched_thread_count() != before; i++)
		thread_sleep_ns(NSEC_PER_MSEC);
	ST_ASSERT_EQ(sched_thread_count(), before);
	return 0;
}
