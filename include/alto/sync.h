/*
 * Sleeping synchronization: wait queues, mutexes, condition variables,
 * semaphores and reader-writer locks. All may block, so none may be taken
 * from an interrupt handler or with a spinlock held (wake-ups may).
 */
#ifndef ALTO_SYNC_H
#define ALTO_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>
#include <alto/spinlock.h>

struct thread;

/*
 * A wait queue: entries that are either sleeping threads or callbacks,
 * under the queue's own spinlock. This is also the kernel's one readiness
 * model (docs/readiness.md): a file that can block reports changes of its
 * readiness with waitq_notify(wq, EPOLLIN | ...), naming what happened, and
 * poll, select and epoll hang callback entries on the queues their files
 * name. Callbacks run with the queue's lock held and interrupts off (a
 * notification may come from an interrupt handler or a timer), so they may
 * only take spinlocks and wake threads.
 */
struct waitq {
	struct spinlock lock;
	struct list waiters;
};

#define WAITQ_INIT(name)                                 \
	{                                                \
		SPINLOCK_INIT, LIST_INIT((name).waiters) \
	}

/* Every event: a wake-up that does not say what happened. */
#define WAITQ_ALL 0xffffffffu

struct waitq_entry;
typedef void (*waitq_func)(struct waitq_entry *e, unsigned int events);

struct waitq_entry {
	struct list link;
	struct waitq *wq;
	/* A sleeper: its thread (func NULL). */
	struct thread *thread;
	bool woken;
	/* A callback entry: called by waitq_notify with what happened. */
	waitq_func func;
	/* What the entry cares about: a notification meeting none of it passes it by. */
	unsigned int events;
};

void waitq_init(struct waitq *wq);
/*
 * Sleep on wq. Call with wq->lock held (flags from spin_lock); returns with
 * it held again. Returns 0 when woken, -ETIMEDOUT when the absolute monotonic
 * deadline (0: none) passed first. Callers loop on their condition.
 */
int waitq_wait_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline);
/*
 * The same, but a signal for the thread (or its process exiting) ends the
 * wait with -EINTR (signal_pending()); callers return a restart code.
 */
int waitq_wait_interruptible_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline);
/* The same, woken only by notifications that meet events (and by waitq_wake). */
int waitq_wait_events_locked(struct waitq *wq, unsigned long *flags, uint64_t deadline,
			     unsigned int events);
/* Wake up to n sleepers (oldest first); returns how many. Callbacks are not called. */
int waitq_wake(struct waitq *wq, int n);
static inline int waitq_wake_one(struct waitq *wq)
{
	return waitq_wake(wq, 1);
}
static inline int waitq_wake_all(struct waitq *wq)
{
	return waitq_wake(wq, 0x7fffffff);
}

/*
 * Readiness changed: call every callback entry whose events meet these and
 * wake every sleeper that waits for them. Safe from interrupt handlers.
 */
void waitq_notify(struct waitq *wq, unsigned int events);
/* The same with wq->lock already held. */
void waitq_notify_locked(struct waitq *wq, unsigned int events);
/*
 * Waiting for a change checked under other locks: read *seqp (acquire)
 * before checking, and if the condition does not hold, waitq_wait_seq()
 * sleeps until *seqp moves (interruptibly: 0, -ETIMEDOUT at the absolute
 * monotonic deadline (0: none), -EINTR). waitq_notify_seq() moves it and
 * notifies, so no change can slip between the check and the sleep.
 */
int waitq_wait_seq(struct waitq *wq, const unsigned int *seqp, unsigned int seq,
		   unsigned int events, uint64_t deadline);
void waitq_notify_seq(struct waitq *wq, unsigned int *seqp, unsigned int events);
/* Hang a callback entry on wq (e->func and e->events set); it stays until removed. */
void waitq_add(struct waitq *wq, struct waitq_entry *e);
/* Take it off again; no call of its func runs or starts once this returns. */
void waitq_remove(struct waitq_entry *e);

/*
 * A sleeping lock. owner is the holding thread, with MUTEX_WAITERS set
 * while threads may sleep in wq: taking a free lock and releasing one
 * nobody waits for is one compare-and-exchange, without the queue's
 * spinlock or interrupts off.
 */
struct mutex {
	uintptr_t owner;
	struct waitq wq;
};

#define MUTEX_WAITERS 1ul

#define MUTEX_INIT(name)                 \
	{                                \
		0, WAITQ_INIT((name).wq) \
	}

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);

struct condvar {
	struct waitq wq;
};

void cond_init(struct condvar *c);
/* Atomically release m and sleep; m is held again on return. */
void cond_wait(struct condvar *c, struct mutex *m);
/* As cond_wait, but -EINTR (m held again) when a signal is pending; else 0. */
int cond_wait_interruptible(struct condvar *c, struct mutex *m);
/* As cond_wait, with an absolute monotonic deadline; -ETIMEDOUT if it passed. */
int cond_timedwait(struct condvar *c, struct mutex *m, uint64_t deadline);
void cond_signal(struct condvar *c);
void cond_broadcast(struct condvar *c);

struct semaphore {
	long count;
	struct waitq wq;
};

void sem_init(struct semaphore *s, long count);
void sem_down(struct semaphore *s);
bool sem_trydown(struct semaphore *s);
/* -ETIMEDOUT if the absolute monotonic deadline passes first, else 0. */
int sem_down_timeout(struct semaphore *s, uint64_t deadline);
void sem_up(struct semaphore *s);

/*
 * Reader-writer lock. The write holder may take the write lock again
 * (recursively) and may also take the read lock, which succeeds at once
 * instead of deadlocking; an inner write unlock only drops the count and
 * wakes nobody.
 */
struct rwlock {
	struct thread *writer;
	unsigned int write_depth;  /* write acquisitions by writer */
	unsigned int writer_reads; /* read acquisitions by the writer itself */
	unsigned int readers;	   /* other readers holding it */
	unsigned int writers_waiting;
	struct waitq wq;
};

void rwlock_init(struct rwlock *rw);
void rw_read_lock(struct rwlock *rw);
void rw_read_unlock(struct rwlock *rw);
void rw_write_lock(struct rwlock *rw);
void rw_write_unlock(struct rwlock *rw);
bool rw_write_held(const struct rwlock *rw);

#endif
