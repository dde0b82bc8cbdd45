/*
 * The end of a process as its family sees it. The last thread of a process
 * that exits hands its children to init (which reaps the zombies among them
 * at once) and makes it a zombie, then tells the parent: its exit signal
 * (SIGCHLD, unless the parent ignores it) and a wake-up of its waiters. A
 * parent that ignores SIGCHLD or set SA_NOCLDWAIT, and init, reap at once.
 * wait4 and waitid find a child that changed under the tree lock, holding
 * the parent's wait queue lock across the check and the sleep so that no
 * wake-up is lost; stops and continues (kernel/signal.c) are reported the
 * same way.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/sync.h>
#include <uapi/errno.h>
#include "internal.h"

/* The child's exit as waitid and SIGCHLD give it: CLD_* and si_status. */
static void exit_code_of(int status, int *code, int *si_status)
{
	if (status & 0x7f) {
		*code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
		*si_status = status & 0x7f;
	} else {
		*code = CLD_EXITED;
		*si_status = (status >> 8) & 0xff;
	}
}

/* Reap zombie c of parent (tree lock held): its ids go, its CPU time to the parent. */
static void reap_locked(struct process *parent, struct process *c)
{
	c->state = PROCESS_REAPED;
	list_remove(&c->sibling);
	list_init(&c->sibling);
	list_remove(&c->all_link);
	parent->children_cpu_ns += c->exited_cpu_ns + c->children_cpu_ns;
	if (parent == &proc_init)
		process_reaped_by_init(c);
	pid_set_process(c->pid, NULL);
	pid_release(c->pgid);
	pid_release(c->sid);
	pid_release(c->pid);
	process_put(c); /* the tree's reference */
}

/* Does parent reap its children at once (SIGCHLD ignored, SA_NOCLDWAIT, or init)? */
static bool reaps_at_once(struct process *parent)
{
	if (parent == &proc_init)
		return true;
	struct k_sigaction ka = signal_action(parent, SIGCHLD);
	return ka.handler == SIG_IGN || (ka.flags & SA_NOCLDWAIT);
}

/* Send parent the signal about its child (pid): SIGCHLD unless ignored; stop reports as asked. */
static void signal_parent(struct process *parent, int sig, int pid, int code, int si_status,
			  uint64_t cpu_ns)
{
	struct ksiginfo info = { .si_signo = sig, .si_code = code };

	info.child.pid = pid;
	info.child.status = si_status;
	info.child.utime = (long)(cpu_ns / 10000000); /* clock ticks */
	if (sig == SIGCHLD) {
		struct k_sigaction ka = signal_action(parent, SIGCHLD);
		bool stop_or_cont = code == CLD_STOPPED || code == CLD_CONTINUED;
		if (ka.handler == SIG_IGN || ((ka.flags & SA_NOCLDSTOP) && stop_or_cont))
			return;
	}
	if (sig)
		signal_send_process(parent, sig, &info);
}

void process_exited(struct process *p)
{
	struct list *pos, *tmp;
	int code, si_status;
	unsigned long flags = spin_lock(&proc_tree_lock);

	list_for_each_safe(pos, tmp, &p->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		list_remove(&c->sibling);
		c->parent = &proc_init;
		list_append(&proc_init.children, &c->sibling);
		if (c->state == PROCESS_ZOMBIE)
			reap_locked(&proc_init, c);
	}
	struct process *parent = p->parent;
	p->state = PROCESS_ZOMBIE;
	process_count_exit();
	bool gone = !process_count();
	bool now = reaps_at_once(parent);
	int pid = p->pid, sig = p->exit_signal;
	uint64_t cpu_ns = p->exited_cpu_ns + p->children_cpu_ns;
	process_get(parent);
	if (now)
		reap_locked(parent, p);
	spin_unlock(&proc_tree_lock, flags);

	waitq_wake_all(&p->exit_wq);
	exit_code_of(p->exit_status, &code, &si_status);
	if (parent != &proc_init)
		signal_parent(parent, sig, pid, code, si_status, cpu_ns);
	waitq_wake_all(&parent->child_wq);
	process_put(parent);
	if (gone)
		process_gone();
}

void process_notify_parent(struct process *p, int code, int si_status)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	struct process *parent = p->parent;

	if (code == CLD_STOPPED) {
		p->stop_report = true;
		p->cont_report = false;
	} else {
		p->cont_report = true;
		p->stop_report = false;
	}
	process_get(parent);
	spin_unlock(&proc_tree_lock, flags);
	if (parent != &proc_init)
		signal_parent(parent, SIGCHLD, p->pid, code, si_status, 0);
	waitq_wake_all(&parent->child_wq);
	process_put(parent);
}

/* Is c one of the children idtype/id and options name? */
static bool matches(const struct process *c, int idtype, int id, int options)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	/* As Linux: __WCLONE waits for the children that signal otherwise, __WALL for all. */
	if (!(options & __WALL) && clone_child != !!(options & __WCLONE))
		return false;
	switch (idtype) {
	case P_PID:
	case P_PIDFD:
		return c->pid == id;
	case P_PGID:
		return c->pgid == id;
	default:
		return true;
	}
}

/* One look at the children (tree lock taken): a pid, -EAGAIN (none yet) or -ECHILD. */
static long scan(struct process *self, int idtype, int id, int options, struct wait_result *r)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	struct list *pos;
	long found = -ECHILD;

	list_for_each(pos, &self->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		if (!matches(c, idtype, id, options))
			continue;
		found = -EAGAIN;
		*r = (struct wait_result){ .pid = c->pid };
		if (c->state == PROCESS_ZOMBIE && (options & WEXITED)) {
			r->status = c->exit_status;
			r->cpu_ns = c->exited_cpu_ns + c->children_cpu_ns;
			exit_code_of(c->exit_status, &r->code, &r->si_status);
			if (!(options & WNOWAIT))
				reap_locked(self, c);
		} else if (c->state == PROCESS_ALIVE && (options & WSTOPPED) && c->stop_report) {
			r->status = (c->stop_signal << 8) | 0x7f;
			r->code = CLD_STOPPED;
			r->si_status = c->stop_signal;
			if (!(options & WNOWAIT))
				c->stop_report = false;
		} else if (c->state == PROCESS_ALIVE && (options & WCONTINUED) && c->cont_report) {
			r->status = 0xffff;
			r->code = CLD_CONTINUED;
			r->si_status = SIGCONT;
			if (!(options & WNOWAIT))
				c->cont_report = false;
		} else {
			continue;
		}
		found = r->pid;
		break;
	}
	spin_unlock(&proc_tree_lock, flags);
	return found;
}

long process_wait_child(int idtype, int id, int options, struct wait_result *r)
{
	struct process *self = current_process();
	long found;

	if (idtype == P_PGID && id == 0)
		id = (int)process_getpgid(0);
	unsigned long flags = spin_lock(&self->child_wq.lock);
	for (;;) {
		found = scan(self, idtype, id, options, r);
		if (found != -EAGAIN)
			break;
		if (options & WNOHANG) {
			found = 0;
			break;
		}
		if (waitq_wait_interruptible_locked(&self->child_wq, &flags, 0) == -EINTR) {
			found = -ERESTARTSYS;
			break;
		}
	}
	spin_unlock(&self->child_wq.lock, flags);
	return found;
}
