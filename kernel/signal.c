/*
 * Signal dispositions and default actions. Handlers are recorded but not yet
 * run (that needs signal frames on application stacks: the signals work);
 * until then a signal whose handler is set is reported once and ignored, so
 * that a program keeps running rather than dying for a reason it guarded.
 */
#include <alto/compiler.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/signal.h>
#include <alto/sched.h>
#include <alto/trap.h>
#include <uapi/errno.h>

static const char *const names[32] = {
	NULL,	     "SIGHUP",	"SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
	"SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
	"SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < 32)
		return names[sig];
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? "SIGRT" : "SIG?";
}

bool signal_pending(void)
{
	struct process *p = current_process();
	return p && READ_ONCE(p->exiting);
}

/* Signals whose default action is to do nothing. */
static bool ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static uint64_t disposition(int sig)
{
	struct process *p = current_process();

	if (!p || sig <= 0 || sig >= NSIG)
		return SIG_DFL;
	unsigned long flags = spin_lock(&p->lock);
	uint64_t h = p->sigactions[sig].handler;
	spin_unlock(&p->lock, flags);
	return h;
}

__attribute__((noreturn)) static void die_by(int sig)
{
	struct process *p = current_process();

	printk("alto: %s terminated by %s\n", p && p->exe_path ? p->exe_path : "program",
	       signal_name(sig));
	process_exit(sig);
}

void signal_raise_current(int sig)
{
	static ksigset_t warned;
	uint64_t h = disposition(sig);

	if (sig == SIGKILL || sig == SIGSTOP)
		die_by(SIGKILL);
	if (h == SIG_IGN || (h == SIG_DFL && ignored_by_default(sig)))
		return;
	if (h == SIG_DFL)
		die_by(sig);
	if (!(warned & SIGMASK(sig))) {
		warned |= SIGMASK(sig);
		printk("alto: %s has a handler, which this kernel cannot run yet; ignored\n",
		       signal_name(sig));
	}
}

/* Until handlers run: the disposition decides at once (from a thread context). */
int signal_send_process(struct process *p, int sig, const struct ksiginfo *info)
{
	if (sig < 1 || sig >= NSIG)
		return -EINVAL;
	signal_raise_current(sig);
	return 0;
}

int signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
	return signal_send_process(t->proc, sig, info);
}

void signal_fault(struct trap_frame *f, int sig, int code, uint64_t addr)
{
	/* A handler for a fault would return to the same instruction: nothing to gain yet. */
	app_fault_report(f, sig, code, addr);
	die_by(sig);
}
