/*
 * Futexes: wait queues in a hash table keyed by the word's address. The value
 * check and the enqueueing happen under the bucket lock, and wakers take the
 * same lock, so no wake-up falls between "the value is still val" and sleep.
 */
#include <alto/cpu.h>
#include <alto/futex.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/spinlock.h>
#include <alto/time.h>
#include <uapi/errno.h>

#define BUCKETS 256

struct futex_waiter {
	struct list link;
	struct thread *thread;
	uint32_t __user *key;
	uint32_t bitset;
	bool woken;
};

struct bucket {
	struct spinlock lock;
	struct list waiters;
};

static struct bucket buckets[BUCKETS];

static struct bucket *bucket_of(const uint32_t __user *key)
{
	uintptr_t k = (uintptr_t)key >> 2;
	return &buckets[(k ^ (k >> 8) ^ (k >> 16)) % BUCKETS];
}

/* Lock two buckets without deadlock: always in address order. */
static void lock_two(struct bucket *a, struct bucket *b)
{
	if (a == b) {
		spin_lock_noirq(&a->lock);
	} else if (a < b) {
		spin_lock_noirq(&a->lock);
		spin_lock_noirq(&b->lock);
	} else {
		spin_lock_noirq(&b->lock);
		spin_lock_noirq(&a->lock);
	}
}

static void unlock_two(struct bucket *a, struct bucket *b)
{
	spin_unlock_noirq(&a->lock);
	if (a != b)
		spin_unlock_noirq(&b->lock);
}

static long check_addr(const uint32_t __user *uaddr)
{
	return ((uintptr_t)uaddr & 3) ? -EINVAL : user_range_ok(uaddr, 4) ? 0 : -EFAULT;
}

long futex_wait(uint32_t __user *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct thread *t = current_thread();
	struct bucket *b = bucket_of(uaddr);
	struct futex_waiter w = { .thread = t, .key = uaddr, .bitset = bitset };
	uint32_t cur;
	long r = check_addr(uaddr);

	if (r || !bitset)
		return r ? r : -EINVAL;
	unsigned long flags = spin_lock(&b->lock);
	if (get_user(cur, uaddr)) {
		r = -EFAULT;
		goto out;
	}
	if (cur != val) {
		r = -EAGAIN;
		goto out;
	}
	list_append(&b->waiters, &w.link);
	for (;;) {
		sched_prepare_block();
		/* A signal sent before we were marked blocked woke nobody: do not sleep. */
		if (signal_pending())
			sched_wake(t);
		else if (deadline)
			timer_arm(&t->sleep_timer, deadline);
		spin_unlock_noirq(&b->lock);
		schedule();
		if (deadline)
			timer_cancel(&t->sleep_timer);
		spin_lock_noirq(&b->lock);
		if (w.woken)
			break;
		if (deadline && time_now_ns() >= deadline)
			r = -ETIMEDOUT;
		else if (signal_pending())
			r = -EINTR;
		if (r) {
			list_remove(&w.link);
			break;
		}
	}
out:
	spin_unlock(&b->lock, flags);
	return r;
}

/* Wake up to n waiters of key in b (locked); returns how many. */
static int wake_locked(struct bucket *b, uint32_t __user *key, int n, uint32_t bitset)
{
	struct list *pos, *tmp;
	int woken = 0;

	list_for_each_safe(pos, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (woken >= n)
			break;
		if (w->key != key || !(w->bitset & bitset))
			continue;
		list_remove(&w->link);
		w->woken = true;
		sched_wake(w->thread);
		woken++;
	}
	return woken;
}

long futex_wake(uint32_t __user *uaddr, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(uaddr);
	long r = check_addr(uaddr);

	if (r || !bitset)
		return r ? r : -EINVAL;
	unsigned long flags = spin_lock(&b->lock);
	r = wake_locked(b, uaddr, n, bitset);
	spin_unlock(&b->lock, flags);
	return r;
}

/* Move up to n waiters of key from b to key2 in b2 (both locked). */
static int move_locked(struct bucket *b, uint32_t __user *key, struct bucket *b2,
		       uint32_t __user *key2, int n)
{
	struct list *pos, *tmp;
	int moved = 0;

	list_for_each_safe(pos, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (moved >= n)
			break;
		if (w->key != key)
			continue;
		list_remove(&w->link);
		w->key = key2;
		list_append(&b2->waiters, &w->link);
		moved++;
	}
	return moved;
}

long futex_requeue(uint32_t __user *uaddr, uint32_t __user *uaddr2, int nwake, int nmove,
		   bool check, uint32_t val)
{
	struct bucket *b = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
	uint32_t cur;
	long r = check_addr(uaddr) ?: check_addr(uaddr2);

	if (r || nwake < 0 || nmove < 0)
		return r ? r : -EINVAL;
	unsigned long flags = irq_save();
	lock_two(b, b2);
	if (check && get_user(cur, uaddr)) {
		r = -EFAULT;
	} else if (check && cur != val) {
		r = -EAGAIN;
	} else {
		r = wake_locked(b, uaddr, nwake, FUTEX_BITSET_MATCH_ANY);
		int moved = move_locked(b, uaddr, b2, uaddr2, nmove);
		if (check)
			r += moved;
	}
	unlock_two(b, b2);
	irq_restore(flags);
	return r;
}

/* FUTEX_WAKE_OP's encoding: op 31-28, cmp 27-24, oparg 23-12, cmparg 11-0. */
static long apply_op(uint32_t __user *uaddr, uint32_t op, uint32_t *old)
{
	unsigned int kind = (op >> 28) & 7;
	uint32_t oparg = (op >> 12) & 0xfff, cur, want;

	if (op & (8u << 28)) /* FUTEX_OP_OPARG_SHIFT */
		oparg = oparg < 32 ? 1u << oparg : 0;
	if (get_user(cur, uaddr))
		return -EFAULT;
	for (;;) {
		switch (kind) {
		case 0:
			want = oparg;
			break; /* SET */
		case 1:
			want = cur + oparg;
			break; /* ADD */
		case 2:
			want = cur | oparg;
			break; /* OR */
		case 3:
			want = cur & ~oparg;
			break; /* ANDN */
		case 4:
			want = cur ^ oparg;
			break; /* XOR */
		default:
			return -ENOSYS;
		}
		uint32_t seen;
		if (cmpxchg_user32(uaddr, cur, want, &seen))
			return -EFAULT;
		if (seen == cur)
			break;
		cur = seen;
	}
	*old = cur;
	return 0;
}

static bool compare(uint32_t op, uint32_t old)
{
	int32_t cmparg = (int32_t)(op << 20) >> 20; /* 12 bits, sign-extended */
	int32_t v = (int32_t)old;

	switch ((op >> 24) & 0xf) {
	case 0:
		return v == cmparg;
	case 1:
		return v != cmparg;
	case 2:
		return v < cmparg;
	case 3:
		return v <= cmparg;
	case 4:
		return v > cmparg;
	case 5:
		return v >= cmparg;
	default:
		return false;
	}
}

long futex_wake_op(uint32_t __user *uaddr, uint32_t __user *uaddr2, int n, int n2, uint32_t op)
{
	struct bucket *b = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
	uint32_t old;
	long r = check_addr(uaddr) ?: check_addr(uaddr2);

	if (r)
		return r;
	unsigned long flags = irq_save();
	lock_two(b, b2);
	r = apply_op(uaddr2, op, &old);
	if (!r) {
		r = wake_locked(b, uaddr, n, FUTEX_BITSET_MATCH_ANY);
		if (compare(op, old))
			r += wake_locked(b2, uaddr2, n2, FUTEX_BITSET_MATCH_ANY);
	}
	unlock_two(b, b2);
	irq_restore(flags);
	return r;
}

void futex_init(void)
{
	for (int i = 0; i < BUCKETS; i++) {
		spin_init(&buckets[i].lock);
		list_init(&buckets[i].waiters);
	}
}
