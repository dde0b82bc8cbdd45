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
struct process;
struct exec_image;

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

/*
 * Ids (kernel/pid.c): one number space for processes and threads. An id is
 * taken with one user; pid_hold adds users (a group or session named after
 * it), pid_release drops one and frees the id with the last.
 */
void pid_init(void);
int pid_alloc(void); /* a free id, or -EAGAIN (all taken) or -ENOMEM */
int pid_reserve(int nr);
void pid_hold(int nr);
void pid_release(int nr);
void pid_set_thread(int nr, struct thread *t);
void pid_set_process(int nr, struct process *p);
struct process *pid_process(int nr);	     /* referenced, or NULL */
struct process *pid_thread_process(int tid); /* the thread's process, referenced, or NULL */
bool pid_thread_alive(int tid);

/*
 * The process tree (kernel/process.c): its lock, every process, init. The
 * tree lock comes before any process's own lock.
 */
extern struct spinlock proc_tree_lock;
extern struct list proc_all;
extern struct process proc_init;
/* A new process with an id and nothing else, or ERR_PTR (-ENOMEM, -EAGAIN: no id left). */
struct process *process_alloc(void);
/* Free a process that never ran (a failed fork or start). */
void process_discard(struct process *p);
/*
 * A fork under way: a signal sent meanwhile to a set of processes that holds
 * the forking process (kill of a group or of everyone) is noted here, under
 * the tree lock, and the child gets it too once linked, as on Linux; the
 * set was collected before the child was in the tree.
 */
struct fork_watch {
	struct list link;
	struct process *forker;
	uint64_t signals; /* bit sig - 1 of each signal noted */
};
void process_fork_watch(struct fork_watch *w, struct process *forker);
void process_fork_unwatch(struct fork_watch *w);
/*
 * Make p a child of parent, visible to all; its group and session are
 * parent's unless set. w (or NULL) is the fork's watch: it ends here, with
 * the signals it noted in w->signals.
 */
void process_link(struct process *p, struct process *parent, struct fork_watch *w);
/* May parent make one more process (RLIMIT_NPROC)? */
bool process_may_fork(struct process *parent);
/* Add thread t with id tid to p (it takes a reference on p). */
void process_add_thread(struct process *p, struct thread *t, int tid);
/* The base name of path, as comm. */
const char *process_comm_of(const char *path);
/* p runs the program just loaded: path (kmalloc'd, taken over) and what /proc shows. */
void process_set_exe(struct process *p, char *path, const struct exec_image *img);
/* A dying or execing thread's robust futexes and CLONE_CHILD_CLEARTID word. */
void process_thread_release_user(struct thread *t);
/* kernel/wait.c: p's last thread has left; called with no lock. */
void process_exited(struct process *p);
/* Bookkeeping for the VM's end: under the tree lock, and after it. */
void process_count_exit(void);
void process_gone(void);
void process_reaped_by_init(struct process *p);
/* kernel/posix_timers.c: the process ends (all timers) or execs (POSIX timers only). */
void posix_timers_exit(struct process *p);
void posix_timers_exec(struct process *p);

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
