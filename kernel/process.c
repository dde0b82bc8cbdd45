/*
 * Processes: the table and tree, the lives of their threads, and exit. A
 * process is made from the command line (a child of init, in a session of
 * its own) or by fork (kernel/fork.c). Its threads join its list and the id
 * table; the last one to leave tears the process down (files, working
 * directory, timers, address space) and makes it a zombie for its parent
 * (kernel/wait.c). Init (pid 1) is the kernel: it has no threads, inherits
 * orphans and reaps them, and the VM powers off once no process is left.
 * The tree (parents, children, groups, sessions, states) is under one
 * spinlock, taken before any process's own lock. Sets of processes (a
 * group, a user's, everyone) are collected under it for kill and
 * setpriority, with Linux's permission to signal.
 */
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/exec.h>
#include <alto/fdtable.h>
#include <alto/fpu.h>
#include <alto/futex.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/trace.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "process_trace.h"
#undef TRACE_DEFINE
#include "sched_trace.h"

struct spinlock proc_tree_lock = SPINLOCK_INIT;
struct list proc_all = LIST_INIT(proc_all);
struct process proc_init = { .pid = INIT_PID, .refs = 1 };
static unsigned int live; /* processes not yet exited, under the tree lock */
static struct waitq all_gone_wq = WAITQ_INIT(all_gone_wq);
static int first_pid; /* the first application: its status is the VM's */
static int first_status;

void arch_enter_app(uint64_t entry, uint64_t sp) __attribute__((noreturn));

void process_init(void)
{
	pid_init();
	if (pid_reserve(INIT_PID))
		panic("process: cannot reserve pid 1");
	list_init(&proc_init.children);
	list_init(&proc_init.sibling);
	list_init(&proc_init.threads);
	waitq_init(&proc_init.child_wq);
	waitq_init(&proc_init.exit_wq);
	spin_init(&proc_init.lock);
	proc_init.pgid = proc_init.sid = INIT_PID;
	pid_set_process(INIT_PID, &proc_init);
}

/* ---- references and lookups */

void process_get(struct process *p)
{
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
}

static void process_free(struct process *p)
{
	sighand_put(p->sighand);
	cred_put(p->cred); /* kept until then: /proc shows a zombie's owner */
	kfree(p->exe_path);
	kfree(p->auxv);
	kfree(p);
}

void process_put(struct process *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		process_free(p);
}

struct process *process_find(int pid)
{
	return pid_process(pid);
}

struct process *process_of_tid(int tid)
{
	return pid_thread_process(tid);
}

struct mm *process_mm(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);
	struct mm *mm = p->mm;

	if (mm)
		mm_pin(mm);
	spin_unlock(&p->lock, flags);
	return mm;
}

struct fdtable *process_files(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);
	struct fdtable *t = p->files;

	if (t)
		fdtable_get(t);
	spin_unlock(&p->lock, flags);
	return t;
}

struct vnode *process_cwd(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);
	struct fs_state *fs = p->fs;

	if (fs)
		fs_state_get(fs);
	spin_unlock(&p->lock, flags);
	if (!fs)
		return NULL;
	struct vnode *v = fs_state_cwd(fs);
	fs_state_put(fs);
	return v;
}

int process_ppid(struct process *p)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	int ppid = p->parent ? p->parent->pid : 0;

	spin_unlock(&proc_tree_lock, flags);
	return ppid;
}

int process_next_pid(int from)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	struct list *pos;
	int best = -1;

	list_for_each(pos, &proc_all) {
		int pid = list_entry(pos, struct process, all_link)->pid;
		if (pid >= from && (best < 0 || pid < best))
			best = pid;
	}
	spin_unlock(&proc_tree_lock, flags);
	return best;
}

void process_ids(struct process *p, int *ppid, int *pgid, int *sid)
{
	unsigned long flags = spin_lock(&proc_tree_lock);

	*ppid = p->parent ? p->parent->pid : 0;
	*pgid = p->pgid;
	*sid = p->sid;
	spin_unlock(&proc_tree_lock, flags);
}

uint64_t process_resident_pages(void)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	struct list *pos;
	uint64_t pages = 0;

	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all_link);
		spin_lock_noirq(&p->lock);
		if (p->mm)
			pages += READ_ONCE(p->mm->resident);
		spin_unlock_noirq(&p->lock);
	}
	spin_unlock(&proc_tree_lock, flags);
	return pages;
}

unsigned int process_count(void)
{
	return READ_ONCE(live);
}

/* ---- making processes */

/* Linux's defaults; RLIMIT_NPROC from memory as Linux's max_threads / 2 (16 KiB per thread). */
static void default_limits(struct process *p)
{
	uint64_t nproc = MAX(pages_total_count() / (8 * 4) / 2, 64ul);

	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlimits[i] = (struct rlimit64){ RLIM_INFINITY, RLIM_INFINITY };
	p->rlimits[RLIMIT_STACK] = (struct rlimit64){ 8ul << 20, RLIM_INFINITY };
	p->rlimits[RLIMIT_NOFILE] = (struct rlimit64){ 1024, 1048576 };
	p->rlimits[RLIMIT_CORE] = (struct rlimit64){ 0, RLIM_INFINITY };
	p->rlimits[RLIMIT_MEMLOCK] = (struct rlimit64){ 8ul << 20, 8ul << 20 };
	p->rlimits[RLIMIT_SIGPENDING] = (struct rlimit64){ 63575, 63575 };
	p->rlimits[RLIMIT_MSGQUEUE] = (struct rlimit64){ 819200, 819200 };
	p->rlimits[RLIMIT_NICE] = (struct rlimit64){ 0, 0 };
	p->rlimits[RLIMIT_RTPRIO] = (struct rlimit64){ 0, 0 };
	p->rlimits[RLIMIT_NPROC] = (struct rlimit64){ MIN(nproc, (uint64_t)NPROC_MAX),
						      MIN(nproc, (uint64_t)NPROC_MAX) };
}

static uint64_t process_serials;

struct process *process_alloc(void)
{
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return ERR_PTR(-ENOMEM);
	int pid = pid_alloc();
	if (pid < 0) {
		kfree(p);
		return ERR_PTR(pid);
	}
	p->pid = pid;
	p->refs = 1; /* the tree's, until it is reaped */
	spin_init(&p->lock);
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->sibling);
	waitq_init(&p->child_wq);
	waitq_init(&p->exit_wq);
	waitq_init(&p->threads_wq);
	signal_process_init(p);
	p->exit_signal = SIGCHLD;
	p->start_ns = time_now_ns();
	p->serial = __atomic_add_fetch(&process_serials, 1, __ATOMIC_RELAXED);
	return p;
}

void process_discard(struct process *p)
{
	if (p->mm)
		mm_put(p->mm);
	fdtable_put(p->files);
	fs_state_put(p->fs);
	pid_release(p->pid);
	process_free(p);
}

static struct list fork_watches = LIST_INIT(fork_watches); /* under the tree lock */

void process_fork_watch(struct fork_watch *w, struct process *forker)
{
	w->forker = forker;
	w->signals = 0;
	unsigned long flags = spin_lock(&proc_tree_lock);
	list_append(&fork_watches, &w->link);
	spin_unlock(&proc_tree_lock, flags);
}

void process_fork_unwatch(struct fork_watch *w)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	list_remove(&w->link);
	spin_unlock(&proc_tree_lock, flags);
}

/* Under the tree lock: sig goes to the children of the forks whose forker matches. */
static void fork_watches_note(bool (*match)(struct process *q, void *arg), void *arg, int sig)
{
	struct list *pos;

	list_for_each(pos, &fork_watches) {
		struct fork_watch *w = list_entry(pos, struct fork_watch, link);
		if (match(w->forker, arg))
			w->signals |= 1ull << (sig - 1);
	}
}

void process_link(struct process *p, struct process *parent, struct fork_watch *w)
{
	unsigned long flags = spin_lock(&proc_tree_lock);

	if (w)
		list_remove(&w->link);
	if (!p->pgid) {
		p->pgid = parent->pgid;
		p->sid = parent->sid;
	}
	p->parent = parent;
	list_append(&parent->children, &p->sibling);
	list_append(&proc_all, &p->all_link);
	pid_hold(p->pgid);
	pid_hold(p->sid);
	live++;
	spin_unlock(&proc_tree_lock, flags);
	pid_set_process(p->pid, p);
}

bool process_may_fork(struct process *parent)
{
	unsigned long flags = spin_lock(&parent->lock);
	uint64_t limit = parent->rlimits[RLIMIT_NPROC].rlim_cur;

	spin_unlock(&parent->lock, flags);
	return READ_ONCE(live) < limit;
}

/* The program's file name: what Linux calls the process (comm, PR_GET_NAME). */
const char *process_comm_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

void process_set_exe(struct process *p, char *path, const struct exec_image *img)
{
	kfree(p->exe_path);
	p->exe_path = path;
	p->load_base = img->load_base;
	p->start_stack = img->sp;
	p->arg_start = img->arg_start;
	p->arg_end = img->arg_end;
	p->env_start = img->env_start;
	p->env_end = img->env_end;
	kfree(p->auxv);
	p->auxv = img->auxv;
	p->auxv_words = img->auxv_words;
	strlcpy(p->comm, process_comm_of(path), sizeof(p->comm));
}

/* ---- threads joining and leaving */

void process_add_thread(struct process *p, struct thread *t, int tid)
{
	process_get(p); /* the thread's reference, dropped when it has left */
	t->tid = tid;
	t->detached = true;
	pid_set_thread(tid, t);
	trace_thread_create(tid, p->pid, t->name);
	unsigned long flags = spin_lock(&p->lock);
	list_append(&p->threads, &t->proc_link);
	p->nthreads++;
	spin_unlock(&p->lock, flags);
}

struct start_info {
	uint64_t entry, sp;
};

/* The main thread's first code: enter the program as if returning from a trap. */
static void app_thread_start(void *arg)
{
	struct start_info si = *(struct start_info *)arg;
	int pid = current_process()->pid;

	kfree(arg);
	trace_proc_enter(pid, si.entry, si.sp);
	if (pid == READ_ONCE(first_pid))
		bootchart_program_entry();
	arch_enter_app(si.entry, si.sp);
}

/* The main thread, not yet running; ERR_PTR without memory. */
static struct thread *main_thread(struct process *p, const struct exec_image *img)
{
	struct start_info *si = kmalloc(sizeof(*si));

	if (!si)
		return ERR_PTR(-ENOMEM);
	*si = (struct start_info){ img->entry, img->sp };
	struct thread *t = thread_create_app(p, app_thread_start, si, p->comm);
	if (IS_ERR(t))
		kfree(si);
	else
		signal_thread_init(t, true);
	return t;
}

struct process *process_start(int argc, char **argv, int envc, char **envp, const char *cwd)
{
	struct exec_image img;
	struct process *p = process_alloc();
	char *path = NULL;
	int r = -ENOMEM;

	if (IS_ERR(p)) {
		p = NULL;
		goto fail;
	}
	path = kmalloc(strlen(argv[0]) + 1);
	if (!path)
		goto fail;
	strlcpy(path, argv[0], strlen(argv[0]) + 1);
	default_limits(p);
	p->mm = mm_create();
	p->files = fdtable_create();
	p->fs = fs_state_create();
	p->sighand = sighand_create();
	p->cred = cred_root();
	p->dac_override = true;
	if (!p->mm || !p->files || !p->fs || !p->sighand || !p->cred ||
	    fdtable_setup_stdio(p->files))
		goto fail;
	if (cwd && (r = vfs_chdir_fs(p->fs, cwd))) {
		printk("alto: --cwd=%s: %s\n", cwd,
		       r == -ENOTDIR ? "not a directory" : "not found");
		goto fail;
	}
	trace_proc_start(p->pid, argv[0]);
	r = exec_load(p->mm, argv[0], argc, argv, envc, envp, &img);
	if (r)
		goto fail;
	if (!first_pid)
		bootchart_step("exec_load");
	process_set_exe(p, path, &img);
	path = NULL;
	struct thread *t = main_thread(p, &img);
	if (IS_ERR(t)) {
		r = (int)PTR_ERR(t);
		goto fail;
	}
	if (!first_pid)
		first_pid = p->pid;
	process_get(p); /* the caller's */
	process_link(p, &proc_init, NULL);
	process_add_thread(p, t, p->pid); /* as on Linux: the main thread's id is the pid */
	sched_wake(t);
	return p;
fail:
	if (r == -ENOMEM)
		printk("alto: out of memory starting %s\n", argv[0]);
	kfree(path);
	if (p)
		process_discard(p);
	return ERR_PTR(r);
}

int wait_status_to_exit(int wait_status)
{
	if (wait_status & 0x7f)
		return 128 + (wait_status & 0x7f);
	return (wait_status >> 8) & 0xff;
}

int process_console_session(void)
{
	return INIT_PID;
}

void process_reaped_by_init(struct process *p)
{
	if (p->pid == first_pid)
		first_status = p->exit_status;
}

int process_wait_all(void)
{
	unsigned long flags = spin_lock(&all_gone_wq.lock);

	while (READ_ONCE(live))
		waitq_wait_locked(&all_gone_wq, &flags, 0);
	spin_unlock(&all_gone_wq.lock, flags);
	return wait_status_to_exit(first_status);
}

void process_gone(void)
{
	waitq_wake_all(&all_gone_wq);
}

/* Called under the tree lock when p has exited: one process fewer. */
void process_count_exit(void)
{
	live--;
}

int process_wait_exit(struct process *p)
{
	unsigned long flags = spin_lock(&p->exit_wq.lock);

	while (READ_ONCE(p->state) == PROCESS_ALIVE)
		waitq_wait_locked(&p->exit_wq, &flags, 0);
	spin_unlock(&p->exit_wq.lock, flags);
	return p->exit_status;
}

#define ROBUST_LIST_LIMIT 2048

/* Walk the thread's robust list (set_robust_list) as Linux does at thread death. */
static void release_robust_list(struct thread *t)
{
	uint64_t head = t->robust_list, entry, next, pending;
	int64_t offset;

	if (!head || get_user(entry, (uint64_t __user *)head) ||
	    get_user(offset, (int64_t __user *)(head + 8)) ||
	    get_user(pending, (uint64_t __user *)(head + 16)))
		return;
	for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		entry &= ~1ull; /* bit 0 marks a PI futex */
		if (get_user(next, (uint64_t __user *)entry))
			return;
		if (entry != (pending & ~1ull))
			futex_owner_died((uint32_t __user *)(entry + offset), t->tid);
		entry = next;
	}
	if (pending & ~1ull)
		futex_owner_died((uint32_t __user *)((pending & ~1ull) + offset), t->tid);
}

/* What a thread leaves in its address space: robust futexes, the tid word (CLONE_CHILD_CLEARTID).
 */
void process_thread_release_user(struct thread *t)
{
	release_robust_list(t);
	t->robust_list = 0;
	if (t->clear_child_tid) {
		uint32_t __user *ctid = (uint32_t __user *)t->clear_child_tid;
		if (!put_user(0u, ctid))
			futex_wake(ctid, 1, FUTEX_BITSET_MATCH_ANY, true);
		t->clear_child_tid = 0;
	}
}

/* The last thread is gone: let go of everything but what the parent may still ask about. */
static void teardown(struct process *p)
{
	signal_process_exit(p);
	posix_timers_exit(p);
	unsigned long flags = spin_lock(&p->lock);
	struct fdtable *files = p->files;
	struct fs_state *fs = p->fs;
	struct mm *mm = p->mm;
	struct semaphore *vfork_done = p->vfork_done;
	p->files = NULL;
	p->fs = NULL;
	p->mm = NULL;
	p->vfork_done = NULL;
	spin_unlock(&p->lock, flags);
	fdtable_put(files);
	fs_state_put(fs);
	mm_put(mm);
	if (vfork_done)
		sem_up(vfork_done);
}

/*
 * The current thread leaves its process for good, the last one ending the
 * process with code as its exit code unless the process was already ending
 * with a status of its own. Everything that needs the thread's address
 * space or its id happens while it still counts among the threads: once it
 * does not, the last thread may tear the process down and its parent reap
 * it (the id, the address space) at any moment. The main thread's id stays
 * the process's.
 */
static __attribute__((noreturn)) void leave(struct process *p, struct thread *t, int code)
{
	process_thread_release_user(t);
	pid_set_thread(t->tid, NULL); /* PI lockers now find its owner gone (ESRCH) */
	if (t->tid != p->pid)
		pid_release(t->tid);
	futex_thread_exit(t->tid, t->mm);
	t->mm = NULL; /* from now on it runs on whatever root is loaded */
	unsigned long flags = spin_lock(&p->lock);
	cputime_thread_exit(p, t);
	list_remove(&t->proc_link);
	list_init(&t->proc_link);
	bool last = --p->nthreads == 0;
	if (last && !p->exiting) {
		p->exiting = true;
		p->exit_status = (code & 0xff) << 8;
	}
	if (t->tid == p->pid)
		strlcpy(p->comm, t->name, sizeof(p->comm));
	spin_unlock(&p->lock, flags);
	trace_proc_thread_exit(t->tid, code, last);
	waitq_wake_all(&p->threads_wq);
	signal_thread_exit(t);
	if (last) {
		trace_proc_exit(p->pid, p->exit_status);
		teardown(p);
		process_exited(p); /* a zombie now, or reaped */
	}
	t->proc = NULL;
	process_put(p); /* the thread's: p stayed valid until here */
	thread_exit(0);
}

__attribute__((noreturn)) void process_thread_exit(int code)
{
	leave(current_process(), current_thread(), code);
}

struct thread *process_thread_by_tid(struct process *p, int tid)
{
	struct thread *found = NULL;
	struct list *pos;
	unsigned long flags = spin_lock(&p->lock);

	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_link);
		if (t->tid == tid) {
			found = t;
			break;
		}
	}
	spin_unlock(&p->lock, flags);
	return found;
}

bool process_thread_doomed(void)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	if (!p)
		return false;
	struct thread *execer = READ_ONCE(p->exec_thread);
	return READ_ONCE(p->exiting) || (execer && execer != t);
}

/* The process is going, or another thread execs: a thread that enters or leaves the kernel stops
 * here. */
void process_check_exiting(void)
{
	if (process_thread_doomed())
		leave(current_process(), current_thread(), 0);
}

__attribute__((noreturn)) void process_exit(int wait_status)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	bool first = !p->exiting;

	if (first) {
		p->exiting = true;
		p->exit_status = wait_status;
	}
	spin_unlock(&p->lock, flags);
	if (first)
		signal_kick_all(p); /* blocked threads wake up and stop (signal_pending()) */
	leave(p, current_thread(), 0);
}

/* ---- process groups and sessions */

/* Some process of session sid has process group pgid (tree lock held). */
static bool group_in_session(int pgid, int sid)
{
	struct list *pos;

	list_for_each(pos, &proc_all) {
		struct process *q = list_entry(pos, struct process, all_link);
		if (q->state == PROCESS_ALIVE && q->pgid == pgid && q->sid == sid)
			return true;
	}
	return false;
}

/* Move p into group pgid (tree lock held): the id is held for the group's life. */
static void set_pgid_locked(struct process *p, int pgid)
{
	if (p->pgid == pgid)
		return;
	pid_hold(pgid);
	pid_release(p->pgid);
	p->pgid = pgid;
}

long process_setpgid(int pid, int pgid)
{
	struct process *self = current_process();
	long r = 0;

	if (pgid < 0)
		return -EINVAL;
	unsigned long flags = spin_lock(&proc_tree_lock);
	struct process *p = self;
	if (pid && pid != self->pid) {
		p = NULL;
		struct list *pos;
		list_for_each(pos, &self->children) {
			struct process *c = list_entry(pos, struct process, sibling);
			if (c->pid == pid)
				p = c;
		}
	}
	if (!p)
		r = -ESRCH;
	else if (p != self && p->did_exec)
		r = -EACCES;
	else if (p->sid != self->sid || p->pid == p->sid)
		r = -EPERM; /* another session, or a session leader */
	if (!r) {
		pgid = pgid ? pgid : p->pid;
		if (pgid != p->pid && !group_in_session(pgid, self->sid))
			r = -EPERM;
		else
			set_pgid_locked(p, pgid);
	}
	spin_unlock(&proc_tree_lock, flags);
	return r;
}

long process_setsid(void)
{
	struct process *p = current_process();
	long r;
	unsigned long flags = spin_lock(&proc_tree_lock);

	/* A group leader, or anyone whose id names a group, may not. */
	if (p->pgid == p->pid || group_in_session(p->pid, p->sid)) {
		r = -EPERM;
	} else {
		set_pgid_locked(p, p->pid);
		pid_hold(p->pid);
		pid_release(p->sid);
		p->sid = p->pid;
		r = p->pid;
	}
	spin_unlock(&proc_tree_lock, flags);
	return r;
}

/* pid 0 is the caller; the ids of a process, or -ESRCH. */
static long ids_of(int pid, bool session)
{
	struct process *p = pid ? process_find(pid) : current_process();
	long r = -ESRCH;

	if (!p)
		return -ESRCH;
	unsigned long flags = spin_lock(&proc_tree_lock);
	if (p->pid != INIT_PID)
		r = session ? p->sid : p->pgid;
	spin_unlock(&proc_tree_lock, flags);
	if (pid)
		process_put(p);
	return r;
}

long process_getpgid(int pid)
{
	return ids_of(pid, false);
}

long process_getsid(int pid)
{
	return ids_of(pid, true);
}

bool process_group_orphaned(struct process *p)
{
	unsigned long flags = spin_lock(&proc_tree_lock);
	struct list *pos;
	bool orphaned = true;

	/* POSIX: no member has a parent in another group of the same session. */
	list_for_each(pos, &proc_all) {
		struct process *q = list_entry(pos, struct process, all_link);
		struct process *parent = q->parent;
		if (q->state == PROCESS_ALIVE && q->pgid == p->pgid && parent &&
		    parent->pgid != q->pgid && parent->sid == q->sid)
			orphaned = false;
	}
	spin_unlock(&proc_tree_lock, flags);
	return orphaned;
}

/* ---- sets of processes */

/*
 * process_collect; with sig, the forks under way whose forker also passes
 * reaches (the sender may signal it) note sig (struct fork_watch).
 */
static int collect(bool (*match)(struct process *q, void *arg),
		   bool (*reaches)(struct process *q, void *arg), void *arg, int sig,
		   struct process ***out)
{
	int max = (int)READ_ONCE(live) + 16, n = 0;
	struct process **list = kmalloc((size_t)max * sizeof(*list));
	struct list *pos;

	*out = list;
	if (!list)
		return -ENOMEM;
	unsigned long flags = spin_lock(&proc_tree_lock);
	list_for_each(pos, &proc_all) {
		struct process *q = list_entry(pos, struct process, all_link);
		if (n < max && q->state == PROCESS_ALIVE && match(q, arg)) {
			process_get(q);
			list[n++] = q;
		}
	}
	if (sig)
		fork_watches_note(reaches, arg, sig);
	spin_unlock(&proc_tree_lock, flags);
	return n;
}

int process_collect(bool (*match)(struct process *q, void *arg), void *arg, struct process ***out)
{
	return collect(match, NULL, arg, 0, out);
}

void process_put_all(struct process **list, int n)
{
	for (int i = 0; i < n; i++)
		process_put(list[i]);
	kfree(list);
}

long process_for_each_thread(struct process *p, long (*fn)(struct thread *t, void *arg), void *arg)
{
	unsigned long flags = spin_lock(&p->lock);
	unsigned int max = p->nthreads, n = 0;
	spin_unlock(&p->lock, flags);
	int *tids = kmalloc((max ? max : 1) * sizeof(int));
	struct list *pos;
	long r = -ESRCH;

	if (!tids)
		return -ENOMEM;
	/* Ids, not threads, are kept: fn runs with no lock held, and looks each one up again. */
	flags = spin_lock(&p->lock);
	list_for_each(pos, &p->threads) {
		if (n < max)
			tids[n++] = list_entry(pos, struct thread, proc_link)->tid;
	}
	spin_unlock(&p->lock, flags);
	for (unsigned int i = 0; i < n; i++) {
		struct thread *t = process_thread_by_tid(p, tids[i]);
		long e = t ? fn(t, arg) : -ESRCH;
		if (e != -ESRCH)
			r = r == -ESRCH ? e : (e ? e : r);
	}
	kfree(tids);
	return r;
}

/* ---- kill */

struct kill_set {
	int pgid; /* the group, or 0 for all but init and skip */
	struct process *skip;
	bool unkilled;		   /* only those SIGKILL has not reached yet */
	const struct cred *sender; /* a program's, whose permission counts; NULL for the kernel */
	int sender_sid;
	int sig;
};

static bool in_kill_set(struct process *q, void *arg)
{
	const struct kill_set *k = arg;

	return q != k->skip && (k->pgid ? q->pgid == k->pgid : q->pid != INIT_PID) &&
	       !(k->unkilled && signal_process_killed(q));
}

/* Linux's kill_ok_by_cred: the sender's real or effective uid is the target's real or saved one. */
static bool may_kill(const struct cred *me, const struct cred *it)
{
	return me->euid == it->suid || me->euid == it->uid || me->uid == it->suid ||
	       me->uid == it->uid || cred_capable(me, CAP_KILL);
}

long process_may_signal(struct process *p, int sig)
{
	struct process *self = current_process();

	if (!self || p == self)
		return 0;
	struct cred *me = cred_current(), *it = cred_of_process(p);
	bool ok = may_kill(me, it);
	cred_put(it);
	cred_put(me);
	if (!ok && sig == SIGCONT) {
		/* SIGCONT reaches any process of the sender's session. */
		unsigned long flags = spin_lock(&proc_tree_lock);
		ok = p->sid == self->sid;
		spin_unlock(&proc_tree_lock, flags);
	}
	return ok ? 0 : -EPERM;
}

/* A signal a program sends, which process_may_signal judges (Linux's si_fromuser); not the
 * kernel's. */
static bool from_user(const struct ksiginfo *info)
{
	return info && info->si_code <= 0;
}

/* Under the tree lock: is q in the set, and may the sender signal it (process_may_signal)? */
static bool kill_set_reaches(struct process *q, void *arg)
{
	const struct kill_set *k = arg;

	if (!in_kill_set(q, arg))
		return false;
	if (!k->sender || q == current_process())
		return true;
	struct cred *it = cred_of_process(q);
	bool ok = may_kill(k->sender, it) || (k->sig == SIGCONT && q->sid == k->sender_sid);
	cred_put(it);
	return ok;
}

/*
 * A group (pgid) answers 0 when one process got the signal, else the last
 * error; everyone (pgid 0) -ESRCH when there is nobody, else the last
 * error other than EPERM (Linux's __kill_pgrp_info and kill_something_info).
 */
static long kill_set_signal(struct kill_set *k, int sig, const struct ksiginfo *info)
{
	struct process **list, *self = current_process();
	struct cred *me = from_user(info) && self ? cred_current() : NULL;

	k->sender = me;
	k->sender_sid = self ? (int)process_getsid(0) : 0;
	k->sig = sig;
	int n = collect(in_kill_set, kill_set_reaches, k, sig, &list);
	long r = k->pgid || !n ? -ESRCH : 0;

	k->sender = NULL;
	if (me)
		cred_put(me);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		long e = from_user(info) ? process_may_signal(list[i], sig) : 0;
		if (!e && sig)
			e = signal_send_process(list[i], sig, info);
		if (k->pgid ? r != 0 : e != -EPERM)
			r = e;
	}
	process_put_all(list, n);
	return r;
}

static long kill_many(int pgid, struct process *skip, int sig, const struct ksiginfo *info)
{
	struct kill_set k = { .pgid = pgid, .skip = skip };

	return kill_set_signal(&k, sig, info);
}

long process_kill_group(int pgid, int sig, const struct ksiginfo *info)
{
	return pgid > 0 ? kill_many(pgid, NULL, sig, info) : -ESRCH;
}

long process_kill(int pid, int sig, const struct ksiginfo *info)
{
	struct process *self = current_process();

	if (pid > 0) {
		struct process *p = pid == INIT_PID ? NULL : process_find(pid);
		long r = -ESRCH;
		if (!p)
			return -ESRCH;
		if (p->state == PROCESS_ALIVE || p->state == PROCESS_ZOMBIE)
			r = from_user(info) ? process_may_signal(p, sig) : 0;
		if (!r && sig)
			r = signal_send_process(p, sig, info);
		process_put(p);
		return r;
	}
	if (pid == -1)
		return kill_many(0, self, sig, info);
	return process_kill_group(pid ? -pid : (int)process_getpgid(0), sig, info);
}

/*
 * With SIGKILL, until every process has it: a child that a fork linked
 * after the list was collected is not on it (process_fork kills a child
 * whose parent was killed before the link; one linked before the parent
 * got SIGKILL is found by the next round).
 */
long process_signal_all(int sig)
{
	struct kill_set k = { .pgid = 0 };
	long r = kill_set_signal(&k, sig, NULL);

	k.unkilled = true;
	while (sig == SIGKILL && !r && !kill_set_signal(&k, sig, NULL))
		;
	return r;
}
