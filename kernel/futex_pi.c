/*
 * Priority-inheritance futexes (FUTEX_LOCK_PI, UNLOCK_PI, TRYLOCK_PI) and
 * the death of a robust futex's owner. The word holds the owner's thread id
 * and FUTEX_WAITERS, which sends its unlock into the kernel; the kernel hands
 * the lock straight to the first waiter by writing that waiter's id, so a
 * woken waiter owns the lock and nobody can steal it in between, as Linux.
 * The owner's priority is not boosted (threads have real-time priorities,
 * but no inheritance is done yet): the protocol on the word is all there
 * is, and waiters are served in order.
 */
#include <alto/cpu.h>
#include <alto/futex.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/spinlock.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/futex.h>
#include "internal.h"
#include "futex_trace.h"

/* The n-th (0: first) PI waiter of key in b (locked), or NULL. */
static struct futex_waiter *pi_waiter(struct futex_bucket *b, const struct futex_key *key, int n)
{
	struct list *pos;

	list_for_each(pos, &b->waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (futex_key_eq(&w->key, key) && w->pi && n-- == 0)
			return w;
	}
	return NULL;
}

/*
 * The word for handing the lock to the first waiter (FUTEX_WAITERS while
 * more wait), or with no waiter, for a free lock; kept is the bits to carry
 * over. *next is the waiter, or NULL.
 */
static uint32_t handoff_word(struct futex_bucket *b, const struct futex_key *key, uint32_t kept,
			     struct futex_waiter **next)
{
	*next = pi_waiter(b, key, 0);
	if (!*next)
		return kept;
	return (uint32_t)(*next)->thread->tid | kept | (pi_waiter(b, key, 1) ? FUTEX_WAITERS : 0);
}

static void hand_over(struct futex_waiter *w)
{
	trace_futex_pi_hand_over(w->uaddr, thread_trace_id(w->thread));
	list_remove(&w->link);
	w->woken = true;
	sched_wake(w->thread);
}

/* Threads in futex_lock_pi: a thread's exit looks for locks to hand over only if some are. */
static int pi_waiting;

/* A live thread with that id, of any process (shared PI futexes name others'). */
static bool thread_exists(int tid)
{
	return pid_thread_alive(tid);
}

/* What one look at the word found, besides -errno. */
enum take {
	TAKE_AGAIN,
	TAKE_DONE,
	TAKE_WAIT
};

/* One look at the word, b locked: take the lock, or set FUTEX_WAITERS to wait. */
static long try_take(struct futex_bucket *b, const struct futex_key *key, uint32_t __user *uaddr,
		     int tid, bool trylock)
{
	uint32_t cur, want, seen;
	int owner;

	if (get_user(cur, uaddr))
		return -EFAULT;
	owner = (int)(cur & FUTEX_TID_MASK);
	if (owner == tid)
		return -EDEADLK;
	if (owner && !thread_exists(owner)) {
		/*
		 * The owner may have unlocked in user space and exited since our
		 * read: only a word that still names it is a dead owner (ESRCH,
		 * which musl takes for a deadlock and waits on for good).
		 */
		if (get_user(seen, uaddr))
			return -EFAULT;
		return seen != cur ? TAKE_AGAIN : -ESRCH;
	}
	if (owner && trylock)
		return -EAGAIN;
	if (owner && (cur & FUTEX_WAITERS))
		return TAKE_WAIT;
	if (owner) {
		want = cur | FUTEX_WAITERS;
	} else {
		/*
		 * Free, or its owner died (robust lists): take it. FUTEX_OWNER_DIED
		 * stays so that the program learns of it (EOWNERDEAD in glibc).
		 */
		want = (uint32_t)tid | (cur & FUTEX_OWNER_DIED) |
		       (pi_waiter(b, key, 0) ? FUTEX_WAITERS : 0);
	}
	if (cmpxchg_user32(uaddr, cur, want, &seen))
		return -EFAULT;
	if (seen != cur)
		return TAKE_AGAIN;
	return owner ? TAKE_WAIT : TAKE_DONE;
}

long futex_lock_pi(uint32_t __user *uaddr, uint64_t deadline, bool trylock, bool shared)
{
	struct futex_waiter w = { .thread = current_thread(), .uaddr = uaddr, .pi = true };
	long r = futex_key_of(uaddr, shared, &w.key);

	if (r)
		return r;
	trace_futex_lock_pi_enter(uaddr, trylock);
	struct futex_bucket *b = futex_bucket_of(&w.key);
	/*
	 * Counted before the owner is looked up: an owner whose id goes after
	 * our look then sees us in futex_thread_exit (each side fences between
	 * its write and its read).
	 */
	__atomic_fetch_add(&pi_waiting, 1, __ATOMIC_SEQ_CST);
	unsigned long flags = spin_lock(&b->lock);
	while ((r = try_take(b, &w.key, uaddr, w.thread->tid, trylock)) == TAKE_AGAIN)
		;
	if (r == TAKE_DONE) {
		r = 0;
	} else if (r == TAKE_WAIT) {
		list_append(&b->waiters, &w.link);
		r = futex_sleep(b, &w, deadline); /* 0: an unlock handed the lock to us */
	}
	spin_unlock(&b->lock, flags);
	__atomic_fetch_sub(&pi_waiting, 1, __ATOMIC_SEQ_CST);
	trace_futex_lock_pi_exit(uaddr, r);
	return r;
}

long futex_unlock_pi(uint32_t __user *uaddr, bool shared)
{
	struct futex_key key;
	struct futex_waiter *next;
	uint32_t tid = (uint32_t)current_thread()->tid, cur, want, seen;
	long r = futex_key_of(uaddr, shared, &key);

	if (r)
		return r;
	struct futex_bucket *b = futex_bucket_of(&key);
	unsigned long flags = spin_lock(&b->lock);
	for (;;) {
		if (get_user(cur, uaddr)) {
			r = -EFAULT;
			break;
		}
		if ((cur & FUTEX_TID_MASK) != tid) {
			r = -EPERM;
			break;
		}
		/* As Linux, a free word keeps neither FUTEX_WAITERS nor FUTEX_OWNER_DIED. */
		want = handoff_word(b, &key, 0, &next);
		if (cmpxchg_user32(uaddr, cur, want, &seen)) {
			r = -EFAULT;
			break;
		}
		if (seen == cur) {
			if (next)
				hand_over(next);
			break;
		}
	}
	spin_unlock(&b->lock, flags);
	trace_futex_unlock_pi(uaddr, r);
	return r;
}

void futex_owner_died(uint32_t __user *uaddr, int tid)
{
	struct futex_key key;
	struct futex_waiter *next;
	uint32_t cur, want, seen;

	/* As Linux: the key of a shared word if it is one (a robust mutex between processes). */
	if (futex_key_of(uaddr, true, &key))
		return;
	trace_futex_owner_died(uaddr, tid);
	struct futex_bucket *b = futex_bucket_of(&key);
	unsigned long flags = spin_lock(&b->lock);
	if (get_user(cur, uaddr))
		goto out;
	while ((cur & FUTEX_TID_MASK) == (uint32_t)tid) {
		/* A PI waiter gets the lock at once; otherwise the word says nobody owns it. */
		want = handoff_word(b, &key, FUTEX_OWNER_DIED, &next);
		if (!next)
			want |= cur & FUTEX_WAITERS;
		if (cmpxchg_user32(uaddr, cur, want, &seen))
			break;
		if (seen == cur) {
			if (next)
				hand_over(next);
			else if (cur & FUTEX_WAITERS)
				futex_wake_locked(b, &key, 1, FUTEX_BITSET_MATCH_ANY);
			break;
		}
		cur = seen;
	}
out:
	spin_unlock(&b->lock, flags);
}

/*
 * The lock at key (b locked, a PI waiter queued) lost its owner: the word
 * still names the exiting thread tid, or nobody because the C library
 * released it on the way out (musl's robust list walk does). Hand it to the
 * first waiter, keeping FUTEX_OWNER_DIED, as Linux does when it releases the
 * PI state an exiting thread owned.
 */
static void release_orphan(struct futex_bucket *b, const struct futex_key *key,
			   uint32_t __user *uaddr, int tid)
{
	struct futex_waiter *next;
	uint32_t cur, want, seen;

	if (get_user(cur, uaddr))
		return;
	for (;;) {
		uint32_t owner = cur & FUTEX_TID_MASK;
		if (owner && owner != (uint32_t)tid)
			return;
		want = handoff_word(b, key, cur & FUTEX_OWNER_DIED, &next);
		if (cmpxchg_user32(uaddr, cur, want, &seen))
			return;
		if (seen == cur) {
			hand_over(next);
			return;
		}
		cur = seen;
	}
}

void futex_thread_exit(int tid, struct mm *mm)
{
	struct list *pos, *tmp;

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* our id is gone before we look */
	if (!__atomic_load_n(&pi_waiting, __ATOMIC_SEQ_CST))
		return;
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		struct futex_bucket *b = &futex_buckets[i];
		unsigned long flags = spin_lock(&b->lock);
		/*
		 * The first PI waiter of a key is the one handed to: removing it is
		 * safe here. Only waiters of our address space: their words are ours
		 * to read (thread ids are unique, so others' locks are not ours).
		 */
		list_for_each_safe(pos, tmp, &b->waiters) {
			struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
			if (w->pi && w->thread->mm == mm)
				release_orphan(b, &w->key, w->uaddr, tid);
		}
		spin_unlock(&b->lock, flags);
	}
}
