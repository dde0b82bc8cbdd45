/*
 * Wait queues and the sleeping locks built on them. A queue holds sleeping
 * threads and the readiness model's callback entries (docs/readiness.md):
 * waitq_wake wakes sleepers for locks, waitq_notify calls callbacks and
 * wakes sleepers for readiness. Each lock's state is protected by its wait
 * queue's spinlock, so checking the state and going to sleep happen
 * atomically with respect to the unlock that wakes us.
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

static int wait_locked(struct waitq *wq, uint64_t deadline, bool interruptible, unsigned int events)
{
	struct thread *t = current_thread();
	struct waitq_entry w = { .thread = t, .wq = wq, .events = events };

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
	return wait_locked(wq, deadline, false, WAITQ_ALL);
}

int waitq_wait_interruptible_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline)
{
	return wait_locked(wq, deadline, true, WAITQ_ALL);
}

int waitq_wait_events_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline,
			     unsigned int events)
{
	return wait_locked(wq, deadline, true, events);
}

static void wake_entry(struct waitq_entry *w)
{
	list_remove(&w->link);
	w->woken = true;
	trace_waitq_wake(w->wq, thread_trace_id(w->thread));
	sched_wake(w->thread);
}

static int wake_locked(struct waitq *wq, int n)
{
	struct list *pos, *tmp;
	int woken = 0;

	list_for_each_safe(pos, tmp, &wq->waiters) {
		struct waitq_entry *w = list_entry(pos, struct waitq_entry, link);
		if (woken == n)
			break;
		if (w->func)
			continue;
		wake_entry(w);
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

void waitq_notify_locked(struct waitq *wq, unsigned int events)
{
	struct list *pos, *tmp;

	trace_waitq_notify(wq, events);
	list_for_each_safe(pos, tmp, &wq->waiters) {
		struct waitq_entry *w = list_entry(pos, struct waitq_entry, link);
		if (!(w->events & events))
			continue;
		if (w->func)
			w->func(w, events);
		else
			wake_entry(w);
	}
}

void waitq_notify(struct waitq *wq, unsigned int events)
{
	unsigned long flags = spin_lock(&wq->lock);

	waitq_notify_locked(wq, events);
	spin_unlock(&wq->lock, flags);
}

int waitq_wait_seq(struct waitq *wq, const unsigned int *seqp, unsigned int seq,
		   unsigned int events, uint64_t deadline)
{
	unsigned long flags = spin_lock(&wq->lock);
	int r = 0;

	/* A notification moves the count before it takes the lock: none can slip between. */
	while (__atomic_load_n(seqp, __ATOMIC_ACQUIRE) == seq && !r)
		r = wait_locked(wq, deadline, true, events);
	spin_unlock(&wq->lock, flags);
	return r;
}

void waitq_notify_seq(struct waitq *wq, unsigned int *seqp, unsigned int events)
{
	__atomic_add_fetch(seqp, 1, __ATOMIC_RELEASE);
	waitq_notify(wq, events);
}

void waitq_add(struct waitq *wq, struct waitq_entry *e)
{
	unsigned long flags = spin_lock(&wq->lock);

	e->wq = wq;
	list_append(&wq->waiters, &e->link);
	spin_unlock(&wq->lock, flags);
}

void waitq_remove(struct waitq_entry *e)
{
	unsigned long flags = spin_lock(&e->wq->lock);

	list_remove(&e->link);
	spin_unlock(&e->wq->lock, flags);
}

void mutex_init(struct mutex *m)
{
	m->owner = 0;
	waitq_init(&m->wq);
}

static bool owner_cas(struct mutex *m, uintptr_t old, uintptr_t new)
{
	return __atomic_compare_exchange_n(&m->owner, &old, new, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}

static struct thread *holder(uintptr_t owner)
{
	return (struct thread *)(owner & ~MUTEX_WAITERS);
}

/*
 * Under the queue's lock, a sleeper sets MUTEX_WAITERS before it sleeps,
 * so the holder's release takes the slow path and wakes one; a woken
 * thread that takes the lock keeps the flag while others still sleep.
 */
static void lock_slow(struct mutex *m, uintptr_t self)
{
	unsigned long flags = spin_lock(&m->wq.lock);

	for (;;) {
		uintptr_t v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
		if (holder(v) == holder(self))
			panic("mutex_lock: %p already held by this thread", (void *)m);
		if (!v) {
			uintptr_t mine = self | (list_empty(&m->wq.waiters) ? 0 : MUTEX_WAITERS);
			if (owner_cas(m, 0, mine))
				break;
			continue;
		}
		if (!(v & MUTEX_WAITERS) && !owner_cas(m, v, v | MUTEX_WAITERS))
			continue;
		trace_mutex_contended(m, thread_trace_id(holder(v)));
		waitq_wait_locked(&m->wq, &flags, 0);
	}
	spin_unlock(&m->wq.lock, flags);
}

void mutex_lock(struct mutex *m)
{
	uintptr_t self = (uintptr_t)current_thread();

	if (!owner_cas(m, 0, self))
		lock_slow(m, self);
}

bool mutex_trylock(struct mutex *m)
{
	return owner_cas(m, 0, (uintptr_t)current_thread());
}

void mutex_unlock(struct mutex *m)
{
	uintptr_t self = (uintptr_t)current_thread();

	if (owner_cas(m, self, 0))
		return;
	unsigned long flags = spin_lock(&m->wq.lock);
	if (holder(m->owner) != holder(self))
		panic("mutex_unlock: %p not held by this thread", (void *)m);
	__atomic_store_n(&m->owner, 0, __ATOMIC_RELEASE);
	wake_locked(&m->wq, 1);
	spin_unlock(&m->wq.lock, flags);
}

bool mutex_held(const struct mutex *m)
{
	return holder(READ_ONCE(m->owner)) == current_thread();
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
