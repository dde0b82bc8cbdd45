/*
 * Declarations shared by the files of kernel/ that nothing outside needs:
 * the hand-offs between the scheduler (sched.c) and the thread lifecycle
 * (thread.c), and the futex hash shared by futex.c and futex_pi.c.
 */
#ifndef KERNEL_INTERNAL_H
#define KERNEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>
#include <alto/spinlock.h>
#include <alto/uaccess.h>

struct thread;

/* After a switch, in the new thread: unlock, migrate or reap the previous one. */
void sched_finish_switch(struct thread *prev);
/* Mark the current thread as exiting (its next schedule() is its last). */
void sched_prepare_exit(void);
/* Initialize every CPU's run queue and the reschedule IPI. */
void sched_init_cpu_rq(void);
/* An exiting thread is off its CPU: mark it dead, free it or wake its joiner. */
void thread_reap(struct thread *t);

/*
 * What names a futex word: a private one by its address space and address,
 * a shared one (in a MAP_SHARED area, so that processes meet on it) by the
 * physical address of the word in the page behind it.
 */
struct futex_key {
	uintptr_t space; /* the struct mm, or 0 for a shared word */
	uintptr_t addr;
};

static inline bool futex_key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/*
 * The key of the word at uaddr in the current address space: 0, -EINVAL
 * (misaligned) or -EFAULT. shared: a word of a shared area gets its page's
 * key (the page is brought in, which may sleep); others stay private.
 */
long futex_key_of(uint32_t __user *uaddr, bool shared, struct futex_key *key);

/* A thread waiting on a futex word, queued in the word's bucket. */
struct futex_waiter {
	struct list link;
	struct thread *thread;
	struct futex_key key;
	uint32_t __user *uaddr; /* the word, in its thread's address space */
	uint32_t bitset;
	bool pi;    /* in FUTEX_LOCK_PI: being woken means owning the lock */
	bool woken; /* set, under the bucket lock, by whoever dequeued it */
};

struct futex_bucket {
	struct spinlock lock;
	struct list waiters;
};

#define FUTEX_BUCKETS 256
extern struct futex_bucket futex_buckets[FUTEX_BUCKETS];

struct futex_bucket *futex_bucket_of(const struct futex_key *key);
/* 0 for an aligned address in the application's half; -EINVAL or -EFAULT. */
long futex_check_addr(const uint32_t __user *uaddr);
/*
 * With b locked (interrupts off) and w queued in it: sleep until w is woken
 * (0), the absolute monotonic deadline passes (-ETIMEDOUT; 0: none) or a
 * signal is pending (-EINTR). Returns with b locked and w dequeued.
 */
long futex_sleep(struct futex_bucket *b, struct futex_waiter *w, uint64_t deadline);
/* Wake up to n plain waiters of key in b (locked) whose bitset meets bitset. */
int futex_wake_locked(struct futex_bucket *b, const struct futex_key *key, int n, uint32_t bitset);

#endif
