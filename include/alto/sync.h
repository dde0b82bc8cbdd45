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

/* A queue of sleeping threads, protected by its own spinlock. */
struct waitq {
	struct spinlock lock;
	struct list waiters;
};

#define WAITQ_INIT(name)                                 \
	{                                                \
		SPINLOCK_INIT, LIST_INIT((name).waiters) \
	}

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
/* Wake up to n waiters (oldest first); returns how many were woken. */
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
 * Waiting on several wait queues at once (poll, select): a group per waiting
 * thread and an entry per queue. A wake-up on any of the queues triggers the
 * group and wakes its thread; waitq_wake() counts it as one waiter woken, so
 * queues that poll may watch should be woken with waitq_wake_all().
 */
struct waitq_group {
	struct spinlock lock;
	struct thread *thread;
	bool triggered;
};

struct waitq_entry {
	struct list link;
	struct thread *thread;
	bool woken;
	struct waitq_group *group; /* NULL for a plain sleeper */
	struct waitq *wq;
};

void waitq_group_init(struct waitq_group *g);
/* Put e on wq for g; it stays there until woken or waitq_group_remove(). */
void waitq_group_add(struct waitq_group *g, struct waitq *wq, struct waitq_entry *e);
void waitq_group_remove(struct waitq_entry *e);
/*
 * Sleep until a queue of g wakes it (0, clearing the trigger) or the
 * absolute monotonic deadline (0: none) passes (-ETIMEDOUT).
 */
int waitq_group_wait(struct waitq_group *g, uint64_t deadline);
/* As waitq_group_wait; -EINTR when a signal is pending (poll, select). */
int waitq_group_wait_interruptible(struct waitq_group *g, uint64_t deadline);

struct mutex {
	struct thread *owner;
	struct waitq wq;
};

#define MUTEX_INIT(name)                    \
	{                                   \
		NULL, WAITQ_INIT((name).wq) \
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
