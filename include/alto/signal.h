/*
 * Signals with Linux's semantics: pending sets per thread and per process
 * (queued siginfo, one per standard signal, in order for real-time ones),
 * dispositions, masks, and delivery on the way back to the application:
 * default actions, or a handler run on an rt_sigframe that rt_sigreturn
 * undoes. Blocking calls sleep interruptibly and return the restart codes
 * below, which the way out turns into EINTR or a restart as Linux does.
 */
#ifndef ALTO_SIGNAL_H
#define ALTO_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>
#include <alto/spinlock.h>
#include <uapi/signal.h>

struct trap_frame;
struct process;
struct thread;

/*
 * Kernel-internal results of interrupted system calls; they never reach the
 * application. With a handler to run: ERESTARTSYS restarts the call if the
 * handler has SA_RESTART (else EINTR), ERESTARTNOHAND and
 * ERESTART_RESTARTBLOCK give EINTR, ERESTARTNOINTR restarts. Without one
 * (the signal was ignored, or taken by another thread) the call restarts:
 * ERESTART_RESTARTBLOCK through restart_syscall and the thread's
 * restart_block.
 */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

#define SIG_UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

/* Signals waiting for delivery: one bit per signal, and their siginfo in order. */
struct sigpending {
	ksigset_t set;
	struct list queue; /* struct sigqueue */
};

/* How restart_syscall continues an interrupted call (nanosleep, poll, futex). */
struct restart_block {
	long (*fn)(struct restart_block *rb);
	uint64_t arg[4];
};

/* A thread's signal state beyond its mask and altstack (struct thread). */
struct thread_signals {
	struct sigpending pending; /* tgkill, faults, timers with a thread id */
	ksigset_t saved_mask;	   /* put back on the way out (sigsuspend, ppoll, pselect6) */
	bool restore_mask;
	struct restart_block restart;
	/* The last fault, for the sigcontext's trapno, err and cr2 (as Linux keeps them). */
	uint64_t fault_trapno, fault_err, fault_cr2;
};

/*
 * Signal dispositions, shared by the processes that clone made with
 * CLONE_SIGHAND (threads share their process's). Written under the lock,
 * which nests inside the process lock; a handler word alone may be read
 * without it.
 */
struct sighand {
	struct spinlock lock;
	int users; /* atomic */
	struct k_sigaction action[NSIG];
};

/* Every signal at its default; NULL without memory. */
struct sighand *sighand_create(void);
/* A copy for a new process (fork). */
struct sighand *sighand_copy(struct sighand *from);
void sighand_get(struct sighand *sh);
void sighand_put(struct sighand *sh);
/* The disposition of sig in p, copied under its locks. */
struct k_sigaction signal_action(struct process *p, int sig);
/* The handler of sig in p (SIG_DFL, SIG_IGN or an address). */
uint64_t signal_handler_of(struct process *p, int sig);
/* execve: handlers back to SIG_DFL (ignored signals stay ignored), flags and masks cleared. */
void signal_exec_reset(struct process *p);

/* "SIGSEGV" and so on; "SIGRT" for real-time ones, "SIG?" for an unknown number. */
const char *signal_name(int sig);

/*
 * True when the current thread should stop waiting and go back towards the
 * application: a signal it does not block is pending, or the process is
 * exiting. Interruptible waits check it and return -EINTR.
 */
bool signal_pending(void);
/* Whether p is done for: SIGKILL is pending for it, or it is exiting. */
bool signal_process_killed(struct process *p);

/*
 * Queue a signal for the process (kill, Ctrl-C, ITIMER_REAL, SIGEV_SIGNAL
 * timers): it goes to a thread that does not block it, the main thread
 * first (as Linux does). info may be NULL (SI_KERNEL). A signal ignored when
 * sent is dropped, unless blocked. Safe from interrupt handlers and timers:
 * no sleeping, spinlocks only. Returns 0, -EINVAL (bad number) or -EAGAIN
 * (a queued real-time signal over RLIMIT_SIGPENDING).
 */
int signal_send_process(struct process *p, int sig, const struct ksiginfo *info);
/*
 * Queue a signal for one thread (tgkill, SIGEV_THREAD_ID timers); t must
 * stay alive meanwhile (-ESRCH if it has left its process). Interrupt-safe.
 */
int signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info);
/* The same for the thread with id tid of p: -ESRCH when there is none. */
int signal_send_tid(struct process *p, int tid, int sig, const struct ksiginfo *info);
/* A process-wide signal that prefers the current thread (SIGPIPE, as Linux's send_sig). */
void signal_raise_current(int sig);

/*
 * A synchronous fault in application code (f->from_app): code is the
 * si_code (SEGV_MAPERR...), addr the faulting address. When the program
 * catches the signal it is queued for the faulting thread and delivered on
 * the way out of the trap; otherwise the fault is reported and the process
 * ends with 128+sig.
 */
void signal_fault(struct trap_frame *f, int sig, int code, uint64_t addr);

/*
 * On every way back to application code (the end of a system call, a trap
 * or interrupt from the application): restart or fail an interrupted call,
 * apply default actions, build handler frames in f, put a saved mask back.
 */
void signal_exit_to_app(struct trap_frame *f);
/* Whether it has anything to do: signal_exit_work (alto/process.h). */

/*
 * Sleep until a signal is pending (-EINTR) or the absolute monotonic
 * deadline passes (-ETIMEDOUT; 0: none). May return 0 early (a spurious
 * wake-up): callers loop on their condition.
 */
int signal_wait(uint64_t deadline);

/*
 * Take the first pending signal of the current thread (its own, then the
 * process's) that is not in mask: returns its number and fills info, or 0.
 */
int signal_dequeue(ksigset_t mask, struct ksiginfo *info);
/* Pending signals of the current thread (its own and the process's), unfiltered. */
ksigset_t signal_pending_set(void);
/* Set the current thread's mask (SIGKILL and SIGSTOP stay unblocked). */
void signal_set_mask(ksigset_t mask);
/*
 * For sigsuspend, ppoll and pselect6: run with mask until the way out,
 * which puts the present mask back (after a handler, through its frame).
 */
void signal_set_temporary_mask(ksigset_t mask);
/* The temporary mask is no longer needed: put the saved one back now. */
void signal_restore_temporary_mask(void);
/* Set the disposition of sig; dropping pending ones when it becomes "ignore". */
int signal_set_action(int sig, const struct k_sigaction *act, struct k_sigaction *old);

/* Arrange for restart_syscall to call fn; returns -ERESTART_RESTARTBLOCK. */
long signal_set_restart(long (*fn)(struct restart_block *rb), uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3);

/* Alternate signal stack of the current thread: SS_ONSTACK when sp is on it, SS_DISABLE, or 0. */
int signal_altstack_flags(uint64_t sp);
bool signal_on_altstack(uint64_t sp);
/* sigaltstack's change, sp being the application's stack pointer: 0, -EPERM, -EINVAL, -ENOMEM. */
int signal_altstack_set(const struct k_stack *ss, uint64_t sp);

/*
 * signalfd (fs/signalfd.c): a file whose reads take the pending signals of
 * mask (struct signalfd_siginfo each), or ERR_PTR; flags O_NONBLOCK.
 * signalfd_set_mask changes the mask of one (-EINVAL if f is none).
 */
struct file;
struct file *signalfd_open(ksigset_t mask, unsigned int flags);
int signalfd_set_mask(struct file *f, ksigset_t mask);

/* Thread and process life (kernel/process.c). */
void signal_thread_init(struct thread *t, bool main_thread);
/* The thread leaves its process: its pending signals go, others get what it left. */
void signal_thread_exit(struct thread *t);
void signal_process_init(struct process *p);
/* The process has no thread left: drop its pending signals. */
void signal_process_exit(struct process *p);
/* The process is exiting: wake every thread so that it stops. */
void signal_kick_all(struct process *p);

/*
 * arch/x86_64/sigframe.c: build the handler's frame in f; 0, or -EINVAL (no
 * SA_RESTORER) or -EFAULT (no room on the stack): then the process dies by SIGSEGV.
 */
int arch_signal_frame(struct trap_frame *f, int sig, const struct ksiginfo *info,
		      const struct k_sigaction *ka, ksigset_t oldmask);
/* Die from sig now: "alto: PROGRAM (why) terminated by SIGx", then exit with 128+sig. */
__attribute__((noreturn)) void signal_die(int sig, const char *why);
/*
 * The application touched a page the kernel has no memory for: the process
 * dies by SIGKILL, with one line saying so (Linux's OOM killer would pick a
 * victim; here it is the one that asked).
 */
__attribute__((noreturn)) void signal_out_of_memory(uint64_t addr);
/*
 * A SIGSEGV the kernel forces (rt_sigreturn with a bad frame): the handler
 * runs if there is one, else the process dies saying why.
 */
void signal_force_segv(const char *why);

#endif
