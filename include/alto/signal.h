/*
 * Signals. This stage implements the dispositions (recorded by rt_sigaction)
 * and the default actions: a fatal signal ends the process with status
 * 128+signal, after a report for the faults. Running handlers on the
 * application's threads comes with the signals work (issue 4).
 */
#ifndef ALTO_SIGNAL_H
#define ALTO_SIGNAL_H

#include <stdint.h>
#include <uapi/signal.h>

struct trap_frame;

/* "SIGSEGV" and so on; "SIG?" for an unknown number. */
const char *signal_name(int sig);

/* Send sig to the current process, as kill(getpid(), sig) does. */
void signal_raise_current(int sig);

/*
 * A synchronous fault in application code (f->from_app): report it and apply
 * the signal's action. code is the si_code (SEGV_MAPERR...), addr the
 * faulting address.
 */
void signal_fault(struct trap_frame *f, int sig, int code, uint64_t addr);

#endif
