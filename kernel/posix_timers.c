/*
 * The process's timers: the three itimers (alarm, setitimer) and POSIX
 * timers (timer_create). A POSIX timer has at most one signal queued: while
 * it waits, expirations only count as overruns, which delivery hands over in
 * si_overrun (posix_timer_deliver). Settings are under `lock` (the ctimers'
 * lock); the queued state is under `sig_lock`, a leaf lock, so that delivery
 * may call in with its own locks held. The list changes under both.
 */
#include <alto/clock.h>
#include <alto/compiler.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>
#include "internal.h"

#define OVERRUN_MAX 0x7fffffff /* DELAYTIMER_MAX */

struct itimer {
	struct ctimer ct;
	struct ptimers *owner;
	int signo;
};

struct ptimer {
	struct ctimer ct;
	struct ptimers *owner;
	struct list link;
	int id;
	int notify; /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
	int signo;
	uint64_t value; /* sigev_value */
	int tid;	/* SIGEV_THREAD_ID */
	/* Under sig_lock. */
	bool queued;	  /* a signal waits for delivery */
	uint64_t overrun; /* expirations since it was queued */
	int overrun_last; /* what the last delivered signal carried */
};

struct ptimers {
	struct spinlock lock;
	struct spinlock sig_lock;
	struct process *proc;
	struct list list;
	int next_id;
	unsigned int count;
	struct itimer itimers[3];
};

static bool itimer_fire(struct ctimer *ct, uint64_t count, struct ctimer_signal *sig)
{
	struct itimer *it = container_of(ct, struct itimer, ct);

	sig->signo = it->signo;
	sig->proc = it->owner->proc;
	sig->info.si_signo = it->signo;
	sig->info.si_code = SI_KERNEL;
	return true;
}

static struct ptimers *ptimers_new(struct process *p)
{
	static const int signals[3] = { SIGALRM, SIGVTALRM, SIGPROF };
	struct ptimers *pts = kzalloc(sizeof(*pts));

	if (!pts)
		return NULL;
	spin_init(&pts->lock);
	spin_init(&pts->sig_lock);
	list_init(&pts->list);
	pts->proc = p;
	for (int i = 0; i < 3; i++) {
		/* ITIMER_VIRTUAL and ITIMER_PROF both count all CPU time (no user/system split). */
		int clock = i == ITIMER_REAL ? CLOCK_MONOTONIC :
					       MAKE_PROCESS_CPUCLOCK(p->pid, CPUCLOCK_SCHED);
		ctimer_init(&pts->itimers[i].ct, clock, &pts->lock, itimer_fire);
		pts->itimers[i].owner = pts;
		pts->itimers[i].signo = signals[i];
	}
	return pts;
}

/* The process's timers, made on first use; NULL without memory. */
static struct ptimers *ptimers_of(struct process *p)
{
	struct ptimers *pts = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE), *none = NULL;

	if (pts)
		return pts;
	pts = ptimers_new(p);
	if (!pts)
		return NULL;
	if (__atomic_compare_exchange_n(&p->timers, &none, pts, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return pts;
	for (int i = 0; i < 3; i++)
		ctimer_destroy(&pts->itimers[i].ct);
	kfree(pts);
	return none; /* another thread made them first */
}

int itimer_set(struct process *p, int which, const struct itimer_ns *value, struct itimer_ns *old)
{
	struct ptimers *pts;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	pts = ptimers_of(p);
	if (!pts)
		return -ENOMEM;
	unsigned long flags = spin_lock(&pts->lock);
	/* A disarmed itimer has no period either. */
	ctimer_set(&pts->itimers[which].ct, value->value, false, value->value ? value->interval : 0,
		   old);
	spin_unlock(&pts->lock, flags);
	return 0;
}

int itimer_get(struct process *p, int which, struct itimer_ns *cur)
{
	struct ptimers *pts;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	pts = ptimers_of(p);
	if (!pts)
		return -ENOMEM;
	unsigned long flags = spin_lock(&pts->lock);
	ctimer_get(&pts->itimers[which].ct, cur);
	spin_unlock(&pts->lock, flags);
	return 0;
}

/* The timer with that id; call with lock or sig_lock held. */
static struct ptimer *find(struct ptimers *pts, int id)
{
	struct list *l;

	list_for_each(l, &pts->list) {
		struct ptimer *t = list_entry(l, struct ptimer, link);
		if (t->id == id)
			return t;
	}
	return NULL;
}

/* The signal was not queued (ignored, or refused): the next expiration sends again. */
static void ptimer_dropped(struct ctimer_signal *s)
{
	struct ptimers *pts = s->proc->timers;
	unsigned long flags = spin_lock(&pts->sig_lock);
	struct ptimer *t = find(pts, s->timerid);

	if (t)
		t->queued = false;
	spin_unlock(&pts->sig_lock, flags);
}

static uint64_t add_overrun(uint64_t a, uint64_t b)
{
	uint64_t sum = a + b;
	return sum < a ? UINT64_MAX : sum;
}

/* Called with lock held; queue a signal unless one already waits. */
static bool ptimer_fire(struct ctimer *ct, uint64_t count, struct ctimer_signal *sig)
{
	struct ptimer *t = container_of(ct, struct ptimer, ct);
	bool send = false;

	if (t->notify == SIGEV_NONE)
		return false; /* nothing to do: park until timer_gettime looks */
	spin_lock_noirq(&t->owner->sig_lock);
	if (t->queued) {
		t->overrun = add_overrun(t->overrun, count);
	} else {
		t->queued = send = true;
		t->overrun = count - 1;
	}
	spin_unlock_noirq(&t->owner->sig_lock);
	if (!send)
		return true;
	sig->signo = t->signo;
	sig->proc = t->owner->proc;
	sig->tid = t->notify == SIGEV_THREAD_ID ? t->tid : 0;
	sig->info.si_signo = t->signo;
	sig->info.si_code = SI_TIMER;
	sig->info.timer.timerid = t->id;
	sig->info.timer.overrun = (int)MIN(t->overrun, (uint64_t)OVERRUN_MAX);
	sig->info.timer.value = t->value;
	sig->dropped = ptimer_dropped;
	sig->timerid = t->id;
	return true;
}

bool posix_timer_deliver(struct process *p, struct ksiginfo *info)
{
	struct ptimers *pts = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);

	if (!pts)
		return false;
	unsigned long flags = spin_lock(&pts->sig_lock);
	struct ptimer *t = find(pts, info->timer.timerid);
	if (t) {
		t->overrun_last = (int)MIN(t->overrun, (uint64_t)OVERRUN_MAX);
		info->timer.overrun = t->overrun_last;
		t->overrun = 0;
		t->queued = false;
	}
	spin_unlock(&pts->sig_lock, flags);
	return t != NULL;
}

/* Which clocks timers may run on: -EINVAL for no clock, -EOPNOTSUPP for one without timers. */
static int check_clock(int clock)
{
	uint64_t now;

	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		return 0;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	default:
		return clock_is_cpu(clock) ? clock_read(clock, &now) : -EINVAL;
	}
}

static int check_sigevent(const struct ksigevent *ev)
{
	switch (ev->sigev_notify) {
	case SIGEV_NONE:
		return 0;
	case SIGEV_SIGNAL:
	case SIGEV_THREAD: /* the C library's business: to the kernel a signal */
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		return ev->sigev_signo > 0 && ev->sigev_signo < NSIG ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static struct ptimer *ptimer_new(struct ptimers *pts, int clock, const struct ksigevent *ev)
{
	struct ptimer *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	ctimer_init(&t->ct, clock_resolve(clock), &pts->lock, ptimer_fire);
	t->owner = pts;
	t->notify = ev->sigev_notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev->sigev_notify;
	t->signo = ev->sigev_signo;
	t->value = ev->sigev_value;
	t->tid = ev->tid;
	return t;
}

/* Give t an id and list it. */
static int ptimer_add(struct ptimers *pts, struct ptimer *t, bool default_value)
{
	struct process *p = pts->proc;
	unsigned long flags = spin_lock(&pts->lock);
	int err = 0;

	if (pts->count >= MIN(p->rlimits[RLIMIT_SIGPENDING].rlim_cur, 1ul << 20))
		err = -EAGAIN;
	if (!err) {
		while (find(pts, pts->next_id))
			pts->next_id = (pts->next_id + 1) & 0x7fffffff;
		t->id = pts->next_id;
		pts->next_id = (pts->next_id + 1) & 0x7fffffff;
		if (default_value)
			t->value = (uint64_t)t->id;
		spin_lock_noirq(&pts->sig_lock);
		list_append(&pts->list, &t->link);
		spin_unlock_noirq(&pts->sig_lock);
		pts->count++;
	}
	spin_unlock(&pts->lock, flags);
	return err ? err : t->id;
}

int posix_timer_create(struct process *p, int clock, const struct ksigevent *evp)
{
	struct ksigevent def = { .sigev_signo = SIGALRM, .sigev_notify = SIGEV_SIGNAL };
	const struct ksigevent *ev = evp ? evp : &def;
	struct ptimers *pts = ptimers_of(p);
	struct ptimer *t;
	int r;

	if ((r = check_clock(clock)) || (r = check_sigevent(ev)))
		return r;
	/* The thread may exit later: its signals are then lost, as on Linux. */
	if (ev->sigev_notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) &&
	    !process_thread_by_tid(p, ev->tid))
		return -EINVAL;
	if (!pts || !(t = ptimer_new(pts, clock, ev)))
		return -ENOMEM;
	r = ptimer_add(pts, t, !evp);
	if (r < 0) {
		ctimer_destroy(&t->ct);
		kfree(t);
	}
	return r;
}

int posix_timer_set(struct process *p, int id, bool abs, const struct itimer_ns *value,
		    struct itimer_ns *old)
{
	struct ptimers *pts = ptimers_of(p);

	if (!pts)
		return -EINVAL;
	unsigned long flags = spin_lock(&pts->lock);
	struct ptimer *t = find(pts, id);
	if (t) {
		ctimer_catch_up(&t->ct);
		ctimer_set(&t->ct, value->value, abs, value->interval, old);
		spin_lock_noirq(&pts->sig_lock);
		t->overrun = 0;
		t->overrun_last = 0;
		spin_unlock_noirq(&pts->sig_lock);
	}
	spin_unlock(&pts->lock, flags);
	return t ? 0 : -EINVAL;
}

int posix_timer_get(struct process *p, int id, struct itimer_ns *cur)
{
	struct ptimers *pts = ptimers_of(p);

	if (!pts)
		return -EINVAL;
	unsigned long flags = spin_lock(&pts->lock);
	struct ptimer *t = find(pts, id);
	if (t) {
		ctimer_catch_up(&t->ct); /* a parked SIGEV_NONE timer */
		ctimer_get(&t->ct, cur);
	}
	spin_unlock(&pts->lock, flags);
	return t ? 0 : -EINVAL;
}

int posix_timer_overrun(struct process *p, int id)
{
	struct ptimers *pts = ptimers_of(p);

	if (!pts)
		return -EINVAL;
	unsigned long flags = spin_lock(&pts->sig_lock);
	struct ptimer *t = find(pts, id);
	int r = t ? t->overrun_last : -EINVAL;
	spin_unlock(&pts->sig_lock, flags);
	return r;
}

/* Take timer id (any, for a negative id) off the list and delete it; -EINVAL if none. */
static int delete_one(struct ptimers *pts, int id)
{
	unsigned long flags = spin_lock(&pts->lock);
	struct ptimer *t = id >= 0 ? find(pts, id) :
			   list_empty(&pts->list) ?
				     NULL :
				     list_first_entry(&pts->list, struct ptimer, link);

	if (t) {
		spin_lock_noirq(&pts->sig_lock);
		list_remove(&t->link);
		spin_unlock_noirq(&pts->sig_lock);
		pts->count--;
	}
	spin_unlock(&pts->lock, flags);
	if (!t)
		return -EINVAL;
	ctimer_destroy(&t->ct);
	kfree(t);
	return 0;
}

int posix_timer_delete(struct process *p, int id)
{
	struct ptimers *pts = ptimers_of(p);

	return pts && id >= 0 ? delete_one(pts, id) : -EINVAL;
}

/* Delete every POSIX timer of p; with all, the itimers too, and the timer table. */
static void destroy_timers(struct process *p, bool all)
{
	struct ptimers *pts = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);

	if (!pts)
		return;
	while (!delete_one(pts, -1))
		;
	if (!all)
		return;
	for (int i = 0; i < 3; i++)
		ctimer_destroy(&pts->itimers[i].ct);
	__atomic_store_n(&p->timers, NULL, __ATOMIC_RELEASE);
	kfree(pts);
}

void posix_timers_exit(struct process *p)
{
	destroy_timers(p, true);
}

void posix_timers_exec(struct process *p)
{
	destroy_timers(p, false); /* as Linux: the itimers (alarm) survive execve */
}
