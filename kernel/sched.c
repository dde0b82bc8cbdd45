/*
 * The scheduler: a run queue per CPU, round-robin time slices, tickless (a
 * CPU arms its timer for a slice end only when another thread waits). A
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
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/smp.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include "internal.h"

struct runqueue {
	struct spinlock lock;
	struct list queue;
	unsigned int nr; /* queued, not counting the running thread */
};

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

static void enqueue(struct runqueue *rq, struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->on_rq = true;
	list_append(&rq->queue, &t->rq_link);
	rq->nr++;
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

/* Put a runnable, off-CPU thread on cpu's queue and make that CPU notice. */
static void place(struct thread *t, unsigned int cpu)
{
	struct runqueue *rq = rq_of(cpu);
	unsigned long flags = spin_lock(&rq->lock);
	struct cpu *c = &cpus[cpu];

	t->cpu = cpu;
	enqueue(rq, t);
	if (c->current == c->idle)
		c->need_resched = true;
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
		timers_reprogram(); /* others wait: this thread's slice must end on time */
	if (exiting)
		thread_reap(prev);
	else if (to >= 0)
		place(prev, (unsigned int)to);
}

/*
 * Application FPU state: saved whenever its thread leaves the CPU, restored
 * unless the registers still hold it (only kernel threads ran meanwhile).
 */
static void switch_fpu(struct cpu *c, struct thread *prev, struct thread *next)
{
	if (prev->fpu && prev->state != THREAD_EXITING)
		fpu_save(prev->fpu);
	if (!next->fpu)
		return;
	if (c->fpu_owner != next || next->fpu_cpu != c->id)
		fpu_restore(next->fpu);
	c->fpu_owner = next;
	next->fpu_cpu = c->id;
}

static void switch_to(struct cpu *c, struct thread *prev, struct thread *next)
{
	uint64_t now = time_now_ns();

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
		wrmsr(MSR_FS_BASE, next->fs_base);
	/* Kernel threads keep whatever root is loaded: they never touch the low half. */
	if (next->mm)
		mm_activate(next->mm);
	switch_fpu(c, prev, next);
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
		enqueue(rq, prev);
	}
}

void schedule(void)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	struct runqueue *rq = rq_of(c->id);
	struct thread *prev = c->current;
	bool expired = time_now_ns() - prev->slice_start >= TIME_SLICE_NS;

	spin_lock_noirq(&rq->lock);
	c->need_resched = false;
	if (prev->state == THREAD_RUNNING && prev != c->idle)
		requeue_prev(c, rq, prev, expired);
	struct thread *next = dequeue(rq);
	if (!next && (prev == c->idle || prev->state != THREAD_RUNNING))
		next = steal(c->id);
	if (!next)
		next = prev->state == THREAD_RUNNING ? prev : c->idle;
	if (next == prev) {
		next->state = THREAD_RUNNING;
		spin_unlock_noirq(&rq->lock);
	} else {
		switch_to(c, prev, next);
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
			enqueue(rq, t);
			t->wakeups++;
		}
		spin_unlock_noirq(&rq->lock);
		if (woke)
			kick_cpu(t->cpu);
	} else if (READ_ONCE(t->state) == THREAD_BLOCKED) {
		t->wakeups++;
		place(t, wake_cpu(t));
	}
	spin_unlock(&t->wake_lock, flags);
}

void sched_kick(struct thread *t)
{
	sched_wake(t);
	/* Running elsewhere: an interrupt makes it pass the return-to-application path. */
	if (READ_ONCE(t->state) == THREAD_RUNNING && t->cpu != this_cpu()->id)
		kick_cpu(t->cpu);
}

void sched_ipi_resched(void)
{
	struct cpu *c = this_cpu();

	if (c->current == c->idle && rq_of(c->id)->nr)
		c->need_resched = true;
	timers_reprogram();
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
	mask &= cpu_count >= 64 ? ~0ull : (1ull << cpu_count) - 1;
	if (!mask)
		return -EINVAL;
	WRITE_ONCE(t->affinity, mask);
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
	if (!rq_of(c->id)->nr || !t || t == c->idle || c->need_resched)
		return 0;
	return t->slice_start + TIME_SLICE_NS;
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	if (!rq_of(c->id)->nr)
		return;
	if (t == c->idle || time_now_ns() - t->slice_start >= TIME_SLICE_NS)
		c->need_resched = true;
}

void sched_preempt_point(void)
{
	struct cpu *c = this_cpu();

	if (c->need_resched && c->preempt_count == 0)
		schedule();
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
	schedule();
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

__attribute__((noreturn)) void sched_idle(void)
{
	struct cpu *c = this_cpu();
	bool tried_steal = false;

	for (;;) {
		irq_disable();
		if (!c->need_resched && !rq_of(c->id)->nr) {
			/* Try once to take work from others; then sleep until an interrupt. */
			if (!tried_steal && work_elsewhere(c->id)) {
				tried_steal = true;
				irq_enable();
				schedule();
				continue;
			}
			tlb_idle_enter();
			safe_halt();
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
	}
	irq_set_handler(VEC_IPI_RESCHED, resched_ipi, NULL);
}
