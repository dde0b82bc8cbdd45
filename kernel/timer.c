/*
 * Timers: a sorted list per CPU, and the hardware timer armed for whichever
 * comes first of the earliest timer and the end of the running thread's time
 * slice (or earlier: it is never moved later, see reprogram_locked). There
 * is no periodic tick: an idle CPU with no timers sleeps.
 */
#include <alto/apic.h>
#include <alto/cpu.h>
#include <alto/interrupt.h>
#include <alto/sched.h>
#include <alto/spinlock.h>
#include <alto/time.h>
#include <alto/timer.h>
#define TRACE_DEFINE 1
#include "timer_trace.h"

struct timer_base {
	struct spinlock lock;
	struct list timers;
	uint64_t armed_for;    /* what the hardware is set to; 0: nothing */
	struct timer *running; /* whose callback runs now (the lock is dropped for it) */
};

static struct timer_base bases[MAX_CPUS];

void timer_init(struct timer *t, void (*fn)(struct timer *), void *data)
{
	list_init(&t->link);
	t->fn = fn;
	t->data = data;
	t->armed = false;
	t->deadline = 0;
	t->cpu = 0; /* timer_cancel() of a timer never armed looks at some base */
}

static void insert_sorted(struct timer_base *b, struct timer *t)
{
	struct list *pos;

	list_for_each(pos, &b->timers) {
		if (list_entry(pos, struct timer, link)->deadline > t->deadline)
			break;
	}
	list_insert_before(pos, &t->link);
}

/*
 * Program the hardware for this CPU; call with b->lock held. The hardware
 * is only ever moved earlier: a deadline already armed before the one now
 * wanted (or armed when nothing is wanted) stays, and when it fires
 * timers_run() finds nothing due and arms the real one. Each switch starts
 * a new slice with a later end; rewriting the timer for it costs an MMIO or
 * MSR write, and under QEMU a wake-up of its main loop (a host system call),
 * where the early interrupt costs one run of timers_run() per slice.
 */
static void reprogram_locked(struct timer_base *b)
{
	uint64_t next = 0;

	if (!list_empty(&b->timers))
		next = list_first_entry(&b->timers, struct timer, link)->deadline;
	uint64_t slice = sched_slice_deadline();
	if (slice && (!next || slice < next))
		next = slice;
	if (next == b->armed_for || (b->armed_for && (!next || b->armed_for < next)))
		return;
	b->armed_for = next;
	apic_timer_arm(next);
}

void timers_reprogram_noirq(void)
{
	struct timer_base *b = &bases[this_cpu()->id];
	uint64_t slice = sched_slice_deadline();

	/*
	 * Only this CPU arms its hardware: if what it armed comes first, no
	 * timer in the list can (each was armed when it became the first).
	 */
	if (READ_ONCE(b->armed_for) && (!slice || READ_ONCE(b->armed_for) <= slice))
		return;
	spin_lock_noirq(&b->lock);
	reprogram_locked(b);
	spin_unlock_noirq(&b->lock);
}

void timers_reprogram(void)
{
	/* Interrupts off before choosing the base: it must be this CPU's until we program it. */
	unsigned long flags = irq_save();

	timers_reprogram_noirq();
	irq_restore(flags);
}

bool timer_cancel(struct timer *t)
{
	unsigned long flags = irq_save();
	bool was_armed = false;

	/* t->cpu may change if it is re-armed elsewhere; retry until stable. */
	for (;;) {
		struct timer_base *b = &bases[READ_ONCE(t->cpu)];
		spin_lock_noirq(&b->lock);
		if (&bases[t->cpu] != b) {
			spin_unlock_noirq(&b->lock);
			continue;
		}
		if (t->armed) {
			trace_timer_cancel(t);
			list_remove(&t->link);
			t->armed = false;
			was_armed = true;
		}
		spin_unlock_noirq(&b->lock);
		break;
	}
	irq_restore(flags);
	return was_armed;
}

bool timer_cancel_sync(struct timer *t)
{
	bool was_armed = timer_cancel(t);

	/* Its callback may be running on another CPU right now: wait for it. */
	for (unsigned int cpu = 0; cpu < cpu_count; cpu++) {
		while (READ_ONCE(bases[cpu].running) == t)
			cpu_relax();
	}
	return was_armed;
}

void timer_arm(struct timer *t, uint64_t deadline)
{
	unsigned long flags = irq_save();

	timer_cancel(t);
	trace_timer_arm(t, deadline, t->fn);
	struct timer_base *b = &bases[this_cpu()->id];
	spin_lock_noirq(&b->lock);
	t->cpu = this_cpu()->id;
	t->deadline = deadline;
	t->armed = true;
	insert_sorted(b, t);
	if (b->timers.next == &t->link)
		reprogram_locked(b);
	spin_unlock_noirq(&b->lock);
	irq_restore(flags);
}

void timers_run(void)
{
	struct timer_base *b = &bases[this_cpu()->id];
	uint64_t now = time_now_ns();

	spin_lock_noirq(&b->lock);
	b->armed_for = 0; /* the one-shot fired */
	while (!list_empty(&b->timers)) {
		struct timer *t = list_first_entry(&b->timers, struct timer, link);
		if (t->deadline > now)
			break;
		list_remove(&t->link);
		t->armed = false;
		void (*fn)(struct timer *) = t->fn;
		b->running = t;
		spin_unlock_noirq(&b->lock);
		trace_timer_fire(t, fn, now - t->deadline);
		fn(t); /* may re-arm t or others */
		trace_timer_fire_done(t);
		spin_lock_noirq(&b->lock);
		b->running = NULL;
	}
	spin_unlock_noirq(&b->lock);
	sched_tick();
	timers_reprogram();
}

static void timer_interrupt(void *arg)
{
	timers_run();
}

void timers_init(void)
{
	for (int i = 0; i < MAX_CPUS; i++) {
		spin_init(&bases[i].lock);
		list_init(&bases[i].timers);
	}
	irq_set_handler(VEC_TIMER, timer_interrupt, NULL);
}
