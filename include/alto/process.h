/*
 * Processes. A process owns an address space, file descriptors, a working
 * directory, signal dispositions and limits (each of the first four may be
 * shared with others through clone's flags), and its threads are struct
 * threads with application state. Processes form a tree under init (pid 1,
 * the kernel itself, which reaps what it inherits), with process groups and
 * sessions. A process that exits stays a zombie until its parent waits for
 * it. The first application runs alone, as OSv's would, until it forks.
 * Fields are grouped by the subsystem that owns them; each takes its own lock.
 */
#ifndef ALTO_PROCESS_H
#define ALTO_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/cpu.h>
#include <alto/list.h>
#include <alto/sched.h>
#include <alto/spinlock.h>
#include <alto/signal.h>
#include <alto/sync.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <uapi/resource.h>
#include <uapi/signal.h>
#include <uapi/wait.h>

struct mm;
struct fdtable;
struct fs_state;
struct vnode;
struct thread;
struct trap_frame;
struct ptimers;
struct cred;

#define INIT_PID  1	/* the kernel: every orphan's parent */
#define PID_MAX	  32768 /* /proc/sys/kernel/pid_max */
#define NPROC_MAX 4096	/* RLIMIT_NPROC's default: processes alive at once */

enum process_state {
	PROCESS_ALIVE,
	PROCESS_ZOMBIE, /* exited, waiting for its parent to reap it */
	PROCESS_REAPED,
};

struct process {
	int pid;
	int refs;      /* references to the struct (atomic): see process_get */
	struct mm *mm; /* mm/; NULL once the process has exited */

	/* Family (kernel/process.c, kernel/wait.c): under the tree lock. */
	struct process *parent;
	struct list children; /* its children, by sibling */
	struct list sibling;
	struct list all_link; /* every process, in creation order */
	int pgid, sid;
	int exit_signal; /* sent to the parent at exit: SIGCHLD, or what clone said */
	enum process_state state;
	bool did_exec;		      /* setpgid on it from its parent fails after an exec */
	bool stop_report;	      /* stopped, not yet reported to wait (WSTOPPED) */
	bool cont_report;	      /* continued, not yet reported (WCONTINUED) */
	int stop_signal;	      /* what stopped it */
	struct waitq child_wq;	      /* waiters for a change among its children */
	struct waitq exit_wq;	      /* woken when it exits (pidfd readers) */
	struct semaphore *vfork_done; /* the parent of a vfork waits until exec or exit */
	uint64_t children_cpu_ns;     /* CPU time of reaped children and theirs */

	/* Files (fs/): the descriptor table and working directory, each maybe shared. */
	struct fdtable *files;
	struct fs_state *fs;

	struct spinlock lock; /* rlimits, signals (all of their state), threads, exit state */
	struct rlimit64 rlimits[RLIM_NLIMITS];
	struct sighand *sighand;	  /* dispositions, maybe shared (CLONE_SIGHAND) */
	struct sigpending shared_pending; /* process-wide signals (kernel/signal.c) */
	unsigned int sigqueued;		  /* queued siginfo, against RLIMIT_SIGPENDING */
	struct waitq signal_wq;		  /* woken at every signal: signalfd readers */
	bool stopped;			  /* a stop signal holds its threads (job control) */

	struct list threads;
	unsigned int nthreads;
	bool exiting;
	int exit_status;	    /* the wait status of the whole process */
	struct thread *exec_thread; /* execve: the one thread that goes on */
	struct waitq threads_wq;    /* woken when a thread leaves (execve waits) */

	/* Clocks and timers (kernel/clock.c, kernel/posix_timers.c); under lock. */
	uint64_t exited_cpu_ns; /* CPU time of threads that have exited */
	uint64_t exited_nvcsw;	/* and their voluntary context switches */
	uint64_t cpu_ns_seen;	/* the process CPU clock's last reading: it never goes back */
	struct ptimers *timers; /* NULL until the first timer */

	/* Who it is (kernel/cred.c): replaced whole under lock, never changed in place. */
	struct cred *cred;
	bool dac_override; /* cred has CAP_DAC_OVERRIDE and _READ_SEARCH: the fast path */

	/* What was run, for error messages, fault reports and /proc. */
	char *exe_path;
	char comm[16];	    /* the main thread's name, kept for a zombie */
	uint64_t load_base; /* where a PIE was loaded; 0 otherwise */
	uint64_t start_ns;
	uint64_t serial; /* unique for the boot, unlike pid and the struct's address */
	/* Set by the loader: where argv's and envp's strings are, and a copy of the auxv. */
	uintptr_t arg_start, arg_end, env_start, env_end;
	uintptr_t start_stack; /* where argc is */
	uint64_t *auxv;	       /* type, value pairs, AT_NULL's included */
	unsigned int auxv_words;
};

/* Boot: the id table and init (pid 1). */
void process_init(void);
/* The running thread's process, or NULL in a kernel thread. */
static inline struct process *current_process(void)
{
	return current_thread()->proc;
}

/*
 * Cheap, without a call or a branch: zero when the thread surely goes on
 * (process_thread_doomed). A thread that makes system calls has a process.
 */
static inline unsigned long process_maybe_doomed(const struct process *p)
{
	return READ_ONCE(p->exiting) | (uintptr_t)READ_ONCE(p->exec_thread);
}

/*
 * Has signal_exit_to_app anything to do, a restart code aside? Nonzero for
 * a superset of its exit_work: the real state that thread.work's
 * THREAD_WORK_SIGNAL and THREAD_WORK_MASK stand for, read by the system call
 * exit work (sys/table.c) after it clears the word. No lock: made with
 * interrupts off, and whoever changes the state sets the word after.
 */
static inline unsigned long signal_exit_work(void)
{
	const struct thread *t = current_thread();
	const struct process *p = t->proc;

	return process_maybe_doomed(p) | READ_ONCE(p->stopped) | t->sig.restore_mask |
	       ((READ_ONCE(t->sig.pending.set) | READ_ONCE(p->shared_pending.set)) & ~t->sigmask);
}

/* References: a process is freed when the last one goes (after it was reaped). */
void process_get(struct process *p);
void process_put(struct process *p);
/* The process with this id (alive or zombie), referenced, or NULL. */
struct process *process_find(int pid);
/* The process whose thread has id tid, referenced, or NULL. */
struct process *process_of_tid(int tid);
/* The process's address space, pinned (mm_unref it), or NULL once it has exited. */
struct mm *process_mm(struct process *p);
/* Its descriptor table, referenced (fdtable_put it), or NULL once it has exited. */
struct fdtable *process_files(struct process *p);
/* Its working directory, referenced (vnode_put it), or NULL once it has exited. */
struct vnode *process_cwd(struct process *p);
/* The parent's pid as getppid says it (0 for init). */
int process_ppid(struct process *p);

/*
 * Start a command line's program as a new process, a child of init in
 * init's process group and session (the console's, as a shell without job
 * control would leave it: the program may setsid() or setpgid() at will):
 * argv[0] is the path in the root file system, cwd the directory to start
 * in (NULL: /). Returns it referenced (process_put it), or ERR_PTR after
 * printing why.
 */
struct process *process_start(int argc, char **argv, int envc, char **envp, const char *cwd);
/*
 * Run the command line's programs (kernel/launch.c) as `;`, `&`, `!` and
 * `&!` say, until no process is left; the VM's exit status.
 */
struct app_commands;
int launch_commands(const struct app_commands *c);
/* Wait until no process is left; returns the status of the first one as a shell reports it. */
int process_wait_all(void);
/* The exit status a shell would report for a wait status: code, or 128+signal. */
int wait_status_to_exit(int wait_status);
/* Wait until p has exited; its wait status (for the command line). */
int process_wait_exit(struct process *p);
/*
 * sig to every process (SIGKILL: a `!` command of the command line ended;
 * SIGTERM: the host asked the VM to stop). 0, or -ESRCH when there is none.
 */
long process_signal_all(int sig);
/* The lowest pid >= from of a live or zombie process, or -1 (for /proc). */
int process_next_pid(int from);
/* The last pid handed out (/proc/loadavg). */
int process_last_pid(void);
/* p's parent's pid (0 for init's children... as Linux: init's pid), group and session. */
void process_ids(struct process *p, int *ppid, int *pgid, int *sid);
/* Pages mapped by all processes (/proc/meminfo's AnonPages). */
uint64_t process_resident_pages(void);
/* The session the console belongs to, and its first foreground group: init's. */
int process_console_session(void);
/* The number of live processes. */
unsigned int process_count(void);

/* What clone and clone3 ask for, decoded (sys/clone.c). */
struct clone_args_k {
	uint64_t flags;
	int exit_signal;
	uint64_t stack; /* 0: the parent's stack pointer */
	uint64_t tls;
	bool tls_set;
	int __user *parent_tid; /* CLONE_PARENT_SETTID */
	int __user *child_tid;	/* CLONE_CHILD_SETTID */
	bool child_tid_set;
	uint32_t __user *child_tid_clear; /* CLONE_CHILD_CLEARTID */
	int __user *pidfd;		  /* CLONE_PIDFD */
};

/* Create a thread of the current process (CLONE_THREAD); returns its id or -errno. */
long process_clone_thread(const struct clone_args_k *a);
/* Create a process (fork, vfork, clone without CLONE_THREAD); returns its pid or -errno. */
long process_fork(const struct clone_args_k *a);

/* A program's arguments and environment, copied into the kernel (kmalloc'd strings). */
struct exec_args {
	char **argv;
	int argc;
	char **envp;
	int envc;
};
void exec_args_free(struct exec_args *a);
/*
 * execve of the open file f, named filename (as given: AT_EXECFN, comm).
 * Returns -errno with the process unchanged, or 0 with the current thread
 * about to enter the new program (its frame rewritten). a may be changed
 * (#! scripts); the caller frees it.
 */
long process_execve(struct file *f, const char *filename, struct exec_args *a);

/* The current thread ends (exit): the process ends with the last one. */
__attribute__((noreturn)) void process_thread_exit(int code);
/*
 * The process's thread with this id, or NULL. Threads are freed only after
 * they leave the list, at exit: use the result while it cannot exit, or
 * accept that it may (a signal to it is then lost, as on Linux).
 */
struct thread *process_thread_by_tid(struct process *p, int tid);
/* Stop the current thread if the process is exiting (exit_group) or execing. */
void process_check_exiting(void);
/* True when the current thread must stop: its process exits or another thread execs. */
bool process_thread_doomed(void);

/* End the process with a wait status (exit code << 8, or a signal number). */
__attribute__((noreturn)) void process_exit(int wait_status);
/* Print a fault of application code: signal, address, registers, the program's symbols. */
void app_fault_report(struct trap_frame *f, int sig, int code, uint64_t addr);

/* Process groups and sessions (kernel/process.c), as setpgid(2) and setsid(2). */
long process_setpgid(int pid, int pgid);
long process_setsid(void);
long process_getpgid(int pid);
long process_getsid(int pid);
/*
 * Send sig to what kill(2) names by pid: a process, the caller's group (0),
 * every process but init and the caller (-1), or group -pid. 0, -ESRCH, or
 * -EPERM where process_may_signal refuses.
 */
long process_kill(int pid, int sig, const struct ksiginfo *info);
/*
 * May the current process send sig to p (Linux's check_kill_permission for
 * a signal a program sends, sig 0 included)? 0 or -EPERM: the sender's real
 * or effective uid must be p's real or saved one, unless it has CAP_KILL or
 * sends SIGCONT within its session. Kernel threads may.
 */
long process_may_signal(struct process *p, int sig);
/* Is p's process group orphaned (no member's parent in another group of its session)? */
bool process_group_orphaned(struct process *p);
/* Send sig to every process of group pgid; -ESRCH when it has none. */
long process_kill_group(int pgid, int sig, const struct ksiginfo *info);

/*
 * The live processes match accepts, referenced, in a kmalloc'd array at
 * *out: how many, or -ENOMEM. match runs under the tree lock (it may take
 * the process's own lock, not the tree's). process_put_all lets them go.
 */
int process_collect(bool (*match)(struct process *q, void *arg), void *arg, struct process ***out);
void process_put_all(struct process **list, int n);
/*
 * Call fn on each thread of p, with no lock held (a thread that exits
 * meanwhile is skipped). -ESRCH when fn ran on none, else fn's last error,
 * or 0 (as Linux's setpriority sums its answers).
 */
long process_for_each_thread(struct process *p, long (*fn)(struct thread *t, void *arg), void *arg);

/* pidfds (kernel/pidfd.c): a file for p (flags O_NONBLOCK), or ERR_PTR. */
struct file;
struct file *pidfd_file(struct process *p, unsigned int flags);
/* The process of a pidfd, referenced; NULL when f is no pidfd. */
struct process *pidfd_process(struct file *f);

/* Waiting for children (kernel/wait.c). */
/* What wait4 and waitid found. */
struct wait_result {
	int pid;
	int status;	 /* the wait status (wait4) */
	int code;	 /* CLD_* (waitid's si_code) */
	int si_status;	 /* exit code or signal (waitid's si_status) */
	uint64_t cpu_ns; /* the child's CPU time, and its children's (rusage) */
};

/*
 * Wait for a child of the current process that idtype/id names to change as
 * options ask. Returns its pid (with *r filled), 0 with WNOHANG when none
 * has, -ECHILD when there is no such child, -ERESTARTSYS on a signal.
 */
long process_wait_child(int idtype, int id, int options, struct wait_result *r);
/*
 * The process ended or stopped/continued: tell its parent (SIGCHLD unless
 * ignored, wake its waiters). Called by kernel/signal.c for stop and continue.
 */
void process_notify_parent(struct process *p, int code, int si_status);

#endif
