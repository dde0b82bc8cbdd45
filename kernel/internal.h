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

/* A thread waiting on a futex word, queued in the word's bucket. */
struct futex_waiter {
	struct list link;
	struct thread *thread;
	uint32_t __user *key;
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

struct futex_bucket *futex_bucket_of(const uint32_t __user *key);
/* 0 for an aligned address in the application's half; -EINVAL or -EFAULT. */
long futex_check_addr(const uint32_t __user *uaddr);
/*
 * With b locked (interrupts off) and w queued in it: sleep until w is woken
 * (0), the absolute monotonic deadline passes (-ETIMEDOUT; 0: none) or a
 * signal is pending (-EINTR). Returns with b locked and w dequeued.
 */
long futex_sleep(struct futex_bucket *b, struct futex_waiter *w, uint64_t deadline);
/* Wake up to n plain waiters of key in b (locked) whose bitset meets bitset. */
int futex_wake_locked(struct futex_bucket *b, uint32_t __user *key, int n, uint32_t bitset);

#endif
