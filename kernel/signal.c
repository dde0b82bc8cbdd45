/*
 * Signal generation and delivery. All signal state (dispositions, the
 * process's and its threads' pending sets and queues, the masks as senders
 * read them) is under the process lock, a spinlock: sending only queues the
 * signal and kicks a thread that does not block it, so it works from
 * interrupt handlers. The thread acts on its signals itself on the way back
 * to the application (signal_exit_to_app); the handler's frame is arch code.
 */
#include <alto/clock.h>
#include <alto/compiler.h>
#include <alto/cpu.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/trap.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include <uapi/poll.h>
#define TRACE_DEFINE 1
#include "signal_trace.h"

#define M(sig) SIGMASK(sig)
/* Delivered before the others, as Linux does: the fault the thread just took. */
#define SYNCHRONOUS_MASK (M(SIGSEGV) | M(SIGBUS) | M(SIGILL) | M(SIGTRAP) | M(SIGFPE) | M(SIGSYS))
#define IGNORE_MASK	 (M(SIGCHLD) | M(SIGURG) | M(SIGWINCH) | M(SIGCONT))
#define STOP_MASK	 (M(SIGSTOP) | M(SIGTSTP) | M(SIGTTIN) | M(SIGTTOU))
#define COREDUMP_MASK                                                                            \
	(M(SIGQUIT) | M(SIGILL) | M(SIGTRAP) | M(SIGABRT) | M(SIGBUS) | M(SIGFPE) | M(SIGSEGV) | \
	 M(SIGSYS) | M(SIGXCPU) | M(SIGXFSZ))

#define NR_RESTART_SYSCALL 219

#define SA_EXPOSE_TAGBITS 0x00000800
#define SA_KNOWN_FLAGS                                                                     \
	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | \
	 SA_RESETHAND | SA_RESTORER | SA_EXPOSE_TAGBITS)

struct sigqueue {
	struct list link;
	struct ksiginfo info;
};

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
	struct thread *t = current_thread();
	struct process *p = t ? t->proc : NULL;

	if (!p)
		return false;
	if (process_thread_doomed())
		return true;
	return (READ_ONCE(t->sig.pending.set) | READ_ONCE(p->shared_pending.set)) &
	       ~READ_ONCE(t->sigmask);
}

static bool handler_ignores(uint64_t handler, int sig)
{
	return handler == SIG_IGN || (handler == SIG_DFL && (M(sig) & IGNORE_MASK));
}

/* ---- dispositions: shared by processes made with CLONE_SIGHAND, under their own lock */

struct sighand *sighand_create(void)
{
	struct sighand *sh = kzalloc(sizeof(*sh));

	if (sh) {
		spin_init(&sh->lock);
		sh->users = 1;
	}
	return sh;
}

struct sighand *sighand_copy(struct sighand *from)
{
	struct sighand *sh = sighand_create();

	if (sh) {
		unsigned long flags = spin_lock(&from->lock);
		memcpy(sh->action, from->action, sizeof(sh->action));
		spin_unlock(&from->lock, flags);
	}
	return sh;
}

void sighand_get(struct sighand *sh)
{
	__atomic_fetch_add(&sh->users, 1, __ATOMIC_RELAXED);
}

void sighand_put(struct sighand *sh)
{
	if (sh && __atomic_sub_fetch(&sh->users, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(sh);
}

static struct k_sigaction action_of(struct process *p, int sig)
{
	unsigned long flags = spin_lock(&p->sighand->lock);
	struct k_sigaction ka = p->sighand->action[sig];

	spin_unlock(&p->sighand->lock, flags);
	return ka;
}

struct k_sigaction signal_action(struct process *p, int sig)
{
	unsigned long flags = spin_lock(&p->lock);
	struct k_sigaction ka = action_of(p, sig);

	spin_unlock(&p->lock, flags);
	return ka;
}

uint64_t signal_handler_of(struct process *p, int sig)
{
	return __atomic_load_n(&p->sighand->action[sig].handler, __ATOMIC_RELAXED);
}

void signal_exec_reset(struct process *p)
{
	struct sighand *sh = p->sighand;
	unsigned long flags = spin_lock(&sh->lock);

	/* As Linux: handlers go back to the default, ignored signals stay ignored. */
	for (int sig = 1; sig < NSIG; sig++) {
		struct k_sigaction *ka = &sh->action[sig];
		uint64_t handler = ka->handler == SIG_IGN ? SIG_IGN : SIG_DFL;
		*ka = (struct k_sigaction){ .handler = handler };
	}
	spin_unlock(&sh->lock, flags);
}

static struct thread *thread_of(struct list *pos)
{
	return list_entry(pos, struct thread, proc_link);
}

static struct thread *find_tid_locked(struct process *p, int tid)
{
	struct list *pos;

	list_for_each(pos, &p->threads) {
		if (thread_of(pos)->tid == tid)
			return thread_of(pos);
	}
	return NULL;
}

static bool wants(const struct thread *t, int sig)
{
	return !(t->sigmask & M(sig));
}

/* Wake a thread of p (other than skip) for each signal of set it does not block. */
static void kick_for_locked(struct process *p, struct thread *skip, ksigset_t set)
{
	struct list *pos;

	list_for_each(pos, &p->threads) {
		struct thread *t = thread_of(pos);
		if (!set)
			return;
		if (t == skip || !(set & ~t->sigmask))
			continue;
		sched_kick(t);
		set &= t->sigmask;
	}
}

/* Wake every thread of p but skip (lock held). */
static void kick_all_locked(struct process *p, struct thread *skip)
{
	struct list *pos;

	list_for_each(pos, &p->threads) {
		if (thread_of(pos) != skip)
			sched_kick(thread_of(pos));
	}
}

/* A signal just became pending: make a thread that takes it look (Linux's complete_signal). */
static void complete_locked(struct process *p, struct thread *target, struct thread *prefer,
			    int sig)
{
	if (target) {
		if (wants(target, sig))
			sched_kick(target);
	} else if (prefer && wants(prefer, sig)) {
		sched_kick(prefer);
	} else {
		kick_for_locked(p, NULL, M(sig));
	}
}

/*
 * Queue sig for target (a thread) or the process. judge decides whether the
 * signal is ignored: a signal blocked there is kept, since the disposition
 * may change before it is unblocked. *q is a preallocated queue entry,
 * taken (set to NULL) when used.
 */
static int send_locked(struct process *p, struct thread *target, struct thread *prefer,
		       const struct ksiginfo *info, struct sigqueue **q)
{
	int sig = info->si_signo;
	struct thread *judge = target ? target : prefer;
	struct sigpending *pend = target ? &target->sig.pending : &p->shared_pending;
	bool over = p->sigqueued >= p->rlimits[RLIMIT_SIGPENDING].rlim_cur;

	/* A timer's signal is queued or refused, never merged: the timer counts overruns. */
	bool timer = info->si_code == SI_TIMER;

	if (p->exiting)
		return 0;
	if (!(judge && !wants(judge, sig)) && handler_ignores(signal_handler_of(p, sig), sig))
		return timer ? -EAGAIN : 0;
	if (sig < SIGRTMIN && (pend->set & M(sig)) && !timer)
		return 0; /* a standard signal is pending once at most */
	if (*q && (!over || info->si_code >= 0)) {
		(*q)->info = *info;
		list_append(&pend->queue, &(*q)->link);
		p->sigqueued++;
		*q = NULL;
	} else if (timer || (sig >= SIGRTMIN && info->si_code != SI_USER)) {
		return -EAGAIN;
	}
	pend->set |= M(sig);
	complete_locked(p, target, prefer, sig);
	return 0;
}

static void flush_locked(struct process *p, struct sigpending *pend, ksigset_t set);

/* Drop the signals of set pending anywhere in p (lock held). */
static void flush_everywhere_locked(struct process *p, ksigset_t set)
{
	struct list *pos;

	flush_locked(p, &p->shared_pending, set);
	list_for_each(pos, &p->threads)
		flush_locked(p, &thread_of(pos)->sig.pending, set);
}

/*
 * What a stop or continue signal does when it is sent, whatever its
 * disposition (as Linux's prepare_signal): SIGCONT and SIGKILL drop pending
 * stop signals, and SIGCONT resumes a stopped process (true: its parent is
 * to be told); a stop signal drops a pending SIGCONT.
 */
static bool stop_or_continue_locked(struct process *p, int sig)
{
	if (M(sig) & STOP_MASK) {
		flush_everywhere_locked(p, M(SIGCONT));
		return false;
	}
	if (sig != SIGCONT && sig != SIGKILL)
		return false;
	flush_everywhere_locked(p, STOP_MASK);
	if (sig != SIGCONT || !p->stopped)
		return false;
	p->stopped = false;
	kick_all_locked(p, NULL);
	return true;
}

enum target_kind {
	TO_PROCESS,
	TO_PROCESS_FROM_CURRENT,
	TO_THREAD,
	TO_TID
};

struct send_req {
	enum target_kind kind;
	struct thread *thread; /* TO_THREAD */
	int tid;	       /* TO_TID */
};

/* Resolve the request to (target, prefer) under the lock; -ESRCH for a thread that is gone. */
static int resolve_locked(struct process *p, const struct send_req *r, struct thread **target,
			  struct thread **prefer)
{
	struct thread *self = current_thread();

	*target = NULL;
	*prefer = NULL;
	switch (r->kind) {
	case TO_PROCESS_FROM_CURRENT:
		if (self && self->proc == p) {
			*prefer = self;
			return 0;
		}
		/* fall through */
	case TO_PROCESS:
		*prefer = find_tid_locked(p, p->pid);
		return 0;
	case TO_THREAD:
		*target = r->thread;
		return find_tid_locked(p, r->thread->tid) == r->thread ? 0 : -ESRCH;
	case TO_TID:
		*target = find_tid_locked(p, r->tid);
		return *target ? 0 : -ESRCH;
	}
	return -EINVAL;
}

static int send(struct process *p, const struct send_req *r, int sig, const struct ksiginfo *info)
{
	struct ksiginfo k = { .si_signo = sig, .si_code = SI_KERNEL };
	struct thread *target, *prefer;
	struct sigqueue *q;
	int err;

	if (!p || sig < 1 || sig >= NSIG)
		return -EINVAL;
	if (info) {
		k = *info;
		k.si_signo = sig;
	}
	q = kmalloc(sizeof(*q));
	unsigned long flags = spin_lock(&p->lock);
	err = resolve_locked(p, r, &target, &prefer);
	bool continued = !err && stop_or_continue_locked(p, sig);
	if (!err)
		err = send_locked(p, target, prefer, &k, &q);
	trace_signal_send(p->pid, target ? thread_trace_id(target) : 0, sig, k.si_code, err);
	spin_unlock(&p->lock, flags);
	kfree(q);
	if (!err)
		waitq_notify(&p->signal_wq, POLLIN | POLLRDNORM);
	if (continued)
		process_notify_parent(p, CLD_CONTINUED, SIGCONT);
	return err;
}

int signal_send_process(struct process *p, int sig, const struct ksiginfo *info)
{
	struct send_req r = { .kind = TO_PROCESS };
	return send(p, &r, sig, info);
}

int signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
	struct send_req r = { .kind = TO_THREAD, .thread = t };
	return send(t->proc, &r, sig, info);
}

int signal_send_tid(struct process *p, int tid, int sig, const struct ksiginfo *info)
{
	struct send_req r = { .kind = TO_TID, .tid = tid };
	return send(p, &r, sig, info);
}

void signal_raise_current(int sig)
{
	struct process *p = current_process();
	struct send_req r = { .kind = TO_PROCESS_FROM_CURRENT };
	struct ksiginfo info = { .si_signo = sig, .si_code = SI_USER };

	info.kill.pid = p ? p->pid : 0;
	send(p, &r, sig, &info);
}

/* The first signal of set to deliver: the synchronous ones, then the lowest number. */
static int next_signal(ksigset_t set)
{
	if (!set)
		return 0;
	if (set & SYNCHRONOUS_MASK)
		set &= SYNCHRONOUS_MASK;
	return __builtin_ctzll(set) + 1;
}

/* A queued siginfo leaves its queue: a timer's signal tells its timer (si_overrun). */
static bool release_entry(struct process *p, struct sigqueue *q, struct ksiginfo *info)
{
	bool live = true;

	list_remove(&q->link);
	p->sigqueued--;
	if (info)
		*info = q->info;
	if (q->info.si_code == SI_TIMER)
		live = posix_timer_deliver(p, info ? info : &q->info);
	kfree(q);
	return live;
}

/*
 * Take sig's first siginfo off pend (a signal sent without one gets
 * SI_USER); false when it belonged to a timer deleted since.
 */
static bool collect_locked(struct process *p, struct sigpending *pend, int sig,
			   struct ksiginfo *info)
{
	struct sigqueue *found = NULL;
	bool more = false;
	struct list *pos;

	list_for_each(pos, &pend->queue) {
		struct sigqueue *q = list_entry(pos, struct sigqueue, link);
		if (q->info.si_signo != sig)
			continue;
		if (found) {
			more = true;
			break;
		}
		found = q;
	}
	if (!more)
		pend->set &= ~M(sig);
	if (!found) {
		*info = (struct ksiginfo){ .si_signo = sig, .si_code = SI_USER };
		return true;
	}
	return release_entry(p, found, info);
}

static int dequeue_locked(struct thread *t, ksigset_t mask, struct ksiginfo *info)
{
	struct process *p = t->proc;
	int sig;

	for (;;) {
		struct sigpending *pend = &t->sig.pending;
		sig = next_signal(pend->set & ~mask);
		if (!sig) {
			pend = &p->shared_pending;
			sig = next_signal(pend->set & ~mask);
		}
		if (!sig || collect_locked(p, pend, sig, info))
			return sig;
	}
}

int signal_dequeue(ksigset_t mask, struct ksiginfo *info)
{
	struct thread *t = current_thread();
	unsigned long flags = spin_lock(&t->proc->lock);
	int sig = dequeue_locked(t, mask, info);

	spin_unlock(&t->proc->lock, flags);
	return sig;
}

ksigset_t signal_pending_set(void)
{
	struct thread *t = current_thread();
	unsigned long flags = spin_lock(&t->proc->lock);
	ksigset_t set = t->sig.pending.set | t->proc->shared_pending.set;

	spin_unlock(&t->proc->lock, flags);
	return set;
}

/* Drop the signals of set from pend, with their queued siginfo. */
static void flush_locked(struct process *p, struct sigpending *pend, ksigset_t set)
{
	struct list *pos, *tmp;

	if (!(pend->set & set))
		return;
	pend->set &= ~set;
	list_for_each_safe(pos, tmp, &pend->queue) {
		struct sigqueue *q = list_entry(pos, struct sigqueue, link);
		if (set & M(q->info.si_signo))
			release_entry(p, q, NULL);
	}
}

int signal_set_action(int sig, const struct k_sigaction *act, struct k_sigaction *old)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	struct sighand *sh = p->sighand;
	struct list *pos;

	spin_lock_noirq(&sh->lock);
	if (old)
		*old = sh->action[sig];
	if (act) {
		trace_signal_action(sig, act->handler, act->flags);
		sh->action[sig] = *act;
		sh->action[sig].mask &= ~SIG_UNBLOCKABLE;
		/* Unknown flags are dropped, so that programs can probe for them (Linux 5.11). */
		sh->action[sig].flags &= SA_KNOWN_FLAGS;
	}
	spin_unlock_noirq(&sh->lock);
	if (act) {
		/* Ignoring a signal drops what is pending of it, everywhere (POSIX). */
		if (handler_ignores(act->handler, sig)) {
			flush_locked(p, &p->shared_pending, M(sig));
			list_for_each(pos, &p->threads)
				flush_locked(p, &thread_of(pos)->sig.pending, M(sig));
		}
	}
	spin_unlock(&p->lock, flags);
	return 0;
}

void signal_set_mask(ksigset_t mask)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	unsigned long flags = spin_lock(&p->lock);
	ksigset_t newly_blocked = mask & ~t->sigmask;

	t->sigmask = mask & ~SIG_UNBLOCKABLE;
	/* Process-wide signals this thread may have been woken for go to another one. */
	kick_for_locked(p, t, newly_blocked & p->shared_pending.set);
	/* Pending ones it now takes: seen on its way out (thread.work). */
	if ((t->sig.pending.set | p->shared_pending.set) & ~t->sigmask)
		thread_work_set(t, THREAD_WORK_MASK);
	spin_unlock(&p->lock, flags);
}

void signal_set_temporary_mask(ksigset_t mask)
{
	struct thread *t = current_thread();

	t->sig.saved_mask = t->sigmask;
	t->sig.restore_mask = true;
	thread_work_set(t, THREAD_WORK_MASK);
	signal_set_mask(mask);
}

void signal_restore_temporary_mask(void)
{
	struct thread *t = current_thread();

	if (!t->sig.restore_mask)
		return;
	t->sig.restore_mask = false;
	signal_set_mask(t->sig.saved_mask);
}

int signal_wait(uint64_t deadline)
{
	struct thread *t = current_thread();
	int r = 0;

	if (signal_pending())
		return -EINTR;
	if (deadline && time_now_ns() >= deadline)
		return -ETIMEDOUT;
	trace_signal_wait_enter(deadline);
	unsigned long flags = irq_save();
	sched_prepare_block();
	/* A signal sent since the check above kicked a running thread: stay runnable. */
	if (signal_pending())
		sched_wake(t);
	else if (deadline)
		timer_arm(&t->sleep_timer, deadline);
	schedule();
	if (deadline)
		timer_cancel(&t->sleep_timer);
	irq_restore(flags);
	if (signal_pending())
		r = -EINTR;
	else if (deadline && time_now_ns() >= deadline)
		r = -ETIMEDOUT;
	trace_signal_wait_exit(r);
	return r;
}

long signal_set_restart(long (*fn)(struct restart_block *rb), uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3)
{
	current_thread()->sig.restart = (struct restart_block){ fn, { a0, a1, a2, a3 } };
	return -ERESTART_RESTARTBLOCK;
}

bool signal_on_altstack(uint64_t sp)
{
	const struct k_stack *s = &current_thread()->altstack;

	if (s->ss_flags & SS_AUTODISARM)
		return false;
	return sp > s->ss_sp && sp - s->ss_sp <= s->ss_size;
}

int signal_altstack_flags(uint64_t sp)
{
	if (!current_thread()->altstack.ss_size)
		return SS_DISABLE;
	return signal_on_altstack(sp) ? SS_ONSTACK : 0;
}

int signal_altstack_set(const struct k_stack *ss, uint64_t sp)
{
	struct thread *t = current_thread();
	unsigned int mode = (unsigned int)ss->ss_flags & ~SS_AUTODISARM;

	if (signal_on_altstack(sp))
		return -EPERM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode != SS_DISABLE && ss->ss_size < MINSIGSTKSZ)
		return -ENOMEM;
	/* The flags are kept as given: signal frames report them so (Linux's __save_altstack). */
	t->altstack = (struct k_stack){ .ss_flags = ss->ss_flags };
	if (mode != SS_DISABLE) {
		t->altstack.ss_sp = ss->ss_sp;
		t->altstack.ss_size = ss->ss_size;
	}
	return 0;
}

void signal_thread_init(struct thread *t, bool main_thread)
{
	list_init(&t->sig.pending.queue);
	/* A process-wide signal only it takes may be pending: its first exit looks. */
	t->work = THREAD_WORK_SIGNAL;
	/* A new thread has no alternate stack; the first one's flags are 0, as Linux's. */
	t->altstack = (struct k_stack){ .ss_flags = main_thread ? 0 : SS_DISABLE };
}

void signal_process_init(struct process *p)
{
	list_init(&p->shared_pending.queue);
	waitq_init(&p->signal_wq);
}

void signal_thread_exit(struct thread *t)
{
	struct process *p = t->proc;
	unsigned long flags = spin_lock(&p->lock);

	flush_locked(p, &t->sig.pending, ~0ull);
	kick_for_locked(p, t, p->shared_pending.set);
	spin_unlock(&p->lock, flags);
}

void signal_process_exit(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);

	flush_locked(p, &p->shared_pending, ~0ull);
	spin_unlock(&p->lock, flags);
}

void signal_kick_all(struct process *p)
{
	unsigned long flags = spin_lock(&p->lock);

	kick_all_locked(p, current_thread());
	spin_unlock(&p->lock, flags);
	waitq_notify(&p->signal_wq, POLLIN | POLLRDNORM);
}

/* Who sent a signal, for the console line of a core-dump signal. */
static const char *sender(const struct ksiginfo *info)
{
	switch (info->si_code) {
	case SI_USER:
		return "kill";
	case SI_TKILL:
		return "tgkill";
	case SI_QUEUE:
		return "sigqueue";
	case SI_TIMER:
		return "a timer";
	default:
		return "the kernel";
	}
}

/* Die by sig; say so on the console when say (with why, when there is one). */
static __noreturn void die(int sig, const char *why, bool say)
{
	struct process *p = current_process();
	const char *prog = p && p->exe_path ? p->exe_path : "program";

	trace_signal_die(sig);
	if (say && why)
		printk("alto: %s (%s) terminated by %s\n", prog, why, signal_name(sig));
	else if (say)
		printk("alto: %s terminated by %s\n", prog, signal_name(sig));
	process_exit(sig);
}

__noreturn void signal_die(int sig, const char *why)
{
	struct process *p = current_process();

	/*
	 * A program of the command line has no shell to say it died; a child's
	 * parent learns it from wait, and a line would only get in its output,
	 * unless there is a why (a fault, no memory) worth the console's line.
	 * As a shell, nothing for SIGPIPE: a reader that went is how a pipeline
	 * ends (`alto run prog | head`).
	 */
	die(sig, why, why || (p && process_ppid(p) == INIT_PID && sig != SIGPIPE));
}

/* The default action of a core-dump signal: say where it hit; no core file is written. */
static __noreturn void die_core(int sig, const struct ksiginfo *info)
{
	char why[128];

	snprintf(why, sizeof(why), "%s from %s, thread %d at %#lx, no core dump", signal_name(sig),
		 sender(info), current_thread()->tid, syscall_frame()->rip);
	signal_die(sig, why);
}

/*
 * The default action of a stop signal: every thread of the process stops
 * (in signal_exit_to_app) until SIGCONT or SIGKILL, and the parent is told.
 * As Linux: SIGTSTP, SIGTTIN and SIGTTOU do nothing to an orphaned group.
 */
static void group_stop(struct process *p, int sig)
{
	if (sig != SIGSTOP && process_group_orphaned(p))
		return;
	unsigned long flags = spin_lock(&p->lock);
	bool first = !p->stopped && !p->exiting;

	if (first) {
		p->stopped = true;
		p->stop_signal = sig;
		kick_all_locked(p, current_thread());
	}
	spin_unlock(&p->lock, flags);
	if (first)
		process_notify_parent(p, CLD_STOPPED, sig);
}

bool signal_process_killed(struct process *p)
{
	return READ_ONCE(p->exiting) || (READ_ONCE(p->shared_pending.set) & M(SIGKILL));
}

static bool sigkill_pending(struct thread *t, struct process *p)
{
	return (READ_ONCE(t->sig.pending.set) | READ_ONCE(p->shared_pending.set)) & M(SIGKILL);
}

/* Sleep while the process is stopped (not exiting, no SIGKILL for it). */
static void stopped_wait(struct thread *t, struct process *p)
{
	while (READ_ONCE(p->stopped) && !process_thread_doomed() && !sigkill_pending(t, p)) {
		unsigned long flags = irq_save();
		sched_prepare_block();
		/* SIGCONT clears stopped, then kicks: seen here, or it finds us blocked. */
		if (!READ_ONCE(p->stopped) || process_thread_doomed() || sigkill_pending(t, p))
			sched_wake(t);
		schedule();
		irq_restore(flags);
	}
}

/* The next signal to act on, with its action; SA_RESETHAND applied. 0 when none. */
static int get_signal(struct thread *t, struct ksiginfo *info, struct k_sigaction *ka)
{
	struct process *p = t->proc;
	unsigned long flags = spin_lock(&p->lock);
	int sig;

	while ((sig = dequeue_locked(t, t->sigmask, info))) {
		*ka = action_of(p, sig);
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler != SIG_DFL && (ka->flags & SA_RESETHAND))
			__atomic_store_n(&p->sighand->action[sig].handler, SIG_DFL,
					 __ATOMIC_RELAXED);
		break;
	}
	spin_unlock(&p->lock, flags);
	return sig;
}

static bool in_syscall(const struct trap_frame *f)
{
	return f->vector == VEC_SYSCALL && f->error != (uint64_t)-1;
}

static bool is_restart(uint64_t rax)
{
	long r = (long)rax;
	return r == -ERESTARTSYS || r == -ERESTARTNOINTR || r == -ERESTARTNOHAND ||
	       r == -ERESTART_RESTARTBLOCK;
}

/* Run the `syscall` instruction (two bytes) again, with number nr. */
static void restart_call(struct trap_frame *f, uint64_t nr)
{
	trace_signal_restart(nr);
	f->rax = nr;
	f->rip -= 2;
}

static void restart_for_handler(struct trap_frame *f, uint64_t sa_flags)
{
	switch ((long)f->rax) {
	case -ERESTART_RESTARTBLOCK:
	case -ERESTARTNOHAND:
		f->rax = (uint64_t)-EINTR;
		break;
	case -ERESTARTSYS:
		if (!(sa_flags & SA_RESTART)) {
			f->rax = (uint64_t)-EINTR;
			break;
		}
		/* fall through */
	case -ERESTARTNOINTR:
		restart_call(f, f->error);
		break;
	}
}

static void restart_without_handler(struct trap_frame *f)
{
	if ((long)f->rax == -ERESTART_RESTARTBLOCK)
		restart_call(f, NR_RESTART_SYSCALL);
	else if (is_restart(f->rax))
		restart_call(f, f->error);
}

/* Run the handler of sig: a frame on the application's stack, then the handler's mask. */
static void handle(struct trap_frame *f, int sig, const struct ksiginfo *info,
		   const struct k_sigaction *ka)
{
	struct thread *t = current_thread();
	ksigset_t old = t->sig.restore_mask ? t->sig.saved_mask : t->sigmask;
	ksigset_t mask = t->sigmask | ka->mask;

	if (in_syscall(f))
		restart_for_handler(f, ka->flags);
	int err = arch_signal_frame(f, sig, info, ka, old);
	trace_signal_frame(sig, f->rsp, f->rip);
	if (err) {
		char why[96];
		if (err == -EINVAL)
			snprintf(why, sizeof(why), "its %s handler has no SA_RESTORER",
				 signal_name(sig));
		else
			snprintf(why, sizeof(why),
				 "cannot write the frame for its %s handler, rsp %#lx",
				 signal_name(sig), f->rsp);
		signal_die(SIGSEGV, why);
	}
	t->sig.restore_mask = false;
	if (!(ka->flags & SA_NODEFER))
		mask |= M(sig);
	signal_set_mask(mask);
}

static void act(struct trap_frame *f, int sig, const struct ksiginfo *info,
		const struct k_sigaction *ka)
{
	trace_signal_deliver(sig, ka->handler, ka->flags);
	if (ka->handler != SIG_DFL) {
		handle(f, sig, info, ka);
		return;
	}
	if (M(sig) & IGNORE_MASK)
		return;
	if (M(sig) & STOP_MASK) {
		group_stop(current_process(), sig);
		return;
	}
	if (M(sig) & COREDUMP_MASK)
		die_core(sig, info);
	signal_die(sig, NULL);
}

/* Anything to do on the way out? Cheap: no lock. */
static bool exit_work(const struct thread *t, const struct process *p, const struct trap_frame *f)
{
	return READ_ONCE(p->exiting) || READ_ONCE(p->exec_thread) || READ_ONCE(p->stopped) ||
	       t->sig.restore_mask ||
	       ((READ_ONCE(t->sig.pending.set) | READ_ONCE(p->shared_pending.set)) & ~t->sigmask) ||
	       (in_syscall(f) && is_restart(f->rax));
}

void signal_exit_to_app(struct trap_frame *f)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	struct ksiginfo info;
	struct k_sigaction ka;

	if (!p || !exit_work(t, p, f))
		return;
	/* From a trap, interrupts are still off: frames are written to pageable memory. */
	bool irqs_off = !irq_enabled();
	if (irqs_off)
		irq_enable();
	for (;;) {
		process_check_exiting();
		if (READ_ONCE(p->stopped) && !sigkill_pending(t, p)) {
			stopped_wait(t, p);
			continue;
		}
		int sig = get_signal(t, &info, &ka);
		if (sig) {
			act(f, sig, &info, &ka);
			continue;
		}
		if (in_syscall(f))
			restart_without_handler(f);
		if (!t->sig.restore_mask)
			break;
		signal_restore_temporary_mask(); /* may unblock what is pending: look again */
	}
	if (irqs_off)
		irq_disable();
}

/* Would sig reach a handler on the current thread (not ignored, default or blocked)? */
static bool catchable(int sig)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	unsigned long flags = spin_lock(&p->lock);
	uint64_t h = signal_handler_of(p, sig);
	bool yes = h != SIG_DFL && h != SIG_IGN && wants(t, sig);

	spin_unlock(&p->lock, flags);
	return yes;
}

void signal_fault(struct trap_frame *f, int sig, int code, uint64_t addr)
{
	struct thread *t = current_thread();
	struct ksiginfo info = { .si_signo = sig, .si_code = code };

	info.fault.addr = addr;
	trace_signal_fault(sig, code, addr, f->rip);
	t->sig.fault_trapno = f->vector;
	t->sig.fault_err = f->error;
	if (f->vector == VEC_PF) {
		t->sig.fault_err |= PF_USER; /* as Linux reports a fault of user code */
		t->sig.fault_cr2 = addr;
	}
	if (!catchable(sig)) {
		/* The report names the faulting address, else the instruction. */
		app_fault_report(f, sig, code, f->vector == VEC_PF ? addr : f->rip);
		die(sig, NULL, true); /* the line ends the report */
	}
	signal_send_thread(t, sig, &info);
}

void signal_out_of_memory(uint64_t addr)
{
	char why[80];

	irq_enable();
	snprintf(why, sizeof(why), "out of memory: no page for %#lx", addr);
	signal_die(SIGKILL, why);
}

void signal_force_segv(const char *why)
{
	struct ksiginfo info = { .si_signo = SIGSEGV, .si_code = SI_KERNEL };

	if (!catchable(SIGSEGV))
		signal_die(SIGSEGV, why);
	signal_send_thread(current_thread(), SIGSEGV, &info);
}
