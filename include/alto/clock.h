/*
 * POSIX clocks and the timers that run on them. Clocks are read by Linux
 * clock id (negative ids name CPU-time clocks of a thread or the process);
 * a clock timer (ctimer) is the engine under alarm/setitimer, timer_create
 * and timerfd: a one-shot kernel timer re-armed for periodic expirations,
 * counting the ones that were missed.
 */
#ifndef ALTO_CLOCK_H
#define ALTO_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/uaccess.h>
#include <alto/list.h>
#include <alto/spinlock.h>
#include <alto/timer.h>
#include <uapi/signal.h>

struct process;
struct thread;

/* Linux's encoding of CPU-time clock ids (include/linux/posix-timers.h). */
#define CPUCLOCK_PERTHREAD_MASK		  4
#define CPUCLOCK_CLOCK_MASK		  3
#define CPUCLOCK_SCHED			  2
#define CLOCKFD				  3
#define CPUCLOCK_ID(clock)		  ((int)~((clock) >> 3))
#define MAKE_PROCESS_CPUCLOCK(pid, which) ((int)((~(unsigned int)(pid)) << 3) | (which))
#define MAKE_THREAD_CPUCLOCK(tid, which) \
	MAKE_PROCESS_CPUCLOCK(tid, (which) | CPUCLOCK_PERTHREAD_MASK)

/* Is clock a CPU-time clock (CLOCK_*_CPUTIME_ID or an encoded one)? */
bool clock_is_cpu(int clock);
/*
 * The clock's reading in ns: 0, or -EINVAL for a clock that does not exist
 * (a bad id, a thread that has gone). CPU clocks of id 0 mean the caller;
 * safe from interrupt context for all other ids.
 */
int clock_read(int clock, uint64_t *ns);
/* The same id with "the calling thread/process" made explicit, for timers. */
int clock_resolve(int clock);

/*
 * Sleeping until a CPU clock reaches a time (clock_nanosleep): the wall time
 * to sleep before reading it again, with left ns still to go on it.
 */
uint64_t clock_cpu_wait_ns(int clock, uint64_t left);

/* CPU time used so far by a thread, and by the process (all threads, exited ones too). */
uint64_t cputime_thread_ns(struct thread *t);
uint64_t cputime_process_ns(struct process *p);
/* Voluntary context switches of the process (all threads, exited ones too). */
uint64_t cputime_process_nvcsw(struct process *p);
/*
 * A thread leaves its process: keep its CPU time in the process's total.
 * Call with p->lock held, just before the thread leaves p->threads.
 */
void cputime_thread_exit(struct process *p, struct thread *t);

/* A timer setting in ns: time to the next expiration (0: disarmed), period. */
struct itimer_ns {
	uint64_t value, interval;
};

/* A signal a timer sends once its owner's lock is released. */
struct ctimer_signal {
	int signo; /* 0: nothing to send */
	struct process *proc;
	int tid; /* SIGEV_THREAD_ID: to that thread; 0: to the process */
	struct ksiginfo info;
	void (*dropped)(struct ctimer_signal *s); /* it was ignored: undo what fire() did */
	int timerid;
};

struct ctimer {
	struct timer timer;    /* on the monotonic clock */
	struct spinlock *lock; /* the owner's: guards the fields below, held around fire() */
	/*
	 * An expiration (count > 1: periods were missed), in interrupt context
	 * with the lock held. Fill sig to send a signal. Return false to park a
	 * periodic timer: it is not re-armed until ctimer_catch_up().
	 */
	bool (*fire)(struct ctimer *ct, uint64_t count, struct ctimer_signal *sig);
	/* The realtime clock was set (optional; lock held). */
	void (*clock_set)(struct ctimer *ct);
	int clock;	   /* fixed at ctimer_init */
	int base;	   /* what expires counts on: the clock, or CLOCK_MONOTONIC when relative */
	uint64_t expires;  /* next expiration on base, ns; 0: disarmed */
	uint64_t interval; /* 0: one-shot */
	unsigned int queued; /* arms whose callback has not run yet */
	bool parked;
	struct list link; /* all ctimers, for clock_was_set() */
};

void ctimer_init(struct ctimer *ct, int clock, struct spinlock *lock,
		 bool (*fire)(struct ctimer *, uint64_t, struct ctimer_signal *));
/*
 * With the lock held: arm for value ns from now, or at value on the clock
 * when abs, then every interval ns; value 0 disarms. The previous setting
 * goes to *old when old is not NULL.
 */
void ctimer_set(struct ctimer *ct, uint64_t value, bool abs, uint64_t interval,
		struct itimer_ns *old);
/* With the lock held: the current setting. */
void ctimer_get(struct ctimer *ct, struct itimer_ns *cur);
/* With the lock held: re-arm a parked timer; returns the expirations it missed. */
uint64_t ctimer_catch_up(struct ctimer *ct);
/* Without the lock: disarm and wait for a callback in flight, so ct may be freed. */
void ctimer_destroy(struct ctimer *ct);
/* CLOCK_REALTIME was set: re-arm absolute realtime timers. */
void clock_was_set(void);

/* ns <-> struct timespec / timeval, for the system calls. */
struct timespec;
struct timeval;
/* 0, or -EINVAL when tv_nsec is out of range or the time negative. */
int timespec_to_ns(const struct timespec *ts, uint64_t *ns);
struct timespec ns_to_timespec(uint64_t ns);
/*
 * The monotonic deadline of a timeout the application passed (0 when uts
 * is NULL): relative, or absolute on clock (CLOCK_MONOTONIC or
 * CLOCK_REALTIME, converted with one read of their offset). -EFAULT, or
 * -EINVAL for a bad timespec.
 */
long clock_user_deadline(const struct timespec __user *uts, bool absolute, int clock,
			 uint64_t *deadline);
struct timeval ns_to_timeval(uint64_t ns);

/* timerfd (fs/timerfd.c): a new file (flags: O_NONBLOCK), or ERR_PTR. */
struct file;
struct file *timerfd_new(int clock, unsigned int flags);
/* flags: TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET; -EINVAL if f is no timerfd. */
int timerfd_settime(struct file *f, int flags, const struct itimer_ns *value,
		    struct itimer_ns *old);
int timerfd_gettime(struct file *f, struct itimer_ns *cur);

/*
 * Process timers: alarm, setitimer and timer_create (kernel/posix_timers.c).
 * which is ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF.
 */
int itimer_set(struct process *p, int which, const struct itimer_ns *value, struct itimer_ns *old);
int itimer_get(struct process *p, int which, struct itimer_ns *cur);

struct ksigevent;
/* evp NULL: SIGALRM to the process with the timer id as value. Returns the id or -errno. */
int posix_timer_create(struct process *p, int clock, const struct ksigevent *evp);
int posix_timer_set(struct process *p, int id, bool abs, const struct itimer_ns *value,
		    struct itimer_ns *old);
int posix_timer_get(struct process *p, int id, struct itimer_ns *cur);
int posix_timer_overrun(struct process *p, int id);
int posix_timer_delete(struct process *p, int id);

/*
 * Signal delivery calls this when it takes a signal with si_code SI_TIMER
 * off a queue, before copying it to the application: it fills si_overrun
 * and lets the timer queue its next signal. False: the timer was deleted;
 * drop the signal. Takes only the process timers' spinlock, so it may be
 * called with delivery's locks held.
 */
bool posix_timer_deliver(struct process *p, struct ksiginfo *info);
#endif
