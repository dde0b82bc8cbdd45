/*
 * The application process. Alto runs one process (like OSv): it owns the
 * address space, the file descriptors, the working directory and the signal
 * dispositions, and its threads are struct threads with application state.
 * Fields are grouped by the subsystem that owns them; each subsystem takes
 * its own lock.
 */
#ifndef ALTO_PROCESS_H
#define ALTO_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>
#include <alto/spinlock.h>
#include <alto/signal.h>
#include <alto/sync.h>
#include <alto/uaccess.h>
#include <uapi/resource.h>
#include <uapi/signal.h>

struct mm;
struct fdtable;
struct vnode;
struct thread;
struct trap_frame;
struct ptimers;
struct cred;

/* The pid the application sees; its main thread's tid is the same, as on Linux. */
#define APP_PID	 2
#define APP_PPID 1

struct process {
	int pid;
	struct mm *mm; /* mm/vma.c */

	/* Files (fs/): the descriptor table, the working directory, the umask. */
	struct fdtable *files;
	struct mutex fs_lock; /* protects cwd and umask */
	struct vnode *cwd;    /* a reference is held */
	unsigned int umask;

	struct spinlock lock; /* rlimits, signals (all of their state), threads, exit state */
	struct rlimit64 rlimits[RLIM_NLIMITS];
	struct k_sigaction sigactions[NSIG];
	struct sigpending shared_pending; /* process-wide signals (kernel/signal.c) */
	unsigned int sigqueued;		  /* queued siginfo, against RLIMIT_SIGPENDING */
	struct waitq signal_wq;		  /* woken at every signal: signalfd readers */

	struct list threads;
	unsigned int nthreads;
	int next_tid;
	bool exiting;
	int exit_status;

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
	uint64_t load_base; /* where a PIE was loaded; 0 otherwise */
	uint64_t start_ns;
	/* Set by the loader: where argv's and envp's strings are, and a copy of the auxv. */
	uintptr_t arg_start, arg_end, env_start, env_end;
	uintptr_t start_stack; /* where argc is */
	uint64_t *auxv;	       /* type, value pairs, AT_NULL's included */
	unsigned int auxv_words;
};

/* The one application process, or NULL before it exists. */
extern struct process *app_process;

static inline struct process *current_process(void)
{
	return app_process;
}

/*
 * Load and start the program: argv[0] is the path in the root file system.
 * Returns only on failure (-errno), after printing why; on success the
 * process runs and process_exit() ends the VM.
 */
int process_start(int argc, char **argv, int envc, char **envp);
/* What clone and clone3 ask for, decoded (sys/clone.c). */
struct clone_args_k {
	uint64_t flags;
	uint64_t stack; /* 0: the parent's stack pointer */
	uint64_t tls;
	bool tls_set;
	int __user *parent_tid; /* CLONE_PARENT_SETTID */
	int __user *child_tid;	/* CLONE_CHILD_SETTID */
	bool child_tid_set;
	uint32_t __user *child_tid_clear; /* CLONE_CHILD_CLEARTID */
};

/* Create a thread of the current process; returns its id or -errno. */
long process_clone(const struct clone_args_k *a);
/* The current thread ends (exit): the process ends with the last one. */
__attribute__((noreturn)) void process_thread_exit(int code);
/*
 * The process's thread with this id, or NULL. Threads are freed only after
 * they leave the list, at exit: use the result while it cannot exit, or
 * accept that it may (a signal to it is then lost, as on Linux).
 */
struct thread *process_thread_by_tid(struct process *p, int tid);
/* Stop the current thread if the process is exiting (exit_group). */
void process_check_exiting(void);

/* End the process with a wait status (exit code << 8, or a signal number). */
__attribute__((noreturn)) void process_exit(int wait_status);
/* Wait for the process to end; returns its exit status as a shell reports it. */
int process_wait(void);
/* Print a fault of application code: signal, address, registers, the program's symbols. */
void app_fault_report(struct trap_frame *f, int sig, int code, uint64_t addr);
/* The exit status a shell would report for a wait status: code, or 128+signal. */
int wait_status_to_exit(int wait_status);

#endif
