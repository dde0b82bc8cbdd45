/*
 * Process and thread ids: one number space, as Linux's (a process's id is
 * its main thread's). An id stays taken while anything uses it: a live
 * thread, a process until it is reaped, a process group or a session named
 * after it. New ids count up to PID_MAX and wrap around (1 is init's), so a
 * number comes back only long after it was freed, as on Linux. The table is
 * a hash of entries under one spinlock; lookups that hand out a process
 * take a reference on it under that lock.
 */
#include <alto/list.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/spinlock.h>
#include <uapi/errno.h>
#include "internal.h"

#define PID_HASH 1024

struct pid_entry {
	struct list link;
	int nr;
	int users;	       /* the thread, the process, groups and sessions named after it */
	struct process *proc;  /* the process with this id (until reaped), or NULL */
	struct thread *thread; /* the live thread with this id, or NULL */
};

static struct spinlock pid_lock = SPINLOCK_INIT;
static struct list table[PID_HASH];
static int last_nr = 1;
static unsigned int nr_used;

static struct list *chain(int nr)
{
	return &table[(unsigned int)nr % PID_HASH];
}

static struct pid_entry *find_locked(int nr)
{
	struct list *pos, *head = chain(nr);

	if (nr <= 0 || !head->next)
		return NULL;
	list_for_each(pos, head) {
		struct pid_entry *e = list_entry(pos, struct pid_entry, link);
		if (e->nr == nr)
			return e;
	}
	return NULL;
}

void pid_init(void)
{
	for (int i = 0; i < PID_HASH; i++)
		list_init(&table[i]);
}

/* Take nr, or with nr 0 the next free id, with one user: the id, -EEXIST, -EAGAIN or -ENOMEM. */
static int take(int nr)
{
	struct pid_entry *e = kzalloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	unsigned long flags = spin_lock(&pid_lock);
	int r = nr;
	if (!nr && nr_used >= PID_MAX - 1) {
		r = -EAGAIN;
	} else if (!nr) {
		do
			r = last_nr = last_nr >= PID_MAX ? 2 : last_nr + 1;
		while (find_locked(r));
	} else if (find_locked(nr)) {
		r = -EEXIST;
	}
	if (r > 0) {
		*e = (struct pid_entry){ .nr = r, .users = 1 };
		list_append(chain(r), &e->link);
		nr_used++;
		e = NULL;
	}
	spin_unlock(&pid_lock, flags);
	kfree(e);
	return r;
}

int pid_alloc(void)
{
	return take(0);
}

int pid_reserve(int nr)
{
	int r = take(nr);

	return r < 0 ? r : 0;
}

void pid_hold(int nr)
{
	unsigned long flags = spin_lock(&pid_lock);
	struct pid_entry *e = find_locked(nr);

	BUG_ON(!e);
	e->users++;
	spin_unlock(&pid_lock, flags);
}

void pid_release(int nr)
{
	unsigned long flags = spin_lock(&pid_lock);
	struct pid_entry *e = find_locked(nr);

	BUG_ON(!e || e->users <= 0);
	if (--e->users == 0) {
		list_remove(&e->link);
		nr_used--;
	} else {
		e = NULL;
	}
	spin_unlock(&pid_lock, flags);
	kfree(e);
}

/* What id nr names now: a thread (or none), or a process (or none). */
static void set_owner(int nr, bool thread, void *owner)
{
	unsigned long flags = spin_lock(&pid_lock);
	struct pid_entry *e = find_locked(nr);

	BUG_ON(!e);
	if (thread)
		e->thread = owner;
	else
		e->proc = owner;
	spin_unlock(&pid_lock, flags);
}

void pid_set_thread(int nr, struct thread *t)
{
	set_owner(nr, true, t);
}

void pid_set_process(int nr, struct process *p)
{
	set_owner(nr, false, p);
}

struct process *pid_process(int nr)
{
	unsigned long flags = spin_lock(&pid_lock);
	struct pid_entry *e = find_locked(nr);
	struct process *p = e ? e->proc : NULL;

	if (p)
		process_get(p);
	spin_unlock(&pid_lock, flags);
	return p;
}

struct process *pid_thread_process(int tid)
{
	unsigned long flags = spin_lock(&pid_lock);
	struct pid_entry *e = find_locked(tid);
	struct process *p = e && e->thread ? e->thread->proc : NULL;

	if (p)
		process_get(p);
	spin_unlock(&pid_lock, flags);
	return p;
}

int process_last_pid(void)
{
	return READ_ONCE(last_nr);
}

bool pid_thread_alive(int tid)
{
	unsigned long flags = spin_lock(&pid_lock);
	struct pid_entry *e = find_locked(tid);
	bool alive = e && e->thread;

	spin_unlock(&pid_lock, flags);
	return alive;
}
