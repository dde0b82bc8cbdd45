/*
 * The scheduler: per-CPU run queues, round-robin time slices, tickless (the
 * timer is armed for a slice end only when another thread waits). A switch
 * happens only inside schedule(), with the run-queue lock held across it and
 * released by whichever thread runs next, so a wake-up can never find a
 * thread half switched.
 */
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/x86.h>
#include <uapi/errno.h>

struct runqueue {
	struct spinlock lock;
	struct list queue;
	unsigned int nr;
};

static struct runqueue runqueues[MAX_CPUS];
static struct thread main_thread;
static struct spinlock threads_lock = SPINLOCK_INIT;
static struct list all_threads = LIST_INIT(all_threads);
static unsigned int nthreads;
static int next_tid = 1;

extern char boot_stack[], boot_stack_top[];
struct thread *arch_switch(struct thread *prev, struct thread *next);
void thread_trampoline(void);
void thread_start(struct thread *prev);
static void idle_loop(void *arg);

static struct runqueue *rq_of(unsigned int cpu)
{
	return &runqueues[cpu];
}

static void enqueue(struct runqueue *rq, struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->on_rq = true;
	list_append(&rq->queue, &t->rq_link);
	rq->nr++;
}

static struct thread *dequeue(struct runqueue *rq)
{
	if (list_empty(&rq->queue))
		return NULL;
	struct thread *t = list_first_entry(&rq->queue, struct thread, rq_link);
	list_remove(&t->rq_link);
	t->on_rq = false;
	rq->nr--;
	return t;
}

static void free_thread(struct thread *t)
{
	unsigned long flags = spin_lock(&threads_lock);
	list_remove(&t->all_link);
	nthreads--;
	spin_unlock(&threads_lock, flags);
	kstack_free(t->stack, t->stack_size);
	if (t->fpu)
		fpu_state_free(t->fpu);
	kfree(t->entry_frame);
	kfree(t);
}

/*
 * Runs on the new thread right after a switch (in schedule(), or in
 * thread_start() for a thread's first run): the old one is off the CPU now.
 */
static void finish_switch(struct thread *prev)
{
	struct runqueue *rq = rq_of(this_cpu()->id);

	spin_unlock_noirq(&rq->lock);
	/* Others wait: this thread's slice must end on time. */
	if (rq->nr)
		timers_reprogram();
	if (prev->state != THREAD_EXITING)
		return;
	unsigned long flags = spin_lock(&prev->exit_wq.lock);
	prev->state = THREAD_DEAD;
	bool detached = prev->detached;
	spin_unlock(&prev->exit_wq.lock, flags);
	if (detached)
		free_thread(prev);
	else
		waitq_wake_all(&prev->exit_wq);
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

	prev->runtime_ns += now - prev->slice_start;
	next->slice_start = now;
	next->state = THREAD_RUNNING;
	next->cpu = c->id;
	c->current = next;
	c->kstack_top = (uint64_t)next->stack + next->stack_size;
	if (prev->fs_base != next->fs_base)
		wrmsr(MSR_FS_BASE, next->fs_base);
	switch_fpu(c, prev, next);
	prev = arch_switch(prev, next);
	finish_switch(prev);
}

void schedule(void)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	struct runqueue *rq = rq_of(c->id);
	struct thread *prev = c->current;

	spin_lock_noirq(&rq->lock);
	c->need_resched = false;
	if (prev->state == THREAD_RUNNING && prev != c->idle)
		enqueue(rq, prev);
	struct thread *next = dequeue(rq);
	if (!next)
		next = c->idle;
	if (next == prev) {
		next->state = THREAD_RUNNING;
		spin_unlock_noirq(&rq->lock);
	} else {
		switch_to(c, prev, next);
	}
	irq_restore(flags);
}

void sched_prepare_block(void)
{
	struct thread *t = current_thread();
	unsigned long flags = spin_lock(&rq_of(t->cpu)->lock);

	t->state = THREAD_BLOCKED;
	spin_unlock(&rq_of(t->cpu)->lock, flags);
}

void sched_wake(struct thread *t)
{
	struct runqueue *rq = rq_of(t->cpu);
	unsigned long flags = spin_lock(&rq->lock);
	bool woke = t->state == THREAD_BLOCKED;

	if (woke) {
		enqueue(rq, t);
		t->wakeups++;
		struct cpu *c = &cpus[t->cpu];
		if (c->current == c->idle)
			c->need_resched = true;
	}
	spin_unlock(&rq->lock, flags);
	/* A thread is now waiting behind the running one: make sure its slice ends. */
	if (woke && rq->nr == 1 && t->cpu == this_cpu()->id)
		timers_reprogram();
}

void sched_kick(struct thread *t)
{
	sched_wake(t);
	/* One CPU for now; with several, the CPU running t gets an interrupt (SMP). */
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

void preempt_disable(void)
{
	this_cpu()->preempt_count++;
	barrier();
}

void preempt_enable(void)
{
	barrier();
	if (--this_cpu()->preempt_count == 0 && this_cpu()->need_resched && irq_enabled())
		schedule();
}

void thread_yield(void)
{
	schedule();
}

static void wake_timer(struct timer *tm)
{
	sched_wake(tm->data);
}

static void thread_setup(struct thread *t, const char *name)
{
	strlcpy(t->name, name, sizeof(t->name));
	waitq_init(&t->exit_wq);
	timer_init(&t->sleep_timer, wake_timer, t);
	list_init(&t->rq_link);
	unsigned long flags = spin_lock(&threads_lock);
	t->tid = next_tid++;
	list_append(&all_threads, &t->all_link);
	nthreads++;
	spin_unlock(&threads_lock, flags);
}

static struct thread *thread_alloc(void (*fn)(void *), void *arg, const char *name,
				   size_t stack_size)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return ERR_PTR(-ENOMEM);
	t->stack_size = stack_size;
	t->stack = kstack_alloc(stack_size);
	if (!t->stack) {
		kfree(t);
		return ERR_PTR(-ENOMEM);
	}
	t->fn = fn;
	t->arg = arg;
	/* The first switch pops six callee-saved registers and returns to the trampoline. */
	uint64_t *sp = (uint64_t *)((char *)t->stack + stack_size);
	*--sp = (uint64_t)thread_trampoline;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->saved_rsp = (uint64_t)sp;
	thread_setup(t, name);
	return t;
}

struct thread *thread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct thread *t = thread_alloc(fn, arg, name, KSTACK_SIZE);

	if (IS_ERR(t))
		return t;
	t->cpu = this_cpu()->id;
	t->state = THREAD_BLOCKED;
	sched_wake(t);
	return t;
}

struct thread *thread_create_app(struct process *p, void (*fn)(void *), void *arg, const char *name)
{
	void *fpu = fpu_state_alloc();

	if (!fpu)
		return ERR_PTR(-ENOMEM);
	struct thread *t = thread_alloc(fn, arg, name, APP_KSTACK_SIZE);
	if (IS_ERR(t)) {
		fpu_state_free(fpu);
		return t;
	}
	t->proc = p;
	t->fpu = fpu;
	t->fpu_cpu = ~0u;
	t->cpu = this_cpu()->id;
	t->state = THREAD_BLOCKED;
	return t;
}

void thread_start(struct thread *prev)
{
	finish_switch(prev);
	irq_enable();
	struct thread *t = current_thread();
	t->fn(t->arg);
	thread_exit(0);
}

__noreturn void thread_exit(int code)
{
	struct thread *t = current_thread();

	BUG_ON(t == &main_thread);
	irq_disable();
	timer_cancel(&t->sleep_timer);
	t->exit_code = code;
	unsigned long flags = spin_lock(&rq_of(t->cpu)->lock);
	t->state = THREAD_EXITING;
	spin_unlock(&rq_of(t->cpu)->lock, flags);
	schedule();
	panic("thread_exit: an exited thread ran again");
}

int thread_join_deadline(struct thread *t, uint64_t deadline, int *code)
{
	unsigned long flags = spin_lock(&t->exit_wq.lock);

	while (t->state != THREAD_DEAD) {
		if (waitq_wait_locked(&t->exit_wq, &flags, deadline) == -ETIMEDOUT &&
		    t->state != THREAD_DEAD) {
			spin_unlock(&t->exit_wq.lock, flags);
			return -ETIMEDOUT;
		}
	}
	spin_unlock(&t->exit_wq.lock, flags);
	if (code)
		*code = t->exit_code;
	free_thread(t);
	return 0;
}

int thread_join(struct thread *t)
{
	int code = 0;

	thread_join_deadline(t, 0, &code);
	return code;
}

void thread_detach(struct thread *t)
{
	unsigned long flags = spin_lock(&t->exit_wq.lock);
	bool dead = t->state == THREAD_DEAD;

	t->detached = true;
	spin_unlock(&t->exit_wq.lock, flags);
	if (dead)
		free_thread(t);
}

void thread_sleep_ns(uint64_t ns)
{
	struct thread *t = current_thread();
	uint64_t deadline = time_now_ns() + ns;

	while (time_now_ns() < deadline) {
		unsigned long flags = irq_save();
		sched_prepare_block();
		timer_arm(&t->sleep_timer, deadline);
		schedule();
		timer_cancel(&t->sleep_timer);
		irq_restore(flags);
	}
}

unsigned int sched_thread_count(void)
{
	return READ_ONCE(nthreads);
}

static void idle_loop(void *arg)
{
	struct cpu *c = this_cpu();

	for (;;) {
		irq_disable();
		if (!c->need_resched && !rq_of(c->id)->nr)
			safe_halt();
		irq_enable();
		schedule();
	}
}

/* Turn the boot context into the main thread and give this CPU its idle thread. */
void sched_init(void)
{
	struct cpu *c = this_cpu();

	for (int i = 0; i < MAX_CPUS; i++) {
		spin_init(&runqueues[i].lock);
		list_init(&runqueues[i].queue);
	}
	main_thread.stack = boot_stack;
	main_thread.stack_size = KSTACK_SIZE;
	main_thread.state = THREAD_RUNNING;
	main_thread.slice_start = time_now_ns();
	thread_setup(&main_thread, "main");
	c->current = &main_thread;
	c->kstack_top = (uint64_t)boot_stack_top;

	struct thread *idle = thread_alloc(idle_loop, NULL, "idle", KSTACK_SIZE);
	if (IS_ERR(idle))
		panic("sched: cannot create the idle thread");
	idle->cpu = c->id;
	idle->state = THREAD_RUNNABLE; /* never on a queue: picked when nothing else is */
	c->idle = idle;
}
