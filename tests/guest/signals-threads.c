/*
 * Signals and threads: a signal sent to the process runs its handler on
 * the one thread that does not block it, or waits, pending for all, until
 * some thread unblocks it; pthread_kill and tgkill run it on the thread
 * chosen; new threads inherit the mask but not pending signals; sigwait in
 * a dedicated thread. Then interrupted system calls, each interrupted from
 * another thread (repeatedly, so it does not matter when the call began):
 * read restarts under SA_RESTART and fails with EINTR without it;
 * nanosleep, poll and a timed futex wait fail with EINTR even under
 * SA_RESTART, an untimed futex wait restarts; ignored signals interrupt
 * nothing.
 */
#include "threads.h"
#include <poll.h>
#include <semaphore.h>
#include <stdint.h>

#define NTHREADS 4
#define MS	 1000000LL

static volatile int handled, handler_tid;

/* The thread first, then the count that await_handled() watches: never a stale thread. */
static void on_signal(int sig)
{
	__atomic_store_n(&handler_tid, tid(), __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&handled, 1, __ATOMIC_SEQ_CST);
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void mask(int how, int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(how, &set, NULL);
}

static int pending(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig);
}

/* Waits (up to 20 s) until the handler has run N times in all. */
static int await_handled(int n)
{
	long long start = mono_ns();

	while (__atomic_load_n(&handled, __ATOMIC_SEQ_CST) < n) {
		if (mono_ns() - start > 20000 * MS)
			return 0;
		sleep_ms(1);
	}
	return 1;
}

static pthread_barrier_t barrier;
static sem_t release;
static pid_t tids[NTHREADS];
static int saw_pending[NTHREADS];

/* Thread 3 alone unblocks SIGUSR1 and waits for it; the others sleep in sem_wait. */
static void *one_unblocked(void *arg)
{
	long i = (long)arg;

	tids[i] = tid();
	if (i == NTHREADS - 1) {
		sigset_t wait;
		pthread_sigmask(SIG_BLOCK, NULL, &wait);
		sigdelset(&wait, SIGUSR1);
		pthread_barrier_wait(&barrier);
		while (!handled)
			sigsuspend(&wait);
		return NULL;
	}
	pthread_barrier_wait(&barrier);
	while (sem_wait(&release) && errno == EINTR) {
	}
	return NULL;
}

/* All block SIGUSR2; each looks at what is pending; then thread 1 unblocks it. */
static void *all_blocked(void *arg)
{
	long i = (long)arg;

	tids[i] = tid();
	pthread_barrier_wait(&barrier); /* everyone started */
	pthread_barrier_wait(&barrier); /* main has sent the signal */
	saw_pending[i] = pending(SIGUSR2);
	pthread_barrier_wait(&barrier); /* everyone has looked */
	if (i == 1)
		mask(SIG_UNBLOCK, SIGUSR2); /* runs the handler before returning */
	pthread_barrier_wait(&barrier);
	return NULL;
}

static void process_directed(void)
{
	pthread_t t[NTHREADS];

	phase("process-directed signal, one thread unblocked");
	set_handler(SIGUSR1, on_signal, 0);
	set_handler(SIGUSR2, on_signal, 0);
	mask(SIG_BLOCK, SIGUSR1);
	mask(SIG_BLOCK, SIGUSR2);
	sem_init(&release, 0, 0);
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (long i = 0; i < NTHREADS; i++)
		t[i] = spawn(one_unblocked, (void *)i);
	pthread_barrier_wait(&barrier);
	kill(getpid(), SIGUSR1);
	join(t[NTHREADS - 1]);
	for (int i = 0; i < NTHREADS - 1; i++)
		sem_post(&release);
	for (int i = 0; i < NTHREADS - 1; i++)
		join(t[i]);
	printf("kill(getpid(), SIGUSR1): handler ran %d time(s)\n", handled);
	check("  on the only thread not blocking it", handler_tid == tids[NTHREADS - 1]);
	check("  main, blocking it, has nothing pending", !pending(SIGUSR1));
	pthread_barrier_destroy(&barrier);

	phase("process-directed signal, all blocked");
	handled = 0;
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (long i = 0; i < NTHREADS; i++)
		t[i] = spawn(all_blocked, (void *)i);
	pthread_barrier_wait(&barrier);
	kill(getpid(), SIGUSR2);
	pthread_barrier_wait(&barrier);
	int all = pending(SIGUSR2), before = handled;
	pthread_barrier_wait(&barrier); /* then thread 1 unblocks it */
	for (int i = 0; i < NTHREADS; i++)
		all &= saw_pending[i];
	printf("kill(getpid(), SIGUSR2) with every thread blocking it: pending for all: %s, "
	       "handled: %d\n",
	       all ? "yes" : "no", before);
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < NTHREADS; i++)
		join(t[i]);
	printf("  after one thread unblocked it: handled %d time(s), on that thread: %s\n", handled,
	       handler_tid == tids[1] ? "yes" : "no");
	check("  no longer pending", !pending(SIGUSR2));
	pthread_barrier_destroy(&barrier);
}

static sem_t started;

static void *wait_for_release(void *arg)
{
	tids[(long)arg] = tid();
	sem_post(&started);
	while (sem_wait(&release) && errno == EINTR) {
	}
	return NULL;
}

static void thread_directed(void)
{
	pthread_t t[NTHREADS];

	phase("pthread_kill and tgkill");
	mask(SIG_UNBLOCK, SIGUSR1);
	sem_init(&started, 0, 0);
	for (long i = 0; i < NTHREADS; i++)
		t[i] = spawn(wait_for_release, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		sem_wait(&started);
	handled = 0;
	presult("pthread_kill(third thread, SIGUSR1)", pthread_kill(t[2], SIGUSR1));
	await_handled(1);
	check("  the handler ran on that thread", handler_tid == tids[2]);
	xresult("tgkill(getpid(), second thread, SIGUSR1)",
		syscall(SYS_tgkill, getpid(), tids[1], SIGUSR1));
	await_handled(2);
	check("  the handler ran on that thread", handler_tid == tids[1]);
	xresult("tkill(fourth thread, SIGUSR1)", syscall(SYS_tkill, tids[3], SIGUSR1));
	await_handled(3);
	check("  the handler ran on that thread", handler_tid == tids[3]);
	presult("pthread_kill(first thread, 0)", pthread_kill(t[0], 0));
	xresult("tgkill with the wrong process id",
		syscall(SYS_tgkill, getpid() + 1000000, tids[0], SIGUSR1));
	xresult("tgkill with signal 65", syscall(SYS_tgkill, getpid(), tids[0], 65));
	printf("handler calls: %d\n", handled);
	for (int i = 0; i < NTHREADS; i++)
		sem_post(&release);
	for (int i = 0; i < NTHREADS; i++)
		join(t[i]);
}

static void *inherits(void *arg)
{
	sigset_t now;

	pthread_sigmask(SIG_BLOCK, NULL, &now);
	return (void *)(long)(sigismember(&now, SIGUSR2) * 2 + pending(SIGUSR2));
}

static void *signal_waiter(void *arg)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	return (void *)(long)sig;
}

static void inheritance(void)
{
	phase("inheritance");
	handled = 0;
	mask(SIG_BLOCK, SIGUSR2);
	raise(SIGUSR2); /* pending for main alone */
	long r = (long)join(spawn(inherits, NULL));
	check("a new thread inherits the blocked mask", r & 2);
	check("  but not the creator's pending signal", !(r & 1));
	mask(SIG_UNBLOCK, SIGUSR2);
	printf("main unblocks it: handled %d time(s)\n", handled);

	phase("sigwait in a thread");
	mask(SIG_BLOCK, SIGTERM);
	pthread_t t = spawn(signal_waiter, NULL);
	sleep_ms(10);
	kill(getpid(), SIGTERM);
	printf("sigwait in a thread returned %s\n", signame((int)(long)join(t)));
}

/*
 * The interrupted calls. INTERRUPTED_CALL runs in a thread; main sends it
 * SIGUSR1 every 10 ms until it returns.
 */
static int fds[2];
static uint32_t futex_word;
static long call_result;
static int call_errno, call_done;
static struct timespec remaining;

enum call {
	READ,
	NANOSLEEP,
	POLL,
	FUTEX_TIMED,
	FUTEX_UNTIMED
};

static void *interrupted_call(void *arg)
{
	struct timespec ts = { 10, 0 };
	struct pollfd pfd = { fds[0], POLLIN, 0 };
	char c;

	switch ((enum call)(long)arg) {
	case READ:
		call_result = read(fds[0], &c, 1);
		break;
	case NANOSLEEP:
		call_result = nanosleep(&ts, &remaining);
		break;
	case POLL:
		call_result = poll(&pfd, 1, 10000);
		break;
	case FUTEX_TIMED:
		call_result = syscall(SYS_futex, &futex_word, 128 /* FUTEX_WAIT_PRIVATE */, 0, &ts,
				      NULL, 0);
		break;
	case FUTEX_UNTIMED:
		call_result = syscall(SYS_futex, &futex_word, 128, 0, NULL, NULL, 0);
		break;
	}
	call_errno = errno;
	__atomic_store_n(&call_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Runs CALL in a thread and signals it until it returns; after SIGNALS
 * signals, does what completes the call (a byte for read, a wake for the
 * futex) and keeps doing it.
 */
static void interrupt(const char *what, enum call call, int flags, int signals)
{
	set_handler(SIGUSR1, on_signal, flags);
	call_done = 0;
	handled = 0;
	pthread_t t = spawn(interrupted_call, (void *)(long)call);
	long long start = mono_ns();
	int sent = 0, completing = 0;
	while (!__atomic_load_n(&call_done, __ATOMIC_SEQ_CST) && mono_ns() - start < 20000 * MS) {
		if (!signals || sent < signals) {
			pthread_kill(t, SIGUSR1);
			sent++;
		} else if (call == READ && !completing) {
			write(fds[1], "x", 1);
			completing = 1;
		} else if (call == FUTEX_UNTIMED) {
			syscall(SYS_futex, &futex_word, 129 /* FUTEX_WAKE_PRIVATE */, 1, NULL, NULL,
				0);
		}
		sleep_ms(10);
	}
	join(t);
	if (call_result < 0)
		printf("%s: -1 %s", what, ename(call_errno));
	else
		printf("%s: %ld", what, call_result);
	printf(", handler ran: %s\n", handled ? "yes" : "no");
}

static void interrupted_calls(void)
{
	phase("interrupted system calls");
	pipe(fds);
	interrupt("read of a pipe, SA_RESTART, 3 signals then a byte", READ, SA_RESTART, 3);
	interrupt("read of a pipe, no SA_RESTART", READ, 0, 0);
	interrupt("nanosleep(10 s), SA_RESTART", NANOSLEEP, SA_RESTART, 0);
	/* Linux may report up to the timer slack (50 us) more than was asked for. */
	long long rem = remaining.tv_sec * 1000000000LL + remaining.tv_nsec;
	check("  the remaining time filled in", rem > 0 && rem <= 10001 * MS);
	interrupt("poll(10 s), SA_RESTART", POLL, SA_RESTART, 0);
	interrupt("FUTEX_WAIT with a 10 s timeout, SA_RESTART", FUTEX_TIMED, SA_RESTART, 0);
	interrupt("FUTEX_WAIT without a timeout, SA_RESTART, 3 signals then FUTEX_WAKE",
		  FUTEX_UNTIMED, SA_RESTART, 3);
	interrupt("FUTEX_WAIT without a timeout, no SA_RESTART", FUTEX_UNTIMED, 0, 0);

	phase("ignored signals");
	signal(SIGUSR1, SIG_IGN);
	call_done = 0;
	pthread_t t = spawn(interrupted_call, (void *)(long)READ);
	for (int i = 0; i < 3; i++) {
		sleep_ms(10);
		pthread_kill(t, SIGUSR1);
	}
	write(fds[1], "y", 1);
	join(t);
	printf("read with ignored signals arriving: %ld, %s\n", call_result,
	       call_result == 1 ? "not interrupted" : ename(call_errno));
}

int main(void)
{
	setup();
	watchdog(60);
	process_directed();
	thread_directed();
	inheritance();
	interrupted_calls();
	return 0;
}
