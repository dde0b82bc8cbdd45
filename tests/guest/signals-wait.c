/*
 * Signal semantics in one thread: sigaction flags (SA_RESETHAND,
 * SA_NODEFER, sa_mask, flags read back), the order in which pending
 * signals are delivered, real-time signals queued with their values while
 * standard ones merge, a handler changing uc_sigmask, waiting (sigtimedwait,
 * sigwaitinfo, sigwait, sigsuspend, pause), signalfd (siginfo fields, poll,
 * a reader thread), sigqueue's values, and the errors: SIGKILL and SIGSTOP
 * cannot be caught or blocked, bad signal numbers and set sizes.
 */
#include "threads.h"
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <ucontext.h>

#define MS 1000000LL

static char log_buf[256];
static volatile int depth, max_depth, calls;
static volatile int blocked_inside;

static void note(const char *s)
{
	strcat(log_buf, s);
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const int *mask)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	for (; mask && *mask; mask++)
		sigaddset(&sa.sa_mask, *mask);
	sigaction(sig, &sa, NULL);
}

static int is_blocked(int sig)
{
	sigset_t now;

	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, sig);
}

static void block(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static void unblock(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int pending(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig);
}

static void resethand(int sig, siginfo_t *si, void *ctx)
{
	calls++;
	blocked_inside = is_blocked(sig);
}

static void nodefer(int sig, siginfo_t *si, void *ctx)
{
	calls++;
	if (++depth > max_depth)
		max_depth = depth;
	if (calls == 1)
		raise(sig);
	depth--;
}

static void log_usr1(int sig, siginfo_t *si, void *ctx)
{
	note("USR1< ");
	raise(SIGUSR2);
	note("USR1> ");
}

static void log_usr2(int sig, siginfo_t *si, void *ctx)
{
	note("USR2 ");
}

static void log_any(int sig, siginfo_t *si, void *ctx)
{
	char s[32];

	if (sig >= SIGRTMIN)
		snprintf(s, sizeof(s), "RTMIN+%d:%d ", sig - SIGRTMIN, si->si_value.sival_int);
	else
		snprintf(s, sizeof(s), "%s ", signame(sig));
	note(s);
}

/* glibc's sigtimedwait and sigwaitinfo report SI_TKILL as SI_USER; musl's do not. */
static const char *si_code_name(int code)
{
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_TKILL:
		return "SI_TKILL";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_KERNEL:
		return "SI_KERNEL";
	default:
		return "another si_code";
	}
}

static void flags(void)
{
	struct sigaction sa;

	phase("sigaction flags");
	set_handler(SIGUSR1, resethand, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &sa);
	printf("SA_RESETHAND: handler ran %d time(s), the signal blocked inside it: %s, "
	       "the disposition then SIG_DFL: %s\n",
	       calls, blocked_inside ? "yes" : "no", sa.sa_handler == SIG_DFL ? "yes" : "no");

	calls = 0;
	set_handler(SIGUSR1, nodefer, 0, NULL);
	raise(SIGUSR1);
	printf("raise in the handler: %d calls, deepest nesting %d\n", calls, max_depth);
	calls = max_depth = 0;
	set_handler(SIGUSR1, nodefer, SA_NODEFER, NULL);
	raise(SIGUSR1);
	printf("the same with SA_NODEFER: %d calls, deepest nesting %d\n", calls, max_depth);

	static const int usr2[] = { SIGUSR2, 0 };
	set_handler(SIGUSR2, log_usr2, 0, NULL);
	set_handler(SIGUSR1, log_usr1, 0, usr2);
	log_buf[0] = 0;
	raise(SIGUSR1);
	printf("USR1's handler raises USR2, which its sa_mask holds: %s\n", log_buf);
	set_handler(SIGUSR1, log_usr1, 0, NULL);
	log_buf[0] = 0;
	raise(SIGUSR1);
	printf("the same without sa_mask: %s\n", log_buf);

	set_handler(SIGUSR1, log_usr1, SA_RESTART | SA_ONSTACK, usr2);
	sigaction(SIGUSR1, NULL, &sa);
	check("flags and mask read back",
	      (sa.sa_flags & (SA_SIGINFO | SA_RESTART | SA_ONSTACK | SA_NODEFER | SA_RESETHAND)) ==
			      (SA_SIGINFO | SA_RESTART | SA_ONSTACK) &&
		      sigismember(&sa.sa_mask, SIGUSR2) && !sigismember(&sa.sa_mask, SIGTERM));
}

static void order(void)
{
	static const int all[] = { SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, 0 };
	static const int sigs[] = { SIGTERM, SIGUSR2, SIGHUP, SIGUSR1 };
	sigset_t set, old;

	phase("delivery order");
	sigemptyset(&set);
	for (int i = 0; i < 4; i++)
		sigaddset(&set, sigs[i]);
	for (int i = 0; i < 4; i++)
		set_handler(sigs[i], log_any, 0, all);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < 4; i++)
		raise(sigs[i]);
	log_buf[0] = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("SIGTERM SIGUSR2 SIGHUP SIGUSR1 pending, each handler blocking all four: %s\n",
	       log_buf);
	for (int i = 0; i < 4; i++)
		set_handler(sigs[i], log_any, 0, NULL);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < 4; i++)
		raise(sigs[i]);
	log_buf[0] = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("the same, each handler blocking only its own signal: %s\n", log_buf);

	int rt = SIGRTMIN + 1;
	set_handler(rt, log_any, 0, NULL);
	set_handler(rt + 1, log_any, 0, NULL);
	set_handler(SIGUSR1, log_any, 0, NULL);
	sigemptyset(&set);
	sigaddset(&set, rt);
	sigaddset(&set, rt + 1);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), rt, (union sigval){ .sival_int = i });
	sigqueue(getpid(), rt + 1, (union sigval){ .sival_int = 20 });
	sigqueue(getpid(), rt, (union sigval){ .sival_int = 4 });
	for (int i = 0; i < 3; i++)
		raise(SIGUSR1);
	log_buf[0] = 0;
	/* One at a time, so that no handler runs on top of another. */
	sigset_t one = old;
	sigaddset(&one, rt);
	sigaddset(&one, rt + 1);
	sigprocmask(SIG_SETMASK, &one, NULL);
	note("| ");
	sigdelset(&one, rt);
	sigprocmask(SIG_SETMASK, &one, NULL);
	note("| ");
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("SIGUSR1 three times, RTMIN+1 with 1 2 3, RTMIN+2 with 20, RTMIN+1 with 4; "
	       "unblocked SIGUSR1, RTMIN+1, RTMIN+2 in turn: %s\n",
	       log_buf);
}

static void widen_mask(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static void uc_sigmask(void)
{
	phase("uc_sigmask");
	unblock(SIGUSR2);
	set_handler(SIGUSR1, widen_mask, 0, NULL);
	raise(SIGUSR1);
	check("a handler adding SIGUSR2 to uc_sigmask leaves it blocked after returning",
	      is_blocked(SIGUSR2));
	check("  and the signal itself unblocked again", !is_blocked(SIGUSR1));
	unblock(SIGUSR2);
}

static volatile int alarms;

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
	alarms++;
}

static void arm(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, ms % 1000 * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void waiting(void)
{
	struct timespec ts;
	siginfo_t si;
	sigset_t set;
	long long start;
	int sig;

	phase("sigtimedwait");
	block(SIGUSR1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ts = (struct timespec){ 0, 20 * MS };
	start = mono_ns();
	xresult("sigtimedwait 20 ms for SIGUSR1", sigtimedwait(&set, &si, &ts));
	check("  not early", mono_ns() - start >= 20 * MS);
	ts = (struct timespec){ 0, 0 };
	xresult("sigtimedwait with a zero timeout", sigtimedwait(&set, &si, &ts));
	ts = (struct timespec){ 0, 1000000000 };
	xresult("sigtimedwait with tv_nsec 1000000000", sigtimedwait(&set, &si, &ts));
	raise(SIGUSR1);
	ts = (struct timespec){ 1, 0 };
	sig = sigtimedwait(&set, &si, &ts);
	printf("raise, then sigtimedwait: %s, %s, si_pid ours: %s\n", signame(sig),
	       si_code_name(si.si_code), si.si_pid == getpid() ? "yes" : "no");
	check("  no longer pending", !pending(SIGUSR1));
	kill(getpid(), SIGUSR1);
	sig = sigwaitinfo(&set, &si);
	printf("kill, then sigwaitinfo: %s, %s\n", signame(sig), si_code_name(si.si_code));
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 31337 });
	sig = sigwaitinfo(&set, &si);
	printf("sigqueue, then sigwaitinfo: %s, %s, si_value %d\n", signame(sig),
	       si_code_name(si.si_code), si.si_value.sival_int);
	raise(SIGUSR1);
	sig = 0;
	presult("raise, then sigwait", sigwait(&set, &sig));
	printf("  got %s\n", signame(sig));

	phase("sigsuspend");
	set_handler(SIGALRM, on_alarm, 0, NULL);
	block(SIGALRM);
	sigprocmask(SIG_BLOCK, NULL, &set);
	sigdelset(&set, SIGALRM);
	arm(20);
	start = mono_ns();
	int r = sigsuspend(&set);
	printf("sigsuspend until SIGALRM: %d %s, handler ran %d time(s)\n", r, ename(errno),
	       alarms);
	check("  SIGALRM blocked again afterwards", is_blocked(SIGALRM));

	phase("pause");
	unblock(SIGALRM);
	alarms = 0;
	arm(20);
	r = pause();
	printf("pause until SIGALRM: %d %s, handler ran %d time(s)\n", r, ename(errno), alarms);
}

static int sfd;

static void *signalfd_reader(void *arg)
{
	struct signalfd_siginfo info;
	long n = read(sfd, &info, sizeof(info));

	return (void *)(n == sizeof(info) ? (long)info.ssi_signo : -1L);
}

static void signalfds(void)
{
	struct signalfd_siginfo info;
	struct pollfd pfd;
	sigset_t set;

	phase("signalfd");
	block(SIGUSR2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	check("signalfd for SIGUSR2", sfd >= 0);
	check("  FD_CLOEXEC", fcntl(sfd, F_GETFD) & FD_CLOEXEC);
	xresult("read with nothing pending", read(sfd, &info, sizeof(info)));
	pfd = (struct pollfd){ sfd, POLLIN, 0 };
	xresult("poll with nothing pending", poll(&pfd, 1, 0));
	raise(SIGUSR2);
	xresult("poll after raise(SIGUSR2)", poll(&pfd, 1, 0));
	xresult("read into too small a buffer", read(sfd, &info, sizeof(info) - 1));
	xresult("read", read(sfd, &info, sizeof(info)));
	printf("  ssi_signo %s, ssi_code %s, ssi_pid ours: %s\n", signame(info.ssi_signo),
	       si_code_name(info.ssi_code), info.ssi_pid == (unsigned)getpid() ? "yes" : "no");
	check("  no longer pending", !pending(SIGUSR2));
	sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 42 });
	read(sfd, &info, sizeof(info));
	printf("after sigqueue: ssi_code %s, ssi_int %d\n", si_code_name(info.ssi_code),
	       info.ssi_int);
	kill(getpid(), SIGUSR2);
	read(sfd, &info, sizeof(info));
	printf("after kill: ssi_code %s\n", si_code_name(info.ssi_code));

	block(SIGUSR1);
	raise(SIGUSR1);
	xresult("read with only SIGUSR1 pending", read(sfd, &info, sizeof(info)));
	sigaddset(&set, SIGUSR1);
	xresult("signalfd on the same descriptor, adding SIGUSR1", signalfd(sfd, &set, 0));
	xresult("read", read(sfd, &info, sizeof(info)));
	printf("  ssi_signo %s\n", signame(info.ssi_signo));
	close(sfd);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sfd = signalfd(-1, &set, 0);
	pthread_t t = spawn(signalfd_reader, NULL);
	sleep_ms(10);
	kill(getpid(), SIGUSR2);
	printf("a thread blocked in read of a signalfd, kill(getpid(), SIGUSR2): it read %s\n",
	       signame((int)(long)join(t)));
	close(sfd);
	xresult("signalfd with flags 1", signalfd(-1, &set, 1));
	xresult("signalfd on a descriptor that is not one", signalfd(1, &set, 0));
}

static void errors(void)
{
	struct sigaction sa = { 0 };
	sigset_t set;

	phase("errors");
	sa.sa_handler = SIG_IGN;
	xresult("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL));
	xresult("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL));
	xresult("sigaction(0)", sigaction(0, &sa, NULL));
	xresult("sigaction(65)", sigaction(65, &sa, NULL));
	xresult("sigaction(SIGKILL) only to read it", sigaction(SIGKILL, NULL, &sa));
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	sigprocmask(SIG_SETMASK, NULL, &set);
	check("blocking everything leaves SIGKILL and SIGSTOP unblocked",
	      !sigismember(&set, SIGKILL) && !sigismember(&set, SIGSTOP));
	xresult("rt_sigprocmask with a set size of 4",
		syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
	xresult("rt_sigprocmask with how 42", syscall(SYS_rt_sigprocmask, 42, &set, NULL, 8));
	xresult("kill(getpid(), 0)", kill(getpid(), 0));
	xresult("kill(getpid(), 65)", kill(getpid(), 65));
	xresult("kill of no such process", kill(0x0fffffff, SIGUSR1));

	block(SIGUSR1);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	check("setting SIG_IGN discards a pending signal", !pending(SIGUSR1));
	signal(SIGUSR1, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	raise(SIGWINCH);
	raise(SIGURG);
	raise(SIGCHLD);
	printf("SIGWINCH, SIGURG and SIGCHLD by default: ignored\n");
}

int main(void)
{
	setup();
	watchdog(60);
	flags();
	order();
	uc_sigmask();
	waiting();
	signalfds();
	errors();
	return 0;
}
