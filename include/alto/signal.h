/*
 * Signals. This stage implements the dispositions (recorded by rt_sigaction)
 * and the default actions: a fatal signal ends the process with status
 * 128+signal, after a report for the faults. Running handlers on the
 * application's threads comes with the signals work (issue 4).
 */
#ifndef ALTO_SIGNAL_H
#define ALTO_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uapi/signal.h>

struct trap_frame;

/* "SIGSEGV" and so on; "SIG?" for an unknown number. */
const char *signal_name(int sig);

/*
 * True when the current thread should stop waiting and go back towards the
 * application: a signal it does not block is pending, or the process is
 * exiting. Interruptible waits check it and return -EINTR.
 */
bool signal_pending(void);

/* Send sig to the current process, as kill(getpid(), sig) does. */
void signal_raise_current(int sig);

struct process;
struct thread;

/*
 * Queue a signal for the process (kill, Ctrl-C, ITIMER_REAL, SIGEV_SIGNAL
 * timers): it goes to a thread that does not block it. info may be NULL (then
 * SI_USER from the process itself). Safe from interrupt handlers and timers.
 * Returns 0 or -EINVAL.
 */
int signal_send_process(struct process *p, int sig, const struct ksiginfo *info);
/* Queue a signal for one thread (tgkill, SIGEV_THREAD_ID timers). Interrupt-safe. */
int signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info);

/*
 * A synchronous fault in application code (f->from_app): report it and apply
 * the signal's action. code is the si_code (SEGV_MAPERR...), addr the
 * faulting address.
 */
void signal_fault(struct trap_frame *f, int sig, int code, uint64_t addr);

#endif
