/*
 * Threads' lives: creation with a guarded kernel stack, the first run, exit,
 * join and detach, sleeping. A thread that exits is freed (or its joiner
 * woken) by the next thread on its CPU, once it is off its own stack.
 */
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/process.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include "internal.h"

static struct thread main_thread;
static struct spinlock threads_lock = SPINLOCK_INIT;
static struct list all_threads = LIST_INIT(all_threads);
static unsigned int nthreads;
static int next_tid = 1;

extern char boot_stack[], boot_stack_top[];
void thread_trampoline(void);
void thread_start(struct thread *prev);

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

void thread_reap(struct thread *t)
{
	unsigned long flags = spin_lock(&t->exit_wq.lock);
	t->state = THREAD_DEAD;
	bool detached = t->detached;
	spin_unlock(&t->exit_wq.lock, flags);
	if (detached)
		free_thread(t);
	else
		waitq_wake_all(&t->exit_wq);
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
	spin_init(&t->wake_lock);
	t->migrate_to = -1;
	t->affinity = ~0ull;
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
	return thread_create_on(fn, arg, name, ~0ull);
}

struct thread *thread_create_on(void (*fn)(void *), void *arg, const char *name, uint64_t affinity)
{
	struct thread *t = thread_alloc(fn, arg, name, KSTACK_SIZE);

	if (IS_ERR(t))
		return t;
	t->affinity = affinity;
	t->cpu = (affinity >> this_cpu()->id) & 1 ? this_cpu()->id :
						    (unsigned int)__builtin_ctzll(affinity);
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
	t->mm = p->mm;
	t->fpu = fpu;
	t->fpu_cpu = ~0u;
	t->cpu = this_cpu()->id;
	t->state = THREAD_BLOCKED;
	return t;
}

void thread_destroy_unstarted(struct thread *t)
{
	BUG_ON(t->state != THREAD_BLOCKED || t->on_cpu || t->wakeups);
	free_thread(t);
}

void thread_start(struct thread *prev)
{
	sched_finish_switch(prev);
	irq_enable();
	struct thread *t = current_thread();
	t->fn(t->arg);
	thread_exit(0);
}

__noreturn void thread_exit(int code)
{
	struct thread *t = current_thread();

	BUG_ON(t == &main_thread || !t->fn);
	irq_disable();
	timer_cancel_sync(&t->sleep_timer); /* it may be freed once we are off the CPU */
	t->exit_code = code;
	sched_prepare_exit();
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

static void idle_thread(void *arg)
{
	sched_idle();
}

/* Turn the boot context into the main thread and give this CPU its idle thread. */
void sched_init(void)
{
	struct cpu *c = this_cpu();

	sched_init_cpu_rq();
	main_thread.stack = boot_stack;
	main_thread.stack_size = KSTACK_SIZE;
	main_thread.state = THREAD_RUNNING;
	main_thread.on_cpu = true;
	main_thread.slice_start = time_now_ns();
	thread_setup(&main_thread, "main");
	c->current = &main_thread;
	c->kstack_top = (uint64_t)boot_stack_top;

	struct thread *idle = thread_alloc(NULL, NULL, "idle", KSTACK_SIZE);
	if (IS_ERR(idle))
		panic("sched: cannot create the idle thread");
	idle->cpu = c->id;
	idle->state = THREAD_RUNNABLE; /* never on a queue: picked when nothing else is */
	idle->fn = idle_thread;
	c->idle = idle;
}

void sched_init_ap(uintptr_t stack)
{
	struct cpu *c = this_cpu();
	struct thread *idle = kzalloc(sizeof(*idle));

	if (!idle)
		panic("sched: no memory for CPU %u's idle thread", c->id);
	idle->stack = (void *)stack;
	idle->stack_size = KSTACK_SIZE;
	idle->state = THREAD_RUNNING;
	idle->on_cpu = true;
	idle->cpu = c->id;
	idle->slice_start = time_now_ns();
	thread_setup(idle, "idle");
	c->current = idle;
	c->idle = idle;
	c->kstack_top = stack + KSTACK_SIZE;
}
