/*
 * Clock timers: an expiration time on some clock, kept by a one-shot kernel
 * timer on the monotonic clock. A callback that finds its clock short of
 * the time (the wall clock was set back, a CPU clock ran slower than the
 * wall) re-arms; a periodic timer counts the periods it missed. `queued`
 * counts arms whose callback has not run, so a stale callback knows to do
 * nothing and ctimer_destroy() knows when no callback can touch the timer.
 */
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/process.h>
#include <alto/signal.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>

/* The shortest re-arm of a periodic timer: a tiny period must not flood the CPU. */
#define MIN_REARM_NS (50 * NSEC_PER_USEC)
#define NS_MAX	     (UINT64_MAX >> 1)

static struct spinlock registry_lock = SPINLOCK_INIT;
static struct list registry = LIST_INIT(registry);

static bool is_realtime(int clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI;
}

/* When the monotonic clock reaches the expiration (for CPU clocks, the earliest it can). */
static uint64_t mono_deadline(struct ctimer *ct, uint64_t now)
{
	uint64_t mono = time_now_ns();

	if (ct->expires <= now)
		return mono;
	uint64_t left = ct->expires - now;
	/* Every CPU may be running one of the process's threads. */
	if (ct->base < 0 && !(ct->base & CPUCLOCK_PERTHREAD_MASK))
		left /= MAX(cpu_count, 1u);
	return left > NS_MAX - mono ? NS_MAX : mono + left;
}

static void arm(struct ctimer *ct, uint64_t now, bool rearm)
{
	uint64_t deadline = mono_deadline(ct, now);

	if (rearm)
		deadline = MAX(deadline, time_now_ns() + MIN_REARM_NS);
	if (timer_cancel(&ct->timer))
		ct->queued--;
	ct->queued++;
	ct->parked = false;
	timer_arm(&ct->timer, deadline);
}

static void disarm(struct ctimer *ct)
{
	if (timer_cancel(&ct->timer))
		ct->queued--;
	ct->expires = 0;
	ct->parked = false;
}

/* Move expires past now by whole periods; returns the expirations that covers. */
static uint64_t advance(struct ctimer *ct, uint64_t now)
{
	uint64_t count = 1 + (now - ct->expires) / ct->interval, step;

	if (__builtin_mul_overflow(count, ct->interval, &step) ||
	    __builtin_add_overflow(ct->expires, step, &ct->expires) || ct->expires > NS_MAX)
		ct->expires = NS_MAX;
	return count;
}

static void expire(struct ctimer *ct, uint64_t now, struct ctimer_signal *sig)
{
	uint64_t count = 1;

	if (now < ct->expires) {
		arm(ct, now, true);
		return;
	}
	if (ct->interval)
		count = advance(ct, now);
	else
		ct->expires = 0;
	bool keep = ct->fire(ct, count, sig);
	if (!ct->expires)
		return;
	if (keep)
		arm(ct, now, true);
	else
		ct->parked = true;
}

static void send(struct ctimer_signal *s)
{
	struct process *p = s->proc;
	/*
	 * Whether the signal is ignored is the signal code's to judge, under
	 * its lock: a blocked signal is queued whatever its disposition, as
	 * the disposition may change before it is unblocked. A timer's signal
	 * that is refused (ignored, or over the queue limit) is undone.
	 */
	int r = s->tid ? signal_send_tid(p, s->tid, s->signo, &s->info) :
			 signal_send_process(p, s->signo, &s->info);

	if (r && s->dropped)
		s->dropped(s);
}

static void ctimer_callback(struct timer *t)
{
	struct ctimer *ct = t->data;
	struct ctimer_signal sig = { 0 };
	unsigned long flags = spin_lock(ct->lock);
	uint64_t now;

	if (--ct->queued == 0 && ct->expires) {
		if (clock_read(ct->base, &now))
			ct->expires = 0; /* the thread of a thread CPU clock is gone */
		else
			expire(ct, now, &sig);
	}
	spin_unlock(ct->lock, flags);
	if (sig.signo)
		send(&sig);
}

void ctimer_init(struct ctimer *ct, int clock, struct spinlock *lock,
		 bool (*fire)(struct ctimer *, uint64_t, struct ctimer_signal *))
{
	timer_init(&ct->timer, ctimer_callback, ct);
	ct->lock = lock;
	ct->fire = fire;
	ct->clock_set = NULL;
	ct->clock = ct->base = clock;
	ct->expires = ct->interval = 0;
	ct->queued = 0;
	ct->parked = false;
	unsigned long flags = spin_lock(&registry_lock);
	list_append(&registry, &ct->link);
	spin_unlock(&registry_lock, flags);
}

void ctimer_get(struct ctimer *ct, struct itimer_ns *cur)
{
	uint64_t now;

	cur->interval = ct->interval;
	cur->value = 0;
	if (!ct->expires || clock_read(ct->base, &now))
		return;
	/* Due but not yet handled: Linux reports 1 ns rather than a disarmed timer. */
	cur->value = ct->expires > now ? ct->expires - now : 1;
}

void ctimer_set(struct ctimer *ct, uint64_t value, bool abs, uint64_t interval,
		struct itimer_ns *old)
{
	uint64_t now;

	if (old)
		ctimer_get(ct, old);
	disarm(ct);
	ct->interval = MIN(interval, NS_MAX);
	/* Relative wall-clock timers do not move when the wall clock is set (as Linux). */
	ct->base = !abs && is_realtime(ct->clock) ? CLOCK_MONOTONIC : ct->clock;
	if (!value || clock_read(ct->base, &now))
		return;
	if (abs)
		ct->expires = value;
	else
		ct->expires = value > NS_MAX - now ? NS_MAX : now + value;
	arm(ct, now, false);
}

uint64_t ctimer_catch_up(struct ctimer *ct)
{
	uint64_t now, count = 0;

	if (!ct->parked || !ct->expires || clock_read(ct->base, &now))
		return 0;
	if (now >= ct->expires)
		count = advance(ct, now);
	arm(ct, now, false);
	return count;
}

void ctimer_destroy(struct ctimer *ct)
{
	unsigned long flags = spin_lock(ct->lock);

	disarm(ct);
	while (ct->queued) {
		/* A callback has fired on another CPU and waits for the lock. */
		spin_unlock(ct->lock, flags);
		cpu_relax();
		flags = spin_lock(ct->lock);
	}
	spin_unlock(ct->lock, flags);
	flags = spin_lock(&registry_lock);
	list_remove(&ct->link);
	spin_unlock(&registry_lock, flags);
}

void clock_was_set(void)
{
	unsigned long flags = spin_lock(&registry_lock);
	struct list *l;
	uint64_t now = time_realtime_ns();

	list_for_each(l, &registry) {
		struct ctimer *ct = list_entry(l, struct ctimer, link);
		spin_lock_noirq(ct->lock);
		if (ct->expires && !ct->parked && is_realtime(ct->base))
			arm(ct, now, false);
		if (ct->clock_set && is_realtime(ct->clock))
			ct->clock_set(ct);
		spin_unlock_noirq(ct->lock);
	}
	spin_unlock(&registry_lock, flags);
}
