/*
 * Waiting on several futex words at once (futex_waitv). The thread is queued
 * on every word, each in its own bucket and under that bucket's lock only,
 * so a wake-up of any word may come while the rest are still being queued;
 * the first word found woken (lowest index) is the answer, as in Linux.
 */
#include <alto/cpu.h>
#include <alto/futex.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/time.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include "internal.h"

/* Dequeue the first n waiters; the index of the first one woken, or -1. */
static long unqueue(struct futex_waiter *w, unsigned int n)
{
	long first = -1;

	for (unsigned int i = 0; i < n; i++) {
		struct futex_bucket *b = futex_bucket_of(&w[i].key);
		unsigned long flags = spin_lock(&b->lock);
		if (w[i].woken) {
			if (first < 0)
				first = i;
		} else {
			list_remove(&w[i].link);
		}
		spin_unlock(&b->lock, flags);
	}
	return first;
}

/*
 * Queue a waiter on every word whose value is still the expected one,
 * stopping at the first that is not: 0, -EAGAIN or -EFAULT. *queued says
 * how many were queued.
 */
static long enqueue(const struct futex_vec *v, struct futex_waiter *w, unsigned int n,
		    unsigned int *queued)
{
	unsigned int i;
	long r = 0;

	for (i = 0; i < n && !r; i++) {
		struct futex_bucket *b = futex_bucket_of(&w[i].key);
		uint32_t cur;
		unsigned long flags = spin_lock(&b->lock);
		if (get_user(cur, v[i].uaddr))
			r = -EFAULT;
		else if (cur != v[i].val)
			r = -EAGAIN;
		else
			list_append(&b->waiters, &w[i].link);
		spin_unlock(&b->lock, flags);
	}
	*queued = r ? i - 1 : i;
	return r;
}

static bool any_woken(struct futex_waiter *w, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (__atomic_load_n(&w[i].woken, __ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}

/* Sleep until a word is woken (0), the deadline (-ETIMEDOUT) or a signal (-EINTR). */
static long sleep_on_all(struct futex_waiter *w, unsigned int n, uint64_t deadline)
{
	struct thread *t = current_thread();

	for (;;) {
		unsigned long flags = irq_save();
		sched_prepare_block();
		/* Wakers set woken before sched_wake: seen here, or they see us blocked. */
		if (any_woken(w, n) || signal_pending())
			sched_wake(t);
		else if (deadline)
			timer_arm(&t->sleep_timer, deadline);
		schedule();
		if (deadline)
			timer_cancel(&t->sleep_timer);
		irq_restore(flags);
		if (any_woken(w, n))
			return 0;
		if (deadline && time_now_ns() >= deadline)
			return -ETIMEDOUT;
		if (signal_pending())
			return -EINTR;
	}
}

long futex_wait_multiple(const struct futex_vec *v, unsigned int n, uint64_t deadline)
{
	struct futex_waiter *w;
	unsigned int queued;
	long r, woken;

	w = kzalloc(n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		r = futex_key_of(v[i].uaddr, v[i].shared, &w[i].key);
		if (r) {
			kfree(w);
			return r;
		}
		w[i].thread = current_thread();
		w[i].uaddr = v[i].uaddr;
		w[i].bitset = FUTEX_BITSET_MATCH_ANY;
	}
	r = enqueue(v, w, n, &queued);
	if (!r)
		r = sleep_on_all(w, n, deadline);
	woken = unqueue(w, queued);
	kfree(w);
	return woken >= 0 ? woken : r;
}
