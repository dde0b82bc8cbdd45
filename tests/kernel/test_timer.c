/*
 * Self tests of timers: callbacks arrive after their delay, in deadline
 * order, and a cancelled timer never fires.
 */
#include <alto/cpu.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/time.h>
#include <alto/timer.h>

#define NTIMERS 5

static uint64_t fired_at[NTIMERS];
static int fire_order[NTIMERS];
static volatile int nfired;

static void record(struct timer *t)
{
	int i = (int)(uintptr_t)t->data;
	fired_at[i] = time_now_ns();
	fire_order[nfired++] = i;
}

SELFTEST(timers)
{
	static struct timer timers[NTIMERS];
	/* Armed out of order on purpose. */
	static const int delay_ms[NTIMERS] = { 30, 10, 50, 20, 40 };
	uint64_t start = time_now_ns();

	nfired = 0;
	for (int i = 0; i < NTIMERS; i++) {
		timer_init(&timers[i], record, (void *)(uintptr_t)i);
		timer_arm(&timers[i], start + delay_ms[i] * NSEC_PER_MSEC);
	}
	ST_ASSERT(timer_cancel(&timers[2])); /* the 50 ms one */
	ST_ASSERT(!timer_cancel(&timers[2]));
	thread_sleep_ns(80 * NSEC_PER_MSEC);
	ST_ASSERT_EQ(nfired, NTIMERS - 1);
	static const int expect[] = { 1, 3, 0, 4 };
	for (int i = 0; i < NTIMERS - 1; i++) {
		int t = fire_order[i];
		ST_ASSERT_EQ(t, expect[i]);
		ST_ASSERT(fired_at[t] >= start + delay_ms[t] * NSEC_PER_MSEC);
	}
	return 0;
}

static volatile int rearms;

static void rearm(struct timer *t)
{
	if (++rearms < 10)
		timer_arm(t, time_now_ns() + NSEC_PER_MSEC);
}

SELFTEST(timer_rearm)
{
	static struct timer t;

	rearms = 0;
	timer_init(&t, rearm, NULL);
	timer_arm(&t, time_now_ns() + NSEC_PER_MSEC);
	uint64_t start = time_now_ns();
	while (rearms < 10 && time_now_ns() - start < NSEC_PER_SEC)
		thread_sleep_ns(NSEC_PER_MSEC);
	ST_ASSERT_EQ(rearms, 10);
	return 0;
}

/* No periodic tick: a CPU sleeping 200 ms with no timers due takes ~1 interrupt, not 20+. */
SELFTEST(tickless)
{
	/* Stay on this CPU: the count is per CPU. */
	ST_ASSERT_EQ(sched_set_affinity(current_thread(), 1ull << this_cpu()->id), 0);
	uint64_t before = READ_ONCE(this_cpu()->irq_count);

	thread_sleep_ns(200 * NSEC_PER_MSEC);
	uint64_t taken = READ_ONCE(this_cpu()->irq_count) - before;
	printk("    %lu interrupts in 200 ms of sleep\n", taken);
	ST_ASSERT(taken <= 3);
	return 0;
}
