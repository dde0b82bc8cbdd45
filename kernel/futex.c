/*
 * Futexes: wait queues in a hash table keyed by the word (its address space
 * and address, or for a shared word the page behind it: internal.h). The
 * value check and the enqueueing happen under the bucket lock, and wakers
 * take the same lock, so no wake-up falls between "the value is still val"
 * and sleep. The priority-inheritance protocol on the same buckets is in
 * futex_pi.c.
 */
#include <alto/cpu.h>
#include <alto/futex.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/spinlock.h>
#include <alto/time.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/futex.h>
#include "internal.h"

struct futex_bucket futex_buckets[FUTEX_BUCKETS];

struct futex_bucket *futex_bucket_of(const struct futex_key *key)
{
	uintptr_t k = (key->addr >> 2) ^ (key->space >> 6);
	return &futex_buckets[(k ^ (k >> 8) ^ (k >> 16)) % FUTEX_BUCKETS];
}

/* Lock two buckets without deadlock: always in address order. */
static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
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

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	spin_unlock_noirq(&a->lock);
	if (a != b)
		spin_unlock_noirq(&b->lock);
}

long futex_check_addr(const uint32_t __user *uaddr)
{
	return ((uintptr_t)uaddr & 3) ? -EINVAL : user_range_ok(uaddr, 4) ? 0 : -EFAULT;
}

long futex_key_of(uint32_t __user *uaddr, bool shared, struct futex_key *key)
{
	struct mm *mm = current_thread()->mm;
	uint64_t pa;
	long r = futex_check_addr(uaddr);

	if (r)
		return r;
	*key = (struct futex_key){ (uintptr_t)mm, (uintptr_t)uaddr };
	if (!shared || !mm)
		return 0;
	r = mm_shared_phys(mm, (uintptr_t)uaddr, &pa);
	if (r == -ENOENT)
		return 0; /* private memory: as Linux, the address space names it */
	if (r)
		return r;
	*key = (struct futex_key){ 0, pa };
	return 0;
}

long futex_sleep(struct futex_bucket *b, struct futex_waiter *w, uint64_t deadline)
{
	struct thread *t = current_thread();
	long r = 0;

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
		if (w->woken)
			return 0;
		if (deadline && time_now_ns() >= deadline)
			r = -ETIMEDOUT;
		else if (signal_pending())
			r = -EINTR;
		if (r) {
			list_remove(&w->link);
			return r;
		}
	}
}

long futex_wait(uint32_t __user *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset,
		bool shared)
{
	struct futex_waiter w = { .thread = current_thread(), .uaddr = uaddr, .bitset = bitset };
	uint32_t cur;
	long r = futex_key_of(uaddr, shared, &w.key);

	if (r || !bitset)
		return r ? r : -EINVAL;
	struct futex_bucket *b = futex_bucket_of(&w.key);
	unsigned long flags = spin_lock(&b->lock);
	if (get_user(cur, uaddr))
		r = -EFAULT;
	else if (cur != val)
		r = -EAGAIN;
	else {
		list_append(&b->waiters, &w.link);
		r = futex_sleep(b, &w, deadline);
	}
	spin_unlock(&b->lock, flags);
	return r;
}

/* Dequeue w (its bucket locked) and wake its thread. */
static void wake_one(struct futex_waiter *w)
{
	list_remove(&w->link);
	w->woken = true;
	sched_wake(w->thread);
}

int futex_wake_locked(struct futex_bucket *b, const struct futex_key *key, int n, uint32_t bitset)
{
	struct list *pos, *tmp;
	int woken = 0;

	list_for_each_safe(pos, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (woken >= n)
			break;
		if (!futex_key_eq(&w->key, key) || w->pi || !(w->bitset & bitset))
			continue;
		wake_one(w);
		woken++;
	}
	return woken;
}

long futex_wake(uint32_t __user *uaddr, int n, uint32_t bitset, bool shared)
{
	struct futex_key key;
	long r = futex_key_of(uaddr, shared, &key);

	if (r || !bitset)
		return r ? r : -EINVAL;
	struct futex_bucket *b = futex_bucket_of(&key);
	unsigned long flags = spin_lock(&b->lock);
	r = futex_wake_locked(b, &key, n, bitset);
	spin_unlock(&b->lock, flags);
	return r;
}

/* Move up to n plain waiters of key from b to key2 (the word uaddr2) in b2, both locked. */
static int move_locked(struct futex_bucket *b, const struct futex_key *key, struct futex_bucket *b2,
		       const struct futex_key *key2, uint32_t __user *uaddr2, int n)
{
	struct list *pos, *tmp;
	int moved = 0;

	list_for_each_safe(pos, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (moved >= n)
			break;
		if (!futex_key_eq(&w->key, key) || w->pi)
			continue;
		list_remove(&w->link);
		w->key = *key2;
		w->uaddr = uaddr2;
		list_append(&b2->waiters, &w->link);
		moved++;
	}
	return moved;
}

long futex_requeue(uint32_t __user *uaddr, uint32_t __user *uaddr2, int nwake, int nmove,
		   bool check, uint32_t val, bool shared)
{
	struct futex_key key, key2;
	uint32_t cur;
	long r = futex_key_of(uaddr, shared, &key) ?: futex_key_of(uaddr2, shared, &key2);

	if (r || nwake < 0 || nmove < 0)
		return r ? r : -EINVAL;
	struct futex_bucket *b = futex_bucket_of(&key), *b2 = futex_bucket_of(&key2);
	unsigned long flags = irq_save();
	lock_two(b, b2);
	if (check && get_user(cur, uaddr)) {
		r = -EFAULT;
	} else if (check && cur != val) {
		r = -EAGAIN;
	} else {
		r = futex_wake_locked(b, &key, nwake, FUTEX_BITSET_MATCH_ANY);
		r += move_locked(b, &key, b2, &key2, uaddr2, nmove);
	}
	unlock_two(b, b2);
	irq_restore(flags);
	return r;
}

/* FUTEX_WAKE_OP's operation on *uaddr; the value it found goes to *old. */
static long apply_op(uint32_t __user *uaddr, uint32_t op, uint32_t *old)
{
	unsigned int kind = (op >> 28) & 7;
	uint32_t oparg = (uint32_t)((int32_t)(op << 8) >> 20); /* 12 bits, sign-extended */
	uint32_t cur, want, seen;

	/* Linux takes a shift out of 0..31 modulo 32 (and warns). */
	if (op & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = 1u << (oparg & 31);
	if (kind > FUTEX_OP_XOR)
		return -ENOSYS;
	if (get_user(cur, uaddr))
		return -EFAULT;
	for (;;) {
		switch (kind) {
		case FUTEX_OP_SET:
			want = oparg;
			break;
		case FUTEX_OP_ADD:
			want = cur + oparg;
			break;
		case FUTEX_OP_OR:
			want = cur | oparg;
			break;
		case FUTEX_OP_ANDN:
			want = cur & ~oparg;
			break;
		default: /* FUTEX_OP_XOR */
			want = cur ^ oparg;
			break;
		}
		if (cmpxchg_user32(uaddr, cur, want, &seen))
			return -EFAULT;
		if (seen == cur)
			break;
		cur = seen;
	}
	*old = cur;
	return 0;
}

/* FUTEX_WAKE_OP's comparison of the old value: 1 or 0, or -ENOSYS for an unknown one. */
static int compare(uint32_t op, uint32_t old)
{
	int32_t cmparg = (int32_t)(op << 20) >> 20; /* 12 bits, sign-extended */
	int32_t v = (int32_t)old;

	switch ((op >> 24) & 0xf) {
	case FUTEX_OP_CMP_EQ:
		return v == cmparg;
	case FUTEX_OP_CMP_NE:
		return v != cmparg;
	case FUTEX_OP_CMP_LT:
		return v < cmparg;
	case FUTEX_OP_CMP_LE:
		return v <= cmparg;
	case FUTEX_OP_CMP_GT:
		return v > cmparg;
	case FUTEX_OP_CMP_GE:
		return v >= cmparg;
	default:
		return -ENOSYS;
	}
}

long futex_wake_op(uint32_t __user *uaddr, uint32_t __user *uaddr2, int n, int n2, uint32_t op,
		   bool shared)
{
	struct futex_key key, key2;
	uint32_t old;
	long r = futex_key_of(uaddr, shared, &key) ?: futex_key_of(uaddr2, shared, &key2);
	int cmp = 0;

	if (r)
		return r;
	struct futex_bucket *b = futex_bucket_of(&key), *b2 = futex_bucket_of(&key2);
	unsigned long flags = irq_save();
	lock_two(b, b2);
	r = apply_op(uaddr2, op, &old);
	/* As Linux: the operation stays done even when the comparison is unknown. */
	if (!r && (cmp = compare(op, old)) < 0)
		r = cmp;
	if (!r) {
		r = futex_wake_locked(b, &key, n, FUTEX_BITSET_MATCH_ANY);
		if (cmp)
			r += futex_wake_locked(b2, &key2, n2, FUTEX_BITSET_MATCH_ANY);
	}
	unlock_two(b, b2);
	irq_restore(flags);
	return r;
}

void futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		spin_init(&futex_buckets[i].lock);
		list_init(&futex_buckets[i].waiters);
	}
}
