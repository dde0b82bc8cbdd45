/*
 * Threads and the scheduler. Every thread has a kernel stack with a guard
 * page below it; application threads (later) also run application code.
 * Scheduling is preemptive and tickless: the timer fires only for the next
 * timer event or for the end of a time slice when others are waiting.
 */
#ifndef ALTO_SCHED_H
#define ALTO_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/compiler.h>
#include <alto/list.h>
#include <alto/timer.h>
#include <alto/signal.h>
#include <alto/spinlock.h>
#include <alto/sync.h>
#include <uapi/signal.h>

struct trap_frame;
struct process;
struct mm;

#define THREAD_NAME_LEN 16
#define KSTACK_SIZE	(16 * 1024)
#define APP_KSTACK_SIZE (32 * 1024) /* system calls run here: path buffers, VFS depth */
#define TIME_SLICE_NS	(10 * 1000 * 1000ull)

enum thread_state {
	THREAD_RUNNING,	 /* on a CPU now */
	THREAD_RUNNABLE, /* on a run queue */
	THREAD_BLOCKED,	 /* waiting for sched_wake() */
	THREAD_EXITING,	 /* called thread_exit, still on its CPU */
	THREAD_DEAD,	 /* off every CPU: may be freed */
};

/*
 * thread.work: what the thread may have to do before it goes back to the
 * application, set (atomically, by any CPU) by whoever makes the work, after
 * making it. The system call entry and exit (arch/x86_64/syscall.S) test the
 * whole word with one load; only the exit work (sys/table.c) clears it, then
 * looks at the real state and sets it again if something is left. A bit set
 * for nothing costs one call through the slow path.
 */
#define THREAD_WORK_SIGNAL  1u /* kicked: a signal, a stop, the process exiting or execing */
#define THREAD_WORK_RESCHED 2u /* its CPU's need_resched was set while it ran there */
#define THREAD_WORK_MASK    4u /* a temporary signal mask to restore, or one that unblocked */

struct thread {
	uint64_t saved_rsp; /* while switched out: see arch/x86_64/switch.S */
	void *stack;	    /* lowest usable byte of the kernel stack */
	enum thread_state state;
	unsigned int cpu; /* where it runs or last ran; its run queue */
	bool on_rq;
	volatile bool on_cpu;	   /* between being switched in and fully switched out */
	int migrate_to;		   /* -1, or the CPU to move to once switched out */
	uint64_t affinity;	   /* CPUs it may run on (bit n: CPU n) */
	struct spinlock wake_lock; /* serializes wake-ups (they may move the thread) */
	bool detached;
	struct list rq_link;
	int tid;
	char name[THREAD_NAME_LEN];
	void (*fn)(void *);
	void *arg;
	int exit_code;
	struct waitq exit_wq; /* joiners wait here for THREAD_DEAD */
	uint64_t wakeups;     /* times sched_wake made it runnable */
	struct timer sleep_timer;
	size_t stack_size;
	uint64_t fs_base;
	uint64_t slice_start; /* when it last got the CPU */
	uint64_t runtime_ns;  /* CPU time used, updated at every switch */

	/* The policy (kernel/sched.c): set with sched_set_policy and sched_set_nice. */
	int policy;	      /* SCHED_OTHER, SCHED_FIFO... (uapi/sched.h) */
	int rt_priority;      /* 1..99 for SCHED_FIFO and SCHED_RR, else 0 */
	int nice;	      /* -20..19: the weight of SCHED_OTHER and SCHED_BATCH */
	bool reset_on_fork;   /* new threads start as SCHED_OTHER, nice 0 or above */
	uint16_t ioprio;      /* ioprio_set's class and level, inherited; not acted on */
	bool yielding;	      /* in sched_yield: goes behind its equals */
	uint64_t vruntime;    /* run time scaled by the weight: the fair share's clock */
	uint64_t vcharged;    /* when vruntime was last brought up to date */
	unsigned int vcpu;    /* the CPU whose queue vruntime is measured against */
	uint64_t slice_began; /* the current time slice's start */
	struct list all_link;

	/* Application threads only (proc != NULL). */
	struct process *proc;
	struct mm *mm;		  /* the address space it runs in; NULL once its process let go */
	struct list proc_link;	  /* in proc->threads */
	void *fpu;		  /* FPU/SSE/AVX state while switched out */
	unsigned int fpu_cpu;	  /* the CPU whose registers last held it */
	uint8_t fpu_runs;	  /* runs in a row that used the FPU (arch/x86_64/fpu.c) */
	uint64_t clear_child_tid; /* set_tid_address */
	uint64_t robust_list;	  /* set_robust_list */
	uint32_t work;		  /* THREAD_WORK_* */
	ksigset_t sigmask;
	struct k_stack altstack;
	struct thread_signals sig;	/* pending signals, saved mask, restart (kernel/signal.c) */
	struct trap_frame *entry_frame; /* a new thread's first registers (clone) */
};

/* Create a runnable kernel thread. Returns ERR_PTR(-ENOMEM) on failure. */
struct thread *thread_create(void (*fn)(void *), void *arg, const char *name);
/* The same, for the CPUs in affinity only (bit n: CPU n). */
struct thread *thread_create_on(void (*fn)(void *), void *arg, const char *name, uint64_t affinity);
/*
 * Create a thread of the application process p (not yet runnable): it gets
 * an FPU state and a larger kernel stack. Start it with sched_wake().
 */
struct thread *thread_create_app(struct process *p, void (*fn)(void *), void *arg,
				 const char *name);
/* Free a thread from thread_create_app that was never woken (a clone that failed). */
void thread_destroy_unstarted(struct thread *t);
/* Wait for t to exit, free it, and return its exit code. */
int thread_join(struct thread *t);
/* As thread_join, giving up at an absolute monotonic deadline with -ETIMEDOUT
 * (t is then left running, not freed). */
int thread_join_deadline(struct thread *t, uint64_t deadline, int *code);
/* Let t free itself when it exits; it must not be joined. */
void thread_detach(struct thread *t);
__noreturn void thread_exit(int code);
void thread_yield(void);
void thread_sleep_ns(uint64_t ns);

/* The core: pick the next thread and switch to it. Call with preemption allowed. */
void schedule(void);
/* Mark the current thread blocked; it stops at its next schedule() until woken. */
void sched_prepare_block(void);
/* Make a blocked thread runnable. Safe from interrupt handlers. */
void sched_wake(struct thread *t);
/*
 * Make t look at its signals soon: wake it if it sleeps; if it runs on another
 * CPU, interrupt that CPU so it passes through the return-to-application path.
 */
void sched_kick(struct thread *t);

/* Give t work for its way back to the application (THREAD_WORK_*): a full barrier. */
static inline void thread_work_set(struct thread *t, uint32_t bits)
{
	__atomic_fetch_or(&t->work, bits, __ATOMIC_SEQ_CST);
}
/* When the running thread's slice ends, if another thread waits for the CPU; else 0. */
uint64_t sched_slice_deadline(void);
/* Called by the timer interrupt path: is it time to switch? */
void sched_tick(void);
/* On the way out of an interrupt: switch if a wake-up or the slice asked for it. */
void sched_preempt_point(void);

void preempt_disable(void);
void preempt_enable(void);

void sched_init(void);
/* An AP's boot context becomes its idle thread (stack: its lowest byte). */
void sched_init_ap(uintptr_t stack);
/* The idle loop of this CPU; never returns. */
__attribute__((noreturn)) void sched_idle(void);
/* Where t may run; an empty mask is refused. Moves the caller off a CPU it may no longer use. */
int sched_set_affinity(struct thread *t, uint64_t mask);
/*
 * Scheduling policy of t: policy (SCHED_OTHER, SCHED_FIFO, SCHED_RR,
 * SCHED_BATCH, SCHED_IDLE) and real-time priority, already validated.
 * Takes effect at once: t moves in its queue, and a CPU whose running
 * thread is now outranked switches.
 */
void sched_set_policy(struct thread *t, int policy, int rt_priority, bool reset_on_fork);
void sched_set_nice(struct thread *t, int nice);
/* A new thread t of the creator's process starts with creator's policy, nice and CPUs. */
void sched_fork(struct thread *t, const struct thread *creator);
/* The IPI handlers (arch code routes the vectors here). */
void sched_ipi_resched(void);
unsigned int sched_thread_count(void);
/* Call fn on every thread, with the thread list locked (fn must not sleep). */
void thread_for_each(void (*fn)(struct thread *t, void *arg), void *arg);
/* The id traces give t: its tid for an application thread, minus it for a kernel thread. */
static inline int thread_trace_id(const struct thread *t)
{
	return t->proc ? t->tid : -t->tid;
}

#endif
