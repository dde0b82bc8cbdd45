/*
 * Clocks by Linux clock id. The wall and monotonic clocks come from
 * kernel/time; CPU-time clocks add up the scheduler's run time of a thread,
 * or of every thread of the process plus what its exited threads used. A
 * process total never goes back, even when another CPU is mid-switch.
 */
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/time.h>
#include <alto/uaccess.h>
#include <uapi/errno.h>
#include <uapi/time.h>

bool clock_is_cpu(int clock)
{
	return clock < 0 || clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID;
}

uint64_t cputime_thread_ns(struct thread *t)
{
	unsigned long flags = irq_save();
	uint64_t ns = READ_ONCE(t->runtime_ns);

	/* Running now: add the current slice (the switch adds it to runtime_ns later). */
	if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
		uint64_t start = READ_ONCE(t->slice_start), now = time_now_ns();
		ns += now > start ? now - start : 0;
	}
	irq_restore(flags);
	return ns;
}

uint64_t cputime_process_ns(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);
	uint64_t ns = p->exited_cpu_ns;
	struct list *l;

	list_for_each(l, &p->threads)
		ns += cputime_thread_ns(list_entry(l, struct thread, proc_link));
	if (ns < p->cpu_ns_seen)
		ns = p->cpu_ns_seen;
	p->cpu_ns_seen = ns;
	spin_unlock(&p->lock, flags);
	return ns;
}

uint64_t cputime_process_nvcsw(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);
	uint64_t n = p->exited_nvcsw;
	struct list *l;

	list_for_each(l, &p->threads)
		n += READ_ONCE(list_entry(l, struct thread, proc_link)->wakeups);
	spin_unlock(&p->lock, flags);
	return n;
}

void cputime_thread_exit(struct process *p, struct thread *t)
{
	p->exited_cpu_ns += cputime_thread_ns(t);
	p->exited_nvcsw += t->wakeups;
}

/* The thread of p with that id, or NULL; call with p->lock held. */
static struct thread *find_thread(struct process *p, int tid)
{
	struct list *l;

	list_for_each(l, &p->threads) {
		struct thread *t = list_entry(l, struct thread, proc_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

static int thread_clock_read(struct process *p, int tid, uint64_t *ns)
{
	if (!tid) {
		*ns = cputime_thread_ns(current_thread());
		return 0;
	}
	unsigned long flags = spin_lock(&p->lock);
	struct thread *t = find_thread(p, tid);
	if (t)
		*ns = cputime_thread_ns(t);
	spin_unlock(&p->lock, flags);
	return t ? 0 : -EINVAL;
}

/* A process clock may be named by the process id or, for reading, any of its threads. */
static bool names_process(struct process *p, int id)
{
	if (id == 0 || id == p->pid)
		return true;
	unsigned long flags = spin_lock(&p->lock);
	bool found = find_thread(p, id) != NULL;
	spin_unlock(&p->lock, flags);
	return found;
}

/*
 * A CPU-time clock. The process it names is looked up by its id, so that a
 * timer firing while another process runs reads the right one; id 0 is the
 * caller's.
 */
static int cpu_clock_read(int clock, uint64_t *ns)
{
	if (clock == CLOCK_PROCESS_CPUTIME_ID)
		clock = MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED);
	else if (clock == CLOCK_THREAD_CPUTIME_ID)
		clock = MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED);
	/* PROF, VIRT and SCHED are all the run time here; CLOCKFD names a device. */
	if ((clock & CPUCLOCK_CLOCK_MASK) == CLOCKFD)
		return -EINVAL;
	int id = CPUCLOCK_ID(clock);
	bool thread = clock & CPUCLOCK_PERTHREAD_MASK;
	struct process *p = !id		     ? current_process() :
			    thread	     ? process_of_tid(id) :
			    process_find(id) ?:
					       process_of_tid(id);
	int r = -EINVAL;

	if (!p)
		return -EINVAL;
	if (thread)
		r = thread_clock_read(p, id, ns);
	else if (names_process(p, id) && p->state == PROCESS_ALIVE) {
		*ns = cputime_process_ns(p);
		r = 0;
	}
	if (id)
		process_put(p);
	return r;
}

int clock_read(int clock, uint64_t *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = time_now_ns();
		return 0;
	default:
		return clock_is_cpu(clock) ? cpu_clock_read(clock, ns) : -EINVAL;
	}
}

int clock_resolve(int clock)
{
	if (clock == CLOCK_PROCESS_CPUTIME_ID)
		clock = MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED);
	else if (clock == CLOCK_THREAD_CPUTIME_ID)
		clock = MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED);
	if (clock >= 0 || CPUCLOCK_ID(clock) != 0)
		return clock;
	if (clock & CPUCLOCK_PERTHREAD_MASK)
		return MAKE_THREAD_CPUCLOCK(current_thread()->tid, clock & CPUCLOCK_CLOCK_MASK);
	return MAKE_PROCESS_CPUCLOCK(current_process()->pid, clock & CPUCLOCK_CLOCK_MASK);
}

uint64_t clock_cpu_wait_ns(int clock, uint64_t left)
{
	bool process = clock == CLOCK_PROCESS_CPUTIME_ID ||
		       (clock < 0 && !(clock & CPUCLOCK_PERTHREAD_MASK));

	/* Every CPU may be running one of the process's threads. */
	return process ? MAX(left / MAX(cpu_count, 1u), 1ull) : MAX(left, 1ull);
}

int timespec_to_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	/* Far-future times saturate rather than wrap (Linux caps at KTIME_MAX). */
	if ((uint64_t)ts->tv_sec >= (UINT64_MAX >> 1) / NSEC_PER_SEC)
		*ns = UINT64_MAX >> 1;
	else
		*ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return 0;
}

/* An absolute time on CLOCK_REALTIME as a monotonic deadline, saturating. */
static uint64_t realtime_to_monotonic(uint64_t ns)
{
	__int128 mono = (__int128)ns - time_realtime_offset_ns();

	if (mono > (__int128)(UINT64_MAX >> 1))
		return UINT64_MAX >> 1;
	return mono > 0 ? (uint64_t)mono : 1; /* already passed, but not "no deadline" */
}

long clock_user_deadline(const struct timespec __user *uts, bool absolute, int clock,
			 uint64_t *deadline)
{
	struct timespec ts;
	uint64_t ns;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (timespec_to_ns(&ts, &ns))
		return -EINVAL;
	if (!absolute)
		*deadline = time_now_ns() + ns;
	else if (clock == CLOCK_REALTIME)
		*deadline = realtime_to_monotonic(ns);
	else
		*deadline = ns ? ns : 1;
	return 0;
}

struct timespec ns_to_timespec(uint64_t ns)
{
	return (struct timespec){ (int64_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };
}

struct timeval ns_to_timeval(uint64_t ns)
{
	return (struct timeval){ (int64_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC / 1000) };
}
