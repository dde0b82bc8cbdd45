/*
 * The application process: created once from the command line, it gets the
 * address space, the descriptor table (stdio on the console), the working
 * directory and limits, then its main thread enters the program at ring 0.
 * When it exits, the main kernel thread powers the VM off with its status.
 */
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/exec.h>
#include <alto/fpu.h>
#include <alto/futex.h>
#include <alto/syscall.h>
#include <alto/uaccess.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/trap.h>
#include <alto/fdtable.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>

struct process *app_process;
static struct semaphore app_done;

void arch_enter_app(uint64_t entry, uint64_t sp) __attribute__((noreturn));

struct start_info {
	uint64_t entry, sp;
};

void arch_enter_app_frame(const struct trap_frame *f) __attribute__((noreturn));

/* The main thread's first code: enter the program as if returning from a trap. */
static void app_thread_start(void *arg)
{
	struct start_info si = *(struct start_info *)arg;

	kfree(arg);
	arch_enter_app(si.entry, si.sp);
}

static void default_limits(struct process *p)
{
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
}

static struct process *process_create(const char *path)
{
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->pid = APP_PID;
	p->next_tid = APP_PID + 1;
	spin_init(&p->lock);
	mutex_init(&p->fs_lock);
	list_init(&p->threads);
	signal_process_init(p);
	p->umask = 022;
	p->start_ns = time_now_ns();
	default_limits(p);
	p->exe_path = kmalloc(strlen(path) + 1);
	p->mm = mm_create();
	p->files = fdtable_create();
	p->cred = cred_root();
	p->dac_override = true;
	if (!p->exe_path || !p->mm || !p->files || !p->cred || fdtable_setup_stdio(p->files))
		return NULL; /* at boot: the caller reports it and the VM stops */
	strlcpy(p->exe_path, path, strlen(path) + 1);
	p->cwd = vfs_root();
	return p;
}

/* The program's file name: what Linux calls the process (comm, PR_GET_NAME). */
static const char *comm_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

static int start_main_thread(struct process *p, const struct exec_image *img)
{
	struct start_info *si = kmalloc(sizeof(*si));

	if (!si)
		return -ENOMEM;
	*si = (struct start_info){ img->entry, img->sp };
	struct thread *t = thread_create_app(p, app_thread_start, si, comm_of(p->exe_path));
	if (IS_ERR(t)) {
		kfree(si);
		return (int)PTR_ERR(t);
	}
	t->tid = p->pid; /* as on Linux: the main thread's id is the process id */
	signal_thread_init(t, true);
	t->detached = true;
	list_append(&p->threads, &t->proc_link);
	p->nthreads = 1;
	sched_wake(t);
	return 0;
}

int process_start(int argc, char **argv, int envc, char **envp)
{
	struct exec_image img;
	struct process *p = process_create(argv[0]);

	if (!p) {
		printk("alto: out of memory starting %s\n", argv[0]);
		return -ENOMEM;
	}
	sem_init(&app_done, 0);
	app_process = p;
	int r = exec_load(p, argv[0], argc, argv, envc, envp, &img);
	if (r)
		return r;
	p->load_base = img.load_base;
	p->start_stack = img.sp;
	return start_main_thread(p, &img);
}

int process_wait(void)
{
	sem_down(&app_done);
	return wait_status_to_exit(app_process->exit_status);
}

int wait_status_to_exit(int wait_status)
{
	if (wait_status & 0x7f)
		return 128 + (wait_status & 0x7f);
	return (wait_status >> 8) & 0xff;
}

/* A thread made by clone: enter the program with its parent's registers. */
static void clone_thread_start(void *arg)
{
	arch_enter_app_frame(current_thread()->entry_frame);
}

static int new_tid(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);
	int tid = p->next_tid++;

	spin_unlock(&p->lock, flags);
	return tid;
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
	fpu_save(parent->fpu);
	memcpy(t->fpu, parent->fpu, fpu_state_size);
	t->sigmask = parent->sigmask;
	return 0;
}

long process_clone(const struct clone_args_k *a)
{
	struct thread *self = current_thread();
	struct process *p = self->proc;
	struct thread *t = thread_create_app(p, clone_thread_start, NULL, self->name);

	if (IS_ERR(t))
		return PTR_ERR(t);
	signal_thread_init(t, false);
	sched_fork(t, self);
	long r = copy_state(t, self, a);
	if (r) {
		thread_detach(t);
		kfree(t->entry_frame);
		t->entry_frame = NULL;
		return r;
	}
	t->tid = new_tid(p);
	if (a->parent_tid && put_user(t->tid, a->parent_tid))
		r = -EFAULT;
	if (a->child_tid_set && put_user(t->tid, a->child_tid))
		r = -EFAULT;
	if (r)
		return r; /* the thread never ran: it is freed with its parent's VM */
	t->clear_child_tid = (uint64_t)a->child_tid_clear;
	t->detached = true;
	unsigned long flags = spin_lock(&p->lock);
	list_append(&p->threads, &t->proc_link);
	p->nthreads++;
	spin_unlock(&p->lock, flags);
	sched_wake(t);
	return t->tid;
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

__attribute__((noreturn)) void process_thread_exit(int code)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	release_robust_list(t);
	if (t->clear_child_tid) {
		uint32_t __user *ctid = (uint32_t __user *)t->clear_child_tid;
		if (!put_user(0u, ctid))
			futex_wake(ctid, 1, FUTEX_BITSET_MATCH_ANY);
	}
	unsigned long flags = spin_lock(&p->lock);
	cputime_thread_exit(p, t);
	list_remove(&t->proc_link);
	bool last = --p->nthreads == 0;
	spin_unlock(&p->lock, flags);
	futex_thread_exit(t->tid); /* off the list: PI lockers now get ESRCH instead */
	signal_thread_exit(t);
	if (last)
		process_exit((code & 0xff) << 8);
	thread_exit(0);
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

/*
 * A thread stopping because its process ends leaves the thread list first:
 * signal senders walk it and must never find a thread that has been freed.
 */
static __attribute__((noreturn)) void exit_unlisted(struct process *p, struct thread *t)
{
	unsigned long flags = spin_lock(&p->lock);

	list_remove(&t->proc_link); /* harmless when already removed: it is self-linked then */
	spin_unlock(&p->lock, flags);
	signal_thread_exit(t);
	thread_exit(0);
}

/* The process is going: a thread that enters or leaves the kernel stops here. */
void process_check_exiting(void)
{
	struct process *p = current_process();
	struct thread *t = current_thread();

	if (p && READ_ONCE(p->exiting) && t->proc)
		exit_unlisted(p, t);
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
	if (first) {
		signal_kick_all(p); /* blocked threads wake up and stop (signal_pending()) */
		sem_up(&app_done);
	}
	exit_unlisted(p, current_thread());
}
