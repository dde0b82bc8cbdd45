/*
 * The scheduler: a run queue per CPU, ordered by Linux's policies: real-time
 * threads (SCHED_FIFO, SCHED_RR) first, by priority, each running until it
 * blocks or yields (FIFO) or for 100 ms turns among its equals (RR), and a
 * woken one preempting a lower one at once; then the others by virtual run
 * time, their run time scaled by the weight of their nice value (Linux's
 * table; SCHED_IDLE weighs 3), so that shares follow the weights; 10 ms
 * slices. Tickless (a CPU arms its timer for a slice end only when another
 * thread waits). A
 * switch happens only in schedule(), with the CPU's run-queue lock held
 * across it and released by the thread that runs next. Threads move between
 * CPUs only when they are off every CPU: an idle CPU steals queued work, a
 * thread whose slice ended moves to a less loaded CPU (so N busy threads on
 * M CPUs share them fairly), and a wake-up may place a thread on an idle CPU.
 */
#include <alto/apic.h>
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/interrupt.h>
#include <alto/late.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/smp.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include <uapi/sched.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "sched_trace.h"

struct runqueue {
	struct spinlock lock;
	struct list queue;     /* in the order threads are to run */
	unsigned int nr;       /* queued, not counting the running thread */
	uint64_t min_vruntime; /* never goes back: where newcomers start */
};

/* Linux's sched_prio_to_weight, nice -20 to 19: about 1.25 times per step. */
static const uint32_t nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,	 1991,	1586,  1277,
	1024,  820,   655,   526,   423,   335,	  272,	 215,	172,   137,
	110,   87,    70,    56,    45,	   36,	  29,	 23,	18,    15,
};
#define NICE_0_WEIGHT 1024
#define IDLE_WEIGHT   3 /* SCHED_IDLE */

static struct runqueue runqueues[MAX_CPUS];

struct thread *arch_switch(struct thread *prev, struct thread *next);

static struct runqueue *rq_of(unsigned int cpu)
{
	return &runqueues[cpu];
}

static bool allowed(const struct thread *t, unsigned int cpu)
{
	return t->affinity & (1ull << cpu);
}

static bool cpu_idle(unsigned int cpu)
{
	struct cpu *c = &cpus[cpu];
	return c->online && READ_ONCE(c->current) == c->idle && !READ_ONCE(rq_of(cpu)->nr);
}

/* Threads that want the CPU: the queue and the running one (unless idle). */
static unsigned int load(unsigned int cpu)
{
	struct cpu *c = &cpus[cpu];
	return READ_ONCE(rq_of(cpu)->nr) + (READ_ONCE(c->current) != c->idle);
}

static bool is_rt(const struct thread *t)
{
	return t->policy == SCHED_FIFO || t->policy == SCHED_RR;
}

/* Must a running b give the CPU to a at once? Only a higher real-time priority preempts. */
static bool outranks(const struct thread *a, const struct thread *b)
{
	return is_rt(a) && (!is_rt(b) || a->rt_priority > b->rt_priority);
}

/* How long t runs before its equals get a turn (FIFO: until it blocks or yields). */
static uint64_t slice_of(const struct thread *t)
{
	if (t->policy == SCHED_FIFO)
		return UINT64_MAX;
	return t->policy == SCHED_RR ? RR_TIMESLICE_NS : TIME_SLICE_NS;
}

static struct thread *rq_thread(struct list *pos)
{
	return list_entry(pos, struct thread, rq_link);
}

/* Charge t's run time since it was last charged to its virtual run time. */
static void charge(struct thread *t, uint64_t now)
{
	uint64_t w = t->policy == SCHED_IDLE ? IDLE_WEIGHT : nice_weight[t->nice - MIN_NICE];

	if (!is_rt(t) && now > t->vcharged)
		t->vruntime += (now - t->vcharged) * NICE_0_WEIGHT / w;
	t->vcharged = now;
}

/*
 * A thread joining the fair share of rq (on CPU cpu): one from another CPU
 * keeps its lead or lag over the queue it left, measured against this
 * one's clock (so that moving neither starves it nor favours it), one back
 * from a long sleep keeps at most a slice of credit, and one that yields
 * goes behind the others.
 */
static void place_fair(struct runqueue *rq, struct thread *t, unsigned int cpu)
{
	if (t->vcpu != cpu) {
		int64_t lag = (int64_t)(t->vruntime - READ_ONCE(rq_of(t->vcpu)->min_vruntime));
		t->vruntime = rq->min_vruntime + (uint64_t)lag;
	}
	if ((int64_t)(rq->min_vruntime - t->vruntime) > (int64_t)TIME_SLICE_NS)
		t->vruntime = rq->min_vruntime - TIME_SLICE_NS;
	t->vcpu = cpu;
	if (!t->yielding)
		return;
	struct list *pos;
	list_for_each(pos, &rq->queue) {
		struct thread *q = rq_thread(pos);
		if (!is_rt(q) && q->vruntime > t->vruntime)
			t->vruntime = q->vruntime;
	}
}

/* Does t go before q? head: before its real-time equals (a preempted FIFO thread). */
static bool goes_before(const struct thread *t, const struct thread *q, bool head)
{
	if (is_rt(t) != is_rt(q))
		return is_rt(t);
	if (is_rt(t))
		return t->rt_priority > q->rt_priority ||
		       (head && t->rt_priority == q->rt_priority);
	return t->vruntime < q->vruntime;
}

static void enqueue_at(struct runqueue *rq, struct thread *t, bool head)
{
	struct list *pos;

	if (!is_rt(t))
		place_fair(rq, t, t->cpu);
	t->yielding = false;
	t->state = THREAD_RUNNABLE;
	t->on_rq = true;
	list_for_each(pos, &rq->queue) {
		if (goes_before(t, rq_thread(pos), head))
			break;
	}
	list_insert_before(pos, &t->rq_link);
	rq->nr++;
}

static void enqueue(struct runqueue *rq, struct thread *t)
{
	enqueue_at(rq, t, false);
}

/* Should cpu's running thread give way to the first queued one now? Under the rq lock. */
static bool preempted(unsigned int cpu)
{
	struct runqueue *rq = rq_of(cpu);
	struct cpu *c = &cpus[cpu];

	if (!rq->nr)
		return false;
	return c->current == c->idle || outranks(rq_thread(rq->queue.next), c->current);
}

static void unqueue(struct runqueue *rq, struct thread *t)
{
	list_remove(&t->rq_link);
	t->on_rq = false;
	rq->nr--;
}

static struct thread *dequeue(struct runqueue *rq)
{
	if (list_empty(&rq->queue))
		return NULL;
	struct thread *t = list_first_entry(&rq->queue, struct thread, rq_link);
	unqueue(rq, t);
	return t;
}

/* Tell another CPU to look at its run queue (it may be halted, or need a slice timer). */
static void kick_cpu(unsigned int cpu)
{
	if (cpu != this_cpu()->id)
		apic_send_ipi(cpus[cpu].apic_id, VEC_IPI_RESCHED);
}

/*
 * A switch is due on c (its run-queue lock held, under which c->current
 * changes): the thread there sees it at its next system call exit.
 */
static void resched_locked(struct cpu *c)
{
	c->need_resched = true;
	if (c->current)
		thread_work_set(c->current, THREAD_WORK_RESCHED);
}

/* Put a runnable, off-CPU thread on cpu's queue and make that CPU notice. */
static void place(struct thread *t, unsigned int cpu)
{
	struct runqueue *rq = rq_of(cpu);
	unsigned long flags = spin_lock(&rq->lock);
	struct cpu *c = &cpus[cpu];

	if (t->cpu != cpu)
		trace_sched_migrate(thread_trace_id(t), t->cpu, cpu);
	t->cpu = cpu;
	enqueue(rq, t);
	if (preempted(cpu))
		resched_locked(c);
	spin_unlock(&rq->lock, flags);
	if (cpu == this_cpu()->id)
		timers_reprogram();
	else
		kick_cpu(cpu);
}

/*
 * Runs on the new thread right after a switch (in schedule(), or in
 * thread_start() for a thread's first run): the old one is off the CPU now.
 */
void sched_finish_switch(struct thread *prev)
{
	struct runqueue *rq = rq_of(this_cpu()->id);
	/*
	 * Read prev while it is still ours: once on_cpu is clear it may be woken,
	 * run elsewhere, even exit there, and its state would mislead us.
	 */
	int to = prev->migrate_to;
	bool exiting = prev->state == THREAD_EXITING;

	prev->migrate_to = -1;
	spin_unlock_noirq(&rq->lock);
	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	if (rq->nr)
		timers_reprogram_noirq(); /* others wait: this thread's slice must end on time */
	if (exiting)
		thread_reap(prev);
	else if (to >= 0)
		place(prev, (unsigned int)to);
}

static void switch_to(struct cpu *c, struct thread *prev, struct thread *next, uint64_t now)
{
	/*
	 * Leaving idle (from the idle loop, or preempted on the way out of the
	 * interrupt that ended its halt): catch up on skipped shootdowns first.
	 */
	if (prev == c->idle)
		tlb_idle_exit();
	prev->runtime_ns += now - prev->slice_start;
	next->slice_start = now;
	next->state = THREAD_RUNNING;
	next->cpu = c->id;
	next->on_cpu = true;
	c->current = next;
	c->kstack_top = (uint64_t)next->stack + next->stack_size;
	if (prev->fs_base != next->fs_base)
		write_fs_base(next->fs_base);
	/* Kernel threads keep whatever root is loaded: they never touch the low half. */
	if (next->mm)
		mm_activate(next->mm);
	fpu_switch(prev, next);
	trace_sched_switch(thread_trace_id(prev), prev->state, thread_trace_id(next));
	prev = arch_switch(prev, next);
	sched_finish_switch(prev);
}

/* Take a queued thread from the busiest other CPU that may run here. */
static struct thread *steal(unsigned int me)
{
	unsigned int best = me, most = 0;

	for (unsigned int cpu = 0; cpu < cpu_count; cpu++) {
		unsigned int n = READ_ONCE(rq_of(cpu)->nr);
		if (cpu != me && n > most) {
			most = n;
			best = cpu;
		}
	}
	if (best == me || !spin_trylock_noirq(&rq_of(best)->lock))
		return NULL;
	struct thread *found = NULL;
	struct list *pos;
	list_for_each(pos, &rq_of(best)->queue) {
		struct thread *t = list_entry(pos, struct thread, rq_link);
		if (allowed(t, me) && !READ_ONCE(t->on_cpu)) {
			trace_sched_steal(thread_trace_id(t), best);
			unqueue(rq_of(best), t);
			t->cpu = me;
			found = t;
			break;
		}
	}
	spin_unlock_noirq(&rq_of(best)->lock);
	return found;
}

/* A less loaded CPU for a thread whose slice ended here, or -1 to stay. */
static int push_target(struct thread *t, unsigned int me)
{
	unsigned int mine = load(me), best = mine;
	int target = -1;

	if (!rq_of(me)->nr)
		return -1; /* nobody waits here: stay */
	for (unsigned int cpu = 0; cpu < cpu_count; cpu++) {
		if (cpu != me && allowed(t, cpu) && cpus[cpu].online && load(cpu) < best) {
			best = load(cpu);
			target = (int)cpu;
		}
	}
	return target;
}

/* Where the outgoing thread goes: back in this queue, or (later) to another CPU. */
static void requeue_prev(struct cpu *c, struct runqueue *rq, struct thread *prev, bool expired)
{
	if (!allowed(prev, c->id)) {
		prev->migrate_to = __builtin_ctzll(prev->affinity & ((1ull << cpu_count) - 1));
		prev->state = THREAD_RUNNABLE;
		return;
	}
	int target = expired ? push_target(prev, c->id) : -1;
	if (target >= 0) {
		prev->migrate_to = target;
		prev->state = THREAD_RUNNABLE;
	} else {
		/* A real-time thread preempted by a higher one stays first among its equals. */
		enqueue_at(rq, prev, is_rt(prev) && !expired && !prev->yielding);
	}
}

void schedule(void)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	struct runqueue *rq = rq_of(c->id);
	struct thread *prev = c->current;
	uint64_t now = time_now_ns();
	bool expired = now - prev->slice_began >= slice_of(prev);

	spin_lock_noirq(&rq->lock);
	c->need_resched = false;
	if (prev != c->idle)
		charge(prev, now);
	if (prev->state == THREAD_RUNNING && prev != c->idle)
		requeue_prev(c, rq, prev, expired);
	struct thread *next = dequeue(rq);
	if (!next && (prev == c->idle || prev->state != THREAD_RUNNING))
		next = steal(c->id);
	if (!next)
		next = prev->state == THREAD_RUNNING ? prev : c->idle;
	if (next != c->idle) {
		if (!is_rt(next) && next->vruntime > rq->min_vruntime)
			rq->min_vruntime = next->vruntime;
		if (next != prev || expired)
			next->slice_began = now;
		next->vcharged = now;
	}
	if (next == prev) {
		next->state = THREAD_RUNNING;
		spin_unlock_noirq(&rq->lock);
		/* Picked again for a new slice while others wait: their turn needs a timer. */
		if (expired && rq->nr && prev != c->idle)
			timers_reprogram();
	} else {
		switch_to(c, prev, next, now);
	}
	irq_restore(flags);
}

/* The current thread's state changes under its run-queue lock, where wake-ups read it. */
static void set_own_state(enum thread_state state)
{
	struct thread *t = current_thread();
	unsigned long flags = spin_lock(&rq_of(t->cpu)->lock);

	t->state = state;
	spin_unlock(&rq_of(t->cpu)->lock, flags);
}

void sched_prepare_block(void)
{
	set_own_state(THREAD_BLOCKED);
}

void sched_prepare_exit(void)
{
	set_own_state(THREAD_EXITING);
}

/* Where a woken thread should run: its own CPU, unless that is busy and another idles. */
static unsigned int wake_cpu(struct thread *t)
{
	if (cpu_idle(t->cpu) || cpu_count == 1)
		return t->cpu;
	for (unsigned int cpu = 0; cpu < cpu_count; cpu++) {
		if (allowed(t, cpu) && cpu_idle(cpu))
			return cpu;
	}
	return allowed(t, t->cpu) ? t->cpu : (unsigned int)__builtin_ctzll(t->affinity);
}

void sched_wake(struct thread *t)
{
	unsigned long flags = spin_lock(&t->wake_lock);

	/*
	 * A thread still on its CPU (it set itself blocked and has not switched
	 * out yet) must stay on that queue; one fully switched out may move.
	 */
	if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
		struct runqueue *rq = rq_of(t->cpu);
		spin_lock_noirq(&rq->lock);
		bool woke = t->state == THREAD_BLOCKED;
		if (woke) {
			trace_sched_wake(thread_trace_id(t), t->cpu);
			enqueue(rq, t);
			t->wakeups++;
		}
		spin_unlock_noirq(&rq->lock);
		if (woke)
			kick_cpu(t->cpu);
	} else if (READ_ONCE(t->state) == THREAD_BLOCKED) {
		t->wakeups++;
		unsigned int cpu = wake_cpu(t);
		trace_sched_wake(thread_trace_id(t), cpu);
		place(t, cpu);
	}
	spin_unlock(&t->wake_lock, flags);
}

void sched_kick(struct thread *t)
{
	thread_work_set(t, THREAD_WORK_SIGNAL);
	sched_wake(t);
	/* Running elsewhere: an interrupt makes it pass the return-to-application path. */
	if (READ_ONCE(t->state) == THREAD_RUNNING && t->cpu != this_cpu()->id) {
		trace_sched_kick(thread_trace_id(t), t->cpu);
		kick_cpu(t->cpu);
	}
}

void sched_ipi_resched(void)
{
	struct cpu *c = this_cpu();
	unsigned long flags = spin_lock(&rq_of(c->id)->lock);

	if (preempted(c->id))
		resched_locked(c);
	spin_unlock(&rq_of(c->id)->lock, flags);
	timers_reprogram();
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
	mask &= cpu_count >= 64 ? ~0ull : (1ull << cpu_count) - 1;
	if (!mask)
		return -EINVAL;
	WRITE_ONCE(t->affinity, mask);
	trace_sched_affinity(thread_trace_id(t), mask);
	/* The caller moves at once; another thread moves at its next switch. */
	if (t == current_thread() && !allowed(t, this_cpu()->id))
		schedule();
	return 0;
}

uint64_t sched_slice_deadline(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	/* A switch is already due: it will arm the next slice itself. */
	if (!rq_of(c->id)->nr || !t || t == c->idle || c->need_resched || slice_of(t) == UINT64_MAX)
		return 0;
	return t->slice_began + slice_of(t);
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	struct runqueue *rq = rq_of(c->id);

	if (!rq->nr)
		return;
	unsigned long flags = spin_lock(&rq->lock);
	if (preempted(c->id) || (t != c->idle && time_now_ns() - t->slice_began >= slice_of(t))) {
		trace_sched_slice_end(thread_trace_id(t));
		resched_locked(c);
	}
	spin_unlock(&rq->lock, flags);
}

void sched_preempt_point(void)
{
	struct cpu *c = this_cpu();

	if (c->need_resched && c->preempt_count == 0) {
		trace_sched_preempt(thread_trace_id(c->current));
		schedule();
	}
}

/*
 * One gs-relative instruction each: reading this CPU's pointer and then
 * incrementing could be preempted in between and count on another CPU.
 */
void preempt_disable(void)
{
	__asm__ __volatile__("incl %%gs:%c0"
			     :
			     : "i"(offsetof(struct cpu, preempt_count))
			     : "memory");
}

void preempt_enable(void)
{
	__asm__ __volatile__("decl %%gs:%c0"
			     :
			     : "i"(offsetof(struct cpu, preempt_count))
			     : "memory");
	if (!this_cpu()->preempt_count && this_cpu()->need_resched && irq_enabled())
		schedule();
}

void thread_yield(void)
{
	trace_sched_yield(thread_trace_id(current_thread()));
	current_thread()->yielding = true;
	schedule();
	current_thread()->yielding = false;
}

/*
 * Change t's policy fields with edit, t taken out of its queue meanwhile,
 * then let the CPU it is on switch if it is now outranked (or outranks).
 */
static void reposition(struct thread *t, void (*edit)(struct thread *t, void *arg), void *arg)
{
	unsigned long flags = spin_lock(&t->wake_lock);
	unsigned int cpu = t->cpu;
	struct runqueue *rq = rq_of(cpu);

	spin_lock_noirq(&rq->lock);
	int old_prio = t->rt_priority;
	bool queued = t->on_rq;
	if (queued)
		unqueue(rq, t);
	edit(t, arg);
	trace_sched_policy(thread_trace_id(t), t->policy, t->rt_priority, t->nice);
	/* sched(7): a lowered real-time priority puts the thread first among its new equals. */
	if (queued)
		enqueue_at(rq, t, t->rt_priority < old_prio);
	bool switch_now = preempted(cpu) || (t->state == THREAD_RUNNING && rq->nr &&
					     outranks(rq_thread(rq->queue.next), t));
	if (switch_now)
		resched_locked(&cpus[cpu]);
	spin_unlock_noirq(&rq->lock);
	spin_unlock(&t->wake_lock, flags);
	if (switch_now)
		kick_cpu(cpu);
}

struct policy_edit {
	int policy, rt_priority;
	bool reset_on_fork;
};

static void set_policy(struct thread *t, void *arg)
{
	const struct policy_edit *e = arg;

	if (t->state == THREAD_RUNNING)
		charge(t, time_now_ns()); /* run time so far counts under the old policy */
	t->policy = e->policy;
	t->rt_priority = e->rt_priority;
	t->reset_on_fork = e->reset_on_fork;
}

void sched_set_policy(struct thread *t, int policy, int rt_priority, bool reset_on_fork)
{
	struct policy_edit e = { policy, rt_priority, reset_on_fork };

	reposition(t, set_policy, &e);
}

static void set_nice(struct thread *t, void *arg)
{
	/* Run time so far counts at the old weight. */
	if (t->state == THREAD_RUNNING)
		charge(t, time_now_ns());
	t->nice = *(int *)arg;
}

void sched_set_nice(struct thread *t, int nice)
{
	reposition(t, set_nice, &nice);
}

void sched_fork(struct thread *t, const struct thread *creator)
{
	t->affinity = creator->affinity;
	t->policy = creator->policy;
	t->rt_priority = creator->rt_priority;
	t->nice = creator->nice;
	t->ioprio = creator->ioprio;
	/* Linux's sched_fork: a real-time policy goes, a negative nice value too; the flag is
	 * spent. */
	if (creator->reset_on_fork) {
		if (is_rt(t)) {
			t->policy = SCHED_OTHER;
			t->rt_priority = 0;
			t->nice = 0;
		} else if (t->nice < 0) {
			t->nice = 0;
		}
	}
	t->vruntime = creator->vruntime;
	t->vcpu = creator->vcpu;
}

/* Some other CPU has threads waiting in its queue. */
static bool work_elsewhere(unsigned int me)
{
	for (unsigned int cpu = 0; cpu < cpu_count; cpu++) {
		if (cpu != me && READ_ONCE(rq_of(cpu)->nr))
			return true;
	}
	return false;
}

/*
 * Before halting, an idle CPU polls for work a while, with interrupts on
 * (Linux's guest haltpoll does the same): a halted virtual CPU is woken by
 * the host's scheduler, which takes milliseconds on a busy host (each
 * cross-CPU wake-up of a thread create-and-join loop did: 2 CPUs took 46 s
 * where 1 took 1). The window adapts: an idle time the poll would have
 * covered doubles it (from IDLE_POLL_START_NS up to IDLE_POLL_MAX_NS), a
 * long one halves it, so a mostly idle machine soon halts at once. Only
 * with several CPUs: on one, a wake-up is a device's interrupt.
 */
#define IDLE_POLL_START_NS 25000
#define IDLE_POLL_MAX_NS   200000

static bool has_work(struct cpu *c)
{
	return READ_ONCE(c->need_resched) || READ_ONCE(rq_of(c->id)->nr);
}

/* Interrupts off, nothing to run: true if work came while polling (interrupts off again). */
static bool idle_poll(struct cpu *c)
{
	if (!c->idle_poll_ns)
		return false;
	uint64_t until = time_now_ns() + c->idle_poll_ns;
	irq_enable();
	while (!has_work(c) && time_now_ns() < until)
		cpu_relax();
	irq_disable();
	return has_work(c);
}

/* After a halt that began at start: adapt the poll window to how long the CPU idled. */
static void idle_poll_adapt(struct cpu *c, uint64_t start)
{
	uint32_t w = c->idle_poll_ns;

	if (time_now_ns() - start < IDLE_POLL_MAX_NS)
		w = w ? MIN(2 * w, (uint32_t)IDLE_POLL_MAX_NS) : IDLE_POLL_START_NS;
	else
		w = w / 2 < IDLE_POLL_START_NS ? 0 : w / 2;
	c->idle_poll_ns = w;
}

__attribute__((noreturn)) void sched_idle(void)
{
	struct cpu *c = this_cpu();
	bool tried_steal = false;

	for (;;) {
		late_init_idle(); /* the first idle CPU starts the late work */
		irq_disable();
		if (!c->need_resched && !rq_of(c->id)->nr) {
			/* Try once to take work from others; then sleep until an interrupt. */
			if (!tried_steal && work_elsewhere(c->id)) {
				tried_steal = true;
				irq_enable();
				schedule();
				continue;
			}
			if (!idle_poll(c)) {
				uint64_t start = cpu_count > 1 ? time_now_ns() : 0;
				tlb_idle_enter();
				trace_sched_idle_enter(c->id);
				safe_halt();
				trace_sched_idle_exit(c->id);
				if (cpu_count > 1)
					idle_poll_adapt(c, start);
			}
		}
		tried_steal = false;
		irq_enable();
		schedule();
	}
}

static void resched_ipi(void *arg)
{
	sched_ipi_resched();
}

void sched_init_cpu_rq(void)
{
	for (int i = 0; i < MAX_CPUS; i++) {
		spin_init(&runqueues[i].lock);
		list_init(&runqueues[i].queue);
		/* Far from 0, so that a lag below a queue's clock never wraps. */
		runqueues[i].min_vruntime = 1ull << 60;
	}
	irq_set_handler(VEC_IPI_RESCHED, resched_ipi, NULL);
}
