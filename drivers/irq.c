/*
 * Interrupts for device drivers, on top of the vectors of
 * include/alto/interrupt.h and the line routing of include/alto/arch.h. A
 * wired line gets one vector the first time it is requested and a chain of
 * handlers: level-triggered lines (PCI INTx) are shared, and each handler
 * looks at its own device. Handlers are only ever added, so the interrupt
 * path walks the chain without a lock. Work threads carry what a handler
 * defers.
 */
#include <alto/arch.h>
#include <alto/device.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/spinlock.h>
#include <uapi/errno.h>

#define MAX_LINES 256

struct irq_action {
	device_irq_fn fn;
	void *arg;
	struct irq_action *next;
};

struct irq_line {
	int vector; /* 0: not yet routed */
	bool level, active_low;
	struct irq_action *actions;
};

static struct irq_line lines[MAX_LINES];
static struct spinlock lines_lock = SPINLOCK_INIT;

static void run_actions(void *arg)
{
	struct irq_line *line = arg;

	for (struct irq_action *a = READ_ONCE(line->actions); a; a = READ_ONCE(a->next))
		a->fn(a->arg);
}

static void run_one(void *arg)
{
	struct irq_action *a = arg;

	a->fn(a->arg);
}

/* Append to the chain; the interrupt path may be walking it meanwhile. */
static void append_action(struct irq_line *line, struct irq_action *a)
{
	struct irq_action **pp = &line->actions;

	while (*pp)
		pp = &(*pp)->next;
	WRITE_ONCE(*pp, a);
}

int irq_request_line(uint32_t gsi, bool level, bool active_low, device_irq_fn fn, void *arg)
{
	struct irq_action *a = kzalloc(sizeof(*a));
	int r = 0;

	if (gsi >= MAX_LINES) {
		kfree(a);
		return -EINVAL;
	}
	if (!a)
		return -ENOMEM;
	a->fn = fn;
	a->arg = arg;
	struct irq_line *line = &lines[gsi];
	unsigned long flags = spin_lock(&lines_lock);
	if (!line->vector) {
		int v = irq_alloc_vector();
		if (v < 0) {
			r = v;
			goto out;
		}
		line->vector = v;
		line->level = level;
		line->active_low = active_low;
		append_action(line, a);
		irq_set_handler((unsigned int)v, run_actions, line);
		arch_irq_route(gsi, (unsigned int)v, level, active_low);
		goto out;
	}
	/* An edge-triggered line cannot be shared: one edge would serve only one device. */
	if (!level || !line->level || line->active_low != active_low) {
		r = -EBUSY;
		goto out;
	}
	append_action(line, a);
out:
	spin_unlock(&lines_lock, flags);
	if (r)
		kfree(a);
	return r;
}

int irq_request_vector(device_irq_fn fn, void *arg)
{
	struct irq_action *a = kzalloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	int v = irq_alloc_vector();
	if (v < 0) {
		kfree(a);
		return v;
	}
	a->fn = fn;
	a->arg = arg;
	irq_set_handler((unsigned int)v, run_one, a);
	return v;
}

static void work_loop(void *arg)
{
	struct work_thread *w = arg;

	for (;;) {
		unsigned long flags = spin_lock(&w->wq.lock);
		while (!w->pending)
			waitq_wait_locked(&w->wq, &flags, 0);
		w->pending = false;
		spin_unlock(&w->wq.lock, flags);
		w->fn(w->arg);
	}
}

int work_thread_start(struct work_thread *w, void (*fn)(void *), void *arg, const char *name)
{
	w->fn = fn;
	w->arg = arg;
	w->pending = false;
	waitq_init(&w->wq);
	struct thread *t = thread_create(work_loop, w, name);
	if (IS_ERR(t))
		return (int)PTR_ERR(t);
	thread_detach(t);
	w->thread = t;
	return 0;
}

void work_thread_kick(struct work_thread *w)
{
	unsigned long flags = spin_lock(&w->wq.lock);

	w->pending = true;
	spin_unlock(&w->wq.lock, flags);
	waitq_wake_one(&w->wq);
}
