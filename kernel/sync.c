/*
 * Wait queues and the sleeping locks built on them. Each lock's state is
 * protected by its wait queue's spinlock, so checking the state and going to
 * sleep happen atomically with respect to the unlock that wakes us.
 */
#include <alto/cpu.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/sync.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include "sched_trace.h"

void waitq_init(struct waitq *wq)
{
	spin_init(&wq->lock);
	list_init(&wq->waiters);
}

/*
 * After sched_prepare_block(): true if a signal makes an interruptible wait
 * end. A signal sent before the thread was marked blocked found it running
 * and woke nobody, so it must not sleep now; sched_wake() keeps it runnable.
 */
static bool interrupted(bool interruptible)
{
	if (!interruptible || !signal_pending())
		return false;
	sched_wake(current_thread());
	return true;
}

static int wait_locked(struct waitq *wq, uint64_t deadline, bool interruptible)
{
	struct thread *t = current_thread();
	struct waitq_entry w = { .thread = t };

	trace_waitq_wait_enter(wq, deadline);
	list_append(&wq->waiters, &w.link);
	sched_prepare_block();
	if (!interrupted(interruptible) && deadline)
		timer_arm(&t->sleep_timer, deadline);
	spin_unlock_noirq(&wq->lock);
	schedule();
	if (deadline)
		timer_cancel(&t->sleep_timer);
	spin_lock_noirq(&wq->lock);
	int r = 0;
	if (!w.woken) {
		list_remove(&w.link);
		if (deadline && time_now_ns() >= deadline)
			r = -ETIMEDOUT;
		else if (interruptible && signal_pending())
			r = -EINTR;
	}
	trace_waitq_wait_exit(wq, r);
	return r;
}

int waitq_wait_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline)
{
	return wait_locked(wq, deadline, false);
}

int waitq_wait_interruptible_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline)
{
	return wait_locked(wq, deadline, true);
}

/* Called with the queue's lock held: the lock order is queue, then group. */
static void trigger_group(struct waitq_group *g)
{
	spin_lock_noirq(&g->lock);
	g->triggered = true;
	sched_wake(g->thread);
	spin_unlock_noirq(&g->lock);
}

static int wake_locked(struct waitq *wq, int n)
{
	int woken = 0;

	while (woken < n && !list_empty(&wq->waiters)) {
		struct waitq_entry *w = list_first_entry(&wq->waiters, struct waitq_entry, link);
		struct thread *t = w->thread;
		list_remove(&w->link);
		w->woken = true;
		trace_waitq_wake(wq, thread_trace_id(t));
		if (w->group)
			trigger_group(w->group);
		else
			sched_wake(t);
		woken++;
	}
	return woken;
}

int waitq_wake(struct waitq *wq, int n)
{
	unsigned long flags = spin_lock(&wq->lock);
	int woken = wake_locked(wq, n);

	spin_unlock(&wq->lock, flags);
	return woken;
}

void waitq_group_init(struct waitq_group *g)
{
	spin_init(&g->lock);
	g->thread = current_thread();
	g->triggered = false;
}

void waitq_group_add(struct waitq_group *g, struct waitq *wq, struct waitq_entry *e)
{
	*e = (struct waitq_entry){ .thread = g->thread, .group = g, .wq = wq };
	unsigned long flags = spin_lock(&wq->lock);
	list_append(&wq->waiters, &e->link);
	spin_unlock(&wq->lock, flags);
}

void waitq_group_remove(struct waitq_entry *e)
{
	/* A woken entry is already off its queue, and list_remove leaves it self-linked. */
	unsigned long flags = spin_lock(&e->wq->lock);
	list_remove(&e->link);
	spin_unlock(&e->wq->lock, flags);
}

/*
 * Blocking under the group's lock: a waker takes it to set the trigger, so
 * it either comes before the check below or wakes a thread already marked
 * blocked.
 */
static int group_wait(struct waitq_group *g, uint64_t deadline, bool interruptible)
{
	struct thread *t = current_thread();
	unsigned long flags = spin_lock(&g->lock);
	int r = 0;

	trace_waitq_group_wait_enter(g, deadline);
	while (!g->triggered) {
		if (deadline && time_now_ns() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		if (interruptible && signal_pending()) {
			r = -EINTR;
			break;
		}
		sched_prepare_block();
		if (!interrupted(interruptible) && deadline)
			timer_arm(&t->sleep_timer, deadline);
		spin_unlock_noirq(&g->lock);
		schedule();
		if (deadline)
			timer_cancel(&t->sleep_timer);
		spin_lock_noirq(&g->lock);
	}
	g->triggered = false;
	trace_waitq_group_wait_exit(g, r);
	spin_unlock(&g->lock, flags);
	return r;
}

int waitq_group_wait(struct waitq_group *g, uint64_t deadline)
{
	return group_wait(g, deadline, false);
}

int waitq_group_wait_interruptible(struct waitq_group *g, uint64_t deadline)
{
	return group_wait(g, deadline, true);
}

void mutex_init(struct mutex *m)
{
	m->owner = NULL;
	waitq_init(&m->wq);
}

void mutex_lock(struct mutex *m)
{
	struct thread *self = current_thread();
	unsigned long flags = spin_lock(&m->wq.lock);

	if (m->owner == self)
		panic("mutex_lock: %p already held by this thread", (void *)m);
	while (m->owner) {
		trace_mutex_contended(m, thread_trace_id(m->owner));
		waitq_wait_locked(&m->wq, &flags, 0);
	}
	m->owner = self;
	spin_unlock(&m->wq.lock, flags);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long flags = spin_lock(&m->wq.lock);
	bool ok = !m->owner;

	if (ok)
		m->owner = current_thread();
	spin_unlock(&m->wq.lock, flags);
	return ok;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags = spin_lock(&m->wq.lock);

	if (m->owner != current_thread())
		panic("mutex_unlock: %p not held by this thread", (void *)m);
	m->owner = NULL;
	wake_locked(&m->wq, 1);
	spin_unlock(&m->wq.lock, flags);
}

bool mutex_held(const struct mutex *m)
{
	return READ_ONCE(m->owner) == current_thread();
}

void cond_init(struct condvar *c)
{
	waitq_init(&c->wq);
}

int cond_timedwait(struct condvar *c, struct mutex *m, uint64_t deadline)
{
	/* Holding the condvar's lock before dropping m: no signal can slip in between. */
	unsigned long flags = spin_lock(&c->wq.lock);

	mutex_unlock(m);
	int r = waitq_wait_locked(&c->wq, &flags, deadline);
	spin_unlock(&c->wq.lock, flags);
	mutex_lock(m);
	return r;
}

void cond_wait(struct condvar *c, struct mutex *m)
{
	cond_timedwait(c, m, 0);
}

int cond_wait_interruptible(struct condvar *c, struct mutex *m)
{
	unsigned long flags = spin_lock(&c->wq.lock);

	mutex_unlock(m);
	int r = waitq_wait_interruptible_locked(&c->wq, &flags, 0);
	spin_unlock(&c->wq.lock, flags);
	mutex_lock(m);
	return r;
}

void cond_signal(struct condvar *c)
{
	waitq_wake(&c->wq, 1);
}

void cond_broadcast(struct condvar *c)
{
	waitq_wake_all(&c->wq);
}

void sem_init(struct semaphore *s, long count)
{
	s->count = count;
	waitq_init(&s->wq);
}

int sem_down_timeout(struct semaphore *s, uint64_t deadline)
{
	unsigned long flags = spin_lock(&s->wq.lock);
	int r = 0;

	while (s->count <= 0 && r == 0) {
		trace_sem_wait(s);
		r = waitq_wait_locked(&s->wq, &flags, deadline);
	}
	if (s->count > 0) {
		s->count--;
		r = 0;
	}
	spin_unlock(&s->wq.lock, flags);
	return r;
}

void sem_down(struct semaphore *s)
{
	sem_down_timeout(s, 0);
}

bool sem_trydown(struct semaphore *s)
{
	unsigned long flags = spin_lock(&s->wq.lock);
	bool ok = s->count > 0;

	if (ok)
		s->count--;
	spin_unlock(&s->wq.lock, flags);
	return ok;
}

void sem_up(struct semaphore *s)
{
	unsigned long flags = spin_lock(&s->wq.lock);

	s->count++;
	wake_locked(&s->wq, 1);
	spin_unlock(&s->wq.lock, flags);
}

void rwlock_init(struct rwlock *rw)
{
	*rw = (struct rwlock){ 0 };
	waitq_init(&rw->wq);
}

void rw_read_lock(struct rwlock *rw)
{
	struct thread *self = current_thread();
	unsigned long flags = spin_lock(&rw->wq.lock);

	if (rw->writer == self) {
		/* The write holder reading what it may already write: grant it. */
		rw->writer_reads++;
	} else {
		/* Waiting writers go first, so readers cannot starve them. */
		while (rw->writer || rw->writers_waiting) {
			trace_rwlock_wait(rw, 0);
			waitq_wait_locked(&rw->wq, &flags, 0);
		}
		rw->readers++;
	}
	spin_unlock(&rw->wq.lock, flags);
}

void rw_read_unlock(struct rwlock *rw)
{
	unsigned long flags = spin_lock(&rw->wq.lock);

	if (rw->writer == current_thread() && rw->writer_reads) {
		rw->writer_reads--;
	} else {
		BUG_ON(rw->readers == 0);
		if (--rw->readers == 0)
			wake_locked(&rw->wq, 0x7fffffff);
	}
	spin_unlock(&rw->wq.lock, flags);
}

void rw_write_lock(struct rwlock *rw)
{
	struct thread *self = current_thread();
	unsigned long flags = spin_lock(&rw->wq.lock);

	if (rw->writer == self) {
		rw->write_depth++;
	} else {
		rw->writers_waiting++;
		while (rw->writer || rw->readers) {
			trace_rwlock_wait(rw, 1);
			waitq_wait_locked(&rw->wq, &flags, 0);
		}
		rw->writers_waiting--;
		rw->writer = self;
		rw->write_depth = 1;
	}
	spin_unlock(&rw->wq.lock, flags);
}

void rw_write_unlock(struct rwlock *rw)
{
	unsigned long flags = spin_lock(&rw->wq.lock);

	if (rw->writer != current_thread())
		panic("rw_write_unlock: %p not write-held by this thread", (void *)rw);
	/* An inner unlock of a recursive hold: the lock stays taken, nobody to wake. */
	if (--rw->write_depth == 0) {
		BUG_ON(rw->writer_reads);
		rw->writer = NULL;
		wake_locked(&rw->wq, 0x7fffffff);
	}
	spin_unlock(&rw->wq.lock, flags);
}

bool rw_write_held(const struct rwlock *rw)
{
	return READ_ONCE(rw->writer) == current_thread();
}
