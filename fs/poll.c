/*
 * The machinery under poll and select, on the readiness model's callback
 * entries. A scan asks every file for its readiness and, through
 * poll_wait(), hangs a temporary entry on each wait queue that could change
 * it, with the events the caller wants for that file. If nothing is ready
 * the thread sleeps until a notification meeting those events triggers the
 * table, or the deadline passes, and scans again. Entries live in small
 * chunks that never move while queued. A signal ends the wait with -EINTR.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/poll.h>
#include "internal.h"

#define INLINE_ENTRIES 8
#define CHUNK_ENTRIES  40

struct poll_waiter;

struct poll_entry {
	struct waitq_entry e;
	struct poll_waiter *w;
};

struct poll_chunk {
	struct poll_chunk *next;
	unsigned int n;
	struct poll_entry e[CHUNK_ENTRIES];
};

struct poll_waiter {
	struct poll_table pt;
	struct spinlock lock; /* triggered, and the sleep on it */
	struct thread *thread;
	bool triggered;
	bool nomem;
	unsigned int ninline;
	struct poll_entry inline_e[INLINE_ENTRIES];
	struct poll_chunk *chunks;
};

/* A notification the waiter wants (queue lock held: the order is queue, then waiter). */
static void poll_wake(struct waitq_entry *e, unsigned int events)
{
	struct poll_waiter *w = container_of(e, struct poll_entry, e)->w;

	spin_lock_noirq(&w->lock);
	w->triggered = true;
	sched_wake(w->thread);
	spin_unlock_noirq(&w->lock);
}

static struct poll_entry *next_entry(struct poll_waiter *w)
{
	struct poll_chunk *c = w->chunks;

	if (w->ninline < INLINE_ENTRIES)
		return &w->inline_e[w->ninline++];
	if (!c || c->n == CHUNK_ENTRIES) {
		c = kmalloc(sizeof(*c));
		if (!c)
			return NULL;
		c->n = 0;
		c->next = w->chunks;
		w->chunks = c;
	}
	return &c->e[c->n++];
}

static void poll_queue(struct poll_table *pt, struct waitq *wq)
{
	struct poll_waiter *w = container_of(pt, struct poll_waiter, pt);
	struct poll_entry *pe = next_entry(w);

	if (!pe) {
		/* Without an entry a wake-up could be missed: wait in short naps instead. */
		w->nomem = true;
		return;
	}
	pe->w = w;
	pe->e = (struct waitq_entry){ .func = poll_wake, .events = pt->events | POLLERR | POLLHUP };
	waitq_add(wq, &pe->e);
}

static void waiter_init(struct poll_waiter *w)
{
	spin_init(&w->lock);
	w->pt = (struct poll_table){ .queue = poll_queue, .events = WAITQ_ALL };
	w->thread = current_thread();
	w->triggered = false;
	w->nomem = false;
	w->ninline = 0;
	w->chunks = NULL;
}

static void waiter_clear(struct poll_waiter *w)
{
	for (unsigned int i = 0; i < w->ninline; i++)
		waitq_remove(&w->inline_e[i].e);
	while (w->chunks) {
		struct poll_chunk *c = w->chunks;
		for (unsigned int i = 0; i < c->n; i++)
			waitq_remove(&c->e[i].e);
		w->chunks = c->next;
		kfree(c);
	}
	w->ninline = 0;
}

/*
 * Sleep under the waiter's lock: a notification takes it to set the
 * trigger, so it either comes before the check or wakes a thread already
 * marked blocked. A signal sent before the thread was marked blocked found
 * it running, so it must not sleep then.
 */
static int waiter_sleep(struct poll_waiter *w, uint64_t deadline)
{
	struct thread *t = current_thread();
	unsigned long flags = spin_lock(&w->lock);
	int r = 0;

	while (!w->triggered) {
		if (deadline && time_now_ns() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		if (signal_pending()) {
			r = -EINTR;
			break;
		}
		sched_prepare_block();
		if (signal_pending())
			sched_wake(t);
		else if (deadline)
			timer_arm(&t->sleep_timer, deadline);
		spin_unlock_noirq(&w->lock);
		schedule();
		if (deadline)
			timer_cancel(&t->sleep_timer);
		spin_lock_noirq(&w->lock);
	}
	w->triggered = false;
	spin_unlock(&w->lock, flags);
	return r;
}

int vfs_poll(int (*scan)(void *ctx, struct poll_table *pt), void *ctx, uint64_t deadline)
{
	struct poll_waiter *w;
	int n;

	if (deadline == POLL_NO_WAIT)
		return scan(ctx, NULL);
	w = kmalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (;;) {
		waiter_init(w);
		n = scan(ctx, &w->pt);
		if (n) {
			waiter_clear(w);
			break;
		}
		uint64_t until = deadline;
		if (w->nomem && (!until || until > time_now_ns() + NSEC_PER_MSEC))
			until = time_now_ns() + NSEC_PER_MSEC;
		int r = waiter_sleep(w, until);
		waiter_clear(w);
		if (r == -ETIMEDOUT && until == deadline) {
			n = scan(ctx, NULL);
			break;
		}
		if (r == -EINTR) {
			n = -EINTR;
			break;
		}
	}
	kfree(w);
	return n;
}

unsigned int vfs_poll_file(struct file *f, struct poll_table *pt)
{
	if (!f->ops->poll)
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	return f->ops->poll(f, pt);
}
