/*
 * Making threads and processes: clone with CLONE_THREAD adds a thread to
 * the caller's process; otherwise (fork, vfork, clone, clone3) a new process
 * gets a copy of what the caller's has, or shares it as the flags say: the
 * address space (copy-on-write, or CLONE_VM), the descriptor table
 * (CLONE_FILES), the working directory (CLONE_FS), the dispositions
 * (CLONE_SIGHAND); its credentials are the caller's (a reference: a cred
 * never changes in place). The new process has one thread, the caller's
 * twin: its registers at the system call with rax 0, its FPU state, mask
 * and TLS, its scheduling policy, nice value and CPU set (kernel/sched.c,
 * SCHED_RESET_ON_FORK). A vfork parent sleeps until the child execs or
 * exits.
 */
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/fdtable.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"
#include "process_trace.h"

#define CLONE_VM      0x00000100
#define CLONE_FS      0x00000200
#define CLONE_FILES   0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK   0x00004000
#define CLONE_PARENT  0x00008000

void arch_enter_app_frame(const struct trap_frame *f) __attribute__((noreturn));

/* A thread made by clone: its id where CLONE_CHILD_SETTID says (its own memory), then the program.
 */
static void clone_thread_start(void *arg)
{
	struct thread *t = current_thread();

	if (arg)
		put_user(t->tid, (int __user *)arg);
	arch_enter_app_frame(t->entry_frame);
}

/* The new thread's registers: its parent's at the system call, but rax 0 and its own stack. */
static int copy_state(struct thread *t, struct thread *parent, const struct clone_args_k *a)
{
	t->entry_frame = kmalloc(sizeof(*t->entry_frame));
	if (!t->entry_frame)
		return -ENOMEM;
	*t->entry_frame = *syscall_frame();
	t->entry_frame->rax = 0;
	if (a->stack)
		t->entry_frame->rsp = a->stack;
	t->fs_base = a->tls_set ? a->tls : parent->fs_base;
	fpu_copy(t->fpu);
	t->sigmask = parent->sigmask;
	t->clear_child_tid = (uint64_t)a->child_tid_clear;
	return 0;
}

/* A thread for process p, twin of the caller; ERR_PTR on failure. */
static struct thread *twin(struct process *p, const struct clone_args_k *a, bool main_thread)
{
	struct thread *self = current_thread();
	struct thread *t = thread_create_app(p, clone_thread_start,
					     a->child_tid_set ? a->child_tid : NULL, self->name);

	if (IS_ERR(t))
		return t;
	signal_thread_init(t, main_thread);
	sched_fork(t, self);
	int r = copy_state(t, self, a);
	if (r) {
		thread_destroy_unstarted(t);
		return ERR_PTR(r);
	}
	return t;
}

long process_clone_thread(const struct clone_args_k *a)
{
	struct process *p = current_process();
	int tid = pid_alloc();

	if (tid < 0)
		return tid;
	struct thread *t = twin(p, a, false);
	if (IS_ERR(t)) {
		pid_release(tid);
		return PTR_ERR(t);
	}
	if (a->parent_tid && put_user(tid, a->parent_tid)) {
		thread_destroy_unstarted(t);
		pid_release(tid);
		return -EFAULT;
	}
	trace_proc_clone(tid, a->flags, a->stack);
	process_add_thread(p, t, tid);
	sched_wake(t);
	return tid;
}

static char *copy_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *c = kmalloc(n);

	if (c)
		memcpy(c, s, n);
	return c;
}

/* What the child has of its own or shares with parent, as the flags say; 0 or -ENOMEM. */
static int copy_parts(struct process *p, struct process *parent, uint64_t flags)
{
	unsigned long irq = spin_lock(&parent->lock);
	memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
	p->cred = cred_get(parent->cred); /* never changed in place: shared until one changes */
	p->dac_override = parent->dac_override;
	spin_unlock(&parent->lock, irq);
	if (flags & CLONE_VM) {
		mm_get(parent->mm);
		p->mm = parent->mm;
	} else {
		p->mm = mm_fork(parent->mm);
	}
	if (flags & CLONE_FILES) {
		fdtable_get(parent->files);
		p->files = parent->files;
	} else {
		p->files = fdtable_copy(parent->files);
	}
	if (flags & CLONE_FS) {
		fs_state_get(parent->fs);
		p->fs = parent->fs;
	} else {
		p->fs = fs_state_copy(parent->fs);
	}
	if (flags & CLONE_SIGHAND) {
		sighand_get(parent->sighand);
		p->sighand = parent->sighand;
	} else {
		p->sighand = sighand_copy(parent->sighand);
	}
	if (!p->mm || !p->files || !p->fs || !p->sighand)
		return -ENOMEM;
	return 0;
}

/* What was run, and what /proc shows of it: the parent's. */
static int copy_exe(struct process *p, struct process *parent)
{
	p->exe_path = copy_string(parent->exe_path);
	p->auxv = kmalloc(parent->auxv_words * sizeof(uint64_t));
	if (!p->exe_path || !p->auxv)
		return -ENOMEM;
	memcpy(p->auxv, parent->auxv, parent->auxv_words * sizeof(uint64_t));
	p->auxv_words = parent->auxv_words;
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	p->load_base = parent->load_base;
	p->start_stack = parent->start_stack;
	p->arg_start = parent->arg_start;
	p->arg_end = parent->arg_end;
	p->env_start = parent->env_start;
	p->env_end = parent->env_end;
	return 0;
}

/* CLONE_PIDFD: a pidfd for the child in the caller's table, its number at a->pidfd. */
static int give_pidfd(struct process *p, const struct clone_args_k *a, int *fd)
{
	struct file *f = pidfd_file(p, 0);

	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	*fd = fd_alloc(current_fdtable(), f, 0, true);
	if (*fd < 0) {
		file_put(f);
		return *fd;
	}
	if (put_user(*fd, a->pidfd)) {
		fd_close(current_fdtable(), *fd);
		return -EFAULT;
	}
	return 0;
}

/* The signals a kill of a set holding the parent sent during the fork (struct fork_watch). */
static void send_noted(struct process *child, uint64_t signals)
{
	for (int sig = 1; signals; sig++, signals >>= 1)
		if (signals & 1)
			signal_send_process(child, sig, NULL);
}

long process_fork(const struct clone_args_k *a)
{
	struct thread *self = current_thread();
	struct process *parent = self->proc;
	struct semaphore vfork_done;
	struct fork_watch watch;
	int pidfd = -1;

	process_fork_watch(&watch, parent); /* first: a kill from now on reaches the child */
	struct process *p = process_may_fork(parent) ? process_alloc() : ERR_PTR(-EAGAIN);
	if (IS_ERR(p)) {
		process_fork_unwatch(&watch);
		return PTR_ERR(p);
	}
	long r = copy_parts(p, parent, a->flags) ?: copy_exe(p, parent);
	struct thread *t = r ? NULL : twin(p, a, true);
	if (IS_ERR(t)) {
		r = PTR_ERR(t);
		t = NULL;
	}
	if (!r && a->pidfd)
		r = give_pidfd(p, a, &pidfd);
	if (r) {
		if (t)
			thread_destroy_unstarted(t);
		process_fork_unwatch(&watch);
		process_discard(p);
		return r;
	}
	/* As Linux: a thread of a fork keeps its alternate stack, unless it shares the memory. */
	if (!(a->flags & CLONE_VM) || (a->flags & CLONE_VFORK))
		t->altstack = self->altstack;
	p->exit_signal = a->exit_signal;
	if (a->flags & CLONE_VFORK) {
		sem_init(&vfork_done, 0);
		p->vfork_done = &vfork_done;
	}
	long pid = p->pid;
	if (a->parent_tid)
		put_user((int)pid, a->parent_tid);
	process_link(p, (a->flags & CLONE_PARENT) && parent->parent ? parent->parent : parent,
		     &watch);
	trace_proc_fork(parent->pid, p->pid, a->flags);
	process_add_thread(p, t, p->pid);
	/* Killed while it forked: a kill of every process may have missed the child. */
	if (signal_process_killed(parent))
		signal_send_process(p, SIGKILL, NULL);
	send_noted(p, watch.signals);
	sched_wake(t);
	if (a->flags & CLONE_VFORK)
		sem_down(&vfork_done);
	return pid;
}
