/*
 * Timers: alarm() and pause(); setitimer/getitimer (ITIMER_REAL periodic,
 * ITIMER_VIRTUAL and ITIMER_PROF on CPU time, silent while the program
 * sleeps, firing while it works); POSIX timers (SIGEV_SIGNAL
 * with si_value and SI_TIMER, overruns while the signal is blocked,
 * timer_gettime's remaining time, absolute deadlines, CPU-time clocks,
 * SIGEV_NONE, SIGEV_THREAD_ID aimed at one thread, SIGEV_THREAD, a signal
 * whose action is to ignore it queued while blocked) and
 * timerfd (read's expiration count, poll readiness, both clocks, absolute
 * deadlines, errors). Counts that depend on timing are printed as lower
 * bounds. alarm(1) and the sleeps make this take two seconds.
 */
#include "threads.h"
#include <poll.h>
#include <semaphore.h>
#include <sys/time.h>
#include <stdint.h>
#include <sys/timerfd.h>

#ifndef sigev_notify_thread_id /* glibc before 2.41 names it only this way */
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define MS 1000000LL

static volatile sig_atomic_t alarms, vtalarms, profs, usr1s, usr2s;
static volatile int last_code, last_value, last_overrun, handler_tid, getoverrun_in_handler;
static timer_t overrun_timer;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	switch (sig) {
	case SIGALRM:
		alarms++;
		break;
	case SIGVTALRM:
		vtalarms++;
		break;
	case SIGPROF:
		profs++;
		break;
	case SIGUSR1:
		last_code = si->si_code;
		last_value = si->si_value.sival_int;
		handler_tid = tid();
		usr1s++;
		break;
	case SIGUSR2:
		last_overrun = si->si_overrun;
		getoverrun_in_handler = timer_getoverrun(overrun_timer);
		usr2s++;
		break;
	}
}

static sigset_t unblocked; /* the mask to wait with: every test signal let through */

/*
 * Waits with the test signals unblocked until *COUNT reaches N, at most
 * 20 s; says whether it did. ppoll rather than sigsuspend, so that a signal
 * that never comes cannot hang the program.
 */
static int await_signals(volatile sig_atomic_t *count, int n)
{
	long long start = mono_ns();
	struct timespec ts = { 0, 100 * MS };

	while (*count < n) {
		if (mono_ns() - start > 20000 * MS)
			return 0;
		ppoll(NULL, 0, &ts, &unblocked);
	}
	return 1;
}

static void restore_blocked(void)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

static double sink;

/* Burns CPU in user mode until *COUNT reaches N (at most 20 s of wall time). */
static int burn_until(volatile sig_atomic_t *count, int n)
{
	long long start = mono_ns();
	double x = 1;

	while (*count < n) {
		for (int i = 0; i < 10000; i++)
			x = x * 1.0000001 + 1e-9;
		if (mono_ns() - start > 20000 * MS)
			return 0;
	}
	sink = x;
	return 1;
}

/*
 * Sleeps MS of wall time with the test signals unblocked, using no CPU: a
 * timer on CPU time must not fire meanwhile (one on wall time would).
 */
static void idle_unblocked(long ms)
{
	long long end = mono_ns() + ms * MS;

	while (mono_ns() < end) {
		long long left = end - mono_ns();
		struct timespec ts = { left / 1000000000LL, left % 1000000000LL };
		ppoll(NULL, 0, &ts, &unblocked);
	}
}

static long long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

static void alarm_and_itimers(void)
{
	struct itimerval it, old;
	long long start;

	phase("alarm");
	printf("alarm(0) with no alarm set: %u\n", alarm(0));
	alarm(5);
	printf("alarm(0) just after alarm(5): %u\n", alarm(0));
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	start = mono_ns();
	alarm(1);
	int r = pause();
	printf("pause() after alarm(1): %d %s, handler ran %d time(s)\n", r, ename(errno), alarms);
	check("  after at least a second", mono_ns() - start >= 1000 * MS);
	restore_blocked();

	phase("ITIMER_REAL");
	alarms = 0;
	it = (struct itimerval){ { 0, 10000 }, { 0, 10000 } };
	start = mono_ns();
	xresult("setitimer(ITIMER_REAL) every 10 ms", setitimer(ITIMER_REAL, &it, NULL));
	getitimer(ITIMER_REAL, &old);
	printf("getitimer: interval %lld us, value within it: %s\n", tv_us(old.it_interval),
	       tv_us(old.it_value) > 0 && tv_us(old.it_value) <= 10000 ? "yes" : "no");
	check("5 SIGALRMs", await_signals(&alarms, 5));
	check("  after at least 50 ms", mono_ns() - start >= 50 * MS);
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, &old);
	printf("setitimer to 0 returned the old interval: %lld us\n", tv_us(old.it_interval));
	getitimer(ITIMER_REAL, &old);
	check("getitimer then all zero", !tv_us(old.it_interval) && !tv_us(old.it_value));
	it = (struct itimerval){ { 0, 0 }, { 0, 1000000 } };
	xresult("setitimer with 1000000 us", setitimer(ITIMER_REAL, &it, NULL));
	xresult("getitimer(42)", getitimer(42, &old));

	phase("ITIMER_VIRTUAL");
	it = (struct itimerval){ { 0, 10000 }, { 0, 10000 } };
	xresult("setitimer(ITIMER_VIRTUAL) every 10 ms of user time",
		setitimer(ITIMER_VIRTUAL, &it, NULL));
	idle_unblocked(300);
	check("no SIGVTALRM during 300 ms of sleep", vtalarms == 0);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	check("3 SIGVTALRMs during busy work", burn_until(&vtalarms, 3));
	phase("ITIMER_PROF");
	xresult("setitimer(ITIMER_PROF) every 10 ms of CPU time",
		setitimer(ITIMER_PROF, &it, NULL));
	restore_blocked();
	int vt_before = vtalarms;
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	idle_unblocked(300);
	check("no SIGPROF during 300 ms of sleep", profs == 0);
	check("  and no SIGVTALRM once it was stopped", vtalarms == vt_before);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	check("3 SIGPROFs during busy work", burn_until(&profs, 3));
	restore_blocked();
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
}

static long long ts_ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void posix_timers(void)
{
	struct sigevent sev = { 0 };
	struct itimerspec its, old;
	timer_t t;

	phase("timer_create SIGEV_SIGNAL");
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 1234;
	xresult("timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL SIGUSR1)",
		timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 20 * MS } };
	long long start = mono_ns();
	xresult("timer_settime 20 ms", timer_settime(t, 0, &its, NULL));
	check("SIGUSR1 arrived", await_signals(&usr1s, 1));
	check("  after at least 20 ms", mono_ns() - start >= 20 * MS);
	printf("  si_code SI_TIMER: %s, si_value %d\n", last_code == SI_TIMER ? "yes" : "no",
	       last_value);
	timer_gettime(t, &its);
	check("timer_gettime after it fired: disarmed",
	      !ts_ns(its.it_value) && !ts_ns(its.it_interval));

	its = (struct itimerspec){ { 0, 0 }, { 1, 0 } };
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &its);
	check("armed for 1 s: timer_gettime says between 0 and 1 s",
	      ts_ns(its.it_value) > 0 && ts_ns(its.it_value) <= 1000 * MS &&
		      !ts_ns(its.it_interval));
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timer_settime(t, 0, &its, &old);
	check("disarming returns the old value, up to 1 s",
	      ts_ns(old.it_value) > 0 && ts_ns(old.it_value) <= 1000 * MS);

	its = (struct itimerspec){ { 0, 0 }, ns_to_ts(mono_ns() - 1000 * MS) };
	usr1s = 0;
	xresult("timer_settime TIMER_ABSTIME in the past",
		timer_settime(t, TIMER_ABSTIME, &its, NULL));
	check("  fires at once", await_signals(&usr1s, 1));
	xresult("timer_delete", timer_delete(t));

	phase("timer overrun");
	sev.sigev_signo = SIGUSR2;
	xresult("timer_create for SIGUSR2", timer_create(CLOCK_MONOTONIC, &sev, &overrun_timer));
	its = (struct itimerspec){ { 0, 5 * MS }, { 0, 5 * MS } };
	timer_settime(overrun_timer, 0, &its, NULL);
	sleep_ms(60); /* SIGUSR2 blocked: the expirations pile up as overruns */
	check("one SIGUSR2 for all the expirations", await_signals(&usr2s, 1) && usr2s == 1);
	check("  si_overrun at least 5", last_overrun >= 5);
	check("  timer_getoverrun in the handler the same", getoverrun_in_handler == last_overrun);
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timer_settime(overrun_timer, 0, &its, NULL);
	timer_delete(overrun_timer);
	xresult("timer_gettime of a deleted timer", timer_gettime(overrun_timer, &its));

	phase("timer on CLOCK_PROCESS_CPUTIME_ID");
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 77;
	xresult("timer_create(CLOCK_PROCESS_CPUTIME_ID)",
		timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 20 * MS } };
	long long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	usr1s = 0;
	timer_settime(t, 0, &its, NULL);
	idle_unblocked(300);
	check("it did not fire during 300 ms of sleep", usr1s == 0);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	check("it fired during busy work", burn_until(&usr1s, 1));
	restore_blocked();
	check("  after 20 ms of CPU time", now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu >= 20 * MS);
	printf("  si_value %d\n", last_value);
	timer_delete(t);

	phase("SIGEV_NONE");
	sev.sigev_notify = SIGEV_NONE;
	xresult("timer_create SIGEV_NONE", timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 200 * MS } };
	timer_settime(t, 0, &its, NULL);
	sleep_ms(20);
	timer_gettime(t, &its);
	check("it counts down without a signal",
	      ts_ns(its.it_value) > 0 && ts_ns(its.it_value) <= 180 * MS);
	timer_delete(t);
	xresult("timer_create on clock 42", timer_create(42, &sev, &t));
}

static sigset_t wait_mask;

static volatile int target_tid, target_ready;

static void *target_thread(void *arg)
{
	target_tid = tid();
	__atomic_store_n(&target_ready, 1, __ATOMIC_RELEASE);
	while (usr1s == 0)
		sigsuspend(&wait_mask);
	return NULL;
}

static sem_t notified;
static volatile int notify_value, notify_off_main;
static pid_t main_tid;

static void notify(union sigval v)
{
	notify_value = v.sival_int;
	if (tid() != main_tid)
		notify_off_main++;
	sem_post(&notified);
}

static void thread_timers(void)
{
	struct sigevent sev = { 0 };
	struct itimerspec its;
	timer_t t;

	phase("SIGEV_THREAD_ID");
	restore_blocked();
	wait_mask = unblocked;
	usr1s = 0;
	handler_tid = 0;
	pthread_t th = spawn(target_thread, NULL);
	while (!__atomic_load_n(&target_ready, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify_thread_id = target_tid;
	sev.sigev_value.sival_int = 5;
	xresult("timer_create SIGEV_THREAD_ID", timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 20 * MS } };
	timer_settime(t, 0, &its, NULL);
	join(th);
	check("the handler ran on the chosen thread", handler_tid == target_tid);
	timer_delete(t);

	phase("SIGEV_THREAD");
	main_tid = tid();
	sem_init(&notified, 0, 0);
	sev = (struct sigevent){ 0 };
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = notify;
	sev.sigev_value.sival_int = 99;
	xresult("timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = (struct itimerspec){ { 0, 10 * MS }, { 0, 10 * MS } };
	timer_settime(t, 0, &its, NULL);
	int calls = 0;
	struct timespec deadline = ns_to_ts(now_ns(CLOCK_REALTIME) + 20000 * MS);
	while (calls < 3 && sem_timedwait(&notified, &deadline) == 0)
		calls++;
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timer_settime(t, 0, &its, NULL);
	timer_delete(t);
	printf("notification function calls: %d, with the value %d\n", calls, notify_value);
	check("  none on the main thread", notify_off_main >= calls);
}

static void timerfds(void)
{
	struct itimerspec its, old;
	struct pollfd pfd;
	uint64_t n;
	int fd;

	phase("timerfd");
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	check("timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)", fd >= 0);
	check("  FD_CLOEXEC", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	xresult("read before arming", read(fd, &n, sizeof(n)));
	pfd = (struct pollfd){ fd, POLLIN, 0 };
	xresult("poll before arming", poll(&pfd, 1, 0));

	its = (struct itimerspec){ { 0, 0 }, { 0, 20 * MS } };
	long long start = mono_ns();
	xresult("timerfd_settime 20 ms", timerfd_settime(fd, 0, &its, NULL));
	timerfd_gettime(fd, &its);
	check("timerfd_gettime: between 0 and 20 ms left",
	      ts_ns(its.it_value) > 0 && ts_ns(its.it_value) <= 20 * MS);
	xresult("poll with a 20 s timeout", poll(&pfd, 1, 20000));
	check("  POLLIN", pfd.revents == POLLIN);
	check("  after at least 20 ms", mono_ns() - start >= 20 * MS);
	xresult("read into 4 bytes", read(fd, &n, 4));
	n = 0;
	xresult("read", read(fd, &n, sizeof(n)));
	printf("  expirations: %llu\n", (unsigned long long)n);
	xresult("read again", read(fd, &n, sizeof(n)));
	timerfd_gettime(fd, &its);
	check("timerfd_gettime: disarmed", !ts_ns(its.it_value));

	its = (struct itimerspec){ { 0, 10 * MS }, { 0, 10 * MS } };
	timerfd_settime(fd, 0, &its, NULL);
	sleep_ms(55);
	read(fd, &n, sizeof(n));
	check("every 10 ms for 55 ms: at least 5 expirations", n >= 5);
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timerfd_settime(fd, 0, &its, &old);
	printf("disarming returned the interval: %lld ms\n", ts_ns(old.it_interval) / MS);
	xresult("read after disarming", read(fd, &n, sizeof(n)));
	xresult("timerfd_settime with flags 0x100", timerfd_settime(fd, 0x100, &its, NULL));
	close(fd);

	fd = timerfd_create(CLOCK_REALTIME, 0);
	check("timerfd_create(CLOCK_REALTIME, 0)", fd >= 0);
	long long deadline = now_ns(CLOCK_REALTIME) + 20 * MS;
	its = (struct itimerspec){ { 0, 0 }, ns_to_ts(deadline) };
	xresult("timerfd_settime TFD_TIMER_ABSTIME now + 20 ms",
		timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
	n = 0;
	xresult("a blocking read", read(fd, &n, sizeof(n)));
	printf("  expirations: %llu\n", (unsigned long long)n);
	check("  not early", now_ns(CLOCK_REALTIME) >= deadline);
	close(fd);

	fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
	check("timerfd_create(CLOCK_BOOTTIME)", fd >= 0);
	close(fd);
	xresult("timerfd_create on clock 42", timerfd_create(42, 0));
	xresult("timerfd_create with flags 1", timerfd_create(CLOCK_MONOTONIC, 1));
}

/*
 * A timer's signal whose action is to ignore it (SIGURG by default, or
 * SIG_IGN) is still queued while it is blocked, since the action may
 * change before it is unblocked: sigtimedwait takes it, and the
 * expirations meanwhile count as overruns. Unblocked, it is dropped.
 */
static void ignored_timer_signals(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL };
	struct itimerspec its = { { 0, 5 * MS }, { 0, 5 * MS } };
	struct timespec wait = { 2, 0 };
	sigset_t set, pending;
	siginfo_t si;
	timer_t t;

	phase("a blocked timer signal whose default action is to ignore it");
	sev.sigev_signo = SIGURG;
	xresult("timer_create for SIGURG", timer_create(CLOCK_MONOTONIC, &sev, &t));
	timer_settime(t, 0, &its, NULL);
	sleep_ms(60);
	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	check("SIGURG pending while blocked",
	      sigpending(&pending) == 0 && sigismember(&pending, SIGURG));
	check("sigtimedwait takes it", sigtimedwait(&set, &si, &wait) == SIGURG);
	check("  si_code SI_TIMER", si.si_code == SI_TIMER);
	check("  si_overrun at least 5", si.si_overrun >= 5);
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timer_settime(t, 0, &its, NULL);
	timer_delete(t);

	phase("a blocked timer signal set to SIG_IGN");
	signal(SIGUSR1, SIG_IGN);
	sev.sigev_signo = SIGUSR1;
	xresult("timer_create for SIGUSR1", timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 5 * MS } };
	timer_settime(t, 0, &its, NULL);
	sleep_ms(30);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	check("SIGUSR1 pending while blocked",
	      sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
	check("sigtimedwait takes it", sigtimedwait(&set, &si, &wait) == SIGUSR1);

	phase("an unblocked timer signal set to SIG_IGN");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	its = (struct itimerspec){ { 0, 0 }, { 0, 5 * MS } };
	timer_settime(t, 0, &its, NULL);
	sleep_ms(30);
	sigprocmask(SIG_BLOCK, &set, NULL);
	check("it was dropped: not pending once blocked again",
	      sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR1));
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timer_settime(t, 0, &its, NULL);
	timer_delete(t);
}

int main(void)
{
	struct sigaction sa = { 0 };
	sigset_t all;

	setup();
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	unblocked = all;
	sigdelset(&unblocked, SIGALRM);
	sigdelset(&unblocked, SIGVTALRM);
	sigdelset(&unblocked, SIGPROF);
	sigdelset(&unblocked, SIGUSR1);
	sigdelset(&unblocked, SIGUSR2);
	watchdog(60);
	alarm_and_itimers();
	posix_timers();
	thread_timers();
	timerfds();
	ignored_timer_signals();
	return 0;
}
